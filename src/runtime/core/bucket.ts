import { createHash } from 'node:crypto';

export const BUCKETS = 4096;

/**
 * The bucket of a stream: the first 12 bits of SHA-256 over the UTF-8 stream id. Frozen: other
 * languages and SQL compute the same value, and golden vectors in the tests pin it.
 */
export function bucketOf(streamId: string): number {
  const digest = createHash('sha256').update(streamId, 'utf8').digest();
  return (digest[0]! << 4) | (digest[1]! >> 4);
}
