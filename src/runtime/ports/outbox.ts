/**
 * The outbox port: one row per stored event, written in the event's own transaction, for a relay
 * to publish. Rows of one bucket are claimed in the order they were written.
 */
export interface OutboxRow {
  readonly id: number;
  readonly bucket: number;
  readonly position: number;
  readonly type: string;
}

export interface Outbox {
  /**
   * Up to `limit` unpublished rows of the given buckets, each bucket's rows in write order (a
   * bucket's later row is never handed out before an earlier unpublished one).
   */
  claim(buckets: { readonly from: number; readonly to: number }, limit: number): Promise<readonly OutboxRow[]>;
  /** Marks rows published; a row marked twice stays published. */
  markPublished(ids: readonly number[], at: string): Promise<void>;
}
