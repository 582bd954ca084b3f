/**
 * The key store port: per-subject data keys for pii fields, wrapped by a key-encryption key (KEK)
 * that never sits in a database, and kept apart from the events so they can be destroyed.
 */
export interface KeyStore {
  /** The subject's data key, or undefined once it has been destroyed (or never existed). */
  get(subject: string): Promise<Uint8Array | undefined>;
  /** The subject's data key, created (and durably stored) if it has none yet. */
  getOrCreate(subject: string): Promise<Uint8Array>;
  /**
   * Destroys the subject's key so that its bytes cannot be recovered from the store's files.
   * Returns whether a key existed.
   */
  destroy(subject: string): Promise<boolean>;
  /** A secret for another purpose, derived from the KEK (so it never sits in a database either). */
  derive(purpose: string): Uint8Array;
  close(): Promise<void>;
}
