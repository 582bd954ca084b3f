/**
 * What the HTTP API and the MCP server both do, said once: run a command as a verified identity
 * (idempotency key required, one request per key in flight, If-Match, dry run, approvals, the
 * asynchronous path), tell a command's status, and read projections, history, state-at and verify
 * only as the spec allows, scoped to the caller's tenant and to the subject it is bound to, with
 * personal data only for the roles allowed to see it. Answers are values; nothing throws at callers.
 */
import { createHash } from 'node:crypto';
import { bindingOf, type Binding } from '../core/authorize.js';
import { MAX_ID_LENGTH } from '../core/context.js';
import type { AnyAggregate } from '../core/definitions.js';
import type { Identity } from '../core/identity.js';
import { isErased } from '../core/pii.js';
import type { CommandResult, DryRun, Refused } from '../core/pipeline.js';
import type { CommandContext, DomainEvent, Via } from '../core/types.js';
import type { AuditRecord, CommandQuery } from '../ports/event-store.js';
import type { App } from '../app/open.js';
import type { TimelineEntry } from '../trust/operations.js';
import type { CommandEndpoint, ProjectionEndpoint, ReadAccess, SurfaceDefinition } from './definition.js';
import { invalid, thrown, type SurfaceFailure } from './problems.js';

/** Who calls, as verified, and through which surface. */
export interface Caller {
  readonly identity: Identity;
  readonly via: Via;
}

export type Answer<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly failure: SurfaceFailure };

export interface CommandCall {
  /** Required (unless the call runs under an approval): a retry with the same key returns the first answer. */
  readonly idempotencyKey?: string | undefined;
  readonly approvalId?: string | undefined;
  readonly dryRun?: boolean | undefined;
  /** The stream version the caller last saw (If-Match). */
  readonly expectedVersion?: number | undefined;
  /** Answer once the command is durable, before it runs (Prefer: respond-async). */
  readonly async?: boolean | undefined;
}

export interface EventView {
  readonly type: string;
  readonly version: number;
  readonly data: object;
}

export interface CommandBody {
  readonly commandId: string;
  readonly streamId: string;
  readonly version: number;
  readonly events: readonly EventView[];
}

export type CommandAnswer =
  | { readonly kind: 'done'; readonly created: boolean; readonly replayed: boolean; readonly body: CommandBody }
  | { readonly kind: 'dry-run'; readonly body: CommandBody & { readonly dryRun: true; readonly duplicate: boolean } }
  | { readonly kind: 'accepted'; readonly commandId: string; readonly via: 'bus' | 'outbox' | 'in-process' };

export interface CommandStatusView {
  readonly commandId: string;
  readonly status: 'queued' | 'accepted' | 'unknown' | 'succeeded' | 'rejected' | 'failed';
  readonly command?: string | undefined;
  readonly streamId?: string | undefined;
  readonly versions?: { readonly from: number; readonly to: number } | null | undefined;
  readonly error?: { readonly code: string; readonly rule?: string | undefined } | null | undefined;
}

export interface Page<R> {
  readonly rows: readonly R[];
  /** Pass as `after` for the next page; null on the last page. */
  readonly next: string | null;
}

/** The most rows one page may hold, and the default. */
export const MAX_PAGE = 100;
export const DEFAULT_PAGE = 20;
/** The most history entries one read returns (the newest are cut). */
export const MAX_HISTORY = 500;

const KEY_PATTERN = /^[\x21-\x7e]{1,128}$/;

export class SurfaceOperations {
  readonly #app: App;
  readonly #surface: SurfaceDefinition;
  readonly #inFlight = new Set<string>();

  constructor(app: App, surface: SurfaceDefinition) {
    this.#app = app;
    this.#surface = surface;
  }

  get surface(): SurfaceDefinition {
    return this.#surface;
  }

  /** A new id for a request, as the audit records it. */
  newRequestId(): string {
    return this.#app.newId();
  }

  /** Runs (or dry-runs, or queues) one command as the caller; one request per idempotency key at a time. */
  async command(endpoint: CommandEndpoint, input: unknown, call: CommandCall, caller: Caller): Promise<Answer<CommandAnswer>> {
    const key = call.idempotencyKey;
    if (key === undefined && call.approvalId === undefined && call.dryRun !== true)
      return fail(invalid(['Idempotency-Key'], 'every command needs an idempotency key: a unique value per intended action, the same on every retry'));
    if (key !== undefined && !KEY_PATTERN.test(key)) return fail(invalid(['Idempotency-Key'], 'an idempotency key is 1 to 128 visible ASCII characters'));
    if (call.approvalId !== undefined && (call.approvalId.length === 0 || call.approvalId.length > MAX_ID_LENGTH))
      return fail(invalid(['approvalId'], `an approval id is 1 to ${MAX_ID_LENGTH} characters`));
    const scoped = key === undefined ? undefined : scopedKey(caller.identity, key);
    const context = this.#context(caller, {
      // The same key is the same command id: a retry (also one queued on the bus) is that command, once.
      commandId: key === undefined ? undefined : commandIdFor(caller.identity, key),
      idempotencyKey: call.approvalId === undefined ? scoped : undefined,
      approvalId: call.approvalId,
      expectedVersion: call.expectedVersion,
    });
    if (call.dryRun === true) return this.#dryRun(endpoint, input, context, call, caller);
    const flight = `${caller.identity.tenant}\u0000${scoped ?? `approval:${call.approvalId}`}`;
    if (this.#inFlight.has(flight))
      return fail({ code: 'in-flight', message: 'a request with this idempotency key is still running: wait for its answer, then retry' });
    this.#inFlight.add(flight);
    try {
      // A command that needs a human's approval first is answered at once, with the approval id to come back with.
      const needsApproval = endpoint.command.approval?.actors.includes(caller.identity.actor.kind) === true && call.approvalId === undefined;
      if (call.async === true && !needsApproval) {
        const dispatched = await this.#app.enqueue(endpoint.command, input, context);
        return dispatched.ok ? { ok: true, value: { kind: 'accepted', commandId: dispatched.commandId, via: dispatched.via } } : refused(dispatched, call);
      }
      const result = await this.#app.execute(endpoint.command, input, context);
      if (!result.ok) return refused(result, call);
      return { ok: true, value: { kind: 'done', created: endpoint.command.creates, replayed: result.duplicate, body: this.#bodyOf(result, caller) } };
    } catch (error) {
      return fail(thrown(error));
    } finally {
      this.#inFlight.delete(flight);
    }
  }

  /** A command's status, for the caller who sent it or a caller who may read its history. */
  async status(commandId: string, caller: Caller): Promise<Answer<CommandStatusView>> {
    const { tenant } = caller.identity;
    const events = this.#app.store.events;
    const accepted = await events.findAccepted(tenant, { commandId });
    const records =
      accepted !== undefined ? [accepted] : (await events.commands({ correlation: commandId }, tenant)).filter((c) => c.audit.commandId === commandId);
    const mine = (audit: AuditRecord) =>
      audit.actor.id === caller.identity.actor.id &&
      audit.onBehalfOf === (caller.identity.onBehalfOf ?? null) &&
      (audit.delegatedBy ?? null) === (caller.identity.delegatedBy ?? null);
    if (!records.every((r) => mine(r.audit))) {
      // Someone else's command: only for a caller who may read its history, and a bound caller only about its subject.
      const scope = this.#scope(this.#surface.history, caller, undefined);
      const subject = scope.ok ? scope.value?.subject : undefined;
      if (!scope.ok || (subject !== undefined && !records.every((r) => r.audit.subject === subject || r.audit.onBehalfOf === subject)))
        return fail(notFound(`command ${commandId}`));
    }
    const last = records[records.length - 1];
    if (last !== undefined) {
      const { audit } = last;
      const status = audit.outcome === 'accepted' ? 'succeeded' : audit.outcome === 'failed' ? 'failed' : 'rejected';
      return { ok: true, value: { commandId, status, command: audit.command, streamId: audit.streamId, versions: audit.versions, error: audit.error } };
    }
    try {
      // Queued or on its way: the id is the hash of a caller's key, which nobody else can name.
      const known = await this.#app.commandStatus(commandId, tenant);
      if (known.status === 'queued' || known.status === 'accepted') return { ok: true, value: { commandId, status: known.status } };
      if (known.status === 'failed') return { ok: true, value: { commandId, status: 'failed', error: known.error } };
    } catch {
      // Without a bus there is nothing queued anywhere: an unrecorded command is unknown.
    }
    return fail(notFound(`command ${commandId}`));
  }

  /** Undoes an accepted command through its declared compensating command, as the caller. */
  async undo(commandId: string, caller: Caller): Promise<Answer<CommandAnswer>> {
    const result = await this.#app.trust.undo(commandId, this.#context(caller, {}));
    if (!result.ok) return refused(result, {});
    return { ok: true, value: { kind: 'done', created: false, replayed: false, body: this.#bodyOf(result, caller) } };
  }

  /** Approves or refuses a pending request for approval, as the caller (a human with an approving role, never the requester). */
  async decide(approvalId: string, decision: 'approved' | 'refused', reason: string | undefined, caller: Caller) {
    const outcome = await this.#app.trust.decideApproval(approvalId, decision, this.#context(caller, {}), reason);
    return outcome.ok ? { ok: true as const, value: outcome } : fail(outcome.error);
  }

  /** One row of a projection by key; a row outside the caller's subject reads as missing. */
  async row(endpoint: ProjectionEndpoint, key: string, caller: Caller): Promise<Answer<object>> {
    const scope = this.#scope(endpoint.access, caller, endpoint.subjectColumn === undefined ? `${endpoint.projection} has no subject column` : undefined);
    if (!scope.ok) return scope;
    const row = (await this.#app.rows<Record<string, unknown>>(endpoint.projection).get(key, caller.identity.tenant)) as Record<string, unknown> | undefined;
    if (row === undefined || (scope.value !== undefined && row[endpoint.subjectColumn!] !== scope.value.subject))
      return fail(notFound(`${endpoint.projection} ${key}`));
    return { ok: true, value: this.#shown(row, endpoint.piiColumns, endpoint.access!, caller) };
  }

  /** A page of a projection's rows in key order; a bound caller sees only its subject's rows. */
  async rows(
    endpoint: ProjectionEndpoint,
    query: { readonly after?: string | undefined; readonly limit?: number | undefined },
    caller: Caller,
  ): Promise<Answer<Page<object>>> {
    const limit = query.limit ?? DEFAULT_PAGE;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) return fail(invalid(['limit'], `a page holds 1 to ${MAX_PAGE} rows`));
    if (query.after !== undefined && (query.after.length === 0 || query.after.length > MAX_ID_LENGTH))
      return fail(invalid(['after'], 'after is a key from the previous page'));
    const scope = this.#scope(endpoint.access, caller, endpoint.subjectColumn === undefined ? `${endpoint.projection} has no subject column` : undefined);
    if (!scope.ok) return scope;
    const where = scope.value === undefined ? undefined : { column: endpoint.subjectColumn!, value: scope.value.subject };
    const found = await this.#app
      .rows<Record<string, unknown>>(endpoint.projection)
      .page(caller.identity.tenant, { after: query.after, limit: limit + 1, where });
    const rows = found.slice(0, limit).map((row) => this.#shown(row, endpoint.piiColumns, endpoint.access!, caller));
    const next = found.length > limit ? String((found[limit - 1] as Record<string, unknown>)[endpoint.key]) : null;
    return { ok: true, value: { rows, next } };
  }

  /** What happened: the audit records matching the query, with their events, oldest first (at most MAX_HISTORY). */
  async history(query: CommandQuery, caller: Caller): Promise<Answer<{ readonly entries: readonly TimelineEntry[]; readonly truncated: boolean }>> {
    const scope = this.#scope(this.#surface.history, caller, undefined);
    if (!scope.ok) return scope;
    if (scope.value !== undefined && !('subject' in query && query.subject === scope.value.subject))
      return fail({ code: 'forbidden', reason: 'subject', message: `${scope.value.because}: ask for the history of subject ${scope.value.subject}` });
    const found = await this.#app.trust.history(query, caller.identity.tenant, { last: MAX_HISTORY + 1 });
    const entries = found.slice(-MAX_HISTORY).map((entry) => this.#entryShown(entry, caller));
    return { ok: true, value: { entries, truncated: found.length > MAX_HISTORY } };
  }

  /** An aggregate's state as of a version or a time; outside the caller's subject it reads as missing. */
  async stateAt(
    aggregateName: string,
    streamId: string,
    at: { readonly version: number } | { readonly time: string },
    caller: Caller,
  ): Promise<Answer<{ readonly state: object; readonly version: number }>> {
    const scope = this.#scope(this.#surface.stateAt, caller, undefined);
    if (!scope.ok) return scope;
    const endpoint = this.#surface.aggregates.find((a) => a.aggregate.name === aggregateName);
    if (endpoint === undefined) return fail(notFound(`aggregate ${aggregateName}`));
    const found = await this.#app.trust.stateAt(endpoint.aggregate, streamId, at, caller.identity.tenant);
    if (found === undefined || found.version === 0) return fail(notFound(`${aggregateName} ${streamId}`));
    if (scope.value !== undefined && endpoint.aggregate.subjectOf(found.state, streamId) !== scope.value.subject)
      return fail(notFound(`${aggregateName} ${streamId}`));
    const state = this.#shown(found.state as Record<string, unknown>, endpoint.piiState, this.#surface.stateAt!, caller);
    return { ok: true, value: { state, version: found.version } };
  }

  /** Checks every hash chain and checkpoint of the store. */
  async verify(caller: Caller) {
    const scope = this.#scope(this.#surface.verify, caller, undefined);
    if (!scope.ok) return scope;
    const report = await this.#app.verify();
    return { ok: true as const, value: { ok: report.ok, rows: report.rows, checkpoints: report.checkpoints, findings: report.findings.slice(0, 100) } };
  }

  #context(caller: Caller, extra: Pick<CommandContext, 'commandId' | 'idempotencyKey' | 'approvalId' | 'expectedVersion'>): CommandContext {
    const { identity, via } = caller;
    return {
      actor: identity.actor,
      tenant: identity.tenant,
      onBehalfOf: identity.onBehalfOf,
      delegatedBy: identity.delegatedBy,
      via,
      commandId: this.#app.newId(),
      ...Object.fromEntries(Object.entries(extra).filter(([, value]) => value !== undefined)),
    };
  }

  /** The answer to a command: its events, without the personal data the caller's roles may not read. */
  #bodyOf(result: Extract<CommandResult, { ok: true }>, caller: Caller): CommandBody {
    return {
      commandId: result.commandId,
      streamId: result.streamId,
      version: result.version,
      events: result.events.map((e) => ({ type: e.type, version: e.version, data: this.#eventData(e.type, e.data, caller) })),
    };
  }

  /** Event data without its pii fields, unless the caller holds a role that may read personal data in the history. */
  #eventData(type: string, data: object, caller: Caller): object {
    const pii = this.#surface.history?.pii ?? [];
    if (caller.identity.actor.roles.some((role) => pii.includes(role))) return data;
    const hidden = this.#aggregateOf(type)?.pii[type] ?? [];
    return hidden.length === 0 ? data : Object.fromEntries(Object.entries(data).filter(([name, value]) => !hidden.includes(name) || isErased(value)));
  }

  async #dryRun(endpoint: CommandEndpoint, input: unknown, context: CommandContext, call: CommandCall, caller: Caller): Promise<Answer<CommandAnswer>> {
    const plan: DryRun<DomainEvent> | Refused = await this.#app.dryRun(endpoint.command, input, context);
    if (!plan.ok) return refused(plan, call);
    const events = plan.events.map((e) => ({ type: e.type, version: e.version, data: this.#eventData(e.type, e.data, caller) }));
    return {
      ok: true,
      value: {
        kind: 'dry-run',
        body: { commandId: plan.commandId, streamId: plan.streamId, version: plan.version, events, dryRun: true, duplicate: plan.duplicate },
      },
    };
  }

  /** Undefined when the caller may read; the refusal otherwise. */
  #denied(access: ReadAccess | undefined, caller: Caller): SurfaceFailure | undefined {
    const { actor } = caller.identity;
    if (access === undefined) return { code: 'forbidden', reason: 'role', message: 'the spec allows nobody to read this over HTTP or MCP' };
    if (!access.actors.includes(actor.kind))
      return { code: 'forbidden', reason: 'actor-kind', message: `${access.name} may be read by ${access.actors.join(', ')}, not by a ${actor.kind}` };
    if (!actor.roles.some((role) => access.allow.includes(role)))
      return { code: 'forbidden', reason: 'role', message: `reading ${access.name} needs one of the roles ${access.allow.join(', ')}` };
    return undefined;
  }

  /** The subject the caller's reads are bound to (undefined: unbound); refused without access, or when bound where rows have no subject. */
  #scope(access: ReadAccess | undefined, caller: Caller, noSubject: string | undefined): Answer<Binding | undefined> {
    const denied = this.#denied(access, caller);
    if (denied !== undefined) return fail(denied);
    const bound = bindingOf({ ...access!, allow: access!.allow }, caller.identity);
    if ('denial' in bound) return fail({ code: 'forbidden', ...bound.denial });
    if (bound.binding !== undefined && noSubject !== undefined)
      return fail({ code: 'forbidden', reason: 'subject', message: `${bound.binding.because}, and ${noSubject}` });
    return { ok: true, value: bound.binding };
  }

  /** The record without the fields the caller's roles may not see. */
  #shown(row: Record<string, unknown>, pii: readonly string[], access: ReadAccess, caller: Caller): object {
    if (pii.length === 0 || caller.identity.actor.roles.some((role) => access.pii.includes(role))) return row;
    return Object.fromEntries(Object.entries(row).filter(([name]) => !pii.includes(name)));
  }

  #entryShown(entry: TimelineEntry, caller: Caller): TimelineEntry {
    return { ...entry, events: entry.events.map((event) => ({ ...event, data: this.#eventData(event.type, event.data, caller) })) };
  }

  #aggregateOf(eventType: string): AnyAggregate | undefined {
    return this.#surface.aggregates.find((a) => a.aggregate.pii[eventType] !== undefined)?.aggregate;
  }
}

/** The key a caller's idempotency key is kept under: its own, so two callers' keys never meet. */
export function scopedKey(identity: Identity, key: string): string {
  return `key:${callerDigest(identity, key)}`;
}

/** The command id of a caller's key: the same on every retry, another for another caller. */
export function commandIdFor(identity: Identity, key: string): string {
  return `cmd-${callerDigest(identity, key).slice(0, 40)}`;
}

/** A caller is the actor and whom it acts for: an agent's key for one customer is not its key for another. */
function callerDigest(identity: Identity, key: string): string {
  const who = [identity.tenant, identity.actor.kind, identity.actor.id, identity.onBehalfOf ?? '', identity.delegatedBy ?? '', key].join('\u0000');
  return createHash('sha256').update(who).digest('hex');
}

function refused(result: { readonly error: SurfaceFailure }, call: CommandCall): Answer<never> {
  const error = result.error;
  // Another tenant's aggregate reads as one that does not exist: its existence is not the caller's to learn.
  if (error.code === 'forbidden' && error.reason === 'tenant') return fail(notFound('that aggregate'));
  if (error.code === 'conflict' && call.expectedVersion !== undefined)
    return fail({ code: 'precondition-failed', message: error.message, expectedVersion: error.expectedVersion, actualVersion: error.actualVersion });
  return fail(error);
}

function notFound(what: string): SurfaceFailure {
  return { code: 'not-found', message: `${what} was not found in your tenant`, streamId: '' };
}

function fail(failure: SurfaceFailure): { readonly ok: false; readonly failure: SurfaceFailure } {
  return { ok: false, failure };
}
