/**
 * Commands across processes: the dispatcher answers at the edge (validated, authorized, then
 * durable on the bus or in the database before "accepted"), the worker runs what its partitions
 * deliver through the same pipeline, and the relays move what waited in the database to the bus.
 * Everything here speaks to ports; the composition root wires RabbitMQ and PostgreSQL in.
 */
import type { CommandBus, CommandMessage, Delivery, EventBus, Settlement } from '../ports/bus.js';
import type { CommandOutbox, CommandStatus, Leases } from '../ports/command-outbox.js';
import type { AuditRecord, EventStore, Outcome } from '../ports/event-store.js';
import type { Outbox } from '../ports/outbox.js';
import type { AnyCommand, CommandDefinition } from './definitions.js';
import type { Clock } from './ids.js';
import type { CommandPipeline, Failure } from './pipeline.js';
import type { CommandContext, DomainEvent } from './types.js';

export type DispatchResult =
  /** Durable and on its way: on the bus (confirmed), or in the command outbox until the bus takes it. */
  | { readonly ok: true; readonly commandId: string; readonly via: 'bus' | 'outbox' | 'in-process' }
  /** Refused at the edge (invalid, forbidden: audited), or not durable anywhere (`storage`). */
  | { readonly ok: false; readonly commandId: string; readonly error: Failure };

/** The checks made before a command is queued, and the message it travels as once it passed them (a refusal otherwise). */
async function admitted<I, S, E extends DomainEvent>(
  pipeline: CommandPipeline,
  clock: Clock,
  definition: CommandDefinition<I, S, E>,
  input: unknown,
  context: unknown,
): Promise<CommandMessage | Extract<DispatchResult, { ok: false }>> {
  const admission = await pipeline.admit(definition, input, context);
  if (!admission.ok) return admission;
  return {
    commandId: admission.commandId,
    command: definition.name,
    input,
    context: admission.context,
    bucket: admission.bucket,
    acceptedAt: clock().toISOString(),
  };
}

export class Dispatcher {
  readonly #pipeline: CommandPipeline;
  readonly #bus: CommandBus;
  readonly #outbox: CommandOutbox;
  readonly #clock: Clock;
  /** Set while commands this process put in the outbox may still wait there: later ones queue behind them, in order. */
  #behindOutbox = false;
  #checkedAt = 0;
  /** Commands this process handed to the bus, by id, with their tenant: the most recent 10,000. */
  readonly #accepted = new Map<string, string>();

  constructor(pipeline: CommandPipeline, bus: CommandBus, outbox: CommandOutbox, clock: Clock) {
    this.#pipeline = pipeline;
    this.#bus = bus;
    this.#outbox = outbox;
    this.#clock = clock;
  }

  async dispatch<I, S, E extends DomainEvent>(definition: CommandDefinition<I, S, E>, input: unknown, context: unknown): Promise<DispatchResult> {
    const message = await admitted(this.#pipeline, this.#clock, definition, input, context);
    if (!('bucket' in message)) return message;
    if (!(await this.#outboxInTheWay())) {
      try {
        await this.#bus.publish(message);
        this.#remember(message);
        return { ok: true, commandId: message.commandId, via: 'bus' };
      } catch {
        // Unreachable, returned, refused or unconfirmed: the database keeps it (a late confirm makes a duplicate, which the worker absorbs).
      }
    }
    try {
      await this.#outbox.add(message);
      this.#behindOutbox = true;
      return { ok: true, commandId: message.commandId, via: 'outbox' };
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      return { ok: false, commandId: message.commandId, error: { code: 'storage', message: `neither the bus nor the database took the command: ${why}` } };
    }
  }

  /** Whether this process handed the command to the bus (so it exists, though nothing is written about it yet). */
  accepted(commandId: string, tenant: string): boolean {
    return this.#accepted.get(commandId) === tenant;
  }

  #remember(message: CommandMessage): void {
    this.#accepted.set(message.commandId, message.context.tenant);
    if (this.#accepted.size > 10_000) this.#accepted.delete(this.#accepted.keys().next().value!);
  }

  /** True while this process's earlier commands may still wait in the outbox (checked at most every 250 ms). */
  async #outboxInTheWay(): Promise<boolean> {
    if (!this.#behindOutbox) return false;
    const now = Date.now();
    if (now - this.#checkedAt < 250) return true;
    this.#checkedAt = now;
    this.#behindOutbox = (await this.#outbox.pending(1).catch(() => [1])).length > 0;
    return this.#behindOutbox;
  }
}

export interface WorkerOptions {
  /** How long to wait between attempts while the store is unreachable (default 500 ms). */
  readonly storageRetryMs?: number | undefined;
  /** Told of each settled delivery (logs, metrics, tests). */
  readonly onSettled?: ((message: CommandMessage, settlement: Settlement, outcome: string) => void) | undefined;
}

/** Runs delivered commands through the pipeline; the audit log's command id makes a second delivery return the first outcome. */
export class CommandWorker {
  readonly #pipeline: CommandPipeline;
  readonly #commands: Readonly<Record<string, AnyCommand>>;
  readonly #outbox: CommandOutbox;
  readonly #deliveryLimit: number;
  readonly #options: WorkerOptions;
  #stopping = false;

  constructor(
    pipeline: CommandPipeline,
    commands: Readonly<Record<string, AnyCommand>>,
    outbox: CommandOutbox,
    deliveryLimit: number,
    options: WorkerOptions = {},
  ) {
    this.#pipeline = pipeline;
    this.#commands = commands;
    this.#outbox = outbox;
    this.#deliveryLimit = deliveryLimit;
    this.#options = options;
  }

  /** Stops retrying: a delivery in hand that cannot be settled goes back to its queue, in order. */
  stop(): void {
    this.#stopping = true;
  }

  async handle(delivery: Delivery): Promise<Settlement> {
    const settlement = await this.#settle(delivery);
    this.#options.onSettled?.(delivery.message, settlement.settlement, settlement.outcome);
    return settlement.settlement;
  }

  async #settle({ message, previousDeliveries, abandoned }: Delivery): Promise<{ settlement: Settlement; outcome: string }> {
    const definition = Object.hasOwn(this.#commands, message.command) ? this.#commands[message.command] : undefined;
    if (definition === undefined) return this.#park(message, `this project has no command ${message.command}`);
    // Attempts are made here, holding the message, so no later command of its partition overtakes it.
    for (let attempts = previousDeliveries; ; ) {
      const known = await this.#outbox.status(message.commandId, message.context.tenant).catch(() => undefined);
      if (known !== undefined && (known.status === 'succeeded' || known.status === 'rejected' || (known.status === 'failed' && known.parked !== null))) {
        return { settlement: { settle: 'ack' }, outcome: `${known.status} before` };
      }
      // Under an approval, the pipeline derives the id from the approval again (callers may not name such ids).
      const context: CommandContext = message.context.approvalId === undefined ? { ...message.context, commandId: message.commandId } : message.context;
      const result = known === undefined ? undefined : await this.#pipeline.execute(definition, message.input, context);
      if (result?.ok === true) return { settlement: { settle: 'ack' }, outcome: 'succeeded' };
      if (result !== undefined && result.error.code !== 'storage' && result.error.code !== 'internal') {
        return { settlement: { settle: 'ack' }, outcome: result.error.code };
      }
      // The command's own code fails (audited each time): try again, and park it after as many attempts as deliveries allowed.
      if (result?.error.code === 'internal' && ++attempts >= this.#deliveryLimit) return this.#park(message, result.error.message);
      // Otherwise the store is unreachable: wait and try again, unless this worker stops or gave the partition up.
      if (this.#stopping || abandoned()) return { settlement: { settle: 'retry' }, outcome: result?.error.code ?? 'storage' };
      await new Promise((resolve) => setTimeout(resolve, this.#options.storageRetryMs ?? 500));
    }
  }

  async #park(message: CommandMessage, reason: string): Promise<{ settlement: Settlement; outcome: string }> {
    await this.#outbox.parked(message, reason);
    return { settlement: { settle: 'park', reason }, outcome: 'parked' };
  }
}

export interface RelayOptions {
  /** Identifies this process's relay in the lease. */
  readonly holder: string;
  /** How often to look for work when not woken (default 200 ms). */
  readonly intervalMs?: number | undefined;
  /** Messages per batch (default 200). */
  readonly batch?: number | undefined;
  readonly onError?: ((error: unknown) => void) | undefined;
}

/** A loop that one process at a time runs (a lease, renewed every round), woken early by `wake()`. */
abstract class LeasedLoop {
  readonly #leases: Leases;
  readonly #name: string;
  protected readonly options: RelayOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(leases: Leases, name: string, options: RelayOptions) {
    this.#leases = leases;
    this.#name = name;
    this.options = options;
  }

  start(): void {
    this.#schedule(0);
  }

  wake(): void {
    if (!this.#stopped && this.#running === undefined) this.#schedule(0);
  }

  /** Runs rounds until one finds nothing to do (for tests and shutdown). */
  async drain(): Promise<void> {
    while (await this.#round()) {}
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
    await this.#leases.release(this.#name, this.options.holder).catch(() => undefined);
  }

  #schedule(ms: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#running = this.#round()
        .then((more) => {
          this.#running = undefined;
          if (!this.#stopped) this.#schedule(more ? 0 : (this.options.intervalMs ?? 200));
        })
        .catch((error: unknown) => {
          this.#running = undefined;
          this.options.onError?.(error);
          if (!this.#stopped) this.#schedule(this.options.intervalMs ?? 200);
        });
    }, ms);
    this.#timer.unref();
  }

  /** One round under the lease; true when there may be more to do. */
  async #round(): Promise<boolean> {
    if (!(await this.stillHeld())) return false;
    return this.work();
  }

  /** Takes or renews the lease; false when another process holds it (then this one must stop). */
  protected stillHeld(): Promise<boolean> {
    return this.#leases.acquire(this.#name, this.options.holder, Math.max(5000, (this.options.intervalMs ?? 200) * 10));
  }

  protected abstract work(): Promise<boolean>;
}

/** Hands the commands that waited in the database to the bus, oldest first, and marks them once confirmed. */
export class CommandRelay extends LeasedLoop {
  readonly #outbox: CommandOutbox;
  readonly #bus: CommandBus;

  constructor(outbox: CommandOutbox, bus: CommandBus, leases: Leases, options: RelayOptions) {
    super(leases, 'command-relay', options);
    this.#outbox = outbox;
    this.#bus = bus;
  }

  protected async work(): Promise<boolean> {
    const batch = await this.#outbox.pending(this.options.batch ?? 200);
    if (batch.length === 0) return false;
    const sent: string[] = [];
    try {
      // One at a time, in order: a later command of a stream never overtakes an earlier one.
      for (const message of batch) {
        // Renewed as it goes: a relay that lost its lease stops (what it sent is marked; the rest is the other's).
        if (sent.length % 50 === 49 && !(await this.stillHeld())) break;
        await this.#bus.publish(message);
        sent.push(message.commandId);
      }
    } finally {
      if (sent.length > 0) await this.#outbox.published(sent);
    }
    return batch.length === (this.options.batch ?? 200);
  }
}

/**
 * Publishes committed events in commit order (so per bucket in chain order), then, still holding
 * its lease, moves its position with a compare-and-set: a relay that lost the lease stops before
 * moving it, two can never move it past each other, and one that dies mid-batch leaves the batch to
 * be published again (duplicates bounded by the batch; message ids let subscribers drop them).
 */
export class EventRelay extends LeasedLoop {
  readonly #events: EventStore;
  readonly #outbox: Outbox;
  readonly #bus: EventBus;

  constructor(events: EventStore, outbox: Outbox, bus: EventBus, leases: Leases, options: RelayOptions) {
    super(leases, 'event-relay', options);
    this.#events = events;
    this.#outbox = outbox;
    this.#bus = bus;
  }

  protected async work(): Promise<boolean> {
    const from = await this.#outbox.position(RELAY);
    const { events, next } = await this.#events.readAll(from, this.options.batch ?? 200);
    if (events.length === 0) return false;
    await this.#bus.publish(events);
    // Only the lease holder moves the position (and only from where it read): a relay that lost the lease republished at most this batch.
    if (!(await this.stillHeld()) || !(await this.#outbox.advance(RELAY, from, next))) return false;
    return events.length === (this.options.batch ?? 200);
  }
}

/** The event relay's name in the outbox positions. */
export const RELAY = 'rabbitmq';

/**
 * What the audit records of a command and its command-outbox row (if any) say about it: an
 * accepted record wins, then a refusal, then a failure or parking, then the queue.
 */
export function commandStatusOf(
  commandId: string,
  audits: readonly { readonly outcome: Outcome; readonly streamId: string; readonly audit: AuditRecord }[],
  queued: { readonly queued: boolean; readonly parked: string | null } | undefined,
): CommandStatus {
  const accepted = audits.find((a) => a.outcome === 'accepted');
  if (accepted !== undefined) return { status: 'succeeded', commandId, streamId: accepted.streamId, versions: accepted.audit.versions };
  const refused = audits.find((a) => a.outcome === 'rejected' || a.outcome === 'denied' || a.outcome === 'invalid');
  if (refused !== undefined)
    return { status: 'rejected', commandId, outcome: refused.outcome as 'rejected' | 'denied' | 'invalid', error: refused.audit.error };
  const parked = queued?.parked ?? null;
  const failed = audits[audits.length - 1];
  if (failed !== undefined || parked !== null) return { status: 'failed', commandId, error: failed?.audit.error ?? null, parked };
  if (queued?.queued === true) return { status: 'queued', commandId };
  return { status: 'unknown', commandId };
}

/**
 * Commands accepted to run later on the embedded store (its answer to "respond at once"): admitted
 * at the edge like a dispatch, kept durable in the command outbox, and run in the order accepted by
 * one loop in the one process that holds the queue's lease (the files's other processes leave it
 * alone). A store failure leaves the command waiting and retries it; a command that fails in code
 * is retried, then parked with the reason; what a crash left waiting runs when a runner starts.
 */
export class LocalQueue {
  readonly #pipeline: CommandPipeline;
  readonly #commands: Readonly<Record<string, AnyCommand>>;
  readonly #outbox: CommandOutbox;
  readonly #leases: Leases;
  readonly #clock: Clock;
  readonly #holder: string;
  readonly #attempts = new Map<string, number>();
  #running: Promise<void> | undefined;
  #again = false;
  #started = false;
  #stopped = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #backoffMs = 100;

  constructor(pipeline: CommandPipeline, commands: Readonly<Record<string, AnyCommand>>, outbox: CommandOutbox, leases: Leases, clock: Clock, holder: string) {
    this.#pipeline = pipeline;
    this.#commands = commands;
    this.#outbox = outbox;
    this.#leases = leases;
    this.#clock = clock;
    this.#holder = holder;
  }

  async enqueue<I, S, E extends DomainEvent>(definition: CommandDefinition<I, S, E>, input: unknown, context: unknown): Promise<DispatchResult> {
    const message = await admitted(this.#pipeline, this.#clock, definition, input, context);
    if (!('bucket' in message)) return message;
    try {
      await this.#outbox.add(message);
    } catch (error) {
      return {
        ok: false,
        commandId: message.commandId,
        error: { code: 'storage', message: `the command could not be kept: ${error instanceof Error ? error.message : String(error)}` },
      };
    }
    this.start();
    return { ok: true, commandId: message.commandId, via: 'outbox' };
  }

  /** Runs what waits now and whenever more comes (looking again every second, for work a crashed runner left). */
  start(): void {
    if (this.#stopped) return;
    this.#started = true;
    this.#kick();
  }

  /** Stops taking new rounds, waits for the command in hand, and lets another process run the queue. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await this.#running;
    if (this.#started) await this.#leases.release(LOCAL_QUEUE, this.#holder).catch(() => undefined);
  }

  #kick(): void {
    if (this.#stopped || !this.#started) return;
    if (this.#running !== undefined) {
      this.#again = true;
      return;
    }
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#running = this.#round().then(
      (waitMs) => this.#settle(waitMs),
      () => this.#settle(this.#backoff()),
    );
  }

  #settle(waitMs: number): void {
    this.#running = undefined;
    if (this.#again) {
      this.#again = false;
      this.#kick();
      return;
    }
    if (this.#stopped) return;
    this.#timer = setTimeout(() => this.#kick(), waitMs);
    this.#timer.unref();
  }

  /** One round: everything that waits, in order, while this process holds the lease; answers how long to wait before the next. */
  async #round(): Promise<number> {
    for (;;) {
      if (this.#stopped) return 1000;
      if (!(await this.#leases.acquire(LOCAL_QUEUE, this.#holder, LEASE_MS))) return 1000;
      const [message] = await this.#outbox.pending(1);
      if (message === undefined) {
        this.#backoffMs = 100;
        return 1000;
      }
      if (!(await this.#run(message))) return this.#backoff();
    }
  }

  /** Runs one waiting command; false when it must be tried again later (it keeps its place). */
  async #run(message: CommandMessage): Promise<boolean> {
    const definition = this.#commands[message.command];
    if (definition === undefined) {
      await this.#outbox.parked(message, `no command ${message.command} in this version of the project`);
      return true;
    }
    let failure: string | undefined;
    try {
      // The command's own id is in its context: a run a crash interrupted replays its first outcome.
      const result = await this.#pipeline.execute(definition, message.input, message.context);
      // Nothing was written: the store is failing; the command waits for it, in its place.
      if (!result.ok && result.error.code === 'storage') return false;
      if (!result.ok && result.error.code === 'internal') failure = result.error.message;
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
    }
    if (failure !== undefined) {
      const attempts = (this.#attempts.get(message.commandId) ?? 0) + 1;
      this.#attempts.set(message.commandId, attempts);
      if (attempts < LOCAL_ATTEMPTS) return false;
      await this.#outbox.parked(message, `failed ${attempts} times: ${failure}`);
    }
    this.#attempts.delete(message.commandId);
    await this.#outbox.published([message.commandId]);
    this.#backoffMs = 100;
    return true;
  }

  #backoff(): number {
    const wait = this.#backoffMs;
    this.#backoffMs = Math.min(this.#backoffMs * 2, 5000);
    return wait;
  }
}

/** The lease naming the process that runs an embedded file's command queue, and how long it holds without renewing. */
const LOCAL_QUEUE = 'local-queue';
const LEASE_MS = 10_000;
/** Runs of a command that fails in code before it is parked. */
const LOCAL_ATTEMPTS = 3;
