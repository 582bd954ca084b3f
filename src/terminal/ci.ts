/** Where the process runs: under CI, or in a terminal a person can answer. */
import type { Io } from './io.js';

/** CI set to anything but '', '0' or 'false' means a CI job. */
export function isCi(env: NodeJS.ProcessEnv): boolean {
  const ci = env['CI'];
  return ci !== undefined && ci !== '' && ci !== '0' && ci !== 'false';
}

/** A person may be asked questions: both ends are a terminal and this is not a CI job. */
export function canPrompt(io: Io, stdinIsTTY: boolean): boolean {
  return stdinIsTTY && io.stdoutIsTTY && !isCi(io.env);
}
