/**
 * Commands accepted while the bus could not take them, kept durable in the database until a relay
 * hands them to the bus, and what is known about a dispatched command's fate.
 */
import type { AuditRecord } from './event-store.js';
import type { CommandMessage } from './bus.js';

export type CommandStatus =
  /** In the command outbox, not handed to the bus yet. */
  | { readonly status: 'queued'; readonly commandId: string }
  /** Accepted by this process and confirmed by the bus; no outcome recorded yet (queued, or in a worker's hands). */
  | { readonly status: 'accepted'; readonly commandId: string }
  /** No outcome recorded yet, and not in the outbox: on the bus or in a worker's hands (dispatched by another process), or never dispatched. */
  | { readonly status: 'unknown'; readonly commandId: string }
  | { readonly status: 'succeeded'; readonly commandId: string; readonly versions: AuditRecord['versions']; readonly streamId: string }
  | { readonly status: 'rejected'; readonly commandId: string; readonly outcome: 'rejected' | 'denied' | 'invalid'; readonly error: AuditRecord['error'] }
  | { readonly status: 'failed'; readonly commandId: string; readonly error: AuditRecord['error']; readonly parked: string | null };

export interface CommandOutbox {
  /** Keeps the command durable: resolves once it is committed. */
  add(message: CommandMessage): Promise<void>;
  /** Up to `limit` commands not yet handed to the bus, oldest first. */
  pending(limit: number): Promise<readonly CommandMessage[]>;
  /** Marks commands handed to the bus (confirmed): the relay never sends them again. */
  published(commandIds: readonly string[]): Promise<void>;
  /** Records that a command was moved to the parking queue, and why (it stays there for an operator). */
  parked(message: CommandMessage, reason: string): Promise<void>;
  /** What the audit log and the outbox say about a command, within a tenant. */
  status(commandId: string, tenant: string): Promise<CommandStatus>;
}

/** A lease that one process holds at a time, renewed while it works; the token fences a stale holder off. */
export interface Leases {
  /** Takes or renews `name` for `ttlMs`; false while another holder's lease is live. */
  acquire(name: string, holder: string, ttlMs: number): Promise<boolean>;
  release(name: string, holder: string): Promise<void>;
  /** The holders of the live leases whose names start with `prefix`. */
  live(prefix: string): Promise<readonly string[]>;
}
