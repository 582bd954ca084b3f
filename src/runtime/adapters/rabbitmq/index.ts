/**
 * The bus on RabbitMQ (rabbitmq-client: typed, publisher confirms with returns, reconnection and
 * topology recovery built in). Commands go to K partition queues (bucket mod K, computed here: 3.10
 * has no modulus-hash exchange), each a quorum queue with a single active consumer, an explicit
 * delivery limit and a parking queue behind it; events go to a topic exchange, routing key = type.
 */
import { Connection, type AsyncMessage, type Channel, type Publisher } from 'rabbitmq-client';
import type { StoredEvent } from '../../core/types.js';
import type { CommandBus, CommandMessage, CommandSubscription, Delivery, EventBus, Settlement } from '../../ports/bus.js';

export interface RabbitOptions {
  /** Names start with `<prefix>.` (queues, exchange); one prefix per project and store. */
  readonly prefix: string;
  /** Command partitions; every process of a project must use the same number (default 8). */
  readonly partitions?: number | undefined;
  /** Deliveries before the broker parks a message whatever the worker says (default 5). */
  readonly deliveryLimit?: number | undefined;
  /** How long a publish may wait for the broker's confirm before the caller falls back (default 2000 ms). */
  readonly publishTimeoutMs?: number | undefined;
  /** Messages a worker holds per partition beyond the one it runs (default 16). */
  readonly prefetch?: number | undefined;
}

export interface RabbitBus {
  readonly commands: CommandBus;
  readonly events: EventBus;
  /** Whether the connection is up right now. */
  readonly connected: boolean;
  /** Resolves when the first connection is up, or after `timeoutMs` (the bus keeps trying either way). */
  firstConnection(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** Opens one connection for both buses; reconnects by itself, backing off up to 5 s. */
export function openRabbitBus(url: string, options: RabbitOptions): RabbitBus {
  const connection = new Connection({ url, connectionTimeout: 5000, acquireTimeout: 5000, retryLow: 250, retryHigh: 5000, connectionName: options.prefix });
  // Errors here are reconnect attempts; the publishers and consumers report what matters to their callers.
  connection.on('error', () => undefined);
  const names = topology(options);
  const commands = new RabbitCommandBus(connection, names, options);
  const events = new RabbitEventBus(connection, names.events, options.publishTimeoutMs ?? 2000);
  return {
    commands,
    events,
    get connected() {
      return connection.ready;
    },
    firstConnection: (timeoutMs) =>
      connection.ready
        ? Promise.resolve(true)
        : new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(connection.ready), timeoutMs);
            connection.once('connection', () => {
              clearTimeout(timer);
              resolve(true);
            });
          }),
    close: async () => {
      await Promise.allSettled([commands.close(), events.close()]);
      await connection.close();
    },
  };
}

interface Names {
  readonly partitions: readonly string[];
  readonly parked: string;
  readonly events: string;
  readonly partitionArguments: Readonly<Record<string, unknown>>;
}

function topology(options: RabbitOptions): Names {
  const k = options.partitions ?? 8;
  if (!Number.isInteger(k) || k < 1 || k > 4096) throw new Error(`command partitions must be 1 to 4096, not ${k}`);
  const parked = `${options.prefix}.commands.parked`;
  return {
    partitions: Array.from({ length: k }, (_, p) => `${options.prefix}.commands.${p}`),
    parked,
    events: `${options.prefix}.events`,
    partitionArguments: {
      'x-queue-type': 'quorum',
      'x-single-active-consumer': true,
      'x-delivery-limit': options.deliveryLimit ?? 5,
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': parked,
      'x-dead-letter-strategy': 'at-least-once',
      'x-overflow': 'reject-publish',
    },
  };
}

class RabbitCommandBus implements CommandBus {
  readonly partitions: number;
  readonly deliveryLimit: number;
  readonly #connection: Connection;
  readonly #names: Names;
  readonly #timeoutMs: number;
  readonly #prefetch: number;
  readonly #returned = new Set<string>();
  readonly #publisher: Publisher;
  #parking: Publisher | undefined;

  constructor(connection: Connection, names: Names, options: RabbitOptions) {
    this.#connection = connection;
    this.#names = names;
    this.partitions = names.partitions.length;
    this.deliveryLimit = options.deliveryLimit ?? 5;
    this.#timeoutMs = options.publishTimeoutMs ?? 2000;
    this.#prefetch = options.prefetch ?? 16;
    this.#publisher = connection.createPublisher({
      confirm: true,
      maxAttempts: 1,
      queues: [...names.partitions.map((queue) => this.#declaration(queue)), { queue: names.parked, durable: true, arguments: { 'x-queue-type': 'quorum' } }],
    });
    // A return comes before the confirm of the same message: remember it, so the confirm is not taken for delivery.
    this.#publisher.on('basic.return', (message) => {
      if (message.messageId !== undefined) this.#returned.add(message.messageId);
    });
  }

  #declaration(queue: string) {
    return { queue, durable: true, arguments: { ...this.#names.partitionArguments } };
  }

  async publish(message: CommandMessage): Promise<void> {
    // Down is answered at once: the caller keeps the command elsewhere instead of waiting out a timeout.
    if (!this.#connection.ready) throw new Error('the broker is not connected');
    const queue = this.#names.partitions[message.bucket % this.partitions]!;
    const id = message.commandId;
    await withTimeout(
      this.#publisher.send(
        { routingKey: queue, mandatory: true, durable: true, messageId: id, contentType: 'application/json', type: message.command },
        Buffer.from(JSON.stringify(message)),
      ),
      this.#timeoutMs,
      `the broker did not confirm command ${id} within ${this.#timeoutMs} ms`,
    );
    // The client emits a return on a later turn (setImmediate) than the confirm that follows it resolves:
    // one turn of our own, queued after it, sees it.
    await new Promise((resolve) => setImmediate(resolve));
    if (this.#returned.delete(id)) throw new Error(`the broker returned command ${id}: no queue ${queue}`);
  }

  consume(partition: number, handle: (delivery: Delivery) => Promise<Settlement>): CommandSubscription {
    const queue = this.#names.partitions[partition];
    if (queue === undefined) throw new Error(`there is no command partition ${partition} (of ${this.partitions})`);
    this.#parking ??= this.#connection.createPublisher({
      confirm: true,
      maxAttempts: 3,
      queues: [{ queue: this.#names.parked, durable: true, arguments: { 'x-queue-type': 'quorum' } }],
    });
    const park = this.#parking;
    const settle = async (raw: AsyncMessage, abandoned: () => boolean): Promise<'ack' | 'requeue'> => {
      const delivery = deliveryOf(raw, abandoned);
      const settlement: Settlement = 'malformed' in delivery ? { settle: 'park', reason: `malformed message: ${delivery.malformed}` } : await handle(delivery);
      if (settlement.settle === 'retry') return 'requeue';
      if (settlement.settle === 'park') {
        await park.send(
          {
            routingKey: this.#names.parked,
            durable: true,
            mandatory: true,
            ...(raw.messageId === undefined ? {} : { messageId: raw.messageId }),
            ...(raw.contentType === undefined ? {} : { contentType: raw.contentType }),
            headers: { 'x-parked-reason': settlement.reason, 'x-parked-from': queue },
          },
          raw.body,
        );
      }
      return 'ack';
    };
    return new PartitionConsumer(this.#connection, this.#declaration(queue), this.#prefetch, settle);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.#publisher.close(), this.#parking?.close()]);
  }
}

/**
 * One partition, consumed on a channel of its own, one message at a time. It stops by finishing the
 * message in hand and then closing the channel, which cancels the consumer and returns every message
 * it held in one step: the next consumer (single active consumer) starts with those, in order. A
 * cancel before the close would let the next consumer take newer messages while older ones were
 * still held here.
 */
class PartitionConsumer implements CommandSubscription {
  readonly ready: Promise<void>;
  #channel: Channel | undefined;
  #inHand: Promise<void> = Promise.resolve();
  #closing = false;
  #lost = false;

  constructor(
    connection: Connection,
    declaration: { queue: string; durable: boolean; arguments: Record<string, unknown> },
    prefetch: number,
    settle: (raw: AsyncMessage, abandoned: () => boolean) => Promise<'ack' | 'requeue'>,
  ) {
    this.ready = (async () => {
      const channel = await connection.acquire();
      this.#channel = channel;
      channel.once('close', () => {
        this.#lost = !this.#closing;
      });
      // The broker cancelled the consumer (its queue was deleted, the node is going down): subscribe again.
      channel.on('basic.cancel', () => this.#abandon(channel));
      channel.on('error', () => undefined);
      await channel.basicQos({ prefetchCount: prefetch });
      await channel.queueDeclare(declaration);
      await channel.basicConsume({ queue: declaration.queue }, (raw) => {
        this.#inHand = this.#inHand.then(() => this.#take(channel, raw, settle));
      });
    })();
    // A channel that fails to open is a lost subscription; the owner makes a new one.
    this.ready.catch(() => {
      this.#lost = true;
    });
  }

  /** True when the channel went away without close() (the connection dropped, or a message was given up): subscribe again. */
  get lost(): boolean {
    return this.#lost;
  }

  get idle(): Promise<void> {
    return this.#inHand;
  }

  async #take(channel: Channel, raw: AsyncMessage, settle: (raw: AsyncMessage, abandoned: () => boolean) => Promise<'ack' | 'requeue'>): Promise<void> {
    // Once closing, what was prefetched stays unacknowledged: the channel's close returns it, in order.
    if (this.#closing || !channel.active) return;
    let answer: 'ack' | 'requeue';
    try {
      answer = await settle(raw, () => this.#closing);
    } catch {
      answer = 'requeue';
    }
    if (!channel.active) return;
    if (answer === 'ack') channel.basicAck({ deliveryTag: raw.deliveryTag });
    // A message given up goes back with every one held after it, in one step, so none overtakes it.
    else this.#abandon(channel);
  }

  #abandon(channel: Channel): void {
    if (!this.#closing) this.#lost = true;
    this.#closing = true;
    void channel.close().catch(() => undefined);
  }

  async close(graceMs = 10_000): Promise<void> {
    this.#closing = true;
    await this.ready.catch(() => undefined);
    await withTimeout(this.#inHand, graceMs, 'the command in hand did not finish in time').catch(() => undefined);
    await this.#channel?.close().catch(() => undefined);
  }
}

/** The message and its delivery count, or why the body is not a command message. */
function deliveryOf(raw: AsyncMessage, abandoned: () => boolean): Delivery | { malformed: string } {
  const body: unknown = Buffer.isBuffer(raw.body) ? safeParse(raw.body.toString('utf8')) : typeof raw.body === 'string' ? safeParse(raw.body) : raw.body;
  if (!isCommandMessage(body)) return { malformed: 'not a command message' };
  const count = raw.headers?.['x-delivery-count'];
  return { message: body, previousDeliveries: typeof count === 'number' ? count : raw.redelivered ? 1 : 0, abandoned };
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isCommandMessage(value: unknown): value is CommandMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  return (
    typeof m['commandId'] === 'string' &&
    typeof m['command'] === 'string' &&
    typeof m['bucket'] === 'number' &&
    typeof m['acceptedAt'] === 'string' &&
    typeof m['context'] === 'object' &&
    m['context'] !== null
  );
}

class RabbitEventBus implements EventBus {
  readonly exchange: string;
  readonly #publisher: Publisher;
  readonly #connection: Connection;
  readonly #timeoutMs: number;

  constructor(connection: Connection, exchange: string, timeoutMs: number) {
    this.exchange = exchange;
    this.#connection = connection;
    this.#timeoutMs = timeoutMs;
    this.#publisher = connection.createPublisher({ confirm: true, maxAttempts: 1, exchanges: [{ exchange, type: 'topic', durable: true }] });
  }

  async publish(events: readonly StoredEvent[]): Promise<void> {
    if (!this.#connection.ready) throw new Error('the broker is not connected');
    // One channel keeps the order they are sent in; the confirms are awaited together.
    const sends = events.map((event) =>
      this.#publisher.send(
        {
          exchange: this.exchange,
          routingKey: event.type,
          durable: true,
          messageId: `${event.bucket}:${event.bseq}`,
          contentType: 'application/json',
          type: event.type,
          timestamp: Math.floor(Date.parse(event.recordedAt) / 1000),
        },
        Buffer.from(JSON.stringify(event)),
      ),
    );
    await withTimeout(Promise.all(sends), this.#timeoutMs * Math.max(1, Math.ceil(events.length / 100)), 'the broker did not confirm the events in time');
  }

  async wakeups(wake: () => void): Promise<{ close(): Promise<void> }> {
    const queue = `${this.exchange}.wake.${process.pid}.${Math.random().toString(36).slice(2, 10)}`;
    const consumer = this.#connection.createConsumer(
      {
        queue,
        noAck: true,
        queueOptions: { exclusive: true, autoDelete: true, arguments: { 'x-max-length': 1, 'x-overflow': 'drop-head' } },
        exchanges: [{ exchange: this.exchange, type: 'topic', durable: true }],
        queueBindings: [{ exchange: this.exchange, routingKey: '#' }],
      },
      () => wake(),
    );
    consumer.on('error', () => undefined);
    return { close: () => consumer.close() };
  }

  async close(): Promise<void> {
    await this.#publisher.close();
  }
}

function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Deletes the queues and the exchange of a prefix (tests and benchmarks clean up with it). */
export async function deleteRabbitTopology(url: string, prefix: string, partitions = 8): Promise<void> {
  const connection = new Connection({ url, connectionTimeout: 5000 });
  connection.on('error', () => undefined);
  try {
    const { partitions: queues, parked, events } = topology({ prefix, partitions });
    for (const queue of [...queues, parked]) await connection.queueDelete({ queue });
    await connection.exchangeDelete({ exchange: events });
  } finally {
    await connection.close();
  }
}
