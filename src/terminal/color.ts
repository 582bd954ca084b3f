/** Terminal colours, decided once from the environment (NO_COLOR, FORCE_COLOR, TERM, TTY). */
import { Chalk } from 'chalk';
import type { Io } from './io.js';

export interface Colors {
  readonly enabled: boolean;
  red(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
  green(text: string): string;
}

export function colorEnabled(env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  const force = env['FORCE_COLOR'];
  if (force !== undefined && force !== '' && force !== '0' && force !== 'false') return true;
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  if (force === '0' || force === 'false') return false;
  if (env['TERM'] === 'dumb') return false;
  return isTTY;
}

/** Basic 16-colour codes when enabled: every colour used here is one of them. */
export function createColors(enabled: boolean): Colors {
  const chalk = new Chalk({ level: enabled ? 1 : 0 });
  return {
    enabled,
    red: (text) => chalk.red(text),
    yellow: (text) => chalk.yellow(text),
    cyan: (text) => chalk.cyan(text),
    green: (text) => chalk.green(text),
    dim: (text) => chalk.dim(text),
    bold: (text) => chalk.bold(text),
  };
}

export function stdoutColors(io: Io): Colors {
  return createColors(colorEnabled(io.env, io.stdoutIsTTY));
}

export function stderrColors(io: Io): Colors {
  return createColors(colorEnabled(io.env, io.stderrIsTTY));
}
