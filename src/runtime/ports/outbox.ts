/**
 * The outbox port. The events table is the outbox: every event is written once, in its commit's
 * transaction, so nothing committed can miss being published. A relay reads events in commit
 * order with `EventStore.readAll` from the position it keeps here, publishes them, then advances
 * (at-least-once: a relay that dies between publishing and advancing publishes again, and
 * consumers deduplicate by event position or id).
 */
import type { GlobalPosition } from './event-store.js';

export interface Outbox {
  /** Where a relay has published up to; the start for a relay never seen. */
  position(relay: string): Promise<GlobalPosition>;
  /** Moves a relay from `from` to `to`; false, changing nothing, when it no longer stands at `from`. */
  advance(relay: string, from: GlobalPosition, to: GlobalPosition): Promise<boolean>;
}
