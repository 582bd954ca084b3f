/**
 * Projections on PostgreSQL: one table per projection in the store's schema, each row carrying its
 * tenant, and a position per projection, (transaction id, position) as `readAll` orders events,
 * compared and advanced under a row lock in the same transaction as the rows.
 */
import { isErased } from '../../core/pii.js';
import type { ColumnKind, PageQuery, ProjectionDefinition, ReadRows, Rows } from '../../core/projections.js';
import { START, type GlobalPosition } from '../../ports/event-store.js';
import type { BatchRows, ProjectionStore } from '../../ports/projection-store.js';
import { LOCK_NAMESPACE, inTransaction, type Pool, type Queryable } from './database.js';

const SQL_TYPES: Record<ColumnKind, string> = { text: 'text', integer: 'bigint', real: 'double precision', boolean: 'boolean', json: 'text' };
const TENANT = 'gw_tenant';

function quote(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`not a safe SQL identifier: ${name}`);
  return `"${name}"`;
}

export class PostgresProjectionStore implements ProjectionStore {
  readonly #pool: Pool;
  readonly #s: string;
  readonly #tables = new Map<string, PostgresTable<object>>();

  constructor(pool: Pool, schema: string) {
    this.#pool = pool;
    this.#s = schema;
  }

  async prepare(definition: ProjectionDefinition<object>): Promise<void> {
    const table = this.#table(definition);
    const columns = definition.columns.map((c) => `, ${quote(c.name)} ${SQL_TYPES[c.kind]}`).join('');
    // CREATE TABLE IF NOT EXISTS is not safe against itself: processes starting together take turns.
    await inTransaction(this.#pool, async (client) => {
      await client.query(`SELECT pg_advisory_xact_lock($1, -3)`, [LOCK_NAMESPACE]);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${table.name} (${TENANT} text NOT NULL, ${quote(definition.key)} text NOT NULL${columns}, PRIMARY KEY (${TENANT}, ${quote(definition.key)}))`,
      );
    });
  }

  async position(name: string): Promise<GlobalPosition> {
    const { rows } = await this.#pool.query<{ tx: number; position: number }>(`SELECT tx, position FROM ${this.#s}.gw_projection_positions WHERE name = $1`, [
      name,
    ]);
    return rows[0] ?? START;
  }

  async advance<R extends object>(
    definition: ProjectionDefinition<R>,
    from: GlobalPosition,
    to: GlobalPosition,
    apply: (rows: BatchRows<R>) => Promise<void>,
  ): Promise<boolean> {
    const table = this.#table(definition);
    return inTransaction(this.#pool, async (client) => {
      await client.query(`INSERT INTO ${this.#s}.gw_projection_positions (name, tx, position) VALUES ($1, 0, 0) ON CONFLICT (name) DO NOTHING`, [
        definition.name,
      ]);
      const { rows } = await client.query<{ tx: number; position: number }>(
        `SELECT tx, position FROM ${this.#s}.gw_projection_positions WHERE name = $1 FOR UPDATE`,
        [definition.name],
      );
      // Compared under the row lock: another process advancing it waits, then finds it moved.
      if (rows[0]!.tx !== from.tx || rows[0]!.position !== from.position) return false;
      await apply({ forTenant: (tenant) => table.on(client, tenant) });
      await client.query(`UPDATE ${this.#s}.gw_projection_positions SET tx = $2, position = $3 WHERE name = $1`, [definition.name, to.tx, to.position]);
      return true;
    });
  }

  /** Never called: the PostgreSQL event store runs no work inside its commits (see runInTransaction). */
  async advanceWithin(definition: ProjectionDefinition<object>): Promise<boolean> {
    throw new Error(`advanceWithin(${definition.name}): projections on PostgreSQL catch up after the commit`);
  }

  async reset(definition: ProjectionDefinition<object>): Promise<void> {
    const table = this.#table(definition);
    await inTransaction(this.#pool, async (client) => {
      await client.query(`DELETE FROM ${table.name}`);
      await client.query(
        `INSERT INTO ${this.#s}.gw_projection_positions (name, tx, position) VALUES ($1, 0, 0) ON CONFLICT (name) DO UPDATE SET tx = 0, position = 0`,
        [definition.name],
      );
    });
  }

  rows<R extends object>(definition: ProjectionDefinition<R>): ReadRows<R> {
    const table = this.#table(definition);
    return {
      get: (key, tenant) => table.get(this.#pool, key, tenant),
      findBy: (column, value, tenant) => table.findBy(this.#pool, column, value, tenant),
      page: (tenant, query) => table.page(this.#pool, tenant, query),
    };
  }

  #table<R extends object>(definition: ProjectionDefinition<R>): PostgresTable<R> {
    let table = this.#tables.get(definition.name);
    if (table === undefined) {
      table = new PostgresTable<object>(`${this.#s}.${quote(definition.table)}`, definition as unknown as ProjectionDefinition<object>);
      this.#tables.set(definition.name, table);
    }
    return table as unknown as PostgresTable<R>;
  }
}

/** One projection table: every row belongs to a tenant, and the key is unique within its tenant. */
class PostgresTable<R extends object> {
  readonly name: string;
  readonly #definition: ProjectionDefinition<R>;
  readonly #key: string;
  readonly #kinds: ReadonlyMap<string, ColumnKind>;

  constructor(name: string, definition: ProjectionDefinition<R>) {
    this.name = name;
    this.#definition = definition;
    this.#key = quote(definition.key);
    this.#kinds = new Map(definition.columns.map((c) => [c.name, c.kind]));
  }

  /** The rows of one tenant, on the client of the transaction applying that tenant's event. */
  on(client: Queryable, tenant: string): Rows<R> {
    return {
      get: (key) => this.get(client, key, tenant),
      merge: (key, values) => this.#merge(client, tenant, key, values),
      delete: async (key) => void (await client.query(`DELETE FROM ${this.name} WHERE ${TENANT} = $1 AND ${this.#key} = $2`, [tenant, key])),
      findBy: (column, value) => this.findBy(client, column, value, tenant),
    };
  }

  async get(on: Queryable, key: string, tenant: string): Promise<R | undefined> {
    const { rows } = await on.query<Record<string, unknown>>(`SELECT * FROM ${this.name} WHERE ${TENANT} = $1 AND ${this.#key} = $2`, [tenant, key]);
    return rows[0] === undefined ? undefined : this.#decode(rows[0]);
  }

  async findBy<K extends keyof R & string>(on: Queryable, column: K, value: R[K], tenant: string): Promise<R[]> {
    const { rows } = await on.query<Record<string, unknown>>(`SELECT * FROM ${this.name} WHERE ${quote(column)} = $1 AND ${TENANT} = $2`, [
      this.#encode(column, value),
      tenant,
    ]);
    return rows.map((row) => this.#decode(row));
  }

  async page(on: Queryable, tenant: string, query: PageQuery): Promise<R[]> {
    const where = query.where === undefined ? '' : ` AND ${quote(this.#column(query.where.column))} = $4`;
    const { rows } = await on.query<Record<string, unknown>>(
      `SELECT * FROM ${this.name} WHERE ${TENANT} = $1 AND ${this.#key} COLLATE "C" > $2${where} ORDER BY ${this.#key} COLLATE "C" LIMIT $3`,
      [tenant, query.after ?? '', query.limit, ...(query.where === undefined ? [] : [query.where.value])],
    );
    return rows.map((row) => this.#decode(row));
  }

  #column(name: string): string {
    if (!this.#kinds.has(name) && name !== this.#definition.key) throw new Error(`${this.#definition.name} has no column ${name}`);
    return name;
  }

  async #merge(on: Queryable, tenant: string, key: string, values: Partial<R>): Promise<void> {
    const names = Object.keys(values).filter((name) => this.#kinds.has(name));
    const columns = names.map(quote);
    const update = columns.length === 0 ? 'NOTHING' : `UPDATE SET ${columns.map((c) => `${c} = excluded.${c}`).join(', ')}`;
    const record = values as Record<string, unknown>;
    await on.query(
      `INSERT INTO ${this.name} (${[TENANT, this.#key, ...columns].join(', ')}) VALUES (${['$1', '$2', ...columns.map((_, i) => `$${i + 3}`)].join(', ')})
        ON CONFLICT (${TENANT}, ${this.#key}) DO ${update}`,
      [tenant, key, ...names.map((name) => this.#encode(name, record[name]))],
    );
  }

  #encode(name: string, value: unknown): unknown {
    if (value === undefined || value === null || isErased(value)) return null;
    return this.#kinds.get(name) === 'json' ? JSON.stringify(value) : value;
  }

  #decode(row: Record<string, unknown>): R {
    const out: Record<string, unknown> = { [this.#definition.key]: row[this.#definition.key] };
    for (const column of this.#definition.columns) {
      const value = row[column.name];
      out[column.name] = value === null || value === undefined ? null : column.kind === 'json' ? (JSON.parse(String(value)) as unknown) : value;
    }
    return out as R;
  }
}
