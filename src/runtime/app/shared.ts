/**
 * Opening the PostgreSQL store an app shares with other processes and machines: reading never
 * creates a schema, and a KEK that did not wrap the stored keys, or none where keys exist, is
 * refused before anything changes.
 */
import { openPostgresKeys, openPostgresStore, type PostgresStore } from '../adapters/postgres/index.js';
import { ConfigurationError } from '../core/errors.js';
import type { KeyStore } from '../ports/key-store.js';
import type { OpenMode } from './embedded.js';

export interface SharedOptions {
  readonly schema?: string | undefined;
  readonly lockTimeoutMs?: number | undefined;
}

export function openSharedStore(url: string, options: SharedOptions, mode: OpenMode): Promise<PostgresStore> {
  return openPostgresStore(url, { schema: options.schema, lockTimeoutMs: options.lockTimeoutMs, create: mode === 'write' });
}

/** The store's keys with the KEK given; without one, only when no key exists or none is needed. */
export async function openSharedKeys(store: PostgresStore, kek: Uint8Array | undefined, needsKeys: boolean): Promise<KeyStore | undefined> {
  try {
    if (kek !== undefined) return await openPostgresKeys(store, kek);
    if (needsKeys && (await store.holdsKeys()))
      throw new ConfigurationError('kek-missing', 'this store holds personal data encrypted under a KEK, and none was given: set GROUNDWORK_KEK');
    return undefined;
  } catch (error) {
    await store.close();
    throw error;
  }
}
