/** The embedded store: every port of one SQLite file. */
import { SqliteApprovalStore } from './approvals.js';
import { SqliteCommandOutbox, SqliteLeases } from './command-outbox.js';
import type { Store } from '../../ports/store.js';
import { SqliteChainReader } from './chain-reader.js';
import { openDatabase, type Db, type SqliteOptions } from './database.js';
import { SqliteEventStore } from './event-store.js';
import { SqliteProjectionStore } from './projection-store.js';
import { WriteGate } from './write-gate.js';

export interface SqliteStore extends Store {
  readonly kind: 'sqlite';
  readonly events: SqliteEventStore;
  /** The database handle, for tests and tools that inspect the file itself. */
  readonly db: Db;
  /** Commands accepted to run later in this process (the HTTP API's respond-async). */
  readonly commandOutbox: SqliteCommandOutbox;
  /** Which of the processes sharing the file runs those commands. */
  readonly leases: SqliteLeases;
}

/** Opens (creating it if needed) an embedded store; `readOnly` never creates or changes the file's contents. */
export function openSqliteStore(path: string, options: SqliteOptions & { readonly readOnly?: boolean | undefined } = {}): SqliteStore {
  const db = openDatabase(path, options);
  const gate = new WriteGate(db);
  const writable = options.readOnly !== true;
  let events: SqliteEventStore;
  try {
    events = new SqliteEventStore(db, gate, writable);
  } catch (error) {
    db.close();
    throw error;
  }
  if (writable) migrateProjectionPositions(db);
  return {
    kind: 'sqlite',
    db,
    events,
    outbox: events,
    chains: new SqliteChainReader(db, gate),
    projections: new SqliteProjectionStore(db, gate),
    approvals: new SqliteApprovalStore(db),
    commandOutbox: new SqliteCommandOutbox(db),
    leases: new SqliteLeases(db),
    meta: {
      get: (key) => events.readMeta(key),
      setOnce: (key, value) => events.writeMetaOnce(key, value),
      set: (key, value) => events.writeMeta(key, value),
      remove: (key) => events.removeMeta(key),
      list: (prefix) => events.listMeta(prefix),
    },
    close: () => events.close(),
  };
}

export function isSqliteStore(store: Store): store is SqliteStore {
  return store.kind === 'sqlite' && 'db' in store;
}

/** Projection positions were kept in gw_projection_checkpoints before 0.2; carried over once. */
function migrateProjectionPositions(db: Db): void {
  const old = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'gw_projection_checkpoints'`).get();
  if (old === undefined) return;
  db.transaction(() => {
    db.exec(`INSERT OR IGNORE INTO gw_projection_positions (name, position) SELECT name, position FROM gw_projection_checkpoints`);
    db.exec(`DROP TABLE gw_projection_checkpoints`);
  }).immediate();
}

export { openDatabase, type Db, type SqliteOptions, type Synchronous } from './database.js';
export { SqliteEventStore } from './event-store.js';
export { SqliteKeyStore, type SqliteKeyStoreOptions } from './key-store.js';
export { quoteIdentifier } from './projection-store.js';
