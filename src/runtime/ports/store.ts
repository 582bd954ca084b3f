/** A store adapter: the ports one database gives, opened and closed together. */
import type { ChainReader } from './chain-reader.js';
import type { EventStore } from './event-store.js';
import type { Outbox } from './outbox.js';
import type { ProjectionStore } from './projection-store.js';

export interface Store {
  /** Which adapter this is, for messages and the bench (for example 'sqlite'). */
  readonly kind: string;
  readonly events: EventStore;
  readonly chains: ChainReader;
  readonly projections: ProjectionStore;
  readonly outbox: Outbox;
  close(): Promise<void>;
}
