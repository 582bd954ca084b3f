/**
 * The key store port: per-subject data keys for pii fields, wrapped by a key-encryption key (KEK)
 * that never sits in a database, and kept apart from the events so they can be destroyed.
 */
export interface KeyStore {
  /** The subject's data key, or undefined once it has been destroyed (or never existed). */
  get(subject: string): Promise<Uint8Array | undefined>;
  /**
   * The subject's data key, created (and durably stored) if it has none yet. A forgotten subject
   * never gets a key again: that throws ForgottenSubjectError.
   */
  getOrCreate(subject: string): Promise<Uint8Array>;
  /** Whether the subject was forgotten (by this process or any other). */
  forgotten(subject: string): Promise<boolean>;
  /**
   * Marks the subject forgotten and destroys its key, so that its bytes cannot be recovered from
   * the store's files, and no process goes on using it: every process sees the destruction at its
   * next use of the key. `purged` is false when the deleted bytes could not be wiped yet (another
   * process holds a read): they are wiped at a later destroy or open.
   */
  destroy(subject: string): Promise<{ readonly existed: boolean; readonly purged: boolean }>;
  /** A secret for another purpose, derived from the KEK (so it never sits in a database either). */
  derive(purpose: string): Uint8Array;
  close(): Promise<void>;
}
