/** A store adapter: the ports one database gives, opened and closed together. */
import type { ApprovalStore } from './approvals.js';
import type { ChainReader } from './chain-reader.js';
import type { EventStore } from './event-store.js';
import type { Outbox } from './outbox.js';
import type { ProjectionStore } from './projection-store.js';

/** Small facts about a store kept in the store itself, such as the check value of its KEK. */
export interface StoreMeta {
  get(key: string): Promise<string | undefined>;
  /** Sets the value once: an existing value is kept. */
  setOnce(key: string, value: string): Promise<void>;
  /** Sets the value, durably. */
  set(key: string, value: string): Promise<void>;
  remove(key: string): Promise<void>;
  /** Every entry whose key starts with `prefix`, by key. */
  list(prefix: string): Promise<ReadonlyArray<readonly [string, string]>>;
}

export interface Store {
  /** Which adapter this is, for messages and the bench (for example 'sqlite'). */
  readonly kind: string;
  readonly events: EventStore;
  readonly chains: ChainReader;
  readonly projections: ProjectionStore;
  readonly outbox: Outbox;
  readonly meta: StoreMeta;
  /** Requests for a human's approval of a command, by id. */
  readonly approvals: ApprovalStore;
  close(): Promise<void>;
}
