/**
 * Opening an embedded store: one SQLite file with WAL, synchronous=FULL by default, foreign keys
 * on, a busy timeout and secure_delete, applied on every open; the schema every table lives in.
 */
import Database from 'better-sqlite3';

export type Synchronous = 'FULL' | 'NORMAL' | 'EXTRA';

export interface SqliteOptions {
  /** synchronous=FULL (default) makes every acknowledged commit survive power loss. */
  readonly synchronous?: Synchronous | undefined;
  readonly busyTimeoutMs?: number | undefined;
}

export type Db = Database.Database;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS gw_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS gw_events (
  position INTEGER PRIMARY KEY,
  bucket INTEGER NOT NULL,
  bseq INTEGER NOT NULL,
  stream_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  type TEXT NOT NULL,
  schema_version INTEGER NOT NULL,
  recorded_at TEXT NOT NULL,
  tenant TEXT NOT NULL,
  subject TEXT,
  metadata TEXT NOT NULL,
  payload TEXT NOT NULL,
  prev_hash BLOB NOT NULL,
  row_hash BLOB NOT NULL,
  UNIQUE (stream_id, version),
  UNIQUE (bucket, bseq)
) STRICT;
CREATE TABLE IF NOT EXISTS gw_commands (
  id INTEGER PRIMARY KEY,
  bucket INTEGER NOT NULL,
  cseq INTEGER NOT NULL,
  command_id TEXT NOT NULL,
  command TEXT NOT NULL,
  stream_id TEXT NOT NULL,
  tenant TEXT NOT NULL,
  outcome TEXT NOT NULL,
  subject TEXT,
  actor_id TEXT NOT NULL,
  correlation_id TEXT NOT NULL,
  causation_id TEXT,
  idempotency_key TEXT,
  recorded_at TEXT NOT NULL,
  audit TEXT NOT NULL,
  prev_hash BLOB NOT NULL,
  row_hash BLOB NOT NULL,
  UNIQUE (bucket, cseq)
) STRICT;
CREATE UNIQUE INDEX IF NOT EXISTS gw_commands_accepted_id ON gw_commands (tenant, command_id) WHERE outcome = 'accepted';
CREATE UNIQUE INDEX IF NOT EXISTS gw_commands_accepted_key ON gw_commands (tenant, idempotency_key) WHERE outcome = 'accepted' AND idempotency_key IS NOT NULL;
-- History's lookups (stream, subject, on-behalf-of, actor, correlation), filled in batches off the
-- hot path (see audit-index.ts); the outbox is the events table read from each relay's position.
CREATE TABLE IF NOT EXISTS gw_audit_index (key TEXT NOT NULL, id INTEGER NOT NULL, PRIMARY KEY (key, id)) WITHOUT ROWID, STRICT;
CREATE TABLE IF NOT EXISTS gw_outbox_positions (relay TEXT PRIMARY KEY, position INTEGER NOT NULL) STRICT;
DROP INDEX IF EXISTS gw_commands_stream;
DROP INDEX IF EXISTS gw_commands_subject;
DROP INDEX IF EXISTS gw_commands_actor;
DROP INDEX IF EXISTS gw_commands_correlation;
DROP INDEX IF EXISTS gw_commands_causation;
DROP INDEX IF EXISTS gw_events_subject;
DROP TABLE IF EXISTS gw_outbox;
CREATE TABLE IF NOT EXISTS gw_snapshots (
  stream_id TEXT PRIMARY KEY,
  bucket INTEGER NOT NULL,
  tenant TEXT NOT NULL,
  subject TEXT,
  version INTEGER NOT NULL,
  state_version TEXT NOT NULL,
  state TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS gw_snapshots_bucket ON gw_snapshots (bucket);
CREATE INDEX IF NOT EXISTS gw_snapshots_subject ON gw_snapshots (subject) WHERE subject IS NOT NULL;
CREATE TABLE IF NOT EXISTS gw_checkpoints (seq INTEGER PRIMARY KEY, hash TEXT NOT NULL, body TEXT NOT NULL, signature TEXT NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS gw_checkpoint_heads (seq INTEGER NOT NULL, bucket INTEGER NOT NULL, bseq INTEGER NOT NULL, event_head TEXT NOT NULL, cseq INTEGER NOT NULL, command_head TEXT NOT NULL, PRIMARY KEY (seq, bucket)) STRICT;
CREATE TABLE IF NOT EXISTS gw_checkpoint_latest (bucket INTEGER PRIMARY KEY, bseq INTEGER NOT NULL, event_head TEXT NOT NULL, cseq INTEGER NOT NULL, command_head TEXT NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS gw_projection_positions (name TEXT PRIMARY KEY, position INTEGER NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS gw_approvals (approval_id TEXT NOT NULL, tenant TEXT NOT NULL, record TEXT NOT NULL, decision TEXT NOT NULL, decided_by TEXT, decided_at TEXT, reason TEXT, PRIMARY KEY (tenant, approval_id)) STRICT;
CREATE TABLE IF NOT EXISTS gw_command_outbox (seq INTEGER PRIMARY KEY, command_id TEXT NOT NULL, tenant TEXT NOT NULL, message TEXT NOT NULL, published_at TEXT, parked_reason TEXT, UNIQUE (tenant, command_id)) STRICT;
CREATE TABLE IF NOT EXISTS gw_leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, until INTEGER NOT NULL) STRICT;
CREATE INDEX IF NOT EXISTS gw_command_outbox_pending ON gw_command_outbox (seq) WHERE published_at IS NULL;
CREATE INDEX IF NOT EXISTS gw_commands_command_id ON gw_commands (command_id);
`;

/** Opens a database with the durability settings applied; every connection gets them. */
export function openDatabase(path: string, options: SqliteOptions = {}): Db {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
  db.pragma('foreign_keys = ON');
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  // Freed pages are zeroed, so scrubbed projection rows and deleted snapshots leave no plaintext.
  db.pragma('secure_delete = ON');
  return db;
}
