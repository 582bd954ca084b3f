/**
 * Projections in the embedded store: one table per projection in the same SQLite file, each row
 * carrying its tenant, and a position per projection advanced in the same transaction as its rows.
 */
import { isErased } from '../../core/pii.js';
import type { ColumnKind, PageQuery, ProjectionDefinition, ReadRows, Rows } from '../../core/projections.js';
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

function positionStatements(db: Db) {
  return {
    get: db.prepare<[string], { position: number }>(`SELECT position FROM gw_projection_positions WHERE name = ?`),
    set: db.prepare<[string, number]>(
      `INSERT INTO gw_projection_positions (name, position) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position`,
    ),
  };
}

export class SqliteProjectionStore implements ProjectionStore {
  readonly #db: Db;
  readonly #gate: WriteGate;
  readonly #tables = new Map<string, SqliteTable<object>>();
  #statements: ReturnType<typeof positionStatements> | undefined;

  constructor(db: Db, gate: WriteGate) {
    this.#db = db;
    this.#gate = gate;
  }

  /** Prepared on first use, so that a read-only open of a store from an older release works. */
  get #position() {
    this.#statements ??= positionStatements(this.#db);
    return this.#statements.get;
  }

  get #setPosition() {
    this.#statements ??= positionStatements(this.#db);
    return this.#statements.set;
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
      await apply({ forTenant: (tenant) => rows.of(tenant) });
      this.#setPosition.run(definition.name, to.position);
      return true;
    });
  }

  async advanceWithin<R extends object>(
    definition: ProjectionDefinition<R>,
    from: GlobalPosition,
    to: GlobalPosition,
    apply: (rows: BatchRows<R>) => Promise<void>,
  ): Promise<boolean> {
    if (!this.#db.inTransaction) throw new Error(`advanceWithin(${definition.name}) runs only inside the event store's commit`);
    const rows = this.#table(definition);
    if ((this.#position.get(definition.name)?.position ?? 0) !== from.position) return false;
    this.#db.exec('SAVEPOINT gw_projection');
    try {
      await apply({ forTenant: (tenant) => rows.of(tenant) });
      this.#setPosition.run(definition.name, to.position);
      this.#db.exec('RELEASE gw_projection');
      return true;
    } catch (error) {
      this.#db.exec('ROLLBACK TO gw_projection');
      this.#db.exec('RELEASE gw_projection');
      throw error;
    }
  }

  async reset(definition: ProjectionDefinition<object>): Promise<void> {
    const table = quoteIdentifier(this.#table(definition).table);
    await this.#gate.transaction(() => {
      this.#db.exec(`DELETE FROM ${table}`);
      this.#setPosition.run(definition.name, 0);
    });
  }

  rows<R extends object>(definition: ProjectionDefinition<R>): ReadRows<R> {
    return this.#table(definition);
  }

  /**
   * Tables of an older layout (before rows were scoped by tenant, or before the rows were stored
   * in their key's order, without a separate rowid) are dropped, with the projection's position,
   * atomically: the next catch-up rebuilds them.
   */
  #dropOlderTable(definition: ProjectionDefinition<object>): void {
    const columns = this.#db.prepare(`SELECT name, pk FROM pragma_table_info(?)`).all(definition.table) as Array<{ name: string; pk: number }>;
    if (columns.length === 0) return;
    const scoped = columns.some((c) => c.name === TENANT && c.pk > 0);
    const layout = this.#db.prepare(`SELECT wr FROM pragma_table_list(?)`).get(definition.table) as { wr: number } | undefined;
    if (scoped && layout?.wr === 1) return;
    const outer = this.#db.inTransaction;
    if (!outer) this.#db.exec('BEGIN IMMEDIATE');
    this.#db.exec(`DROP TABLE ${quoteIdentifier(definition.table)}`);
    this.#setPosition.run(definition.name, 0);
    if (!outer) this.#db.exec('COMMIT');
  }

  #table<R extends object>(definition: ProjectionDefinition<R>): SqliteTable<R> {
    let rows = this.#tables.get(definition.name);
    if (rows === undefined) {
      this.#dropOlderTable(definition);
      rows = new SqliteTable<object>(this.#db, definition as unknown as ProjectionDefinition<object>);
      this.#tables.set(definition.name, rows);
    }
    return rows as unknown as SqliteTable<R>;
  }
}

/** One projection table: every row belongs to a tenant, and the key is unique within its tenant. */
class SqliteTable<R extends object> implements ReadRows<R> {
  readonly table: string;
  readonly #db: Db;
  readonly #definition: ProjectionDefinition<R>;
  readonly #quoted: string;
  readonly #key: string;
  readonly #kinds: ReadonlyMap<string, ColumnKind>;
  readonly #merges = new Map<string, (values: unknown[]) => void>();
  readonly #finders = new Map<string, (value: unknown, tenant: string) => Record<string, unknown>[]>();
  readonly #bound = new Map<string, Rows<R>>();
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
      `CREATE TABLE IF NOT EXISTS ${this.#quoted} (${TENANT} TEXT NOT NULL, ${this.#key} TEXT NOT NULL${columns.map((c) => `, ${c}`).join('')}, PRIMARY KEY (${TENANT}, ${this.#key})) WITHOUT ROWID, STRICT`,
    );
    this.#get = db.prepare<[string, string], Record<string, unknown>>(`SELECT * FROM ${this.#quoted} WHERE ${TENANT} = ? AND ${this.#key} = ?`);
    this.#delete = db.prepare<[string, string]>(`DELETE FROM ${this.#quoted} WHERE ${TENANT} = ? AND ${this.#key} = ?`);
  }

  /** The rows of one tenant, as a handler applying that tenant's event sees them. */
  of(tenant: string): Rows<R> {
    let rows = this.#bound.get(tenant);
    if (rows === undefined) {
      rows = {
        get: async (key) => this.get(key, tenant),
        merge: async (key, values) => this.#merge(tenant, key, values),
        delete: async (key) => void this.#delete.run(tenant, key),
        findBy: async (column, value) => this.findBy(column, value, tenant),
      };
      this.#bound.set(tenant, rows);
    }
    return rows;
  }

  async get(key: string, tenant: string): Promise<R | undefined> {
    const row = this.#get.get(tenant, key);
    return row === undefined ? undefined : this.#decode(row);
  }

  async findBy<K extends keyof R & string>(column: K, value: R[K], tenant: string): Promise<R[]> {
    let find = this.#finders.get(column);
    if (find === undefined) {
      const statement = this.#db.prepare<[unknown, string], Record<string, unknown>>(
        `SELECT * FROM ${this.#quoted} WHERE ${quoteIdentifier(column)} = ? AND ${TENANT} = ?`,
      );
      find = (v, t) => statement.all(v, t);
      this.#finders.set(column, find);
    }
    return find(this.#encode(column, value), tenant).map((row) => this.#decode(row));
  }

  async page(tenant: string, query: PageQuery): Promise<R[]> {
    const where = query.where === undefined ? '' : ` AND ${quoteIdentifier(this.#column(query.where.column))} = ?`;
    const sql = `SELECT * FROM ${this.#quoted} WHERE ${TENANT} = ? AND ${this.#key} > ?${where} ORDER BY ${this.#key} LIMIT ?`;
    const params: unknown[] = [tenant, query.after ?? '', ...(query.where === undefined ? [] : [query.where.value]), query.limit];
    return this.#db
      .prepare<unknown[], Record<string, unknown>>(sql)
      .all(...params)
      .map((row) => this.#decode(row));
  }

  #column(name: string): string {
    if (!this.#kinds.has(name) && name !== this.#definition.key) throw new Error(`${this.#definition.name} has no column ${name}`);
    return name;
  }

  #merge(tenant: string, key: string, values: Partial<R>): void {
    const names = Object.keys(values).filter((name) => this.#kinds.has(name));
    const signature = names.join(',');
    let run = this.#merges.get(signature);
    if (run === undefined) {
      const columns = names.map(quoteIdentifier);
      const insert = [TENANT, this.#key, ...columns].join(', ');
      const placeholders = ['?', '?', ...columns.map(() => '?')].join(', ');
      const update = columns.length === 0 ? 'NOTHING' : `UPDATE SET ${columns.map((c) => `${c} = excluded.${c}`).join(', ')}`;
      const statement = this.#db.prepare(`INSERT INTO ${this.#quoted} (${insert}) VALUES (${placeholders}) ON CONFLICT (${TENANT}, ${this.#key}) DO ${update}`);
      run = (params) => void statement.run(params);
      this.#merges.set(signature, run);
    }
    const record = values as Record<string, unknown>;
    run([tenant, key, ...names.map((name) => this.#encode(name, record[name]))]);
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
