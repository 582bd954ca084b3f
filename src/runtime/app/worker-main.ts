/**
 * The command worker's main loop, run by a project's generated `src/worker.ts` (`npm run worker`):
 * opens the app from the environment, consumes every command partition (the broker makes one
 * worker per partition active), runs the relays and the projections' catch-up, says `ready`, and
 * on SIGTERM or SIGINT stops taking commands, finishes the one in hand within a bound, and closes.
 */
import { ConfigurationError } from '../core/errors.js';
import type { RunningWorker, StartWorkerOptions } from './bus.js';
import type { AppOptions } from './open.js';
import type { CliOutput } from './trust-command.js';

export interface WorkerMainOptions {
  /** How long the command in hand may take to finish after a stop signal (default GROUNDWORK_WORKER_GRACE_MS, then 10000). */
  readonly graceMs?: number | undefined;
  readonly output?: CliOutput | undefined;
  /** Resolves to stop the worker; default the first SIGTERM or SIGINT. */
  readonly stopSignal?: Promise<unknown> | undefined;
}

/** What the worker needs of an app: a generated project's `createApp` result has it. */
export interface WorkerApp {
  startWorker(options?: StartWorkerOptions): Promise<RunningWorker>;
  close(): Promise<void>;
}

/** Runs until stopped; resolves to the process exit code (1 when the worker cannot start). */
export async function runWorker(open: (options: AppOptions) => Promise<WorkerApp>, options: WorkerMainOptions = {}): Promise<number> {
  const output = options.output ?? { stdout: (t: string) => void process.stdout.write(t), stderr: (t: string) => void process.stderr.write(t) };
  let app: WorkerApp | undefined;
  try {
    app = await open({});
    const worker = await app.startWorker({ graceMs: options.graceMs ?? graceFromEnv() });
    await worker.ready;
    output.stdout(`worker ready (pid ${process.pid}), partitions ${worker.partitions().join(', ')}\n`);
    process.send?.('ready');
    await (options.stopSignal ?? firstSignal());
    output.stdout('worker stopping: finishing the command in hand\n');
    await worker.stop();
  } catch (error) {
    await app?.close();
    if (!(error instanceof ConfigurationError)) throw error;
    output.stderr(`error ${error.code}: ${error.message}\n`);
    return 1;
  }
  await app.close();
  output.stdout('worker stopped\n');
  return 0;
}

/** Resolves on the first SIGTERM or SIGINT: how a long-running entry learns to stop. */
export function firstSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve(signal);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

function graceFromEnv(): number {
  const value = Number(process.env['GROUNDWORK_WORKER_GRACE_MS']);
  return Number.isFinite(value) && value > 0 ? value : 10_000;
}
