/**
 * Projections: read models fed from the store's global order. The runner reads events after a
 * projection's position and applies them through its generated dispatch; the projection store
 * advances the position in the same transaction as the rows, so no event is skipped or applied
 * twice, even across crashes.
 */
import type { EventStore, GlobalPosition } from '../ports/event-store.js';
import type { ProjectionStore } from '../ports/projection-store.js';
import type { StoredEvent } from './types.js';

export type ColumnKind = 'text' | 'integer' | 'real' | 'boolean' | 'json';

export interface ColumnDefinition {
  readonly name: string;
  readonly kind: ColumnKind;
}

/**
 * A projection's rows as its handlers see them: the rows of the tenant whose event is being
 * applied, keyed by the projection's key; an event of one tenant never touches another's rows.
 * Asynchronous, so that a networked database fits behind it: in a handler, await each call.
 */
export interface Rows<R extends object> {
  get(key: string): Promise<R | undefined>;
  /** Inserts the row if missing (other columns null), then sets the given columns. */
  merge(key: string, values: Partial<R>): Promise<void>;
  delete(key: string): Promise<void>;
  /** Rows whose column equals the value, for handlers that must find a row by another field. */
  findBy<K extends keyof R & string>(column: K, value: R[K]): Promise<R[]>;
}

/** A projection's rows as the app reads them: always within one tenant. */
export interface ReadRows<R extends object> {
  get(key: string, tenant: string): Promise<R | undefined>;
  findBy<K extends keyof R & string>(column: K, value: R[K], tenant: string): Promise<R[]>;
  /** Up to `limit` rows of a tenant in key order, after the key `after`; only those whose `where.column` equals `where.value` when given. */
  page(tenant: string, query: PageQuery): Promise<R[]>;
}

export interface PageQuery {
  readonly after?: string | undefined;
  readonly limit: number;
  readonly where?: { readonly column: string; readonly value: string } | undefined;
}

export interface ProjectionDefinition<R extends object, E extends StoredEvent = StoredEvent> {
  readonly name: string;
  /** Whether any column holds pii: such projections are rebuilt when a subject is forgotten. */
  readonly pii: boolean;
  readonly table: string;
  readonly key: string;
  readonly columns: readonly ColumnDefinition[];
  /** The event types the projection handles; the runner hands `apply` only these. */
  readonly handles: readonly E['type'][];
  /** The generated dispatch: an exhaustive switch over the handled event types. */
  apply(event: E, rows: Rows<R>): Promise<void>;
}

/** Any projection of a project, as the runner holds them. */
export type AnyProjection = ProjectionDefinition<object, StoredEvent>;

const BATCH = 500;

/** Brings projections up to date from the event store, and rebuilds them. */
export class ProjectionRunner {
  readonly #events: EventStore;
  readonly #store: ProjectionStore;
  readonly #projections: readonly AnyProjection[];
  readonly #decode: (event: StoredEvent) => Promise<StoredEvent>;
  readonly #handled: ReadonlyMap<string, ReadonlySet<string>>;
  readonly #parked = new Map<string, string>();
  #behind = true;

  /** `decode` gives handlers pii fields in clear (or ERASED once the subject is forgotten). */
  constructor(events: EventStore, store: ProjectionStore, projections: readonly AnyProjection[], decode: (event: StoredEvent) => Promise<StoredEvent>) {
    this.#events = events;
    this.#store = store;
    this.#projections = projections;
    this.#decode = decode;
    this.#handled = new Map(projections.map((p) => [p.name, new Set<string>(p.handles)]));
  }

  get projections(): readonly AnyProjection[] {
    return this.#projections;
  }

  async prepare(): Promise<void> {
    for (const definition of this.#projections) await this.#store.prepare(definition);
  }

  /**
   * Inside the transaction that commits `events` (in position order, all following `after`):
   * applies them to every projection that stands exactly at `after`, each in a savepoint, so the
   * events and the read models become durable together, with no second commit and no re-read. A
   * projection that stands elsewhere (another process wrote since) or whose handler throws (it is
   * parked, its rows untouched) is left for the next catch-up; `behind` says one is due.
   */
  async applyInTransaction(events: readonly StoredEvent[], after: GlobalPosition): Promise<void> {
    const last = events[events.length - 1];
    if (last === undefined) return;
    const to: GlobalPosition = { tx: after.tx, position: last.position };
    for (const definition of this.#projections) {
      if (this.#parked.has(definition.name)) {
        this.#behind = true;
        continue;
      }
      const handled = this.#handled.get(definition.name)!;
      try {
        const moved = await this.#store.advanceWithin(definition, after, to, async (rows) => {
          for (const event of events) if (handled.has(event.type)) await definition.apply(event, rows.forTenant(event.metadata.tenant));
        });
        if (!moved) this.#behind = true;
      } catch (error) {
        this.#parked.set(definition.name, error instanceof Error ? `${error.name}: ${error.message}` : String(error));
        this.#behind = true;
      }
    }
  }

  #running: Promise<number> | undefined;
  #queued: Promise<number> | undefined;

  /** Whether a catch-up is due: a projection was parked or left behind by a commit, or none has run yet. */
  get behind(): boolean {
    return this.#behind;
  }

  /**
   * A catch-up that starts after this call, so it applies every commit made before it; callers that
   * ask while one runs share the next one: concurrent commits pay for one catch-up, not one each.
   */
  catchUpAfter(): Promise<number> {
    const running = this.#running;
    if (running === undefined) return this.#startCatchUp();
    this.#queued ??= running.then(
      () => this.#startQueued(),
      () => this.#startQueued(),
    );
    return this.#queued;
  }

  #startQueued(): Promise<number> {
    this.#queued = undefined;
    return this.#startCatchUp();
  }

  #startCatchUp(): Promise<number> {
    const run: Promise<number> = this.catchUp().finally(() => {
      if (this.#running === run) this.#running = undefined;
    });
    this.#running = run;
    return run;
  }

  /** Applies every event after each projection's position. Returns the number of events read. */
  async catchUp(): Promise<number> {
    this.#behind = false;
    let applied = 0;
    for (const definition of this.#projections) {
      try {
        applied += await this.#catchUpOne(definition);
        this.#parked.delete(definition.name);
      } catch (error) {
        // A handler that throws parks its projection at the last batch it applied whole; commands
        // keep being accepted, the next catch-up retries, and `parked()` says why it is behind.
        this.#parked.set(definition.name, error instanceof Error ? `${error.name}: ${error.message}` : String(error));
        this.#behind = true;
      }
    }
    return applied;
  }

  /** The projections that stopped at a failing batch, with the failure; empty when all are current. */
  parked(): ReadonlyMap<string, string> {
    return this.#parked;
  }

  /**
   * How far each projection is behind the store: the events it has not applied yet, and the age
   * in seconds of the oldest of them (0 when it is current).
   */
  async lag(now: Date): Promise<Record<string, { readonly events: number; readonly seconds: number }>> {
    const out: Record<string, { events: number; seconds: number }> = {};
    for (const definition of this.#projections) {
      const { events, oldest } = await this.#events.countAfter(await this.#store.position(definition.name));
      out[definition.name] = { events, seconds: oldest === null ? 0 : Math.max(0, (now.getTime() - Date.parse(oldest)) / 1000) };
    }
    return out;
  }

  /** The projections whose columns hold personal data. */
  withPii(): AnyProjection[] {
    return this.#projections.filter((p) => p.pii);
  }

  /** Empties a projection's table and replays every event into it. */
  async rebuild(name: string): Promise<number> {
    const definition = this.#find(name);
    await this.#store.reset(definition);
    return this.#catchUpOne(definition);
  }

  rows<R extends object>(name: string): ReadRows<R> {
    return this.#store.rows(this.#find(name)) as unknown as ReadRows<R>;
  }

  async #catchUpOne(definition: AnyProjection): Promise<number> {
    const handled = this.#handled.get(definition.name)!;
    let read = 0;
    for (;;) {
      const from = await this.#store.position(definition.name);
      const { events, next } = await this.#events.readAll(from, BATCH);
      if (events.length === 0) return read;
      const decoded: StoredEvent[] = [];
      for (const event of events) if (handled.has(event.type)) decoded.push(await this.#decode(event));
      const moved = await this.#store.advance(definition, from, next, async (rows) => {
        for (const event of decoded) await definition.apply(event, rows.forTenant(event.metadata.tenant));
      });
      if (moved) read += events.length;
    }
  }

  #find(name: string): AnyProjection {
    const definition = this.#projections.find((p) => p.name === name);
    if (definition === undefined) throw new Error(`unknown projection ${name}`);
    return definition;
  }
}
