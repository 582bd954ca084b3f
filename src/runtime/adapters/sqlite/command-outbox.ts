/**
 * The command outbox of the embedded store: commands accepted to run later (an HTTP request that
 * asked to be answered at once) wait in gw_command_outbox, durable, until this process runs them
 * in order; a command's status is read from the audit log and the outbox.
 */
import type { Database } from 'better-sqlite3';
import { commandStatusOf } from '../../core/dispatch.js';
import type { CommandMessage } from '../../ports/bus.js';
import type { CommandOutbox, CommandStatus } from '../../ports/command-outbox.js';
import type { AuditRecord, Outcome } from '../../ports/event-store.js';

export class SqliteCommandOutbox implements CommandOutbox {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async add(message: CommandMessage): Promise<void> {
    this.#db
      .prepare(`INSERT INTO gw_command_outbox (command_id, tenant, message) VALUES (?, ?, ?) ON CONFLICT (command_id) DO NOTHING`)
      .run(message.commandId, message.context.tenant, JSON.stringify(message));
  }

  async pending(limit: number): Promise<readonly CommandMessage[]> {
    const rows = this.#db.prepare(`SELECT message FROM gw_command_outbox WHERE published_at IS NULL ORDER BY seq LIMIT ?`).all(limit) as { message: string }[];
    return rows.map((row) => JSON.parse(row.message) as CommandMessage);
  }

  async published(commandIds: readonly string[]): Promise<void> {
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
          ON CONFLICT (command_id) DO UPDATE SET parked_reason = excluded.parked_reason, published_at = COALESCE(published_at, excluded.published_at)`,
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
