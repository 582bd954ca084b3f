/**
 * Projections in the embedded store: one table per projection in the same SQLite file, each row
 * carrying its tenant, and a position per projection advanced in the same transaction as its rows.
 */
import { isErased } from '../../core/pii.js';
import type { ColumnKind, ProjectionDefinition, Rows } from '../../core/projections.js';
import { START, type GlobalPosition } from '../../ports/event-store.js';
import type { BatchRows, ProjectionStore } from '../../ports/projection-store.js';
import type { Db } from './database.js';
import type { WriteGate } from './write-gate.js';

export function quoteIdentifier(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`not a safe SQL identifier: ${name}`);
  return `"${name}"`;
}

const SQL_TYPES: Record<ColumnKind, string> = { text: 'TEXT', integer: 'INTEGER', real: 'REAL', boolean: 'INTEGER', json: 'TEXT' };

const TENANT = 'gw_tenant';

export class SqliteProjectionStore implements ProjectionStore {
  readonly #db: Db;
  readonly #gate: WriteGate;
  readonly #tables = new Map<string, SqliteRows<object>>();
  readonly #position;
  readonly #setPosition;

  constructor(db: Db, gate: WriteGate) {
    this.#db = db;
    this.#gate = gate;
    this.#position = db.prepare<[string], { position: number }>(`SELECT position FROM gw_projection_positions WHERE name = ?`);
    this.#setPosition = db.prepare<[string, number]>(
      `INSERT INTO gw_projection_positions (name, position) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position`,
    );
  }

  async prepare(definition: ProjectionDefinition<object>): Promise<void> {
    this.#table(definition);
  }

  async position(name: string): Promise<GlobalPosition> {
    const row = this.#position.get(name);
    return row === undefined ? START : { tx: 0, position: row.position };
  }

  async advance<R extends object>(
    definition: ProjectionDefinition<R>,
    from: GlobalPosition,
    to: GlobalPosition,
    apply: (rows: BatchRows<R>) => Promise<void>,
  ): Promise<boolean> {
    const rows = this.#table(definition);
    return this.#gate.transaction(async () => {
      // Compared inside the write transaction: another process cannot move it in between.
      if ((this.#position.get(definition.name)?.position ?? 0) !== from.position) return false;
      await apply({ forTenant: (tenant) => rows.writingAs(tenant) });
      this.#setPosition.run(definition.name, to.position);
      return true;
    });
  }

  async reset(definition: ProjectionDefinition<object>): Promise<void> {
    const table = quoteIdentifier(this.#table(definition).table);
    await this.#gate.transaction(() => {
      this.#db.exec(`DELETE FROM ${table}`);
      this.#setPosition.run(definition.name, 0);
    });
  }

  rows<R extends object>(definition: ProjectionDefinition<R>): Rows<R> {
    return this.#table(definition);
  }

  #table<R extends object>(definition: ProjectionDefinition<R>): SqliteRows<R> {
    let rows = this.#tables.get(definition.name);
    if (rows === undefined) {
      rows = new SqliteRows<object>(this.#db, definition as unknown as ProjectionDefinition<object>);
      this.#tables.set(definition.name, rows);
    }
    return rows as unknown as SqliteRows<R>;
  }
}

class SqliteRows<R extends object> implements Rows<R> {
  readonly table: string;
  /** The tenant of the event being applied; written with every row. */
  #tenant = '';
  readonly #db: Db;
  readonly #definition: ProjectionDefinition<R>;
  readonly #quoted: string;
  readonly #key: string;
  readonly #kinds: ReadonlyMap<string, ColumnKind>;
  readonly #merges = new Map<string, (values: unknown[]) => void>();
  readonly #get;
  readonly #delete;

  constructor(db: Db, definition: ProjectionDefinition<R>) {
    this.#db = db;
    this.#definition = definition;
    this.table = definition.table;
    this.#quoted = quoteIdentifier(definition.table);
    this.#key = quoteIdentifier(definition.key);
    this.#kinds = new Map(definition.columns.map((c) => [c.name, c.kind]));
    const columns = definition.columns.map((c) => `${quoteIdentifier(c.name)} ${SQL_TYPES[c.kind]}`);
    db.exec(
      `CREATE TABLE IF NOT EXISTS ${this.#quoted} (${this.#key} TEXT PRIMARY KEY, ${TENANT} TEXT NOT NULL${columns.map((c) => `, ${c}`).join('')}) STRICT`,
    );
    db.exec(`CREATE INDEX IF NOT EXISTS ${quoteIdentifier(`${definition.table}_${TENANT}`)} ON ${this.#quoted} (${TENANT})`);
    this.#get = db.prepare<[string, string | null, string | null], Record<string, unknown>>(
      `SELECT * FROM ${this.#quoted} WHERE ${this.#key} = ? AND (? IS NULL OR ${TENANT} = ?)`,
    );
    this.#delete = db.prepare<[string]>(`DELETE FROM ${this.#quoted} WHERE ${this.#key} = ?`);
  }

  writingAs(tenant: string): this {
    this.#tenant = tenant;
    return this;
  }

  async get(key: string, tenant?: string): Promise<R | undefined> {
    const row = this.#get.get(key, tenant ?? null, tenant ?? null);
    return row === undefined ? undefined : this.#decode(row);
  }

  async merge(key: string, values: Partial<R>): Promise<void> {
    const names = Object.keys(values).filter((name) => this.#kinds.has(name));
    const signature = names.join(',');
    let run = this.#merges.get(signature);
    if (run === undefined) {
      const columns = names.map(quoteIdentifier);
      const insert = [this.#key, TENANT, ...columns].join(', ');
      const placeholders = ['?', '?', ...columns.map(() => '?')].join(', ');
      const update = columns.length === 0 ? 'NOTHING' : `UPDATE SET ${columns.map((c) => `${c} = excluded.${c}`).join(', ')}`;
      const statement = this.#db.prepare(`INSERT INTO ${this.#quoted} (${insert}) VALUES (${placeholders}) ON CONFLICT (${this.#key}) DO ${update}`);
      run = (params) => void statement.run(params);
      this.#merges.set(signature, run);
    }
    const record = values as Record<string, unknown>;
    run([key, this.#tenant, ...names.map((name) => this.#encode(name, record[name]))]);
  }

  async delete(key: string): Promise<void> {
    this.#delete.run(key);
  }

  async findBy<K extends keyof R & string>(column: K, value: R[K], tenant?: string): Promise<R[]> {
    const statement = this.#db.prepare<[unknown, string | null, string | null], Record<string, unknown>>(
      `SELECT * FROM ${this.#quoted} WHERE ${quoteIdentifier(column)} = ? AND (? IS NULL OR ${TENANT} = ?)`,
    );
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
      out[column.name] =
        value === null || value === undefined
          ? null
          : column.kind === 'boolean'
            ? value === 1
            : column.kind === 'json'
              ? (JSON.parse(String(value)) as unknown)
              : value;
    }
    return out as R;
  }
}
