/**
 * The command outbox and relay leases on PostgreSQL: commands accepted while the bus could not take
 * them wait in gw_command_outbox until a relay hands them over; a command's status is read from the
 * audit log (by command id) and the outbox in one query; leases are rows with a holder and an expiry.
 */
import type { AuditRecord, Outcome } from '../../ports/event-store.js';
import type { CommandMessage } from '../../ports/bus.js';
import type { CommandOutbox, CommandStatus, Leases } from '../../ports/command-outbox.js';
import type { Pool } from './database.js';
import { commandStatusOf } from '../../core/dispatch.js';

export class PostgresCommandOutbox implements CommandOutbox {
  readonly #pool: Pool;
  readonly #s: string;

  constructor(pool: Pool, schema: string) {
    this.#pool = pool;
    this.#s = schema;
  }

  async add(message: CommandMessage): Promise<void> {
    await this.#pool.query(`INSERT INTO ${this.#s}.gw_command_outbox (command_id, tenant, message) VALUES ($1, $2, $3) ON CONFLICT (command_id) DO NOTHING`, [
      message.commandId,
      message.context.tenant,
      JSON.stringify(message),
    ]);
  }

  async pending(limit: number): Promise<readonly CommandMessage[]> {
    const { rows } = await this.#pool.query<{ message: string }>(
      `SELECT message FROM ${this.#s}.gw_command_outbox WHERE published_at IS NULL ORDER BY seq LIMIT $1`,
      [limit],
    );
    return rows.map((row) => JSON.parse(row.message) as CommandMessage);
  }

  async published(commandIds: readonly string[]): Promise<void> {
    await this.#pool.query(`UPDATE ${this.#s}.gw_command_outbox SET published_at = now() WHERE command_id = ANY($1) AND published_at IS NULL`, [commandIds]);
  }

  async parked(message: CommandMessage, reason: string): Promise<void> {
    await this.#pool.query(
      `INSERT INTO ${this.#s}.gw_command_outbox (command_id, tenant, message, published_at, parked_reason) VALUES ($1, $2, $3, now(), $4)
        ON CONFLICT (command_id) DO UPDATE SET parked_reason = excluded.parked_reason, published_at = COALESCE(${this.#s}.gw_command_outbox.published_at, now())`,
      [message.commandId, message.context.tenant, JSON.stringify(message), reason],
    );
  }

  async status(commandId: string, tenant: string): Promise<CommandStatus> {
    const { rows } = await this.#pool.query<{
      outcome: Outcome | null;
      stream_id: string | null;
      audit: string | null;
      queued: boolean | null;
      parked: string | null;
    }>(
      `SELECT c.outcome, c.stream_id, c.audit, o.queued, o.parked FROM
          (SELECT published_at IS NULL AS queued, parked_reason AS parked FROM ${this.#s}.gw_command_outbox WHERE command_id = $1 AND tenant = $2) o
          FULL JOIN (SELECT outcome, stream_id, audit, id FROM ${this.#s}.gw_commands WHERE command_id = $1 AND tenant = $2) c ON true
        ORDER BY c.id`,
      [commandId, tenant],
    );
    const audits = rows
      .filter((row) => row.outcome !== null)
      .map((row) => ({ outcome: row.outcome!, streamId: row.stream_id!, audit: JSON.parse(row.audit!) as AuditRecord }));
    const outbox = rows[0]?.queued === null || rows[0] === undefined ? undefined : { queued: rows[0].queued, parked: rows[0].parked };
    return commandStatusOf(commandId, audits, outbox);
  }
}

export class PostgresLeases implements Leases {
  readonly #pool: Pool;
  readonly #s: string;

  constructor(pool: Pool, schema: string) {
    this.#pool = pool;
    this.#s = schema;
  }

  async acquire(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const { rowCount } = await this.#pool.query(
      `INSERT INTO ${this.#s}.gw_leases (name, holder, until) VALUES ($1, $2, clock_timestamp() + $3 * interval '1 millisecond')
        ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
        WHERE ${this.#s}.gw_leases.holder = excluded.holder OR ${this.#s}.gw_leases.until < clock_timestamp()`,
      [name, holder, ttlMs],
    );
    return rowCount === 1;
  }

  async release(name: string, holder: string): Promise<void> {
    await this.#pool.query(`DELETE FROM ${this.#s}.gw_leases WHERE name = $1 AND holder = $2`, [name, holder]);
  }

  async live(prefix: string): Promise<readonly string[]> {
    const { rows } = await this.#pool.query<{ holder: string }>(
      `SELECT holder FROM ${this.#s}.gw_leases WHERE starts_with(name, $1) AND until > clock_timestamp() ORDER BY holder`,
      [prefix],
    );
    return rows.map((row) => row.holder);
  }
}
