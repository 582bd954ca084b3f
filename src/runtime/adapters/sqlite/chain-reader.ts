/** What verify and the checkpoints read of the embedded store: chained rows and stored checkpoints. */
import { HASHED_FIELDS, type ChainName } from '../../core/chain.js';
import { bucketHeads, type BucketHead } from '../../core/checkpoint.js';
import type {
  ChainHead,
  ChainReader,
  CheckpointInputs,
  CheckpointWithHeads,
  CommandChainRow,
  EventChainRow,
  LeanChainRow,
  StoredCheckpoint,
} from '../../ports/chain-reader.js';
import type { Db } from './database.js';
import type { WriteGate } from './write-gate.js';

const PAGE = 2000;

const EVENT_ROW = `SELECT bucket, bseq, bseq AS seq, position, stream_id AS streamId, version, type, schema_version AS schemaVersion, recorded_at AS recordedAt, metadata, payload, prev_hash AS prevHash, row_hash AS rowHash FROM gw_events`;
const COMMAND_ROW = `SELECT bucket, cseq, cseq AS seq, command_id AS commandId, command, stream_id AS streamId, tenant, outcome, recorded_at AS recordedAt, audit, prev_hash AS prevHash, row_hash AS rowHash FROM gw_commands`;

const LEAN_EVENTS = `SELECT bucket, bseq, position, stream_id, version, type, schema_version, recorded_at, metadata, payload, lower(hex(row_hash)), lower(hex(prev_hash)), position FROM gw_events WHERE position > ? ORDER BY position LIMIT ${PAGE}`;
const LEAN_COMMANDS = `SELECT bucket, cseq, command_id, command, stream_id, tenant, outcome, recorded_at, audit, lower(hex(row_hash)), lower(hex(prev_hash)), id FROM gw_commands WHERE id > ? ORDER BY id LIMIT ${PAGE}`;

const TABLES: Record<ChainName, { table: string; seq: string }> = {
  events: { table: 'gw_events', seq: 'bseq' },
  commands: { table: 'gw_commands', seq: 'cseq' },
};

export class SqliteChainReader implements ChainReader {
  readonly #db: Db;
  readonly #gate: WriteGate;

  constructor(db: Db, gate: WriteGate) {
    this.#db = db;
    this.#gate = gate;
  }

  /** Keyset pages over the table's own order (position, or the audit row's id): sequential reads, flat memory. */
  async *rows(chain: ChainName): AsyncIterable<readonly LeanChainRow[]> {
    const next = this.#db.prepare<[number], LeanChainRow>(chain === 'events' ? LEAN_EVENTS : LEAN_COMMANDS).raw(true);
    const at = HASHED_FIELDS[chain] + 2;
    let after = 0;
    for (;;) {
      const rows = next.all(after);
      if (rows.length === 0) return;
      yield rows;
      after = rows[rows.length - 1]![at] as number;
    }
  }

  async *bucketRows(chain: ChainName, bucket: number, after: number): AsyncIterable<readonly (EventChainRow | CommandChainRow)[]> {
    const { seq } = TABLES[chain];
    const next = this.#db.prepare<[number, number], EventChainRow | CommandChainRow>(
      `${chain === 'events' ? EVENT_ROW : COMMAND_ROW} WHERE bucket = ? AND ${seq} > ? ORDER BY ${seq} LIMIT ${PAGE}`,
    );
    let at = after;
    for (;;) {
      const rows = next.all(bucket, at);
      if (rows.length === 0) return;
      yield rows;
      at = rows[rows.length - 1]!.seq;
    }
  }

  async rowHash(chain: ChainName, bucket: number, seq: number): Promise<Uint8Array | undefined> {
    const { table, seq: column } = TABLES[chain];
    return (this.#db.prepare(`SELECT row_hash AS hash FROM ${table} WHERE bucket = ? AND ${column} = ?`).get(bucket, seq) as { hash: Buffer } | undefined)
      ?.hash;
  }

  async buckets(chain: ChainName): Promise<readonly number[]> {
    return (this.#db.prepare(`SELECT DISTINCT bucket FROM ${TABLES[chain].table} ORDER BY bucket`).all() as Array<{ bucket: number }>).map((r) => r.bucket);
  }

  async positions(): Promise<{ count: number; max: number; firstMissing: number | null }> {
    const { count, max } = this.#db.prepare(`SELECT COUNT(*) AS count, COALESCE(MAX(position), 0) AS max FROM gw_events`).get() as {
      count: number;
      max: number;
    };
    if (count === max) return { count, max, firstMissing: null };
    const first = (this.#db.prepare(`SELECT MIN(position) AS p FROM gw_events`).get() as { p: number }).p;
    if (first > 1) return { count, max, firstMissing: 1 };
    const gap = this.#db
      .prepare(
        `SELECT a.position + 1 AS missing FROM gw_events a LEFT JOIN gw_events b ON b.position = a.position + 1 WHERE b.position IS NULL AND a.position < ? ORDER BY a.position LIMIT 1`,
      )
      .get(max) as { missing: number } | undefined;
    return { count, max, firstMissing: gap?.missing ?? null };
  }

  async *checkpoints(): AsyncIterable<CheckpointWithHeads> {
    const changed = this.#db
      .prepare<[number], BucketHead>(`SELECT bucket, bseq, event_head, cseq, command_head FROM gw_checkpoint_heads WHERE seq = ? ORDER BY bucket`)
      .raw(true);
    for (const row of this.#db.prepare(`SELECT seq, hash, body, signature FROM gw_checkpoints ORDER BY seq`).iterate() as IterableIterator<StoredCheckpoint>) {
      yield { ...row, changed: changed.all(row.seq) };
    }
  }

  async latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    return this.#db.prepare(`SELECT seq, hash, body, signature FROM gw_checkpoints ORDER BY seq DESC LIMIT 1`).get() as StoredCheckpoint | undefined;
  }

  async storeCheckpoint(build: (inputs: CheckpointInputs) => StoredCheckpoint): Promise<StoredCheckpoint> {
    return this.#gate.transaction(() => {
      const inputs = this.#inputs();
      const stored = build(inputs);
      this.#db
        .prepare(`INSERT INTO gw_checkpoints (seq, hash, body, signature) VALUES (?, ?, ?, ?)`)
        .run(stored.seq, stored.hash, stored.body, stored.signature);
      this.#keepChangedHeads(stored.seq, bucketHeads(inputs.eventHeads, inputs.commandHeads));
      return stored;
    });
  }

  /** Stores the heads that differ from those at the previous checkpoint, and remembers them all. */
  #keepChangedHeads(seq: number, heads: readonly BucketHead[]): void {
    const latest = new Map(
      (this.#db.prepare(`SELECT bucket, bseq, event_head, cseq, command_head FROM gw_checkpoint_latest`).raw(true).all() as BucketHead[]).map((h) => [
        h[0],
        h.join('|'),
      ]),
    );
    const insert = this.#db.prepare(`INSERT INTO gw_checkpoint_heads (seq, bucket, bseq, event_head, cseq, command_head) VALUES (?, ?, ?, ?, ?, ?)`);
    const remember = this.#db.prepare(
      `INSERT INTO gw_checkpoint_latest (bucket, bseq, event_head, cseq, command_head) VALUES (?, ?, ?, ?, ?) ON CONFLICT (bucket) DO UPDATE SET bseq = excluded.bseq, event_head = excluded.event_head, cseq = excluded.cseq, command_head = excluded.command_head`,
    );
    for (const head of heads) {
      if (latest.get(head[0]) === head.join('|')) continue;
      insert.run(seq, ...head);
      remember.run(...head);
    }
  }

  #inputs(): CheckpointInputs {
    const heads = (table: string, seq: string) =>
      this.#db
        .prepare(
          `SELECT t.bucket AS bucket, t.${seq} AS seq, t.row_hash AS hash FROM ${table} t JOIN (SELECT bucket, MAX(${seq}) AS m FROM ${table} GROUP BY bucket) x ON t.bucket = x.bucket AND t.${seq} = x.m ORDER BY t.bucket`,
        )
        .all() as ChainHead[];
    const counts = this.#db
      .prepare(`SELECT (SELECT COALESCE(MAX(position), 0) FROM gw_events) AS events, (SELECT COUNT(*) FROM gw_commands) AS commands`)
      .get() as { events: number; commands: number };
    const previous = this.#db.prepare(`SELECT seq, hash FROM gw_checkpoints ORDER BY seq DESC LIMIT 1`).get() as { seq: number; hash: string } | undefined;
    return { previous, eventHeads: heads('gw_events', 'bseq'), commandHeads: heads('gw_commands', 'cseq'), ...counts };
  }
}
