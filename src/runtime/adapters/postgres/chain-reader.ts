/** What verify and the checkpoints read of the PostgreSQL store: chained rows and stored checkpoints. */
import { HASHED_FIELDS, type ChainName } from '../../core/chain.js';
import { bucketHeads, type BucketHead } from '../../core/checkpoint.js';
import type { ChainHead, ChainReader, ChainRow, CheckpointInputs, CheckpointWithHeads, LeanChainRow, StoredCheckpoint } from '../../ports/chain-reader.js';
import type { QueryArrayConfig } from 'pg';
import { LOCK_NAMESPACE, type Client, type Pool, type Queryable } from './database.js';

/** Rows as arrays, in column order: the lean form verify reads. */
async function arrays<R>(on: Queryable, text: string, values: unknown[]): Promise<R[]> {
  const config: QueryArrayConfig = { text, values, rowMode: 'array' };
  return (await on.query(config)).rows as unknown as R[];
}

const PAGE = 2000;

export class PostgresChainReader implements ChainReader {
  readonly #pool: Pool;
  readonly #s: string;

  constructor(pool: Pool, schema: string) {
    this.#pool = pool;
    this.#s = schema;
  }

  /** Keyset pages in write order (a bucket's positions and ids grow with its seq: both are taken under its lock). */
  async *rows(chain: ChainName): AsyncIterable<readonly LeanChainRow[]> {
    const text =
      chain === 'events'
        ? `SELECT bucket, bseq, position, stream_id, version, type, schema_version, recorded_at, metadata, payload, encode(row_hash, 'hex'), encode(prev_hash, 'hex'), position FROM ${this.#s}.gw_events WHERE position > $1 ORDER BY position LIMIT ${PAGE}`
        : `SELECT bucket, cseq, command_id, command, stream_id, tenant, outcome, recorded_at, audit, encode(row_hash, 'hex'), encode(prev_hash, 'hex'), id FROM ${this.#s}.gw_commands WHERE id > $1 ORDER BY id LIMIT ${PAGE}`;
    const at = HASHED_FIELDS[chain] + 2;
    let after = 0;
    for (;;) {
      const rows = await arrays<LeanChainRow>(this.#pool, text, [after]);
      if (rows.length === 0) return;
      yield rows;
      after = rows[rows.length - 1]![at] as number;
    }
  }

  async *bucketRows(chain: ChainName, bucket: number, after: number): AsyncIterable<readonly ChainRow[]> {
    const text =
      chain === 'events'
        ? `SELECT bucket, bseq, bseq AS seq, position, stream_id AS "streamId", version, type, schema_version AS "schemaVersion", recorded_at AS "recordedAt", metadata, payload, prev_hash AS "prevHash", row_hash AS "rowHash" FROM ${this.#s}.gw_events WHERE bucket = $1 AND bseq > $2 ORDER BY bseq LIMIT ${PAGE}`
        : `SELECT bucket, cseq, cseq AS seq, command_id AS "commandId", command, stream_id AS "streamId", tenant, outcome, recorded_at AS "recordedAt", audit, prev_hash AS "prevHash", row_hash AS "rowHash" FROM ${this.#s}.gw_commands WHERE bucket = $1 AND cseq > $2 ORDER BY cseq LIMIT ${PAGE}`;
    let at = after;
    for (;;) {
      const { rows } = await this.#pool.query<ChainRow>(text, [bucket, at]);
      if (rows.length === 0) return;
      yield rows;
      at = rows[rows.length - 1]!.seq;
    }
  }

  async rowHash(chain: ChainName, bucket: number, seq: number): Promise<Uint8Array | undefined> {
    const text =
      chain === 'events'
        ? `SELECT row_hash AS hash FROM ${this.#s}.gw_events WHERE bucket = $1 AND bseq = $2`
        : `SELECT row_hash AS hash FROM ${this.#s}.gw_commands WHERE bucket = $1 AND cseq = $2`;
    const { rows } = await this.#pool.query<{ hash: Buffer }>(text, [bucket, seq]);
    return rows[0]?.hash;
  }

  async buckets(chain: ChainName): Promise<readonly number[]> {
    const table = chain === 'events' ? 'gw_events' : 'gw_commands';
    const { rows } = await this.#pool.query<{ bucket: number }>(`SELECT DISTINCT bucket FROM ${this.#s}.${table} ORDER BY bucket`);
    return rows.map((r) => r.bucket);
  }

  /** Positions come from a sequence, which leaves holes by design (rolled-back appends): not checked. */
  async positions(): Promise<undefined> {
    return undefined;
  }

  async *checkpoints(): AsyncIterable<CheckpointWithHeads> {
    const { rows } = await this.#pool.query<StoredCheckpoint>(`SELECT seq, hash, body, signature FROM ${this.#s}.gw_checkpoints ORDER BY seq`);
    for (const row of rows) {
      const changed = await arrays<BucketHead>(
        this.#pool,
        `SELECT bucket, bseq, event_head, cseq, command_head FROM ${this.#s}.gw_checkpoint_heads WHERE seq = $1 ORDER BY bucket`,
        [row.seq],
      );
      yield { ...row, changed };
    }
  }

  async latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    const { rows } = await this.#pool.query<StoredCheckpoint>(`SELECT seq, hash, body, signature FROM ${this.#s}.gw_checkpoints ORDER BY seq DESC LIMIT 1`);
    return rows[0];
  }

  /**
   * One process at a time (a transaction-scoped advisory lock), over one snapshot of every
   * bucket's heads (REPEATABLE READ, taken after the lock): the heads are consistent, and rows
   * committed meanwhile belong to the next checkpoint.
   */
  async storeCheckpoint(build: (inputs: CheckpointInputs) => StoredCheckpoint): Promise<StoredCheckpoint> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      try {
        await client.query(`SELECT pg_advisory_xact_lock($1, -2)`, [LOCK_NAMESPACE]);
        const inputs = await this.#inputs(client);
        const stored = build(inputs);
        await client.query(`INSERT INTO ${this.#s}.gw_checkpoints (seq, hash, body, signature) VALUES ($1, $2, $3, $4)`, [
          stored.seq,
          stored.hash,
          stored.body,
          stored.signature,
        ]);
        await this.#keepChangedHeads(client, stored.seq, bucketHeads(inputs.eventHeads, inputs.commandHeads));
        await client.query('COMMIT');
        return stored;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    } finally {
      client.release();
    }
  }

  async #keepChangedHeads(client: Client, seq: number, heads: readonly BucketHead[]): Promise<void> {
    const rows = await arrays<BucketHead>(client, `SELECT bucket, bseq, event_head, cseq, command_head FROM ${this.#s}.gw_checkpoint_latest`, []);
    const latest = new Map(rows.map((h) => [h[0], h.join('|')]));
    for (const head of heads) {
      if (latest.get(head[0]) === head.join('|')) continue;
      await client.query(`INSERT INTO ${this.#s}.gw_checkpoint_heads (seq, bucket, bseq, event_head, cseq, command_head) VALUES ($1, $2, $3, $4, $5, $6)`, [
        seq,
        ...head,
      ]);
      await client.query(
        `INSERT INTO ${this.#s}.gw_checkpoint_latest (bucket, bseq, event_head, cseq, command_head) VALUES ($1, $2, $3, $4, $5)
          ON CONFLICT (bucket) DO UPDATE SET bseq = excluded.bseq, event_head = excluded.event_head, cseq = excluded.cseq, command_head = excluded.command_head`,
        [...head],
      );
    }
  }

  async #inputs(client: Client): Promise<CheckpointInputs> {
    const heads = async (table: string, seq: string) =>
      (
        await client.query<ChainHead>(
          `SELECT DISTINCT ON (bucket) bucket, ${seq} AS seq, row_hash AS hash FROM ${this.#s}.${table} ORDER BY bucket, ${seq} DESC`,
        )
      ).rows;
    const counts = await client.query<{ events: number; commands: number }>(
      `SELECT (SELECT COALESCE(MAX(position), 0) FROM ${this.#s}.gw_events) AS events, (SELECT COUNT(*) FROM ${this.#s}.gw_commands) AS commands`,
    );
    const previous = await client.query<{ seq: number; hash: string }>(`SELECT seq, hash FROM ${this.#s}.gw_checkpoints ORDER BY seq DESC LIMIT 1`);
    return { previous: previous.rows[0], eventHeads: await heads('gw_events', 'bseq'), commandHeads: await heads('gw_commands', 'cseq'), ...counts.rows[0]! };
  }
}
