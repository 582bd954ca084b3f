/**
 * The states of recently used aggregates, as of the last command this process committed on them,
 * so that loading one reads only the events written since (usually none) instead of a snapshot and
 * a fold. Entries are copied in and out, never shared, and hold no personal data: aggregates whose
 * state holds pii are never cached, like they are never snapshotted. Another process's writes are
 * folded in on the next load, because events are only ever appended.
 */
export interface CachedState {
  readonly state: unknown;
  readonly version: number;
  readonly tenant: string;
}

interface Entry extends CachedState {
  readonly aggregate: string;
  readonly stateVersion: string;
}

/** The aggregate a state belongs to, and the shape it has. */
export interface StateKind {
  readonly name: string;
  readonly stateVersion: string;
}

export class StateCache {
  readonly #limit: number;
  readonly #entries = new Map<string, Entry>();

  /** `limit`: how many aggregates to keep, least recently used first out; 0 keeps none. */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /** A private copy of the cached state, if there is one of this aggregate and shape. */
  get(streamId: string, kind: StateKind): CachedState | undefined {
    const entry = this.#entries.get(streamId);
    if (entry === undefined || entry.aggregate !== kind.name || entry.stateVersion !== kind.stateVersion) return undefined;
    this.#entries.delete(streamId);
    this.#entries.set(streamId, entry);
    return { state: structuredClone(entry.state), version: entry.version, tenant: entry.tenant };
  }

  /** Keeps `state`, which the caller must not change afterwards. */
  set(streamId: string, kind: StateKind, cached: CachedState): void {
    if (this.#limit === 0) return;
    this.#entries.delete(streamId);
    this.#entries.set(streamId, { ...cached, aggregate: kind.name, stateVersion: kind.stateVersion });
    if (this.#entries.size > this.#limit) this.#entries.delete(this.#entries.keys().next().value!);
  }
}
