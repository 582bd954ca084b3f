/**
 * The bus side of the composition root: with GROUNDWORK_BUS_URL (and a shared PostgreSQL store),
 * `dispatch` answers "accepted" once a command is durable on RabbitMQ or in the command outbox, and
 * `startWorker` runs the partitions' commands, the relays and the projections' catch-up. Without a
 * bus, `dispatch` runs the command in this process.
 */
import { randomBytes } from 'node:crypto';
import { openRabbitBus, type RabbitBus } from '../adapters/rabbitmq/index.js';
import type { PostgresStore } from '../adapters/postgres/index.js';
import type { AppDefinition, CommandDefinition } from '../core/definitions.js';
import { PartitionBalancer } from '../core/balance.js';
import { CommandRelay, CommandWorker, Dispatcher, EventRelay, LocalQueue, type DispatchResult, type WorkerOptions } from '../core/dispatch.js';
import { ConfigurationError } from '../core/errors.js';
import type { Clock } from '../core/ids.js';
import type { CommandPipeline } from '../core/pipeline.js';
import type { ProjectionRunner } from '../core/projections.js';
import type { CommandContext, DomainEvent } from '../core/types.js';
import type { CommandMessage, Settlement } from '../ports/bus.js';
import type { CommandOutbox, CommandStatus, Leases } from '../ports/command-outbox.js';

export interface BusOptions {
  /** Command partitions (default 8); every process of a project must use the same number. */
  readonly partitions?: number | undefined;
  /** Deliveries of a failing command before it is parked (default 5). */
  readonly deliveryLimit?: number | undefined;
  /** How long dispatch waits for the broker's confirm before it keeps the command in the database (default 2000 ms). */
  readonly publishTimeoutMs?: number | undefined;
}

export interface StartWorkerOptions extends WorkerOptions {
  /** How often the relays and the projections look for work when nothing woke them (default 200 ms). */
  readonly pollMs?: number | undefined;
  /** Run the command and event relays in this worker too (default true; one process at a time runs each). */
  readonly relays?: boolean | undefined;
  /** How long a worker that stopped renewing its membership keeps its partitions (default 3000 ms). */
  readonly membershipTtlMs?: number | undefined;
  /** How long stopping (or giving up a partition) waits for the command in hand (default 10000 ms). */
  readonly graceMs?: number | undefined;
}

export interface RunningWorker {
  /** Resolves once the worker consumes its share of the partitions. */
  readonly ready: Promise<void>;
  /** The partitions it consumes now (its share changes as workers come and go). */
  partitions(): readonly number[];
  /** Stops taking commands, finishes the one in hand (at most the grace time), stops the relays. */
  stop(): Promise<void>;
}

export interface Scaling {
  dispatch<I, S, E extends DomainEvent>(command: CommandDefinition<I, S, E>, input: unknown, context: CommandContext): Promise<DispatchResult>;
  /**
   * Accepts a command to run later and answers once it is durable: `dispatch` on a bus; on the
   * embedded store it is kept in the command outbox and run in this process, in order, and what a
   * crash left waiting runs when the app opens again. Refusals at the edge are answered at once.
   */
  enqueue<I, S, E extends DomainEvent>(command: CommandDefinition<I, S, E>, input: unknown, context: CommandContext): Promise<DispatchResult>;
  /**
   * Makes this process the runner of the embedded store's queue (when no other process is): what
   * waits runs now, what comes later as it comes. The first `enqueue` does it too; on a bus, workers run commands.
   */
  runQueue(): void;
  /** What is known of a dispatched command: queued (in the outbox), accepted (by this process, on the bus), unknown, succeeded, rejected or failed. */
  commandStatus(commandId: string, tenant: string): Promise<CommandStatus>;
  /** Waits until the command has an outcome (succeeded, rejected, or failed and parked), or the timeout passes. */
  waitFor(commandId: string, tenant: string, timeoutMs: number): Promise<CommandStatus>;
  startWorker(options?: StartWorkerOptions): Promise<RunningWorker>;
  /**
   * Keeps this process's projections up to date with what any process commits: pulls from the store
   * every `pollMs` (default 1000), and at once when the bus says events were published.
   */
  followProjections(options?: { readonly pollMs?: number | undefined }): Promise<{ stop(): Promise<void> }>;
  close(): Promise<void>;
}

interface Parts {
  readonly definition: AppDefinition;
  readonly pipeline: CommandPipeline;
  readonly projections: ProjectionRunner;
  readonly clock: Clock;
  /** Makes commands wake `wake` after their commit instead of waiting for the projections (undefined: wait again). */
  readonly followProjections: (wake: (() => void) | undefined) => void;
}

/**
 * In-process: dispatch is execute; there is no worker to start. With a command outbox (the embedded
 * store), commands accepted to run later wait in it and run in this process.
 */
export function inProcess(parts: Parts, local?: { readonly outbox: CommandOutbox; readonly leases: Leases }): Scaling {
  const outbox = local?.outbox;
  const noBus = (what: string) => new ConfigurationError('no-bus', `${what} needs a bus: set GROUNDWORK_BUS_URL (and GROUNDWORK_DATABASE_URL)`);
  const execute: Scaling['dispatch'] = async (command, input, context) => {
    const result = await parts.pipeline.execute(command, input, context);
    return result.ok ? { ok: true, commandId: result.commandId, via: 'in-process' } : result;
  };
  const holder = `${process.pid}-${randomBytes(6).toString('hex')}`;
  const queue = local === undefined ? undefined : new LocalQueue(parts.pipeline, parts.definition.commands, local.outbox, local.leases, parts.clock, holder);
  const status = async (commandId: string, tenant: string): Promise<CommandStatus> => {
    if (outbox === undefined) throw noBus('command status');
    return outbox.status(commandId, tenant);
  };
  return {
    dispatch: execute,
    enqueue: (command, input, context) => (queue === undefined ? execute(command, input, context) : queue.enqueue(command, input, context)),
    runQueue: () => queue?.start(),
    commandStatus: status,
    waitFor: async (commandId, tenant, timeoutMs) => {
      if (outbox === undefined) throw noBus('waiting for a command');
      return waitUntilSettled(status, commandId, tenant, timeoutMs);
    },
    startWorker: async () => {
      throw noBus('a worker');
    },
    followProjections: async (options = {}) => follow(parts.projections, options.pollMs ?? 1000),
    close: async () => {
      await queue?.stop();
    },
  };
}

/** Asks for the status, ever less often, until the command has an outcome or the time is up. */
async function waitUntilSettled(
  status: (commandId: string, tenant: string) => Promise<CommandStatus>,
  commandId: string,
  tenant: string,
  timeoutMs: number,
): Promise<CommandStatus> {
  const until = Date.now() + timeoutMs;
  for (let wait = 5; ; wait = Math.min(wait * 2, 200)) {
    const known = await status(commandId, tenant);
    if (settled(known) || Date.now() >= until) return known;
    await new Promise((resolve) => setTimeout(resolve, Math.min(wait, Math.max(0, until - Date.now()))));
  }
}

/** Catches the projections up every `pollMs`, and at once on `wake()`; one catch-up at a time. */
function follow(projections: ProjectionRunner, pollMs: number): { wake(): void; stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  let again = false;
  const run = (): void => {
    if (running !== undefined) {
      again = true;
      return;
    }
    running = projections
      .catchUp()
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          run();
        }
      });
  };
  const timer = setInterval(run, pollMs);
  timer.unref();
  run();
  return {
    wake: run,
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}

/** On RabbitMQ and the shared store. */
export async function onBus(url: string, store: PostgresStore, parts: Parts, options: BusOptions): Promise<Scaling> {
  const bus: RabbitBus = openRabbitBus(url, {
    prefix: `gw.${store.schema}`,
    partitions: options.partitions,
    deliveryLimit: options.deliveryLimit,
    publishTimeoutMs: options.publishTimeoutMs,
  });
  // A broker that is down at start-up is not fatal: commands wait in the outbox until it is back.
  await bus.firstConnection(3000);
  const outbox = store.commandOutbox;
  const dispatcher = new Dispatcher(parts.pipeline, bus.commands, outbox, parts.clock);
  const workers = new Set<RunningWorker>();
  const status = async (commandId: string, tenant: string): Promise<CommandStatus> => {
    const known = await outbox.status(commandId, tenant);
    return known.status === 'unknown' && dispatcher.accepted(commandId, tenant) ? { status: 'accepted', commandId } : known;
  };
  return {
    dispatch: (command, input, context) => dispatcher.dispatch(command, input, context),
    enqueue: (command, input, context) => dispatcher.dispatch(command, input, context),
    runQueue: () => undefined,
    commandStatus: status,
    waitFor: (commandId, tenant, timeoutMs) => waitUntilSettled(status, commandId, tenant, timeoutMs),
    startWorker: async (workerOptions = {}) => {
      const worker = await startWorker(bus, store, parts, workerOptions);
      workers.add(worker);
      return {
        ...worker,
        stop: async () => {
          workers.delete(worker);
          await worker.stop();
        },
      };
    },
    followProjections: async (followOptions = {}) => {
      const following = follow(parts.projections, followOptions.pollMs ?? 1000);
      const wakeups = await bus.events.wakeups(() => following.wake());
      return {
        stop: async () => {
          await wakeups.close();
          await following.stop();
        },
      };
    },
    close: async () => {
      await Promise.allSettled([...workers].map((w) => w.stop()));
      await bus.close();
    },
  };
}

function settled(known: CommandStatus): boolean {
  return known.status === 'succeeded' || known.status === 'rejected' || (known.status === 'failed' && known.parked !== null);
}

async function startWorker(bus: RabbitBus, store: PostgresStore, parts: Parts, options: StartWorkerOptions): Promise<RunningWorker> {
  const holder = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const pollMs = options.pollMs ?? 200;
  const worker = new CommandWorker(parts.pipeline, parts.definition.commands, store.commandOutbox, bus.commands.deliveryLimit, options);
  const relays =
    options.relays === false
      ? []
      : [
          new CommandRelay(store.commandOutbox, bus.commands, store.leases, { holder, intervalMs: pollMs }),
          new EventRelay(store.events, store.outbox, bus.events, store.leases, { holder, intervalMs: pollMs }),
        ];
  for (const relay of relays) relay.start();
  // Commands committed by other workers reach this process's projections from the store (the bus is never the source).
  const following = follow(parts.projections, pollMs);
  // A worker acknowledges after the commit; its projections follow on their own, one catch-up at a time.
  parts.followProjections(following.wake);
  const balancer = new PartitionBalancer(store.leases, bus.commands, (delivery) => worker.handle(delivery), {
    holder,
    ttlMs: options.membershipTtlMs,
    graceMs: options.graceMs,
  });
  const ready = balancer.start();
  return {
    ready,
    partitions: () => balancer.partitions,
    stop: async () => {
      worker.stop();
      await ready.catch(() => undefined);
      await balancer.stop();
      parts.followProjections(undefined);
      await following.stop();
      await Promise.allSettled(relays.map((relay) => relay.stop()));
    },
  };
}

export type { CommandMessage, Settlement };
