/** How a failed run is told: one line for a user mistake, a stack trace only for a bug. */
import { CommanderError } from 'commander';
import { stderrColors } from './color.js';
import { CliError } from './errors.js';
import type { Io } from './io.js';

const QUIET_EXITS = new Set(['commander.helpDisplayed', 'commander.version', 'commander.help']);

/** Prints `error` for the person at the terminal and returns the exit code. */
export function reportFailure(error: unknown, io: Io, program: string): number {
  const c = stderrColors(io);
  if (error instanceof CommanderError) {
    if (QUIET_EXITS.has(error.code)) return 0;
    io.stderr(`${c.dim('GW9001')} run \`${program} --help\` for usage\n`);
    return 2;
  }
  if (error instanceof CliError) {
    io.stderr(`${c.red('error')} ${c.dim(error.code)} ${error.message}\n`);
    if (error.hint !== undefined) io.stderr(`  ${c.cyan('hint:')} ${error.hint}\n`);
    return error.exitCode;
  }
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  io.stderr(`${c.red('error')} ${c.dim('GW9999')} internal error: this is a bug in ${program}\n${stack}\n`);
  return 2;
}
