/** What every groundwork command is given, and how it adds itself to the command line. */
import { Option, type Command } from 'commander';
import type { Io } from '../terminal/io.js';

export interface CommandContext {
  readonly io: Io;
  readonly stdinIsTTY: boolean;
  /** Records the exit code of the command that ran. */
  exit(code: number): void;
}

/** Declares one command (its arguments, options and action) under `parent`. */
export type Registration = (parent: Command, context: CommandContext) => Command;

export type DiagnosticFormat = 'text' | 'json' | 'github';

/** `--format text|json|github` and its shorthand `--json`. */
export function withFormatOptions(command: Command): Command {
  return command
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'github']).default('text'))
    .option('--json', 'same as --format json');
}

export function chosenFormat(opts: { readonly format: DiagnosticFormat; readonly json?: boolean | undefined }): DiagnosticFormat {
  return opts.json === true ? 'json' : opts.format;
}

export const PATHS_ARGUMENT = ['[paths...]', 'spec files or folders (default: every *.groundwork.yaml under the current folder)'] as const;
