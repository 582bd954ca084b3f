/**
 * The chain reader port: what verify and the signed checkpoints need of a store. It hands out the
 * exact stored bytes of each chained row, so the hashes can be recomputed, and keeps the signed
 * checkpoints beside the rows they cover.
 */
import type { ChainName, CommandRowFields, EventRowFields, HashField } from '../core/chain.js';
import type { BucketHead } from '../core/checkpoint.js';

export interface ChainLinks {
  readonly prevHash: Uint8Array;
  readonly rowHash: Uint8Array;
}

/** An event row as stored, with its links; `seq` is its bseq. */
export interface EventChainRow extends EventRowFields, ChainLinks {
  readonly seq: number;
}

/** An audit row as stored, with its links; `seq` is its cseq. */
export interface CommandChainRow extends CommandRowFields, ChainLinks {
  readonly seq: number;
}

export type ChainRow = EventChainRow | CommandChainRow;

/**
 * A chained row as the fast pass of verify reads it, lean: its hashed fields in hashing order
 * (HASHED_FIELDS of them; bucket first, seq second), then its row hash and prev hash in lower-case
 * hex, then where to page on from.
 */
export type LeanChainRow = readonly (HashField | null)[];

/** The last row of one bucket's chain: its seq and row hash. */
export interface ChainHead {
  readonly bucket: number;
  readonly seq: number;
  readonly hash: Uint8Array;
}

/** A stored checkpoint: its canonical body text (hashed and signed), hash and signature. */
export interface StoredCheckpoint {
  readonly seq: number;
  readonly hash: string;
  readonly body: string;
  readonly signature: string;
}

/** A stored checkpoint with the bucket heads that changed since the one before it (format 2). */
export interface CheckpointWithHeads extends StoredCheckpoint {
  readonly changed: readonly BucketHead[];
}

/** What a checkpoint is built from, read in one consistent snapshot of the store. */
export interface CheckpointInputs {
  readonly previous: { readonly seq: number; readonly hash: string } | undefined;
  readonly eventHeads: readonly ChainHead[];
  readonly commandHeads: readonly ChainHead[];
  /** The highest event position, and the number of audit rows. */
  readonly events: number;
  readonly commands: number;
}

export interface ChainReader {
  /**
   * Every row of a chain in the order it was written (so each bucket's rows come in seq order,
   * interleaved with other buckets'), in pages, in constant memory: a sequential read of the table.
   */
  rows(chain: ChainName): AsyncIterable<readonly LeanChainRow[]>;
  /** One bucket's rows of a chain with a seq above `after`, in seq order, in pages: where verify looks closer. */
  bucketRows(chain: ChainName, bucket: number, after: number): AsyncIterable<readonly ChainRow[]>;
  /** The row hash at (bucket, seq) of a chain, or undefined when there is no such row. */
  rowHash(chain: ChainName, bucket: number, seq: number): Promise<Uint8Array | undefined>;
  /** The buckets that hold rows of the chain. */
  buckets(chain: ChainName): Promise<readonly number[]>;
  /**
   * Global event positions: how many rows, the highest, and the first missing one below it;
   * undefined where positions have holes by design (a sequence shared by concurrent writers).
   */
  positions(): Promise<{ readonly count: number; readonly max: number; readonly firstMissing: number | null } | undefined>;
  /** Every stored checkpoint, oldest first, each with the heads that changed since the one before. */
  checkpoints(): AsyncIterable<CheckpointWithHeads>;
  /** The newest stored checkpoint's body, if any. */
  latestCheckpoint(): Promise<StoredCheckpoint | undefined>;
  /**
   * Reads the inputs of a checkpoint and stores the checkpoint `build` makes of them, with the
   * heads that changed since the previous checkpoint, in one transaction: no row can be appended
   * between the heads being read and the checkpoint stored.
   */
  storeCheckpoint(build: (inputs: CheckpointInputs) => StoredCheckpoint): Promise<StoredCheckpoint>;
}
