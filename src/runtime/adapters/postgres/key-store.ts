/**
 * Data keys by subject in the PostgreSQL store's schema, wrapped by the KEK (which never sits in the
 * database). Every use reads the key from the table, so a key another process destroyed is never
 * used again; a forgotten subject is marked in the same transaction that deletes its key, and never
 * gets a new one. A destroyed key leaves the table's files when forget rewrites the (small) table;
 * PostgreSQL's WAL, replicas and backups keep it until those are recycled (the README says so).
 */
import { randomBytes } from 'node:crypto';
import { ConfigurationError, ForgottenSubjectError } from '../../core/errors.js';
import { deriveKey, unwrapKey, wrapKey } from '../../core/key-wrap.js';
import type { KeyStore } from '../../ports/key-store.js';
import { inTransaction, type Pool } from './database.js';

export class PostgresKeyStore implements KeyStore {
  readonly #pool: Pool;
  readonly #s: string;
  readonly #kek: Buffer;

  private constructor(pool: Pool, schema: string, kek: Uint8Array) {
    this.#pool = pool;
    this.#s = schema;
    this.#kek = Buffer.from(kek);
  }

  /** Refuses a KEK that did not wrap the keys already stored, before any key is minted under it. */
  static async open(pool: Pool, schema: string, kek: Uint8Array): Promise<PostgresKeyStore> {
    if (kek.length !== 32) throw new Error('the key-encryption key must be 32 bytes');
    const store = new PostgresKeyStore(pool, schema, kek);
    const { rows } = await pool.query<{ subject: string; wrapped: Buffer }>(`SELECT subject, wrapped FROM ${schema}.gw_keys LIMIT 1`);
    const sample = rows[0];
    if (sample !== undefined) {
      try {
        unwrapKey(store.#kek, sample.subject, sample.wrapped);
      } catch {
        throw new ConfigurationError(
          'kek-mismatch',
          'GROUNDWORK_KEK is not the key-encryption key the data keys in this store were wrapped with: set the right one (nothing was changed)',
        );
      }
    }
    return store;
  }

  async get(subject: string): Promise<Buffer | undefined> {
    const { rows } = await this.#pool.query<{ wrapped: Buffer }>(`SELECT wrapped FROM ${this.#s}.gw_keys WHERE subject = $1`, [subject]);
    return rows[0] === undefined ? undefined : unwrapKey(this.#kek, subject, rows[0].wrapped);
  }

  async getOrCreate(subject: string): Promise<Buffer> {
    const existing = await this.get(subject);
    if (existing !== undefined) return existing;
    await inTransaction(this.#pool, async (client) => {
      // The subject's row in gw_forgotten, if any, is read after any forget that committed first.
      await client.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`gw-key:${subject}`]);
      const forgotten = await client.query(`SELECT 1 FROM ${this.#s}.gw_forgotten WHERE subject = $1`, [subject]);
      if ((forgotten.rowCount ?? 0) > 0) throw new ForgottenSubjectError(subject);
      await client.query(`INSERT INTO ${this.#s}.gw_keys (subject, wrapped) VALUES ($1, $2) ON CONFLICT (subject) DO NOTHING`, [
        subject,
        wrapKey(this.#kek, subject, randomBytes(32)),
      ]);
    });
    return (await this.get(subject))!;
  }

  async forgotten(subject: string): Promise<boolean> {
    const { rowCount } = await this.#pool.query(`SELECT 1 FROM ${this.#s}.gw_forgotten WHERE subject = $1`, [subject]);
    return (rowCount ?? 0) > 0;
  }

  async destroy(subject: string): Promise<{ readonly existed: boolean; readonly purged: boolean }> {
    const existed = await inTransaction(this.#pool, async (client) => {
      await client.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`gw-key:${subject}`]);
      await client.query(`INSERT INTO ${this.#s}.gw_forgotten (subject) VALUES ($1) ON CONFLICT (subject) DO NOTHING`, [subject]);
      return ((await client.query(`DELETE FROM ${this.#s}.gw_keys WHERE subject = $1`, [subject])).rowCount ?? 0) > 0;
    });
    // A plain VACUUM leaves a deleted row's bytes in its page's free space; rewriting the table
    // leaves them in no file of it (the old file is unlinked; WAL, replicas and backups still hold them).
    await this.#pool.query(`VACUUM FULL ${this.#s}.gw_keys`);
    return { existed, purged: true };
  }

  derive(purpose: string): Buffer {
    return deriveKey(this.#kek, purpose);
  }

  /** The pool belongs to the store. */
  async close(): Promise<void> {}
}
