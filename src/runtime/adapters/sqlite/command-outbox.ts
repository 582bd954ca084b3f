/**
 * The command outbox of the embedded store: commands accepted to run later (an HTTP request that
 * asked to be answered at once) wait in gw_command_outbox, durable, until this process runs them
 * in order; a command's status is read from the audit log and the outbox.
 */
import type { Database } from 'better-sqlite3';
import { commandStatusOf } from '../../core/dispatch.js';
import type { CommandMessage } from '../../ports/bus.js';
import type { CommandOutbox, CommandStatus, Leases } from '../../ports/command-outbox.js';
import type { AuditRecord, Outcome } from '../../ports/event-store.js';

export class SqliteCommandOutbox implements CommandOutbox {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async add(message: CommandMessage): Promise<void> {
    this.#db
      .prepare(`INSERT INTO gw_command_outbox (command_id, tenant, message) VALUES (?, ?, ?) ON CONFLICT (tenant, command_id) DO NOTHING`)
      .run(message.commandId, message.context.tenant, JSON.stringify(message));
  }

  async pending(limit: number): Promise<readonly CommandMessage[]> {
    const rows = this.#db.prepare(`SELECT message FROM gw_command_outbox WHERE published_at IS NULL ORDER BY seq LIMIT ?`).all(limit) as { message: string }[];
    return rows.map((row) => JSON.parse(row.message) as CommandMessage);
  }

  async published(commandIds: readonly string[]): Promise<void> {
    // The ids are this store's own messages' ids; a message is marked in whichever tenant it was kept.
    const mark = this.#db.prepare(`UPDATE gw_command_outbox SET published_at = ? WHERE command_id = ? AND published_at IS NULL`);
    const at = new Date().toISOString();
    this.#db.transaction(() => {
      for (const id of commandIds) mark.run(at, id);
    })();
  }

  async parked(message: CommandMessage, reason: string): Promise<void> {
    this.#db
      .prepare(
        `INSERT INTO gw_command_outbox (command_id, tenant, message, published_at, parked_reason) VALUES (?, ?, ?, ?, ?)
          ON CONFLICT (tenant, command_id) DO UPDATE SET parked_reason = excluded.parked_reason, published_at = COALESCE(published_at, excluded.published_at)`,
      )
      .run(message.commandId, message.context.tenant, JSON.stringify(message), new Date().toISOString(), reason);
  }

  async status(commandId: string, tenant: string): Promise<CommandStatus> {
    const audits = (
      this.#db.prepare(`SELECT outcome, stream_id, audit FROM gw_commands WHERE command_id = ? AND tenant = ? ORDER BY id`).all(commandId, tenant) as {
        outcome: Outcome;
        stream_id: string;
        audit: string;
      }[]
    ).map((row) => ({ outcome: row.outcome, streamId: row.stream_id, audit: JSON.parse(row.audit) as AuditRecord }));
    const row = this.#db.prepare(`SELECT published_at, parked_reason FROM gw_command_outbox WHERE command_id = ? AND tenant = ?`).get(commandId, tenant) as
      | { published_at: string | null; parked_reason: string | null }
      | undefined;
    return commandStatusOf(commandId, audits, row === undefined ? undefined : { queued: row.published_at === null, parked: row.parked_reason });
  }
}

/** Leases between the processes that open one embedded file: rows with a holder and an expiry. */
export class SqliteLeases implements Leases {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async acquire(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const { changes } = this.#db
      .prepare(
        `INSERT INTO gw_leases (name, holder, until) VALUES (?, ?, ?)
          ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until WHERE gw_leases.holder = excluded.holder OR gw_leases.until < ?`,
      )
      .run(name, holder, now + ttlMs, now);
    return changes === 1;
  }

  async release(name: string, holder: string): Promise<void> {
    this.#db.prepare(`DELETE FROM gw_leases WHERE name = ? AND holder = ?`).run(name, holder);
  }

  async live(prefix: string): Promise<readonly string[]> {
    const rows = this.#db
      .prepare(`SELECT holder FROM gw_leases WHERE substr(name, 1, length(?)) = ? AND until > ? ORDER BY holder`)
      .all(prefix, prefix, Date.now()) as {
      holder: string;
    }[];
    return rows.map((row) => row.holder);
  }
}
