/** The `groundwork` command line: the list of commands, each declaring its own flags. */
import { Command } from 'commander';
import { processIo, type Io } from '../terminal/io.js';
import { reportFailure } from '../terminal/report.js';
import { version } from '../version.js';
import type { CommandContext, Registration } from './command.js';
import { bench } from './commands/bench.js';
import { gen } from './commands/gen.js';
import { schema } from './commands/schema.js';
import { validate } from './commands/validate.js';

const COMMANDS: readonly Registration[] = [validate, gen, bench, schema];

function buildProgram(context: CommandContext): Command {
  const program = new Command('groundwork')
    .description('Generate typed, auditable event-sourced TypeScript from *.groundwork.yaml specs.')
    .version(version(), '-v, --version')
    .showSuggestionAfterError(true)
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: (s) => context.io.stdout(s), writeErr: (s) => context.io.stderr(s) });
  for (const register of COMMANDS) register(program, context);
  return program;
}

/** Runs the CLI and resolves to its exit code; never throws for a user mistake. */
export async function run(argv: readonly string[], io: Io = processIo(), stdinIsTTY = process.stdin.isTTY === true): Promise<number> {
  let exitCode = 0;
  const program = buildProgram({ io, stdinIsTTY, exit: (code) => (exitCode = code) });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    return reportFailure(error, io, 'groundwork');
  }
}
