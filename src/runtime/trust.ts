/**
 * The trust operations: history (what happened, who acted, for whom), state at a version or a
 * time, undo through the declared compensating command, and forget (crypto-shredding).
 */
import { bucketOf } from './bucket.js';
import type { AggregateDefinition, CommandDefinition, CommandPipeline, CommandResult } from './pipeline.js';
import { PiiCodec, decodeEvent, type KeyStore, type PiiFields } from './pii.js';
import type { SqliteProjections } from './projections.js';
import type { SqliteEventStore } from './sqlite.js';
import type { AuditRecord } from './store.js';
import type { CommandContext, DomainEvent, StoredEvent } from './types.js';

export interface TimelineEvent {
  readonly position: number;
  readonly streamId: string;
  readonly version: number;
  readonly type: string;
  readonly recordedAt: string;
  readonly data: object;
}

export interface TimelineEntry {
  readonly recordedAt: string;
  readonly audit: AuditRecord;
  readonly events: readonly TimelineEvent[];
}

export type HistoryQuery =
  | { readonly stream: string }
  | { readonly subject: string }
  | { readonly correlation: string }
  | { readonly actor: string };

/** Any command or aggregate of a project, for by-name dispatch (the pipeline validates the input). */
export type AnyCommand = CommandDefinition<unknown, unknown, DomainEvent>;
export type AnyAggregate = AggregateDefinition<unknown, DomainEvent>;

export interface TrustOptions {
  readonly store: SqliteEventStore;
  readonly pipeline: CommandPipeline;
  readonly projections: SqliteProjections;
  readonly keys: KeyStore | undefined;
  /** Every command of the project, by name: undo dispatches from it. */
  readonly commands: Readonly<Record<string, AnyCommand>>;
  /** The pii fields of every event type of the project. */
  readonly pii: PiiFields;
  readonly clock?: () => Date;
}

export interface ForgetResult {
  readonly subject: string;
  readonly keyDestroyed: boolean;
  readonly snapshotsDeleted: number;
  readonly projectionsRebuilt: readonly string[];
}

const UNDO_PREFIX = 'undo:';

export class Trust {
  readonly #o: TrustOptions;
  readonly #codec: PiiCodec;

  constructor(options: TrustOptions) {
    this.#o = options;
    this.#codec = new PiiCodec(options.keys);
  }

  /** Pii fields in clear where the key exists, ERASED where the subject was forgotten. */
  decode(event: StoredEvent): StoredEvent {
    return decodeEvent(this.#codec, this.#o.pii, event);
  }

  /**
   * Every command (accepted, denied, invalid, rejected or failed) matching the query, in the order
   * it was recorded, with the events it produced. Scoped to one tenant.
   */
  history(query: HistoryQuery, tenant: string): TimelineEntry[] {
    const db = this.#o.store.db;
    const [column, value] =
      'stream' in query ? ['stream_id', query.stream] : 'subject' in query ? ['subject', query.subject] : 'correlation' in query ? ['correlation_id', query.correlation] : ['actor_id', query.actor];
    const extra = 'subject' in query ? ` OR (json_extract(audit, '$.onBehalfOf') = ? AND tenant = ?)` : '';
    const rows = db
      .prepare(`SELECT recorded_at, audit FROM gw_commands WHERE (${column} = ? AND tenant = ?)${extra} ORDER BY id`)
      .all(...('subject' in query ? [value, tenant, value, tenant] : [value, tenant])) as Array<{ recorded_at: string; audit: string }>;
    const eventsOf = db.prepare(`SELECT position FROM gw_events WHERE stream_id = ? AND version BETWEEN ? AND ? ORDER BY version`);
    return rows.map((row) => {
      const audit = JSON.parse(row.audit) as AuditRecord;
      const events: TimelineEvent[] = [];
      if (audit.versions !== null) {
        for (const { position } of eventsOf.all(audit.streamId, audit.versions.from, audit.versions.to) as Array<{ position: number }>) {
          const [event] = this.#o.store.readAllSync(position - 1, 1);
          if (event === undefined) continue;
          const decoded = this.decode(event);
          events.push({ position: decoded.position, streamId: decoded.streamId, version: decoded.version, type: decoded.type, recordedAt: decoded.recordedAt, data: decoded.data });
        }
      }
      return { recordedAt: row.recorded_at, audit, events };
    });
  }

  /** An aggregate's state as of a version, or as of a point in time (events recorded at or before it). */
  async stateAt<S, E extends DomainEvent>(aggregate: AggregateDefinition<S, E>, streamId: string, at: { readonly version: number } | { readonly time: string }, tenant: string): Promise<{ state: S; version: number } | undefined> {
    const events = await this.#o.store.readStream(streamId, 0);
    if (events.length === 0 || events[0]!.metadata.tenant !== tenant) return undefined;
    const state = aggregate.initialState();
    let version = 0;
    for (const event of events) {
      if ('version' in at ? event.version > at.version : Date.parse(event.recordedAt) > Date.parse(at.time)) break;
      aggregate.fold(state, this.decode(event) as unknown as E);
      version = event.version;
    }
    return { state, version };
  }

  /**
   * Dispatches the undo declared for an accepted command, through the normal pipeline, as the
   * actor in `context`, with the original command as its cause. Only once.
   */
  async undo(commandId: string, context: CommandContext, input: Readonly<Record<string, unknown>> = {}): Promise<CommandResult> {
    const original = await this.#o.store.findAccepted(context.tenant, { commandId });
    if (original === undefined) {
      return { ok: false, commandId, error: { code: 'not-undoable', message: `no accepted command ${commandId} in tenant ${context.tenant}: only accepted commands can be undone`, commandId } };
    }
    const definition = this.#o.commands[original.audit.command];
    const undoName = definition?.undo;
    if (definition === undefined || undoName === undefined) {
      const why = definition?.aggregate.description === undefined ? '' : ` (${definition.aggregate.name}: ${definition.aggregate.description})`;
      return { ok: false, commandId, error: { code: 'not-undoable', message: `${original.audit.command} declares no undo, so it cannot be undone${why}`, commandId } };
    }
    const undoId = `${UNDO_PREFIX}${commandId}`;
    if ((await this.#o.store.findAccepted(context.tenant, { commandId: undoId })) !== undefined) {
      return { ok: false, commandId, error: { code: 'already-undone', message: `command ${commandId} was already undone by ${undoName} (command ${undoId})`, commandId } };
    }
    const undo = this.#o.commands[undoName]!;
    const result = await this.#o.pipeline.execute(undo, { ...input, [undo.aggregate.idField]: original.audit.streamId }, {
      ...context,
      commandId: undoId,
      causationId: commandId,
      correlationId: context.correlationId ?? original.audit.correlationId,
    });
    if (result.ok && result.duplicate) {
      return { ok: false, commandId, error: { code: 'already-undone', message: `command ${commandId} was already undone by ${undoName} (command ${undoId})`, commandId } };
    }
    return result;
  }

  /**
   * Forgets a data subject: destroys its data key, records a PII-free erasure in the audit chain,
   * deletes its snapshots and rebuilds the projections that hold personal data. Events keep their
   * ciphertext, so every hash still verifies.
   */
  async forget(subject: string, context: CommandContext): Promise<ForgetResult> {
    const { store, projections } = this.#o;
    const keyDestroyed = this.#o.keys?.destroy(subject) ?? false;
    const now = (this.#o.clock ?? (() => new Date()))().toISOString();
    const streamId = `subject:${subject}`;
    await store.recordCommand(bucketOf(streamId), now, {
      commandId: context.commandId ?? `forget:${subject}:${now}`,
      command: 'Forget',
      streamId,
      tenant: context.tenant,
      actor: { id: context.actor.id, kind: context.actor.kind, roles: [...context.actor.roles] },
      onBehalfOf: context.onBehalfOf ?? null,
      subject,
      correlationId: context.correlationId ?? `forget:${subject}`,
      causationId: context.causationId ?? null,
      idempotencyKey: null,
      payloadHash: null,
      decision: 'allowed',
      reason: null,
      outcome: 'accepted',
      error: null,
      versions: null,
    });
    const snapshotsDeleted = store.db.prepare(`DELETE FROM gw_snapshots WHERE subject = ?`).run(subject).changes;
    const rebuilt = projections.withPii();
    for (const name of rebuilt) projections.rebuild(name);
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    return { subject, keyDestroyed, snapshotsDeleted, projectionsRebuilt: rebuilt };
  }
}
