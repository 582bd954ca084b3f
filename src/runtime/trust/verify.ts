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
import { HASHED_FIELDS, TAGS, chainHashHex, commandRowHash, eventRowHash, genesisHash, type ChainName, type HashField } from '../core/chain.js';
import { GENESIS_CHECKPOINT, checkpointHash, merkleRoot, signatureValid, type BucketHead } from '../core/checkpoint.js';
import type { ChainReader, ChainRow, CommandChainRow, EventChainRow } from '../ports/chain-reader.js';
import type { CheckpointSink, SinkState } from '../ports/checkpoint-sink.js';
import { parseCheckpoint } from './checkpoints.js';

export type FindingKind =
  | 'content-mismatch'
  | 'link-mismatch'
  | 'seq-gap'
  | 'duplicate'
  | 'truncated-before-checkpoint'
  | 'checkpoint-mismatch'
  | 'bad-signature'
  | 'rollback'
  | 'sink-missing'
  | 'sink-torn'
  | 'sink-damaged';

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

export async function verifyStore(chains: ChainReader, options: VerifyOptions): Promise<VerifyReport> {
  const started = performance.now();
  const findings: VerifyFinding[] = [];
  const saved = loadState(options);
  const events = await walkChain(chains, 'events', options.storeId, saved?.events, findings);
  const commands = await walkChain(chains, 'commands', options.storeId, saved?.commands, findings);
  await checkPositions(chains, findings);
  const checkpoints = await checkCheckpoints(chains, options, findings);
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

function recompute(row: ChainRow, chain: ChainName): Buffer {
  return chain === 'events' ? eventRowHash(row as EventChainRow, row.prevHash) : commandRowHash(row as CommandChainRow, row.prevHash);
}

/**
 * One sequential pass over a chain in write order, each bucket's rows in seq order. Memory holds
 * a cursor per bucket (at most 4096) and at most one finding per bucket. With a saved state, each
 * bucket resumes after its verified head, once that head is shown to be unchanged.
 */
async function walkChain(
  chains: ChainReader,
  chain: ChainName,
  storeId: string,
  saved: Record<string, [number, string]> | undefined,
  findings: VerifyFinding[],
): Promise<{ rows: number; heads: Record<string, [number, string]> }> {
  const heads: Record<string, [number, string]> = {};
  const failed = new Set<number>();
  const resume = new Map<number, number>();
  if (saved !== undefined) {
    for (const bucket of await chains.buckets(chain)) {
      const head = saved[String(bucket)];
      if (head === undefined) continue;
      heads[String(bucket)] = head;
      const hash = await chains.rowHash(chain, bucket, head[0]);
      if (hash !== undefined && Buffer.from(hash).toString('hex') === head[1]) {
        resume.set(bucket, head[0]);
        continue;
      }
      failed.add(bucket);
      findings.push({
        kind: hash === undefined ? 'truncated-before-checkpoint' : 'content-mismatch',
        chain,
        bucket,
        seq: head[0],
        message: `${chain} bucket ${bucket}: the head verified last time (seq ${head[0]}) ${hash === undefined ? 'is gone' : 'has changed'}`,
      });
    }
  }
  let rows = 0;
  // The fast pass: the table in write order, lean rows, a cursor per bucket. A bucket whose rows do
  // not chain in that order is looked at again, alone and in seq order, to name its first bad row
  // and what is wrong with it exactly.
  const cursors = new Map<number, { seq: number; hex: string }>();
  const suspects = new Map<number, Finding>();
  const startOf = (bucket: number) => {
    const from = resume.get(bucket);
    return { seq: from ?? 0, hash: from === undefined ? genesisHash(storeId, chain, bucket) : Buffer.from(heads[String(bucket)]![1], 'hex') };
  };
  const count = HASHED_FIELDS[chain];
  const tag = TAGS[chain];
  for await (const page of chains.rows(chain)) {
    for (const row of page) {
      const bucket = row[0] as number;
      const seq = row[1] as number;
      const from = resume.get(bucket);
      if (from !== undefined && seq <= from) continue;
      rows++;
      if (failed.has(bucket) || suspects.has(bucket)) continue;
      let cursor = cursors.get(bucket);
      if (cursor === undefined) {
        const start = startOf(bucket);
        cursors.set(bucket, (cursor = { seq: start.seq, hex: Buffer.from(start.hash).toString('hex') }));
      }
      // Hashed with the hash of the row before: a wrong link or wrong content both show here.
      const rowHash = row[count] as string;
      if (seq === cursor.seq + 1 && row[count + 1] === cursor.hex && chainHashHex(tag, row as readonly HashField[], cursor.hex, count) === rowHash) {
        cursor.seq = seq;
        cursor.hex = rowHash;
      } else {
        suspects.set(bucket, { kind: 'link-mismatch', chain, bucket, seq, message: `${chain} bucket ${bucket} seq ${seq}: does not chain to the row before` });
      }
    }
  }
  for (const [bucket, first] of suspects) {
    failed.add(bucket);
    findings.push((await closerLook(chains, chain, bucket, startOf(bucket))) ?? first);
  }
  for (const [bucket, cursor] of cursors) if (!failed.has(bucket)) heads[String(bucket)] = [cursor.seq, cursor.hex];
  return { rows, heads };
}

type Finding = VerifyFinding;

/** Checks one row against its bucket's cursor, and advances the cursor when the row is good. */
function check(row: ChainRow, cursor: { seq: number; hash: Uint8Array }, chain: ChainName): Finding | undefined {
  const at = (kind: FindingKind, message: string): Finding => ({ kind, chain, bucket: row.bucket, seq: row.seq, message });
  if (row.seq === cursor.seq) return at('duplicate', `${chain} bucket ${row.bucket}: two rows claim seq ${row.seq}`);
  if (row.seq !== cursor.seq + 1) return at('seq-gap', `${chain} bucket ${row.bucket}: seq ${row.seq} follows ${cursor.seq}`);
  if (Buffer.compare(row.prevHash, cursor.hash) !== 0)
    return at('link-mismatch', `${chain} bucket ${row.bucket} seq ${row.seq}: prev_hash does not match the row before`);
  if (Buffer.compare(recompute(row, chain), row.rowHash) !== 0)
    return at('content-mismatch', `${chain} bucket ${row.bucket} seq ${row.seq}: the stored bytes do not hash to row_hash`);
  cursor.seq = row.seq;
  cursor.hash = row.rowHash;
  return undefined;
}

/** One bucket's chain in seq order, from where verification starts: its first bad row. */
async function closerLook(chains: ChainReader, chain: ChainName, bucket: number, start: { seq: number; hash: Uint8Array }): Promise<Finding | undefined> {
  const cursor = { ...start };
  for await (const page of chains.bucketRows(chain, bucket, start.seq)) {
    for (const row of page) {
      const finding = check(row, cursor, chain);
      if (finding !== undefined) return finding;
    }
  }
  return undefined;
}

/** Global positions run 1..n without holes: a deleted row anywhere but at the very end shows. */
async function checkPositions(chains: ChainReader, findings: VerifyFinding[]): Promise<void> {
  const positions = await chains.positions();
  if (positions === undefined || positions.count === positions.max) return;
  const { count, max, firstMissing } = positions;
  findings.push({
    kind: 'seq-gap',
    chain: 'positions',
    bucket: null,
    seq: firstMissing,
    message: `event positions have a hole${firstMissing === null ? '' : ` at ${firstMissing}`}: ${max - count} row(s) are missing`,
  });
}

async function checkCheckpoints(chains: ChainReader, options: VerifyOptions, findings: VerifyFinding[]): Promise<VerifyReport['checkpoints']> {
  // The sink first: every checkpoint in it was stored in the database before it was appended, so
  // the database read next holds all of them; one taken meanwhile is newer and is left for next time.
  const sinkSeen = options.sink === undefined ? undefined : await lastInSink(options.sink);
  const stored = new Map<number, string>();
  // Every bucket's heads as of the checkpoint being checked: at most 4096 entries, whatever the history.
  const heads = new Map<number, BucketHead>();
  let previous = GENESIS_CHECKPOINT;
  let latest: number | null = null;
  for await (const row of chains.checkpoints()) {
    const cp = parseCheckpoint(row);
    stored.set(cp.seq, cp.hash);
    latest = cp.seq;
    // Format 1 carried all heads; format 2 stores those that changed since the previous checkpoint.
    const covered = cp.format === 2 ? row.changed : (cp.heads ?? []);
    if (cp.format !== 2) heads.clear();
    for (const head of covered) heads.set(head[0], head);
    const where = { chain: 'checkpoints' as const, bucket: null, seq: cp.seq };
    if (
      checkpointHash(cp) !== cp.hash ||
      (options.publicKey !== undefined && !signatureValid(cp, options.publicKey)) ||
      merkleRoot(options.storeId, [...heads.values()]) !== cp.root
    ) {
      findings.push({
        kind: 'bad-signature',
        ...where,
        message: `checkpoint ${cp.seq}: its hash, signature or root does not verify${options.publicKey === undefined ? ' (no public key pinned)' : ''}`,
      });
      continue;
    }
    if (cp.prev !== previous) findings.push({ kind: 'link-mismatch', ...where, message: `checkpoint ${cp.seq} does not link to checkpoint ${cp.seq - 1}` });
    previous = cp.hash;
    await checkCoveredRows(chains, cp.seq, covered, findings);
  }
  const inSink = options.sink === undefined || sinkSeen === undefined ? 0 : await compareSink(stored, options.sink, sinkSeen, findings);
  if (options.publicKey === undefined && stored.size > 0) {
    findings.push({
      kind: 'bad-signature',
      chain: 'checkpoints',
      bucket: null,
      seq: null,
      message: 'no public key is pinned, so checkpoint signatures cannot be verified: set GROUNDWORK_VERIFY_KEY',
    });
  }
  return { checked: stored.size, inSink, latest };
}

/** Every head a checkpoint signed must still be there, unchanged. */
async function checkCoveredRows(chains: ChainReader, checkpoint: number, covered: readonly BucketHead[], findings: VerifyFinding[]): Promise<void> {
  for (const [bucket, bseq, eventHead, cseq, commandHead] of covered) {
    for (const [chain, seq, head] of [
      ['events', bseq, eventHead],
      ['commands', cseq, commandHead],
    ] as const) {
      if (seq === 0) continue;
      const hash = await chains.rowHash(chain, bucket, seq);
      if (hash === undefined)
        findings.push({
          kind: 'truncated-before-checkpoint',
          chain,
          bucket,
          seq,
          message: `${chain} bucket ${bucket}: seq ${seq}, covered by checkpoint ${checkpoint}, is missing`,
        });
      else if (Buffer.from(hash).toString('hex') !== head)
        findings.push({
          kind: 'checkpoint-mismatch',
          chain,
          bucket,
          seq,
          message: `${chain} bucket ${bucket}: the row at seq ${seq} is not the one checkpoint ${checkpoint} signed (the chain was rewritten)`,
        });
    }
  }
}

/** Every checkpoint in the sink must be in the database, unchanged: otherwise the database was rolled back or rewritten. */
/** The state of the sink and the newest checkpoint seq it holds, before the database is read. */
async function lastInSink(sink: CheckpointSink): Promise<{ readonly state: SinkState; readonly last: number }> {
  const state = await sink.state();
  let last = 0;
  for await (const cp of sink.read()) last = Math.max(last, cp.seq);
  return { state, last };
}

async function compareSink(
  stored: ReadonlyMap<number, string>,
  sink: CheckpointSink,
  seen: { readonly state: SinkState; readonly last: number },
  findings: VerifyFinding[],
): Promise<number> {
  const where = { chain: 'checkpoints' as const, bucket: null };
  if (!seen.state.present && stored.size > 0) {
    findings.push({
      kind: 'sink-missing',
      ...where,
      seq: null,
      message: `the database holds ${stored.size} checkpoint(s) but the external checkpoint sink is gone: restore it from its copy`,
    });
  }
  if (seen.state.tornTail)
    findings.push({
      kind: 'sink-torn',
      ...where,
      seq: null,
      message: 'the last line of the external checkpoint sink was cut short (a crash or a full disk during an append); the next checkpoint heals it',
    });
  if (seen.state.unreadable > 0)
    findings.push({
      kind: 'sink-damaged',
      ...where,
      seq: null,
      message: `${seen.state.unreadable} line(s) of the external checkpoint sink do not read as checkpoints: it was damaged or edited`,
    });
  let count = 0;
  let reported = false;
  for await (const cp of sink.read()) {
    if (cp.seq > seen.last) break;
    count++;
    if (reported) continue;
    const local = stored.get(cp.seq);
    if (local === undefined) {
      findings.push({
        kind: 'rollback',
        chain: 'checkpoints',
        bucket: null,
        seq: cp.seq,
        message: `checkpoint ${cp.seq} is in the external sink but not in the database: the database is older than it should be`,
      });
      reported = true;
    } else if (local !== cp.hash) {
      findings.push({
        kind: 'rollback',
        chain: 'checkpoints',
        bucket: null,
        seq: cp.seq,
        message: `checkpoint ${cp.seq} differs between the database and the external sink`,
      });
      reported = true;
    }
  }
  return count;
}
