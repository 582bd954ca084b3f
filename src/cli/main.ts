/** The `groundwork` command line. Commands are thin: they parse flags and call the compiler. */
import { Command, CommanderError, Option } from 'commander';
import { createColors, colorEnabled } from './color.js';
import { benchCommand } from './commands/bench.js';
import { genCommand } from './commands/gen.js';
import { schemaCommand } from './commands/schema.js';
import { sliceCommand } from './commands/slice.js';
import { terminalAsker } from './prompt.js';
import { validateCommand, type DiagnosticFormat } from './commands/validate.js';
import { CliError } from './errors.js';
import { processIo, type Io } from './io.js';
import { version } from './version.js';


function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('groundwork')
    .description('Generate typed, auditable event-sourced TypeScript from *.groundwork.yaml specs.')
    .version(version(), '-v, --version')
    .showSuggestionAfterError(true)
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });

  program
    .command('validate')
    .description('check spec files: every finding, sorted by file and position')
    .argument('[paths...]', 'spec files or folders (default: every *.groundwork.yaml under the current folder)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'github']).default('text'))
    .option('--json', 'same as --format json')
    .option('--strict', 'fail on warnings too')
    .action((paths: string[], opts: { format: DiagnosticFormat; json?: boolean; strict?: boolean }) => {
      setExit(validateCommand(io, paths, { format: opts.json === true ? 'json' : opts.format, strict: opts.strict === true }));
    });

  const gen = program
    .command('gen')
    .enablePositionalOptions()
    .description('generate the project code from the specs: write only what changed, never overwrite your files')
    .argument('[paths...]', 'spec files or folders (default: every *.groundwork.yaml under the current folder)')
    .option('--out <dir>', 'the project folder to write into', '.')
    .option('--dry-run', 'print what would be created, updated or deleted; write nothing')
    .option('--diff', 'print unified diffs of what would change; write nothing')
    .option('--check', 'exit 1 if the generated code is out of date (for CI); write nothing')
    .option('--deep', 'with --check: also read your files and report exports the wiring cannot find')
    .option('--force <path>', 'overwrite this scaffolded file (repeatable)', (value: string, previous: string[]) => [...previous, value], [] as string[])
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'github']).default('text'))
    .option('--json', 'same as --format json')
    .action((paths: string[], opts: { out: string; dryRun?: boolean; diff?: boolean; check?: boolean; deep?: boolean; force: string[]; format: DiagnosticFormat; json?: boolean }) => {
      setExit(
        genCommand(io, paths, {
          out: opts.out,
          dryRun: opts.dryRun === true,
          diff: opts.diff === true,
          check: opts.check === true,
          deep: opts.deep === true,
          force: opts.force,
          format: opts.json === true ? 'json' : opts.format,
        }),
      );
    });

  gen
    .command('slice')
    .description('add a command (and its new events) to the spec, keeping its comments, and generate its slice')
    .argument('<target>', 'Aggregate.Command, for example Task.RenameTask')
    .option('--input <fields>', 'input fields: name:type, comma-separated; end a type with ? for optional (reason:string?)')
    .option('--emits <events>', 'the events it records, comma-separated; new ones are declared with the input fields')
    .option('--allow <roles>', 'the roles that may run it, comma-separated, or public')
    .option('--actors <kinds>', 'human, agent, service, job (default all)')
    .option('--creates', 'the command starts a new aggregate')
    .option('--undo <command>', 'the command that undoes this one')
    .option('--description <text>', 'what the command does, for people')
    .option('--out <dir>', 'the project folder to write into', '.')
    .option('--dry-run', 'show the spec change and the plan; write nothing')
    .option('--no-interactive', 'never ask: fail, naming the flag, when something is missing')
    .action(async (target: string, opts: { input?: string; emits?: string; allow?: string; actors?: string; creates?: boolean; undo?: string; description?: string; out: string; dryRun?: boolean; interactive: boolean }) => {
      const interactive = opts.interactive && io.stdoutIsTTY && process.stdin.isTTY === true && (io.env['CI'] === undefined || io.env['CI'] === '' || io.env['CI'] === 'false');
      setExit(await sliceCommand(io, target, { ...opts, dryRun: opts.dryRun === true }, interactive ? terminalAsker : undefined));
    });

  program
    .command('bench')
    .description('measure the generated code beside its baselines (in a built project, or --fixture bank)')
    .option('--fixture <template>', 'benchmark a freshly scaffolded template (bank) instead of the current project')
    .option('--quick', 'tiny sizes: a smoke test, not a measurement')
    .option('--filter <pattern>', 'only the suites whose name matches (replay, load, commands, group, trust, generator)')
    .option('--json <file>', 'write the results and the environment as JSON')
    .option('--compare <file>', 'compare with an earlier --json run; exit 1 on a regression')
    .option('--threshold <percent>', 'how much worse counts as a regression', '20')
    .action((opts: { fixture?: string; quick?: boolean; filter?: string; json?: string; compare?: string; threshold: string }) => {
      const threshold = Number(opts.threshold);
      if (!Number.isFinite(threshold) || threshold < 0) throw new CliError('GW9001', `--threshold ${opts.threshold} is not a percentage`, { hint: 'for example --threshold 20' });
      setExit(benchCommand(io, { fixture: opts.fixture, quick: opts.quick === true, filter: opts.filter, json: opts.json, compare: opts.compare, threshold }));
    });

  program
    .command('schema')
    .description('print the JSON Schema of the spec format, or write it with --out')
    .option('--out <file>', 'write the schema to this file')
    .action((opts: { out?: string }) => {
      setExit(schemaCommand(io, opts.out === undefined ? {} : { out: opts.out }));
    });

  return program;
}

/** Runs the CLI and resolves to its exit code; never throws for a user mistake. */
export async function run(argv: readonly string[], io: Io = processIo()): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    return reportFailure(error, io);
  }
}

function reportFailure(error: unknown, io: Io): number {
  const c = createColors(colorEnabled(io.env, io.stderrIsTTY));
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
    io.stderr(`${c.dim('GW9001')} run \`groundwork --help\` for usage\n`);
    return 2;
  }
  if (error instanceof CliError) {
    io.stderr(`${c.red('error')} ${c.dim(error.code)} ${error.message}\n`);
    if (error.hint !== undefined) io.stderr(`  ${c.cyan('hint:')} ${error.hint}\n`);
    return error.exitCode;
  }
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  io.stderr(`${c.red('error')} ${c.dim('GW9999')} internal error: this is a bug in groundwork\n${stack}\n`);
  return 2;
}
