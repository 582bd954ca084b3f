/** `create-groundwork [dir]` (what `npm create groundwork` runs): scaffold a new project. */
import { Command, CommanderError } from 'commander';
import { colorEnabled, createColors } from '../cli/color.js';
import { CliError } from '../cli/errors.js';
import { processIo, type Io } from '../cli/io.js';
import { version } from '../cli/version.js';
import { terminalAsker } from '../cli/prompt.js';
import { CancelledError, resolveOptions, type Asker } from './options.js';
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

export async function runCreate(argv: readonly string[], io: Io = processIo(), ask: Asker = terminalAsker, stdinIsTTY = process.stdin.isTTY === true): Promise<number> {
  const colors = createColors(colorEnabled(io.env, io.stdoutIsTTY));
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
  let exit = 0;
  program.action(async (dir: string | undefined, flags: Flags) => {
    const interactive = flags.interactive && stdinIsTTY && io.stdoutIsTTY && !isCi(io.env);
    const options = await resolveOptions(
      { dir, name: flags.name, template: flags.template, packageManager: flags.packageManager, git: flagGiven(argv, 'git') ? flags.git : undefined, install: flagGiven(argv, 'install') ? flags.install : undefined, yes: flags.yes, overwrite: flags.overwrite, groundwork: flags.groundwork },
      { cwd: io.cwd, interactive, userAgent: io.env['npm_config_user_agent'], ask, version: version() },
    );
    await scaffold(options, { cwd: io.cwd, colors, stdout: io.stdout, stderr: io.stderr });
    exit = 0;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exit;
  } catch (error) {
    if (error instanceof CommanderError) return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : 2;
    if (error instanceof CancelledError) {
      io.stderr('Cancelled: nothing was written.\n');
      return 1;
    }
    if (error instanceof CliError) {
      io.stderr(`${colors.red('error')} ${colors.dim(error.code)} ${error.message}\n`);
      if (error.hint !== undefined) io.stderr(`  ${colors.cyan('hint:')} ${error.hint}\n`);
      return error.exitCode;
    }
    io.stderr(`${colors.red('error')} ${colors.dim('GW9999')} internal error: this is a bug in create-groundwork\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 2;
  }
}

function isCi(env: NodeJS.ProcessEnv): boolean {
  return env['CI'] !== undefined && env['CI'] !== '' && env['CI'] !== 'false' && env['CI'] !== '0';
}

/** Whether --git / --no-git (or the install pair) was given, so a default can still be asked for. */
function flagGiven(argv: readonly string[], name: string): boolean {
  return argv.includes(`--${name}`) || argv.includes(`--no-${name}`);
}
