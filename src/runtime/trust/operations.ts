/**
 * The trust operations: history (what happened, who acted, for whom), state at a version or a
 * time, undo through the declared compensating command, and forget (crypto-shredding). Over the
 * ports only: no SQL here.
 */
import { AuditDraft, refusedContextRecord } from '../core/audit.js';
import { authorize, bindingOf, type Denial } from '../core/authorize.js';
import { bucketOf } from '../core/bucket.js';
import { ConfigurationError } from '../core/errors.js';
import type { AccessRule, AggregateDefinition, AnyCommand } from '../core/definitions.js';
import type { CommandError, ValidationIssue } from '../core/errors.js';
import type { CommandPipeline, CommandResult } from '../core/pipeline.js';
import type { ProjectionRunner } from '../core/projections.js';
import type { EventReader } from '../core/reader.js';
import type { CommandContext, DomainEvent, StoredEvent } from '../core/types.js';
import type { AuditRecord, CommandQuery, EventStore } from '../ports/event-store.js';
import type { ApprovalStore } from '../ports/approvals.js';
import type { KeyStore } from '../ports/key-store.js';
import type { StoreMeta } from '../ports/store.js';
import { MAX_ID_LENGTH, checkContext } from '../core/context.js';

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
  /** Who may forget, as the spec declares it; undefined: nobody. */
  readonly forget: AccessRule | undefined;
  /** Requests for approval, which approve and refuse decide. */
  readonly approvals?: ApprovalStore | undefined;
}

export type ApprovalDecisionOutcome =
  | { readonly ok: true; readonly commandId: string; readonly approvalId: string; readonly decision: 'approved' | 'refused'; readonly command: string }
  | { readonly ok: false; readonly commandId: string; readonly error: CommandError };

export interface ForgetResult {
  readonly subject: string;
  readonly keyDestroyed: boolean;
  readonly snapshotsDeleted: number;
  readonly projectionsRebuilt: readonly string[];
  /** What could not be finished yet, in words; empty when the erasure is complete. */
  readonly pending: readonly string[];
}

/** A forget that was refused, and audited as such: nothing was erased. */
export interface ForgetRefusal {
  readonly ok: false;
  readonly commandId: string;
  readonly error:
    | { readonly code: 'validation'; readonly message: string; readonly issues: readonly ValidationIssue[] }
    | { readonly code: 'forbidden'; readonly message: string; readonly reason: Denial['reason'] };
}

export type ForgetOutcome = ({ readonly ok: true } & ForgetResult) | ForgetRefusal;

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
   * it was recorded, with the events it produced (only the `last` ones when given). Scoped to one tenant.
   */
  async history(query: HistoryQuery, tenant: string, options: { readonly last?: number | undefined } = {}): Promise<TimelineEntry[]> {
    const all = await this.#o.events.commands(query, tenant);
    const records = options.last === undefined ? all : all.slice(-options.last);
    // Each stream is read once, however many of its commands the history shows.
    const streams = new Map<string, readonly StoredEvent[]>();
    const out: TimelineEntry[] = [];
    for (const { recordedAt, audit } of records) {
      const events: TimelineEvent[] = [];
      const range = audit.versions;
      if (range !== null) {
        let stream = streams.get(audit.streamId);
        if (stream === undefined) {
          stream = await this.#o.events.readStream(audit.streamId, 0);
          streams.set(audit.streamId, stream);
        }
        for (const event of stream.slice(range.from - 1, range.to)) {
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
   * A human holding a role the command's `approval` names, and not the one who asked, approves or
   * refuses a pending request in its own tenant, before it expires. Every attempt leaves an audit
   * record (`Approve` or `Refuse`, correlated to the request), granted or denied.
   */
  async decideApproval(approvalId: string, decision: 'approved' | 'refused', context: unknown, reason?: string): Promise<ApprovalDecisionOutcome> {
    const name = decision === 'approved' ? 'Approve' : 'Refuse';
    const now = (this.#o.clock ?? (() => new Date()))();
    const commandId = this.#o.pipeline.newId();
    const streamId = `approval:${String(approvalId).slice(0, MAX_ID_LENGTH)}`;
    const checked = checkContext(context);
    if (!checked.ok || typeof approvalId !== 'string' || approvalId.length === 0 || approvalId.length > MAX_ID_LENGTH) {
      const issues = checked.ok ? [{ path: ['approvalId'], message: `an approval id is 1 to ${MAX_ID_LENGTH} characters` }] : checked.issues;
      const message = `invalid ${name.toLowerCase()}: ${issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
      await this.#o.events.recordCommand(bucketOf(streamId), now.toISOString(), refusedContextRecord(name, commandId, streamId, context, message));
      return { ok: false, commandId, error: { code: 'validation', message, issues } };
    }
    const who = { ...checked.context, correlationId: approvalId, causationId: approvalId };
    const record = await this.#o.approvals?.get(approvalId, who.tenant);
    const draft = new AuditDraft(name, commandId, who).at(record?.streamId ?? streamId);
    draft.subject = record?.subject ?? null;
    const refuse = async (error: CommandError): Promise<ApprovalDecisionOutcome> => {
      if (error.code === 'forbidden') draft.deny(`${error.reason}: ${error.message}`);
      await this.#o.events.recordCommand(
        bucketOf(draft.streamId),
        now.toISOString(),
        draft.build(error.code === 'forbidden' ? 'denied' : 'rejected', { code: error.code }, null),
      );
      return { ok: false, commandId, error };
    };
    if (record === undefined) return refuse({ code: 'not-found', message: `there is no request for approval ${approvalId} in tenant ${who.tenant}`, streamId });
    const rule = this.#o.commands[record.command]?.approval;
    const actor = who.actor;
    const denial =
      rule === undefined
        ? `${record.command} declares no approval`
        : actor.kind !== 'human'
          ? `only a human may ${name.toLowerCase()}; this actor is of kind ${actor.kind}`
          : !actor.roles.some((role) => rule.by.includes(role))
            ? `${name.toLowerCase()} needs one of the roles ${rule.by.join(', ')}`
            : actor.id === record.requester.id
              ? `${actor.id} asked for this approval and cannot decide it`
              : actor.id === record.onBehalfOf
                ? `${actor.id} is who the command acts for and cannot decide its approval`
                : record.decision !== 'pending'
                  ? `approval ${approvalId} was already ${record.decision} by ${record.decidedBy ?? 'someone'}`
                  : Date.parse(record.expiresAt) <= now.getTime()
                    ? `approval ${approvalId} expired at ${record.expiresAt}`
                    : undefined;
    if (denial !== undefined) return refuse({ code: 'forbidden', message: denial, reason: 'approval' });
    if (!(await this.#o.approvals!.decide(approvalId, who.tenant, decision, actor.id, now.toISOString(), reason ?? null))) {
      return refuse({ code: 'forbidden', message: `approval ${approvalId} was decided meanwhile`, reason: 'approval' });
    }
    await this.#o.events.recordCommand(bucketOf(draft.streamId), now.toISOString(), draft.build('accepted', null, null));
    return { ok: true, commandId, approvalId, decision, command: record.command };
  }

  /**
   * Forgets a data subject: records a PII-free erasure in the audit chain, then destroys its data
   * key (no process may use it again, and no new key is ever made for it), deletes its snapshots
   * and rebuilds the projections that hold personal data. Events keep their ciphertext, so every
   * hash still verifies. An interrupted forget is completed by `resumeForgets` (on every open).
   */
  async forget(subject: string, context: unknown): Promise<ForgetOutcome> {
    if (this.#o.keys === undefined)
      throw new ConfigurationError('kek-missing', `forget ${subject}: forgetting destroys a subject's data key, and there is no key store: set GROUNDWORK_KEK`);
    const now = (this.#o.clock ?? (() => new Date()))().toISOString();
    const checked = checkContext(context);
    const issues = checked.ok ? [] : [...checked.issues];
    if (typeof subject !== 'string' || subject.length === 0 || subject.length > MAX_ID_LENGTH)
      issues.push({ path: ['subject'], message: `a subject id is 1 to ${MAX_ID_LENGTH} characters` });
    if (!checked.ok || issues.length > 0) {
      const commandId = this.#o.pipeline.newId();
      const message = `invalid forget: ${issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
      const streamId = `subject:${String(subject).slice(0, MAX_ID_LENGTH)}`;
      await this.#o.events.recordCommand(bucketOf(streamId), now, refusedContextRecord('Forget', commandId, streamId, context, message));
      return { ok: false, commandId, error: { code: 'validation', message, issues } };
    }
    const denial = await this.#authorizeForget(subject, checked.context);
    if (denial !== undefined) {
      const commandId = this.#o.pipeline.newId();
      const draft = new AuditDraft('Forget', commandId, checked.context).at(`subject:${subject}`);
      draft.subject = subject;
      draft.deny(`${denial.reason}: ${denial.message}`);
      await this.#o.events.recordCommand(bucketOf(draft.streamId), now, draft.build('denied', { code: 'forbidden' }, null));
      return { ok: false, commandId, error: { code: 'forbidden', message: denial.message, reason: denial.reason } };
    }
    const erasure: PendingErasure = { subject, commandId: `forget:${subject}:${now}`, recordedAt: now, context: checked.context };
    // The intent is durable before anything is destroyed, so a crash at any later step is resumed.
    await this.#o.meta.set(`${PENDING}${subject}`, JSON.stringify(erasure));
    return { ok: true, ...(await this.#complete(erasure)) };
  }

  /**
   * Forget is authorized like a command, by the rule the spec declares (denied when there is none);
   * a bound actor may forget only its own subject; and the subject's data must all be in the
   * caller's tenant.
   */
  async #authorizeForget(subject: string, context: CommandContext): Promise<Denial | undefined> {
    const rule = this.#o.forget;
    if (rule === undefined) {
      return {
        reason: 'role',
        message: 'forget is denied to everyone until the spec says who may run it: declare `operations: { forget: { allow: [<role>] } }`',
      };
    }
    const named = { name: 'Forget', ...rule };
    const denied = authorize(named, subject, context, undefined);
    if (denied !== undefined) return denied;
    const bound = bindingOf(named, context);
    if ('denial' in bound) return bound.denial;
    if (bound.binding !== undefined && bound.binding.subject !== subject)
      return { reason: 'subject', message: `${bound.binding.because}, so it cannot forget ${subject}` };
    const tenants = await this.#o.events.subjectTenants(subject);
    if (tenants.some((tenant) => tenant !== context.tenant))
      return { reason: 'tenant', message: `${subject} is not a subject of tenant ${context.tenant} alone` };
    return undefined;
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
