/**
 * The bus between the processes of a project: commands travel from the process that accepted them
 * to the worker that owns their partition, events from the store to other services. The store stays
 * the source of truth; the bus moves work and wakes readers up.
 */
import type { CommandContext, StoredEvent } from '../core/types.js';

/** A command accepted at the edge, on its way to a worker. */
export interface CommandMessage {
  readonly commandId: string;
  readonly command: string;
  readonly input: unknown;
  /** The validated context, with the command id fixed, so every delivery is the same command. */
  readonly context: CommandContext;
  /** The bucket of the target stream: it picks the partition, which keeps one stream's commands in order. */
  readonly bucket: number;
  readonly acceptedAt: string;
}

/** How a worker settles one delivery. */
export type Settlement =
  /** Done: the outcome is recorded (committed, or the refusal audited). */
  | { readonly settle: 'ack' }
  /**
   * Not done, and the worker gives it up (it stops, or gave the partition away): the message and
   * every one held after it go back to the queue together, in order, for the partition's next owner.
   */
  | { readonly settle: 'retry' }
  /** The command fails every time: move it to the parking queue with the reason. */
  | { readonly settle: 'park'; readonly reason: string };

export interface Delivery {
  readonly message: CommandMessage;
  /** How many times the broker delivered this message before (0 the first time). */
  readonly previousDeliveries: number;
  /** True once the subscription is closing: a handler waiting to retry should give the message up. */
  abandoned(): boolean;
}

export interface CommandSubscription {
  /** Resolves once the consumer is registered with the broker. */
  readonly ready: Promise<void>;
  /** True when the subscription went away by itself (the connection dropped): the owner subscribes again. */
  readonly lost: boolean;
  /** Resolves when no message is in hand any more (after close, when the last handler returned). */
  readonly idle: Promise<void>;
  /** Stops taking messages, lets the ones in hand finish (at most `graceMs`), then closes. */
  close(graceMs?: number): Promise<void>;
}

export interface CommandBus {
  /** The partitions commands are spread over (bucket mod partitions). */
  readonly partitions: number;
  /** Deliveries of one message before the broker parks it whatever the worker says (x-delivery-limit). */
  readonly deliveryLimit: number;
  /**
   * Resolves once the broker confirmed the message, persistent and routed to its partition's queue.
   * Rejects when the broker is unreachable, returns or refuses the message, or does not confirm within
   * the publish timeout: the caller must then keep the command durable some other way.
   */
  publish(message: CommandMessage): Promise<void>;
  /**
   * Takes deliveries from one partition. The broker lets one consumer of a partition take messages
   * at a time (single active consumer) and hands the partition to the next in line when that one
   * goes away, so two processes never run one partition's commands at once. One message at a time,
   * in order; a message is acknowledged only after `handle` settles it.
   */
  consume(partition: number, handle: (delivery: Delivery) => Promise<Settlement>): CommandSubscription;
  close(): Promise<void>;
}

/** Publishes committed events to other services. */
export interface EventBus {
  /** The exchange events are published on (topic; routing key = event type). */
  readonly exchange: string;
  /** Resolves once the broker confirmed every event, in the order given. */
  publish(events: readonly StoredEvent[]): Promise<void>;
  /**
   * Calls `wake` when events are published (a hint that the store has more, never the events
   * themselves: readers pull from the store, so they skip nothing the bus lost or reordered).
   */
  wakeups(wake: () => void): Promise<{ close(): Promise<void> }>;
  close(): Promise<void>;
}
