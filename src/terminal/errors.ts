import type { Code } from '../spec/codes.js';

/**
 * An expected failure that stops a command: printed as one line with its code and the next
 * action, never with a stack trace. Exit code 2 unless said otherwise.
 */
export class CliError extends Error {
  readonly code: Code;
  readonly hint: string | undefined;
  readonly exitCode: number;

  constructor(code: Code, message: string, options: { hint?: string; exitCode?: number } = {}) {
    super(message);
    this.name = 'CliError';
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 2;
  }
}
