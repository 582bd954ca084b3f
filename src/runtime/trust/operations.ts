/**
 * The trust operations: history (what happened, who acted, for whom), state at a version or a
 * time, undo through the declared compensating command, and forget (crypto-shredding). Over the
 * ports only: no SQL here.
 */
import { AuditDraft } from '../core/audit.js';
import { bucketOf } from '../core/bucket.js';
import { ConfigurationError } from '../core/errors.js';
import type { AggregateDefinition, AnyCommand } from '../core/definitions.js';
import type { CommandPipeline, CommandResult } from '../core/pipeline.js';
import type { ProjectionRunner } from '../core/projections.js';
import type { EventReader } from '../core/reader.js';
import type { CommandContext, DomainEvent, StoredEvent } from '../core/types.js';
import type { AuditRecord, CommandQuery, EventStore } from '../ports/event-store.js';
import type { KeyStore } from '../ports/key-store.js';
import type { StoreMeta } from '../ports/store.js';
import { checkContext } from '../core/context.js';

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

export type HistoryQuery = CommandQuery;

export interface TrustOptions {
  readonly events: EventStore;
  readonly pipeline: CommandPipeline;
  readonly projections: ProjectionRunner;
  readonly keys: KeyStore | undefined;
  /** Every command of the project, by name: undo dispatches from it. */
  readonly commands: Readonly<Record<string, AnyCommand>>;
  /** Reads stored events as code sees them: decrypted, in their current shape. */
  readonly reader: EventReader;
  readonly clock?: (() => Date) | undefined;
  /** Where a forget keeps its intent until every step is done. */
  readonly meta: StoreMeta;
}

export interface ForgetResult {
  readonly subject: string;
  readonly keyDestroyed: boolean;
  readonly snapshotsDeleted: number;
  readonly projectionsRebuilt: readonly string[];
  /** What could not be finished yet, in words; empty when the erasure is complete. */
  readonly pending: readonly string[];
}

const UNDO_PREFIX = 'undo:';

export class Trust {
  readonly #o: TrustOptions;

  constructor(options: TrustOptions) {
    this.#o = options;
  }

  /** Pii fields in clear where the key exists, ERASED where the subject was forgotten; in the current shape. */
  decode(event: StoredEvent): Promise<StoredEvent> {
    return this.#o.reader.read(event);
  }

  /**
   * Every command (accepted, denied, invalid, rejected or failed) matching the query, in the order
   * it was recorded, with the events it produced. Scoped to one tenant.
   */
  async history(query: HistoryQuery, tenant: string): Promise<TimelineEntry[]> {
    const out: TimelineEntry[] = [];
    for (const { recordedAt, audit } of await this.#o.events.commands(query, tenant)) {
      const events: TimelineEvent[] = [];
      if (audit.versions !== null) {
        for (const event of await this.#o.events.readStream(audit.streamId, audit.versions.from - 1)) {
          if (event.version > audit.versions.to) break;
          const decoded = await this.decode(event);
          events.push({
            position: decoded.position,
            streamId: decoded.streamId,
            version: decoded.version,
            type: decoded.type,
            recordedAt: decoded.recordedAt,
            data: decoded.data,
          });
        }
      }
      out.push({ recordedAt, audit, events });
    }
    return out;
  }

  /** An aggregate's state as of a version, or as of a point in time (events recorded at or before it). */
  async stateAt<S, E extends DomainEvent>(
    aggregate: AggregateDefinition<S, E>,
    streamId: string,
    at: { readonly version: number } | { readonly time: string },
    tenant: string,
  ): Promise<{ state: S; version: number } | undefined> {
    const events = await this.#o.events.readStream(streamId, 0);
    if (events.length === 0 || events[0]!.metadata.tenant !== tenant) return undefined;
    const state = aggregate.initialState();
    let version = 0;
    for (const event of events) {
      if ('version' in at ? event.version > at.version : Date.parse(event.recordedAt) > Date.parse(at.time)) break;
      aggregate.fold(state, (await this.decode(event)) as unknown as E);
      version = event.version;
    }
    return { state, version };
  }

  /**
   * Dispatches the undo declared for an accepted command, through the normal pipeline, as the
   * actor in `context`, with the original command as its cause. Only once.
   */
  async undo(commandId: string, context: CommandContext, input: Readonly<Record<string, unknown>> = {}): Promise<CommandResult> {
    const original = await this.#o.events.findAccepted(context.tenant, { commandId });
    if (original === undefined) {
      return {
        ok: false,
        commandId,
        error: {
          code: 'not-undoable',
          message: `no accepted command ${commandId} in tenant ${context.tenant}: only accepted commands can be undone`,
          commandId,
        },
      };
    }
    const definition = this.#o.commands[original.audit.command];
    const undoName = definition?.undo;
    if (definition === undefined || undoName === undefined) {
      const why = definition?.aggregate.description === undefined ? '' : ` (${definition.aggregate.name}: ${definition.aggregate.description})`;
      return {
        ok: false,
        commandId,
        error: { code: 'not-undoable', message: `${original.audit.command} declares no undo, so it cannot be undone${why}`, commandId },
      };
    }
    const undoId = `${UNDO_PREFIX}${commandId}`;
    const alreadyUndone = {
      ok: false,
      commandId,
      error: { code: 'already-undone', message: `command ${commandId} was already undone by ${undoName} (command ${undoId})`, commandId },
    } as const;
    if ((await this.#o.events.findAccepted(context.tenant, { commandId: undoId })) !== undefined) return alreadyUndone;
    const undo = this.#o.commands[undoName]!;
    const result = await this.#o.pipeline.executeReserved(
      undo,
      { ...input, [undo.aggregate.idField]: original.audit.streamId },
      {
        ...context,
        commandId: undoId,
        causationId: commandId,
        correlationId: context.correlationId ?? original.audit.correlationId,
      },
    );
    return result.ok && result.duplicate ? alreadyUndone : result;
  }

  /**
   * Forgets a data subject: records a PII-free erasure in the audit chain, then destroys its data
   * key (no process may use it again, and no new key is ever made for it), deletes its snapshots
   * and rebuilds the projections that hold personal data. Events keep their ciphertext, so every
   * hash still verifies. An interrupted forget is completed by `resumeForgets` (on every open).
   */
  async forget(subject: string, context: CommandContext): Promise<ForgetResult> {
    if (this.#o.keys === undefined)
      throw new ConfigurationError('kek-missing', `forget ${subject}: forgetting destroys a subject's data key, and there is no key store: set GROUNDWORK_KEK`);
    const checked = checkContext(context);
    if (!checked.ok)
      throw new ConfigurationError('invalid-context', `forget ${subject}: ${checked.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const now = (this.#o.clock ?? (() => new Date()))().toISOString();
    const erasure: PendingErasure = { subject, commandId: `forget:${subject}:${now}`, recordedAt: now, context: checked.context };
    // The intent is durable before anything is destroyed, so a crash at any later step is resumed.
    await this.#o.meta.set(`${PENDING}${subject}`, JSON.stringify(erasure));
    return this.#complete(erasure);
  }

  /** Completes every forget a crash interrupted: its erasure record first, then the rest. */
  async resumeForgets(): Promise<ForgetResult[]> {
    const done: ForgetResult[] = [];
    for (const [, value] of await this.#o.meta.list(PENDING)) done.push(await this.#complete(JSON.parse(value) as PendingErasure));
    return done;
  }

  async #complete({ subject, commandId, recordedAt, context }: PendingErasure): Promise<ForgetResult> {
    const { events, projections } = this.#o;
    const keys = this.#o.keys!;
    if ((await events.findAccepted(context.tenant, { commandId })) === undefined)
      await events.recordCommand(bucketOf(`subject:${subject}`), recordedAt, erasureRecord(subject, commandId, context));
    const destroyed = await keys.destroy(subject);
    const snapshotsDeleted = await events.deleteSnapshotsOf(subject);
    const rebuilt = projections.withPii().map((p) => p.name);
    for (const name of rebuilt) await projections.rebuild(name);
    await events.purgeDeleted();
    await this.#o.meta.remove(`${PENDING}${subject}`);
    const pending = destroyed.purged
      ? []
      : ["the destroyed key is still in the key store's write-ahead log while another process reads it; the next forget or open wipes it"];
    return { subject, keyDestroyed: destroyed.existed, snapshotsDeleted, projectionsRebuilt: rebuilt, pending };
  }
}

const PENDING = 'forget:pending:';

/** A forget that has been asked for: kept in the store until every step of it is done. */
interface PendingErasure {
  readonly subject: string;
  readonly commandId: string;
  readonly recordedAt: string;
  readonly context: CommandContext;
}

/** The erasure's audit record: who forgot whom, and nothing personal. */
function erasureRecord(subject: string, commandId: string, context: CommandContext): AuditRecord {
  const draft = new AuditDraft('Forget', commandId, context).at(`subject:${subject}`);
  draft.subject = subject;
  return draft.build('accepted', null, null);
}
