import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchArgs } from '../../bench/worker.js';
import type { Io } from '../../terminal/io.js';

/**
 * `groundwork bench`: runs the suites in a child process with --expose-gc (allocation is
 * measured), inheriting the terminal so progress shows.
 */
export function benchCommand(io: Io, args: Omit<BenchArgs, 'cwd'>): number {
  const worker = fileURLToPath(new URL('../../bench/worker.js', import.meta.url));
  const result = spawnSync(process.execPath, ['--expose-gc', worker, JSON.stringify({ ...args, cwd: io.cwd })], { cwd: io.cwd, stdio: 'inherit', env: io.env });
  return result.status ?? 2;
}
