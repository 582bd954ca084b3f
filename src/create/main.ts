/** `create-groundwork [dir]` (what `npm create groundwork` runs): scaffold a new project. */
import { Command } from 'commander';
import { canPrompt } from '../terminal/ci.js';
import { stdoutColors } from '../terminal/color.js';
import { processIo, type Io } from '../terminal/io.js';
import { terminalAsker, type Asker } from '../terminal/prompt.js';
import { reportFailure } from '../terminal/report.js';
import { version } from '../version.js';
import { CancelledError, resolveOptions } from './options.js';
import { scaffold } from './scaffold.js';

interface Flags {
  name?: string;
  template?: string;
  packageManager?: string;
  git: boolean;
  install: boolean;
  yes?: boolean;
  interactive: boolean;
  overwrite?: boolean;
  groundwork?: string;
}

export async function runCreate(
  argv: readonly string[],
  io: Io = processIo(),
  ask: Asker = terminalAsker,
  stdinIsTTY = process.stdin.isTTY === true,
): Promise<number> {
  const program = new Command('create-groundwork')
    .description('Create a Groundwork project: a spec, the generated code, your code, tests.')
    .argument('[dir]', 'the folder to create (it must be empty, unless --overwrite)')
    .option('--name <name>', 'the package name (default: the folder name)')
    .option('-t, --template <template>', 'blank, subscriptions or bank')
    .option('--package-manager <pm>', 'npm, pnpm, yarn or bun (default: the one running this)')
    .option('--no-git', 'do not initialise a git repository')
    .option('--no-install', 'do not install dependencies')
    .option('-y, --yes', 'accept the default for every question not answered by a flag')
    .option('--no-interactive', 'never ask: fail, naming the flag, when something is missing')
    .option('--overwrite', 'write into a folder that is not empty')
    .option('--groundwork <spec>', 'the groundwork version spec for package.json (for example a tarball path)')
    .version(version(), '-v, --version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });
  program.action(async (dir: string | undefined, flags: Flags) => {
    const interactive = flags.interactive && canPrompt(io, stdinIsTTY);
    const options = await resolveOptions(
      {
        dir,
        name: flags.name,
        template: flags.template,
        packageManager: flags.packageManager,
        git: flagGiven(argv, 'git') ? flags.git : undefined,
        install: flagGiven(argv, 'install') ? flags.install : undefined,
        yes: flags.yes,
        overwrite: flags.overwrite,
        groundwork: flags.groundwork,
      },
      { cwd: io.cwd, interactive, userAgent: io.env['npm_config_user_agent'], ask, version: version() },
    );
    await scaffold(options, { cwd: io.cwd, colors: stdoutColors(io), stdout: io.stdout, stderr: io.stderr });
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (!(error instanceof CancelledError)) return reportFailure(error, io, 'create-groundwork');
    io.stderr('Cancelled: nothing was written.\n');
    return 1;
  }
}

/** Whether --git / --no-git (or the install pair) was given, so a default can still be asked for. */
function flagGiven(argv: readonly string[], name: string): boolean {
  return argv.includes(`--${name}`) || argv.includes(`--no-${name}`);
}
