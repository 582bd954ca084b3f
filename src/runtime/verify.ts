/**
 * verify: walks every bucket's two chains in constant memory, checks sequence, links and content,
 * then every checkpoint's signature, link and heads, and compares the database with the external
 * checkpoint sink. It names the first bad row per bucket and chain, with its kind.
 *
 * What it cannot catch: rows appended after the last checkpoint can be deleted from the end of
 * the store without a trace, and a well-formed row written through the application's own
 * credentials is not a hash problem.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { commandRowHash, eventRowHash, genesisHash, type ChainName } from './chain.js';
import { merkleRoot, checkpointHash, readCheckpoints, signatureValid, GENESIS_CHECKPOINT, type Checkpoint, type CheckpointSink } from './checkpoint.js';
import type { Db } from './sqlite.js';

export type FindingKind =
  | 'content-mismatch'
  | 'link-mismatch'
  | 'seq-gap'
  | 'duplicate'
  | 'truncated-before-checkpoint'
  | 'checkpoint-mismatch'
  | 'bad-signature'
  | 'rollback';

export interface VerifyFinding {
  readonly kind: FindingKind;
  readonly chain: ChainName | 'checkpoints' | 'positions';
  readonly bucket: number | null;
  /** bseq or cseq in a bucket chain; the checkpoint seq for checkpoints; the position for positions. */
  readonly seq: number | null;
  readonly message: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly rows: { readonly events: number; readonly commands: number };
  readonly buckets: number;
  readonly checkpoints: { readonly checked: number; readonly inSink: number; readonly latest: number | null };
  readonly findings: readonly VerifyFinding[];
  readonly incremental: boolean;
  readonly seconds: number;
}

export interface VerifyOptions {
  readonly storeId: string;
  /** The pinned public key; without it, checkpoint signatures are reported as unverifiable. */
  readonly publicKey?: KeyObject | undefined;
  readonly sink?: CheckpointSink | undefined;
  /** A file where verify keeps the heads it verified, to continue from them next time. */
  readonly statePath?: string | undefined;
}

interface SavedState {
  readonly storeId: string;
  readonly events: Record<string, [number, string]>;
  readonly commands: Record<string, [number, string]>;
}

interface Cursor {
  seq: number;
  hash: Buffer;
}

export function verifyStore(db: Db, options: VerifyOptions): VerifyReport {
  const started = performance.now();
  const findings: VerifyFinding[] = [];
  const saved = loadState(options);
  const events = walkChain(db, 'events', options.storeId, saved?.events, findings);
  const commands = walkChain(db, 'commands', options.storeId, saved?.commands, findings);
  checkPositions(db, findings);
  const checkpoints = checkCheckpoints(db, options, findings);
  const ok = findings.length === 0;
  if (ok && options.statePath !== undefined) {
    const state: SavedState = { storeId: options.storeId, events: events.heads, commands: commands.heads };
    writeFileSync(options.statePath, JSON.stringify(state));
  }
  return {
    ok,
    rows: { events: events.rows, commands: commands.rows },
    buckets: new Set([...Object.keys(events.heads), ...Object.keys(commands.heads)]).size,
    checkpoints,
    findings,
    incremental: saved !== undefined,
    seconds: (performance.now() - started) / 1000,
  };
}

function loadState(options: VerifyOptions): SavedState | undefined {
  if (options.statePath === undefined || !existsSync(options.statePath)) return undefined;
  const state = JSON.parse(readFileSync(options.statePath, 'utf8')) as SavedState;
  return state.storeId === options.storeId ? state : undefined;
}

interface ChainRow {
  bucket: number;
  seq: number;
  prev_hash: Buffer;
  row_hash: Buffer;
}

interface EventRow extends ChainRow {
  position: number;
  stream_id: string;
  version: number;
  type: string;
  schema_version: number;
  recorded_at: string;
  metadata: string;
  payload: string;
}

interface CommandRow extends ChainRow {
  command_id: string;
  command: string;
  stream_id: string;
  tenant: string;
  outcome: string;
  recorded_at: string;
  audit: string;
}

const EVENT_SQL = `SELECT bucket, bseq AS seq, position, stream_id, version, type, schema_version, recorded_at, metadata, payload, prev_hash, row_hash FROM gw_events`;
const COMMAND_SQL = `SELECT bucket, cseq AS seq, command_id, command, stream_id, tenant, outcome, recorded_at, audit, prev_hash, row_hash FROM gw_commands`;

function recompute(chain: ChainName, row: ChainRow): Buffer {
  if (chain === 'events') {
    const e = row as EventRow;
    return eventRowHash({ bucket: e.bucket, bseq: e.seq, position: e.position, streamId: e.stream_id, version: e.version, type: e.type, schemaVersion: e.schema_version, recordedAt: e.recorded_at, metadata: e.metadata, payload: e.payload }, e.prev_hash);
  }
  const c = row as CommandRow;
  return commandRowHash({ bucket: c.bucket, cseq: c.seq, commandId: c.command_id, command: c.command, streamId: c.stream_id, tenant: c.tenant, outcome: c.outcome, recordedAt: c.recorded_at, audit: c.audit }, c.prev_hash);
}

/**
 * One pass over a chain table in (bucket, seq) order. Memory holds one cursor and at most one
 * finding per bucket. With a saved state, each bucket resumes after its verified head, once that
 * head is shown to be unchanged.
 */
function walkChain(db: Db, chain: ChainName, storeId: string, saved: Record<string, [number, string]> | undefined, findings: VerifyFinding[]): { rows: number; heads: Record<string, [number, string]> } {
  const table = chain === 'events' ? 'gw_events' : 'gw_commands';
  const seqColumn = chain === 'events' ? 'bseq' : 'cseq';
  const heads: Record<string, [number, string]> = {};
  const failed = new Set<number>();
  let rows = 0;
  let bucket = -1;
  const cursor: Cursor = { seq: 0, hash: Buffer.alloc(0) };
  const report = (kind: FindingKind, row: ChainRow, message: string) => {
    failed.add(row.bucket);
    findings.push({ kind, chain, bucket: row.bucket, seq: row.seq, message });
  };
  const start = (b: number) => {
    bucket = b;
    const resume = saved?.[String(b)];
    cursor.seq = resume?.[0] ?? 0;
    cursor.hash = resume === undefined ? genesisHash(storeId, chain, b) : Buffer.from(resume[1], 'hex');
  };
  const check = (row: ChainRow) => {
    rows++;
    if (row.bucket !== bucket) start(row.bucket);
    if (failed.has(row.bucket)) return;
    if (row.seq === cursor.seq) return report('duplicate', row, `${chain} bucket ${row.bucket}: two rows claim seq ${row.seq}`);
    if (row.seq !== cursor.seq + 1) return report('seq-gap', row, `${chain} bucket ${row.bucket}: seq ${row.seq} follows ${cursor.seq}`);
    if (!row.prev_hash.equals(cursor.hash)) return report('link-mismatch', row, `${chain} bucket ${row.bucket} seq ${row.seq}: prev_hash does not match the row before`);
    if (!recompute(chain, row).equals(row.row_hash)) return report('content-mismatch', row, `${chain} bucket ${row.bucket} seq ${row.seq}: the stored bytes do not hash to row_hash`);
    cursor.seq = row.seq;
    cursor.hash = row.row_hash;
    heads[String(row.bucket)] = [row.seq, row.row_hash.toString('hex')];
  };
  const sql = chain === 'events' ? EVENT_SQL : COMMAND_SQL;
  if (saved === undefined) {
    for (const row of db.prepare(`${sql} ORDER BY bucket, ${seqColumn}`).iterate() as IterableIterator<ChainRow>) check(row);
  } else {
    const buckets = (db.prepare(`SELECT DISTINCT bucket FROM ${table} ORDER BY bucket`).all() as Array<{ bucket: number }>).map((r) => r.bucket);
    const at = db.prepare(`SELECT row_hash FROM ${table} WHERE bucket = ? AND ${seqColumn} = ?`);
    const after = db.prepare(`${sql} WHERE bucket = ? AND ${seqColumn} > ? ORDER BY ${seqColumn}`);
    for (const b of buckets) {
      const resume = saved[String(b)];
      if (resume !== undefined) {
        heads[String(b)] = resume;
        const row = at.get(b, resume[0]) as { row_hash: Buffer } | undefined;
        if (row === undefined || row.row_hash.toString('hex') !== resume[1]) {
          failed.add(b);
          findings.push({ kind: row === undefined ? 'truncated-before-checkpoint' : 'content-mismatch', chain, bucket: b, seq: resume[0], message: `${chain} bucket ${b}: the head verified last time (seq ${resume[0]}) ${row === undefined ? 'is gone' : 'has changed'}` });
          continue;
        }
      }
      start(b);
      for (const row of after.iterate(b, resume?.[0] ?? 0) as IterableIterator<ChainRow>) check(row);
    }
  }
  return { rows, heads };
}

/** Global positions run 1..n without holes: a deleted row anywhere but at the very end shows. */
function checkPositions(db: Db, findings: VerifyFinding[]): void {
  const { n, max } = db.prepare(`SELECT COUNT(*) AS n, COALESCE(MAX(position), 0) AS max FROM gw_events`).get() as { n: number; max: number };
  if (n === max) return;
  const gap = db.prepare(`SELECT a.position + 1 AS missing FROM gw_events a LEFT JOIN gw_events b ON b.position = a.position + 1 WHERE b.position IS NULL AND a.position < ? ORDER BY a.position LIMIT 1`).get(max) as { missing: number } | undefined;
  const first = db.prepare(`SELECT MIN(position) AS p FROM gw_events`).get() as { p: number };
  const missing = first.p > 1 ? 1 : gap?.missing ?? null;
  findings.push({ kind: 'seq-gap', chain: 'positions', bucket: null, seq: missing, message: `event positions have a hole${missing === null ? '' : ` at ${missing}`}: ${max - n} row(s) are missing` });
}

function checkCheckpoints(db: Db, options: VerifyOptions, findings: VerifyFinding[]): VerifyReport['checkpoints'] {
  const stored = readCheckpoints(db);
  const atEvent = db.prepare(`SELECT row_hash FROM gw_events WHERE bucket = ? AND bseq = ?`);
  const atCommand = db.prepare(`SELECT row_hash FROM gw_commands WHERE bucket = ? AND cseq = ?`);
  let previous = GENESIS_CHECKPOINT;
  for (const cp of stored) {
    const where = { chain: 'checkpoints' as const, bucket: null, seq: cp.seq };
    if (checkpointHash(cp) !== cp.hash || (options.publicKey !== undefined && !signatureValid(cp, options.publicKey)) || merkleRoot(options.storeId, cp.heads) !== cp.root) {
      findings.push({ kind: 'bad-signature', ...where, message: `checkpoint ${cp.seq}: its hash, signature or root does not verify${options.publicKey === undefined ? ' (no public key pinned)' : ''}` });
      continue;
    }
    if (cp.prev !== previous) findings.push({ kind: 'link-mismatch', ...where, message: `checkpoint ${cp.seq} does not link to checkpoint ${cp.seq - 1}` });
    previous = cp.hash;
    for (const [bucket, bseq, eventHead, cseq, commandHead] of cp.heads) {
      for (const [chain, seq, head, statement] of [['events', bseq, eventHead, atEvent], ['commands', cseq, commandHead, atCommand]] as const) {
        if (seq === 0) continue;
        const row = statement.get(bucket, seq) as { row_hash: Buffer } | undefined;
        if (row === undefined) findings.push({ kind: 'truncated-before-checkpoint', chain, bucket, seq, message: `${chain} bucket ${bucket}: seq ${seq}, covered by checkpoint ${cp.seq}, is missing` });
        else if (row.row_hash.toString('hex') !== head) findings.push({ kind: 'checkpoint-mismatch', chain, bucket, seq, message: `${chain} bucket ${bucket}: the row at seq ${seq} is not the one checkpoint ${cp.seq} signed (the chain was rewritten)` });
      }
    }
  }
  const inSink = compareSink(stored, options.sink, findings);
  if (options.publicKey === undefined && stored.length > 0) {
    findings.push({ kind: 'bad-signature', chain: 'checkpoints', bucket: null, seq: null, message: 'no public key is pinned, so checkpoint signatures cannot be verified: set GROUNDWORK_VERIFY_KEY' });
  }
  return { checked: stored.length, inSink, latest: stored.length > 0 ? stored[stored.length - 1]!.seq : null };
}

/** Every checkpoint in the sink must be in the database, unchanged: otherwise the database was rolled back or rewritten. */
function compareSink(stored: readonly Checkpoint[], sink: CheckpointSink | undefined, findings: VerifyFinding[]): number {
  if (sink === undefined) return 0;
  const external = sink.readAll();
  const bySeq = new Map(stored.map((cp) => [cp.seq, cp]));
  for (const cp of external) {
    const local = bySeq.get(cp.seq);
    if (local === undefined) {
      findings.push({ kind: 'rollback', chain: 'checkpoints', bucket: null, seq: cp.seq, message: `checkpoint ${cp.seq} is in the external sink but not in the database: the database is older than it should be` });
      break;
    }
    if (local.hash !== cp.hash) {
      findings.push({ kind: 'rollback', chain: 'checkpoints', bucket: null, seq: cp.seq, message: `checkpoint ${cp.seq} differs between the database and the external sink` });
      break;
    }
  }
  return external.length;
}
