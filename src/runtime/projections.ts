/**
 * Projections: read-model tables in the same SQLite database, fed from the global event order.
 * Each projection keeps a checkpoint written in the same transaction as its rows, so no event is
 * skipped or applied twice, even across crashes.
 */
import { isErased } from './pii.js';
import type { Db, SqliteEventStore } from './sqlite.js';
import type { StoredEvent } from './types.js';

export type ColumnKind = 'text' | 'integer' | 'real' | 'boolean' | 'json';

export interface ColumnDefinition {
  readonly name: string;
  readonly kind: ColumnKind;
}

/** The rows of one projection table, keyed by its key column; reads take an optional tenant. */
export interface Rows<R extends object> {
  get(key: string, tenant?: string): R | undefined;
  /** Inserts the row if missing (other columns null), then sets the given columns. */
  merge(key: string, values: Partial<R>): void;
  delete(key: string): void;
  /** Rows whose column equals the value, for handlers that must find a row by another field. */
  findBy<K extends keyof R & string>(column: K, value: R[K], tenant?: string): R[];
}

export interface ProjectionDefinition<R extends object> {
  readonly name: string;
  /** Whether any column holds pii: such projections are rebuilt when a subject is forgotten. */
  readonly pii: boolean;
  readonly table: string;
  readonly key: string;
  readonly columns: readonly ColumnDefinition[];
  /** The generated dispatch: a switch over the event types the projection handles. */
  apply(event: StoredEvent, rows: Rows<R>): void;
}

const BATCH = 500;

export class SqliteProjections {
  readonly #db: Db;
  readonly #store: SqliteEventStore;
  readonly #projections: ReadonlyArray<{ readonly definition: ProjectionDefinition<object>; readonly rows: SqliteRows<object> }>;
  readonly #checkpoint;
  readonly #setCheckpoint;

  readonly #decode: (event: StoredEvent) => StoredEvent;

  /** `decode` gives handlers pii fields in clear (or ERASED once the subject is forgotten). */
  constructor(store: SqliteEventStore, definitions: ReadonlyArray<ProjectionDefinition<object>>, decode: (event: StoredEvent) => StoredEvent = (e) => e) {
    this.#store = store;
    this.#decode = decode;
    this.#db = store.db;
    this.#db.exec(`CREATE TABLE IF NOT EXISTS gw_projection_checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL) STRICT`);
    this.#checkpoint = this.#db.prepare<[string], { position: number }>(`SELECT position FROM gw_projection_checkpoints WHERE name = ?`);
    this.#setCheckpoint = this.#db.prepare<[string, number]>(`INSERT INTO gw_projection_checkpoints (name, position) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position`);
    this.#projections = definitions.map((definition) => ({ definition, rows: new SqliteRows<object>(this.#db, definition) }));
  }

  checkpointOf(name: string): number {
    return this.#checkpoint.get(name)?.position ?? 0;
  }

  /** Applies every event after each projection's checkpoint. Returns the number applied. */
  catchUp(): number {
    let applied = 0;
    for (const { definition, rows } of this.#projections) {
      for (;;) {
        const from = this.checkpointOf(definition.name);
        const events = this.#store.readAllSync(from, BATCH);
        if (events.length === 0) break;
        this.#db.transaction(() => {
          for (const event of events) {
            rows.tenant = event.metadata.tenant;
            definition.apply(this.#decode(event), rows);
          }
          this.#setCheckpoint.run(definition.name, events[events.length - 1]!.position);
        }).immediate();
        applied += events.length;
      }
    }
    return applied;
  }

  /** The projections whose columns hold personal data. */
  withPii(): string[] {
    return this.#projections.filter((p) => p.definition.pii).map((p) => p.definition.name);
  }

  /** Empties a projection's table and replays every event into it. */
  rebuild(name: string): number {
    const entry = this.#projections.find((p) => p.definition.name === name);
    if (entry === undefined) throw new Error(`unknown projection ${name}`);
    this.#db.transaction(() => {
      this.#db.exec(`DELETE FROM ${quoteIdentifier(entry.definition.table)}`);
      this.#setCheckpoint.run(name, 0);
    }).immediate();
    return this.catchUp();
  }

  rows<R extends object>(name: string): Rows<R> {
    const entry = this.#projections.find((p) => p.definition.name === name);
    if (entry === undefined) throw new Error(`unknown projection ${name}`);
    return entry.rows as unknown as Rows<R>;
  }
}

export function quoteIdentifier(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`not a safe SQL identifier: ${name}`);
  return `"${name}"`;
}

const SQL_TYPES: Record<ColumnKind, string> = { text: 'TEXT', integer: 'INTEGER', real: 'REAL', boolean: 'INTEGER', json: 'TEXT' };

const TENANT = 'gw_tenant';

class SqliteRows<R extends object> implements Rows<R> {
  /** The tenant of the event being applied; written with every row. */
  tenant = '';
  readonly #db: Db;
  readonly #definition: ProjectionDefinition<R>;
  readonly #table: string;
  readonly #key: string;
  readonly #kinds: ReadonlyMap<string, ColumnKind>;
  readonly #merges = new Map<string, (values: unknown[]) => void>();
  readonly #get;
  readonly #delete;

  constructor(db: Db, definition: ProjectionDefinition<R>) {
    this.#db = db;
    this.#definition = definition;
    this.#table = quoteIdentifier(definition.table);
    this.#key = quoteIdentifier(definition.key);
    this.#kinds = new Map(definition.columns.map((c) => [c.name, c.kind]));
    const columns = definition.columns.map((c) => `${quoteIdentifier(c.name)} ${SQL_TYPES[c.kind]}`);
    db.exec(`CREATE TABLE IF NOT EXISTS ${this.#table} (${this.#key} TEXT PRIMARY KEY, ${TENANT} TEXT NOT NULL${columns.map((c) => `, ${c}`).join('')}) STRICT`);
    db.exec(`CREATE INDEX IF NOT EXISTS ${quoteIdentifier(`${definition.table}_${TENANT}`)} ON ${this.#table} (${TENANT})`);
    this.#get = db.prepare<[string, string | null, string | null], Record<string, unknown>>(`SELECT * FROM ${this.#table} WHERE ${this.#key} = ? AND (? IS NULL OR ${TENANT} = ?)`);
    this.#delete = db.prepare<[string]>(`DELETE FROM ${this.#table} WHERE ${this.#key} = ?`);
  }

  get(key: string, tenant?: string): R | undefined {
    const row = this.#get.get(key, tenant ?? null, tenant ?? null);
    return row === undefined ? undefined : this.#decode(row);
  }

  merge(key: string, values: Partial<R>): void {
    const names = Object.keys(values).filter((name) => this.#kinds.has(name));
    const signature = names.join(',');
    let run = this.#merges.get(signature);
    if (run === undefined) {
      const columns = names.map(quoteIdentifier);
      const insert = [this.#key, TENANT, ...columns].join(', ');
      const placeholders = ['?', '?', ...columns.map(() => '?')].join(', ');
      const update = columns.length === 0 ? 'NOTHING' : `UPDATE SET ${columns.map((c) => `${c} = excluded.${c}`).join(', ')}`;
      const statement = this.#db.prepare(`INSERT INTO ${this.#table} (${insert}) VALUES (${placeholders}) ON CONFLICT (${this.#key}) DO ${update}`);
      run = (params) => void statement.run(params);
      this.#merges.set(signature, run);
    }
    const record = values as Record<string, unknown>;
    run([key, this.tenant, ...names.map((name) => this.#encode(name, record[name]))]);
  }

  delete(key: string): void {
    this.#delete.run(key);
  }

  findBy<K extends keyof R & string>(column: K, value: R[K], tenant?: string): R[] {
    const statement = this.#db.prepare<[unknown, string | null, string | null], Record<string, unknown>>(`SELECT * FROM ${this.#table} WHERE ${quoteIdentifier(column)} = ? AND (? IS NULL OR ${TENANT} = ?)`);
    return statement.all(this.#encode(column, value), tenant ?? null, tenant ?? null).map((row) => this.#decode(row));
  }

  #encode(name: string, value: unknown): unknown {
    if (value === undefined || value === null || isErased(value)) return null;
    switch (this.#kinds.get(name)) {
      case 'boolean':
        return value === true ? 1 : 0;
      case 'json':
        return JSON.stringify(value);
      default:
        return value;
    }
  }

  #decode(row: Record<string, unknown>): R {
    const out: Record<string, unknown> = { [this.#definition.key]: row[this.#definition.key] };
    for (const column of this.#definition.columns) {
      const value = row[column.name];
      out[column.name] = value === null || value === undefined ? null : column.kind === 'boolean' ? value === 1 : column.kind === 'json' ? (JSON.parse(String(value)) as unknown) : value;
    }
    return out as R;
  }
}
