/**
 * The audit log's lookups for `history` (by stream, subject, on-behalf-of, actor, correlation),
 * kept off the command's hot path: a command writes only its audit row, and the lookup keys of
 * many rows are added together, in one of the group commits, once enough have gathered. A query
 * reads the index for the rows it covers and scans the few rows after its cursor directly, so it
 * is always complete, even in a read-only open.
 */
import type { CommandQuery } from '../../ports/event-store.js';
import type { Db } from './database.js';

/** How many audit rows may gather before their keys are indexed. */
export const AUDIT_INDEX_EVERY = 1024;

const CURSOR = 'audit_indexed_to';

/** The lookup keys of one query, and the same condition over an unindexed row. */
function keysOf(query: CommandQuery): { keys: string[]; where: string; params: string[] } {
  if ('stream' in query) return { keys: [`s:${query.stream}`], where: 'stream_id = ?', params: [query.stream] };
  if ('subject' in query)
    return {
      keys: [`j:${query.subject}`, `o:${query.subject}`],
      where: `(subject = ? OR json_extract(audit, '$.onBehalfOf') = ?)`,
      params: [query.subject, query.subject],
    };
  if ('correlation' in query) return { keys: [`c:${query.correlation}`], where: 'correlation_id = ?', params: [query.correlation] };
  return { keys: [`a:${query.actor}`], where: 'actor_id = ?', params: [query.actor] };
}

export class AuditIndex {
  readonly #db: Db;
  /** The cursor as last seen: a hint that saves reading it on every commit. */
  #cursor = -1;

  constructor(db: Db) {
    this.#db = db;
  }

  /** Inside a write transaction: indexes the rows after the cursor once enough have gathered. */
  maybeIndex(lastId: number): void {
    if (this.#cursor < 0 || lastId - this.#cursor >= AUDIT_INDEX_EVERY) this.#cursor = this.#read();
    if (lastId - this.#cursor >= AUDIT_INDEX_EVERY) this.indexAll();
  }

  /** Inside a write transaction: indexes every row after the cursor. */
  indexAll(): void {
    const from = this.#read();
    const to = (this.#db.prepare(`SELECT MAX(id) AS id FROM gw_commands`).get() as { id: number | null }).id ?? 0;
    if (to <= from) return;
    this.#db
      .prepare(
        `INSERT OR IGNORE INTO gw_audit_index (key, id)
          SELECT 's:' || stream_id, id FROM gw_commands WHERE id > @from AND id <= @to
          UNION ALL SELECT 'j:' || subject, id FROM gw_commands WHERE id > @from AND id <= @to AND subject IS NOT NULL
          UNION ALL SELECT 'o:' || json_extract(audit, '$.onBehalfOf'), id FROM gw_commands WHERE id > @from AND id <= @to AND json_extract(audit, '$.onBehalfOf') IS NOT NULL
          UNION ALL SELECT 'a:' || actor_id, id FROM gw_commands WHERE id > @from AND id <= @to
          UNION ALL SELECT 'c:' || correlation_id, id FROM gw_commands WHERE id > @from AND id <= @to`,
      )
      .run({ from, to });
    this.#db.prepare(`INSERT INTO gw_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(CURSOR, String(to));
    this.#cursor = to;
  }

  /** The ids of the audit rows matching the query in the tenant, in the order they were written. */
  ids(query: CommandQuery, tenant: string): number[] {
    const { keys, where, params } = keysOf(query);
    const cursor = this.#read();
    const indexed = this.#hasIndex()
      ? this.#db
          .prepare<unknown[], { id: number }>(
            `SELECT c.id FROM gw_audit_index i JOIN gw_commands c ON c.id = i.id WHERE i.key IN (${keys.map(() => '?').join(', ')}) AND c.tenant = ?`,
          )
          .all(...keys, tenant)
      : [];
    const tail = this.#db
      .prepare<unknown[], { id: number }>(`SELECT id FROM gw_commands WHERE id > ? AND tenant = ? AND ${where}`)
      .all(cursor, tenant, ...params);
    return [...new Set([...indexed, ...tail].map((row) => row.id))].sort((a, b) => a - b);
  }

  /** Every tenant where an accepted command recorded events of the subject's aggregates. */
  subjectTenants(subject: string): string[] {
    const cursor = this.#read();
    const recorded = `outcome = 'accepted' AND json_extract(audit, '$.versions') IS NOT NULL`;
    const indexed = this.#hasIndex()
      ? this.#db
          .prepare<[string], { tenant: string }>(
            `SELECT DISTINCT c.tenant FROM gw_audit_index i JOIN gw_commands c ON c.id = i.id WHERE i.key = ? AND ${recorded}`,
          )
          .all(`j:${subject}`)
      : [];
    const tail = this.#db
      .prepare<[number, string], { tenant: string }>(`SELECT DISTINCT tenant FROM gw_commands WHERE id > ? AND subject = ? AND ${recorded}`)
      .all(cursor, subject);
    return [...new Set([...indexed, ...tail].map((row) => row.tenant))].sort();
  }

  /** A store written by an older release, opened to read only, has no index yet: every row is scanned. */
  #hasIndex(): boolean {
    return this.#db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'gw_audit_index'`).get() !== undefined;
  }

  #read(): number {
    if (!this.#hasIndex()) return 0;
    const row = this.#db.prepare(`SELECT value FROM gw_meta WHERE key = ?`).get(CURSOR) as { value: string } | undefined;
    return row === undefined ? 0 : Number(row.value);
  }
}
