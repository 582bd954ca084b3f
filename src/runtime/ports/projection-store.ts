/**
 * The projection store port: read-model tables kept in the same database as the events, each
 * with the position it has applied up to, advanced in the same transaction as its rows.
 */
import type { ProjectionDefinition, ReadRows, Rows } from '../core/projections.js';
import type { GlobalPosition } from './event-store.js';

/** The rows of one projection while a batch is applied: each event writes as its own tenant. */
export interface BatchRows<R extends object> {
  forTenant(tenant: string): Rows<R>;
}

export interface ProjectionStore {
  /** Creates the projection's table and position if they are missing. */
  prepare(definition: ProjectionDefinition<object>): Promise<void>;
  /** The position the projection has applied every event up to. */
  position(name: string): Promise<GlobalPosition>;
  /**
   * In one transaction: checks the projection still stands at `from`, runs `apply` over its rows,
   * and moves it to `to`. Returns false, changing nothing, when it had moved (another writer got
   * there first); if `apply` throws, nothing of the batch is kept.
   */
  advance<R extends object>(
    definition: ProjectionDefinition<R>,
    from: GlobalPosition,
    to: GlobalPosition,
    apply: (rows: BatchRows<R>) => Promise<void>,
  ): Promise<boolean>;
  /**
   * The same, inside a transaction the event store is committing (its InTransaction work), in a
   * savepoint of it rather than a transaction of its own: if `apply` throws, the projection's
   * rows and position are as they were and the error is rethrown; the events still commit.
   */
  advanceWithin<R extends object>(
    definition: ProjectionDefinition<R>,
    from: GlobalPosition,
    to: GlobalPosition,
    apply: (rows: BatchRows<R>) => Promise<void>,
  ): Promise<boolean>;
  /** Empties the projection's table and sets it back to the start, in one transaction. */
  reset(definition: ProjectionDefinition<object>): Promise<void>;
  /** The projection's rows, for reading, within one tenant. */
  rows<R extends object>(definition: ProjectionDefinition<R>): ReadRows<R>;
}
