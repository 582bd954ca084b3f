/**
 * Opening the embedded store and its key store with the mistakes a careless operator makes
 * refused, never absorbed: reading never creates a store; a store whose checkpoint sink or key
 * store shows it held data is not silently re-created; encrypted data needs its key store and the
 * KEK that wrapped its keys.
 */
import { existsSync, statSync } from 'node:fs';
import { SqliteKeyStore, openSqliteStore, type SqliteOptions, type SqliteStore } from '../adapters/sqlite/index.js';
import { ConfigurationError } from '../core/errors.js';
import type { KeyStore } from '../ports/key-store.js';
import type { Store } from '../ports/store.js';

export type OpenMode = 'write' | 'read';

/** The files that live beside an embedded database. */
export function companions(path: string): { readonly keys: string; readonly sink: string; readonly verifyState: string } {
  return { keys: `${path}.keys`, sink: `${path}.checkpoints.jsonl`, verifyState: `${path}.verify-state.json` };
}

function sizeOf(path: string): number {
  return existsSync(path) ? statSync(path).size : -1;
}

export function openEmbeddedStore(path: string, options: SqliteOptions, mode: OpenMode, keysPath: string): SqliteStore {
  if (path !== ':memory:' && sizeOf(path) <= 0) {
    if (mode === 'read') throw new ConfigurationError('no-store', `there is no event store at ${path}: check GROUNDWORK_DB (reading never creates one)`);
    const witnesses = [companions(path).sink, keysPath].filter((file) => sizeOf(file) > 0);
    if (witnesses.length > 0) {
      throw new ConfigurationError(
        'store-missing',
        `the event store at ${path} is ${sizeOf(path) < 0 ? 'missing' : 'empty'}, but ${witnesses.join(' and ')} show it held data: restore the database (or check GROUNDWORK_DB); to start a new store, move those files away first`,
      );
    }
  }
  return openSqliteStore(path, { ...options, readOnly: mode === 'read' });
}

const KEK_CHECK = 'kek_check';

/**
 * The key store for a store, checked against it: once a store has been used with a KEK, it is
 * never opened with another one, without one, or without its key store file.
 */
export async function openCheckedKeys(
  store: Store,
  kek: Uint8Array | undefined,
  keysPath: string,
  mode: OpenMode,
  needsKeys: boolean,
): Promise<KeyStore | undefined> {
  const marked = await store.meta.get(KEK_CHECK);
  if (kek === undefined) {
    if (marked !== undefined && needsKeys)
      throw new ConfigurationError('kek-missing', 'this store holds personal data encrypted under a key-encryption key: set GROUNDWORK_KEK');
    return undefined;
  }
  if (marked !== undefined && keysPath !== ':memory:' && sizeOf(keysPath) <= 0) {
    throw new ConfigurationError(
      'key-store-missing',
      `this store holds encrypted data, but its key store ${keysPath} is missing: restore it (without it, every subject would read as erased)`,
    );
  }
  const keys = new SqliteKeyStore(keysPath, kek);
  const check = Buffer.from(keys.derive('kek-check')).toString('hex');
  if (marked !== undefined && marked !== check) {
    await keys.close();
    throw new ConfigurationError(
      'kek-mismatch',
      'GROUNDWORK_KEK is not the key-encryption key this store was used with: set the right one (nothing was changed)',
    );
  }
  if (marked === undefined && mode === 'write') await store.meta.setOnce(KEK_CHECK, check);
  return keys;
}
