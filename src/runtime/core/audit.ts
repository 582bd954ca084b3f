/** The audit record of one command, collected as the pipeline learns about it. */
import { createHmac } from 'node:crypto';
import type { AuditRecord, Outcome } from '../ports/event-store.js';
import { MAX_ID_LENGTH, auditableActor, bounded } from './context.js';
import type { CommandContext, EventMetadata } from './types.js';

/**
 * Keyed hash of a command payload, for idempotency checks without keeping the payload. With a key
 * store the key is derived from the KEK, which never sits in the database, so a hash of personal
 * data cannot be tested against guesses by someone holding only the database.
 */
export function payloadHash(key: string | Uint8Array, input: unknown): string {
  return createHmac('sha256', key).update(JSON.stringify(input)).digest('hex');
}

export class AuditDraft {
  readonly command: string;
  readonly commandId: string;
  readonly context: CommandContext;
  streamId = '';
  subject: string | null = null;
  payloadHash: string | null = null;
  #decision: 'allowed' | 'denied' = 'allowed';
  #reason: string | null = null;

  /** A dry run records nothing, not even this record. */
  readonly dryRun: boolean;

  constructor(command: string, commandId: string, context: CommandContext, dryRun = false) {
    this.command = command;
    this.commandId = commandId;
    this.context = context;
    this.dryRun = dryRun;
  }

  at(streamId: string): this {
    this.streamId = streamId;
    return this;
  }

  payload(hash: string): this {
    this.payloadHash = hash;
    return this;
  }

  deny(reason: string): void {
    this.#decision = 'denied';
    this.#reason = reason;
  }

  metadata(command: string): EventMetadata {
    const c = this.context;
    return {
      commandId: this.commandId,
      command,
      correlationId: c.correlationId ?? this.commandId,
      causationId: c.causationId ?? null,
      actorId: c.actor.id,
      actorKind: c.actor.kind,
      onBehalfOf: c.onBehalfOf ?? null,
      subject: this.subject,
      tenant: c.tenant,
    };
  }

  build(outcome: Outcome, error: AuditRecord['error'], versions: AuditRecord['versions']): AuditRecord {
    const c = this.context;
    return {
      commandId: this.commandId,
      command: this.command,
      streamId: this.streamId,
      tenant: c.tenant,
      actor: { id: c.actor.id, kind: c.actor.kind, roles: [...c.actor.roles] },
      onBehalfOf: c.onBehalfOf ?? null,
      subject: this.subject,
      correlationId: c.correlationId ?? this.commandId,
      causationId: c.causationId ?? null,
      idempotencyKey: c.idempotencyKey ?? null,
      payloadHash: this.payloadHash,
      decision: this.#decision,
      reason: this.#reason,
      outcome,
      error,
      versions,
      ...(c.delegatedBy === undefined ? {} : { delegatedBy: c.delegatedBy }),
      ...(c.via === undefined ? {} : { via: c.via }),
    };
  }
}

/**
 * The record of a request whose context was invalid: only what could be bounded is kept, so an
 * invalid request can neither bloat nor forge the record.
 */
export function refusedContextRecord(command: string, commandId: string, streamId: string, raw: unknown, message: string): AuditRecord {
  return {
    commandId,
    command,
    streamId,
    tenant: bounded((raw as { tenant?: unknown } | null)?.tenant),
    actor: auditableActor(raw),
    onBehalfOf: null,
    subject: null,
    correlationId: commandId,
    causationId: null,
    idempotencyKey: null,
    payloadHash: null,
    decision: 'allowed',
    reason: message.slice(0, 2 * MAX_ID_LENGTH),
    outcome: 'invalid',
    error: { code: 'validation' },
    versions: null,
  };
}
