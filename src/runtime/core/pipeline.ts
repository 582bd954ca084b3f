/**
 * The command pipeline: validate -> authorize -> take the bucket -> deduplicate -> load -> decide
 * -> append events, audit record and outbox rows in one transaction. Every command leaves a
 * chained audit record, whatever its outcome; errors come back as values.
 */
import type { ApprovalStore } from '../ports/approvals.js';
import type { EventStore, FoldEvent, Outcome, StoredCommand } from '../ports/event-store.js';
import { AuditDraft, payloadHash, refusedContextRecord } from './audit.js';
import { authorize, bindingOf, checkSubject, type Binding, type Policy } from './authorize.js';
import { bucketOf } from './bucket.js';
import type { AggregateDefinition, AnyAggregate, ApprovalRule, CommandDefinition } from './definitions.js';
import { bounded, checkContext } from './context.js';
import { ForgottenSubjectError, StorageError, isDomainError, type CommandError, type ForbiddenReason, type ValidationIssue } from './errors.js';
import { ulidGenerator, type Clock, type IdGenerator } from './ids.js';
import { PiiCodec, decryptFields } from './pii.js';
import { StateCache } from './state-cache.js';
import { currentVersion, encryptedAt, readEvent } from './reader.js';
import type { CommandContext, DeepReadonly, DomainEvent, StoredEvent } from './types.js';

export type CommandResult<E extends DomainEvent = DomainEvent> =
  | {
      readonly ok: true;
      readonly commandId: string;
      readonly streamId: string;
      readonly version: number;
      readonly events: readonly StoredEvent<E>[];
      readonly duplicate: boolean;
    }
  | Refused;

/** A command that did not take effect, and why. */
export interface Refused {
  readonly ok: false;
  readonly commandId: string;
  readonly error: Failure;
}

/** What a command would do, decided on the current state, with nothing written. */
export interface DryRun<E extends DomainEvent = DomainEvent> {
  readonly ok: true;
  readonly dryRun: true;
  readonly commandId: string;
  readonly streamId: string;
  /** The stream's version after the events it would record. */
  readonly version: number;
  /** True when the command id or idempotency key was already accepted: nothing new would be recorded. */
  readonly duplicate: boolean;
  readonly events: readonly { readonly type: E['type']; readonly data: E['data']; readonly version: number }[];
}

/** A command that passed every check made before it is queued. */
export interface Admitted {
  readonly ok: true;
  readonly commandId: string;
  readonly bucket: number;
  /** The validated context, with the command id in it. */
  readonly context: CommandContext;
}

export interface PipelineOptions {
  /** Encrypts and decrypts pii fields; required when any event has pii fields. */
  readonly codec?: PiiCodec | undefined;
  readonly clock?: Clock | undefined;
  readonly ids?: IdGenerator | undefined;
  readonly policy?: Policy | undefined;
  /** Called after each accepted command is durable, for example to update projections. */
  readonly afterCommit?: ((events: readonly StoredEvent[]) => Promise<void>) | undefined;
  /** Told of a failure after a commit; the command is still reported as committed. */
  readonly onAfterCommitError?: ((error: unknown) => void) | undefined;
  /** How many aggregates' states to keep in memory between commands (default 10,000; 0: none). */
  readonly stateCache?: number | undefined;
  /** Where requests for approval are kept; needed when a command declares `approval`. */
  readonly approvals?: ApprovalStore | undefined;
}

export interface Loaded<S> {
  readonly state: S;
  readonly version: number;
  /** The tenant the stream belongs to; undefined for a stream with no events. */
  readonly tenant: string | undefined;
}

/** Why a command did not take effect: a typed command error, the store failing (nothing written), or a bug in your code. */
export type Failure = CommandError | { readonly code: 'storage'; readonly message: string } | { readonly code: 'internal'; readonly message: string };

export class CommandPipeline {
  readonly #store: EventStore;
  readonly #clock: Clock;
  readonly #ids: IdGenerator;
  readonly #policy: Policy | undefined;
  readonly #afterCommit: PipelineOptions['afterCommit'];
  readonly #onAfterCommitError: PipelineOptions['onAfterCommitError'];
  readonly #codec: PiiCodec;
  readonly #payloadKey: string | Uint8Array;
  readonly #states: StateCache;
  readonly #approvals: ApprovalStore | undefined;

  constructor(store: EventStore, options: PipelineOptions = {}) {
    this.#store = store;
    this.#codec = options.codec ?? new PiiCodec(undefined);
    this.#payloadKey = this.#codec.keys?.derive('payload-hash') ?? store.storeId;
    this.#clock = options.clock ?? (() => new Date());
    this.#ids = options.ids ?? ulidGenerator();
    this.#policy = options.policy;
    this.#afterCommit = options.afterCommit;
    this.#onAfterCommitError = options.onAfterCommitError;
    this.#states = new StateCache(options.stateCache ?? 10_000);
    this.#approvals = options.approvals;
  }

  newId(): string {
    return this.#ids();
  }

  /** Runs one command; the context is validated like the input, and a refused one is audited too. */
  execute<I, S, E extends DomainEvent>(definition: CommandDefinition<I, S, E>, input: unknown, context: CommandContext): Promise<CommandResult<E>> {
    return this.#checked(definition, input, context, false);
  }

  /**
   * Validates, authorizes, loads and decides like `execute`, and answers with the events the command
   * would record; appends nothing, not even an audit record. Refusals come back as they would.
   */
  async dryRun<I, S, E extends DomainEvent>(definition: CommandDefinition<I, S, E>, input: unknown, context: CommandContext): Promise<DryRun<E> | Refused> {
    const checked = checkContext(context, { reserved: false });
    if (!checked.ok) return { ok: false, commandId: this.#ids(), error: contextError(definition.name, checked.issues) };
    const result = await this.#run(definition, input, checked.context, true);
    if (result instanceof Planned) return result.plan as DryRun<E>;
    if (!result.ok) return result;
    const events = result.events.map((e) => ({ type: e.type, data: e.data, version: e.version }));
    return { ok: true, dryRun: true, commandId: result.commandId, streamId: result.streamId, version: result.version, duplicate: true, events };
  }

  /** For the trust operations only: a command whose id is in their reserved namespace (`undo:<id>`). */
  executeReserved<I, S, E extends DomainEvent>(definition: CommandDefinition<I, S, E>, input: unknown, context: CommandContext): Promise<CommandResult<E>> {
    return this.#checked(definition, input, context, true);
  }

  async #checked<I, S, E extends DomainEvent>(
    definition: CommandDefinition<I, S, E>,
    input: unknown,
    raw: unknown,
    reserved: boolean,
  ): Promise<CommandResult<E>> {
    const checked = checkContext(raw, { reserved });
    if (!checked.ok) return this.#refuseContext(definition, input, raw, checked.issues);
    const result = await this.#run(definition, input, checked.context, false);
    if (result instanceof Planned) throw new Error('a command that is not a dry run was only planned');
    return result;
  }

  async #refuseContext<I, S, E extends DomainEvent>(
    definition: CommandDefinition<I, S, E>,
    input: unknown,
    raw: unknown,
    issues: readonly ValidationIssue[],
  ): Promise<Refused> {
    const commandId = this.#ids();
    const error = contextError(definition.name, issues);
    const streamId = rawStreamId(input, definition);
    await this.#store.recordCommand(
      bucketOf(streamId),
      this.#clock().toISOString(),
      refusedContextRecord(definition.name, commandId, streamId, raw, error.message),
    );
    return { ok: false, commandId, error };
  }

  /**
   * The checks a command passes before it may be queued for a worker: context, input, roles and
   * actor kind, the acting-for binding. A refusal is audited and returned; an admitted command gets
   * its id (kept in its context, so every delivery of it is the same command) and its bucket.
   */
  async admit<I, S, E extends DomainEvent>(definition: CommandDefinition<I, S, E>, input: unknown, raw: unknown): Promise<Admitted | Refused> {
    const checked = checkContext(raw, { reserved: false });
    if (!checked.ok) return this.#refuseContext(definition, input, raw, checked.issues);
    const admitted = await this.#admit(definition, input, checked.context, false);
    if (!('command' in admitted)) return admitted;
    const { audit, bucket } = admitted;
    // The id travels in the context, so every delivery is the same command (an approval's key is derived again from it).
    return { ok: true, commandId: audit.commandId, bucket, context: { ...checked.context, commandId: audit.commandId } };
  }

  async #run<I, S, E extends DomainEvent>(
    definition: CommandDefinition<I, S, E>,
    input: unknown,
    context: CommandContext,
    dryRun: boolean,
  ): Promise<CommandResult<E> | Planned> {
    const admitted = await this.#admit(definition, input, context, dryRun);
    if (!('command' in admitted)) return admitted;
    const { command, audit, bucket, binding } = admitted;
    return this.#store.exclusive(bucket, async () => {
      try {
        return await this.#locked(definition, command, admitted.context, binding, audit, bucket);
      } catch (error) {
        if (error instanceof StorageError) return this.#finish(audit, 'failed', { code: 'storage', message: error.message });
        if (error instanceof ForgottenSubjectError)
          return this.#finish(audit, 'rejected', { code: 'forgotten', message: error.message, subject: error.subject });
        const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        return this.#finish(audit, 'failed', { code: 'internal', message });
      }
    });
  }

  async #admit<I, S, E extends DomainEvent>(
    definition: CommandDefinition<I, S, E>,
    input: unknown,
    context: CommandContext,
    dryRun: boolean,
  ): Promise<{ command: I; audit: AuditDraft; bucket: number; binding: Binding | undefined; context: CommandContext } | Refused> {
    const commandId = context.commandId ?? this.#ids();
    const approvalId = context.approvalId;
    const rule = definition.approval;
    if (approvalId !== undefined && (rule === undefined || !rule.actors.includes(context.actor.kind) || context.idempotencyKey !== undefined)) {
      const message =
        context.idempotencyKey !== undefined
          ? `invalid context for ${definition.name}: an approved command's idempotency key is its approval; give approvalId or idempotencyKey, not both`
          : `invalid context for ${definition.name}: approvalId ${approvalId} given, but ${definition.name} needs no approval from a ${context.actor.kind}`;
      const audit = new AuditDraft(definition.name, commandId, context, dryRun).at(rawStreamId(input, definition));
      return this.#finish(audit, 'invalid', { code: 'validation', message, issues: [{ path: ['context', 'approvalId'], message }] });
    }
    // A command run under an approval takes effect once: its idempotency key is the approval (a reserved
    // namespace), enforced by the same unique index as any key; a retry returns the first result.
    if (approvalId !== undefined) context = { ...context, idempotencyKey: `${APPROVED_PREFIX}${approvalId}` };
    const audit = new AuditDraft(definition.name, commandId, context, dryRun);
    const parsed = definition.schema.safeParse(input);
    if (!parsed.success) {
      const streamId = rawStreamId(input, definition);
      const issues = parsed.error.issues.map((i) => ({ path: i.path.filter((p): p is string | number => typeof p !== 'symbol'), message: i.message }));
      const message = `invalid input for ${definition.name}: ${issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ')}`;
      return this.#finish(audit.at(streamId), 'invalid', { code: 'validation', message, issues });
    }
    const command = parsed.data;
    const streamId = definition.streamIdOf(command);
    audit.at(streamId).payload(payloadHash(this.#payloadKey, command));
    const denied = authorize(definition, command, context, this.#policy);
    if (denied !== undefined) return this.#deny(audit, denied.reason, denied.message);
    const bound = bindingOf(definition, context);
    if ('denial' in bound) return this.#deny(audit, bound.denial.reason, bound.denial.message);
    return { command, audit, bucket: bucketOf(streamId), binding: bound.binding, context };
  }

  async #locked<I, S, E extends DomainEvent>(
    definition: CommandDefinition<I, S, E>,
    command: I,
    context: CommandContext,
    binding: Binding | undefined,
    audit: AuditDraft,
    bucket: number,
  ): Promise<CommandResult<E> | Planned> {
    const aggregate = definition.aggregate;
    const previous = await this.#store.findAccepted(context.tenant, { commandId: context.commandId, idempotencyKey: context.idempotencyKey });
    if (previous !== undefined) return this.#replay(aggregate, previous, audit);
    const attempt = (loaded: Loaded<S> & { readonly assumed: boolean }) => this.#attempt(definition, command, context, binding, audit, bucket, loaded);
    // A dry run has no commit to prove a cached state current: it always reads the stream.
    const first = await attempt(audit.dryRun ? await this.#loadRead(aggregate, audit.streamId) : await this.#loadAssumingCached(aggregate, audit.streamId));
    if (first !== STALE) return first;
    const second = await attempt(await this.#loadRead(aggregate, audit.streamId));
    if (second === STALE) throw new Error('a state read from the store cannot be stale');
    return second;
  }

  /**
   * The state this process last committed, assumed current without a read (the commit's expected
   * version proves it, or refuses it); otherwise loaded from the store.
   */
  async #loadAssumingCached<S, E extends DomainEvent>(aggregate: AggregateDefinition<S, E>, streamId: string): Promise<Loaded<S> & { assumed: boolean }> {
    const cached = aggregate.statePii ? undefined : this.#states.get(streamId, aggregate);
    if (cached !== undefined) return { state: cached.state as S, version: cached.version, tenant: cached.tenant, assumed: true };
    return this.#loadRead(aggregate, streamId);
  }

  /** The state with the stream read up to now: never assumed. */
  async #loadRead<S, E extends DomainEvent>(aggregate: AggregateDefinition<S, E>, streamId: string): Promise<Loaded<S> & { assumed: boolean }> {
    return { ...(await this.load(aggregate, streamId)), assumed: false };
  }

  /**
   * Decides and commits on `loaded`. A refusal decided on an assumed state is never recorded: the
   * answer is STALE, and the caller tries again on the state read from the store.
   */
  async #attempt<I, S, E extends DomainEvent>(
    definition: CommandDefinition<I, S, E>,
    command: I,
    context: CommandContext,
    binding: Binding | undefined,
    audit: AuditDraft,
    bucket: number,
    loaded: Loaded<S> & { readonly assumed: boolean },
  ): Promise<CommandResult<E> | Planned | typeof STALE> {
    const refuse = (answer: () => Promise<CommandResult<E>>) => (loaded.assumed ? STALE : answer());
    const aggregate = definition.aggregate;
    const { state, version, tenant } = loaded;
    if (tenant !== undefined && tenant !== context.tenant) {
      return refuse(() => this.#deny(audit, 'tenant', `${aggregate.name} ${audit.streamId} belongs to another tenant`));
    }
    audit.subject = aggregate.subjectOf(state, audit.streamId) ?? null;
    if (definition.creates && version > 0) {
      const message = `${aggregate.name} ${audit.streamId} already exists`;
      return refuse(() => this.#finish(audit, 'rejected', { code: 'already-exists', message, streamId: audit.streamId }));
    }
    if (!definition.creates && version === 0) {
      const message = `${aggregate.name} ${audit.streamId} does not exist`;
      return refuse(() => this.#finish(audit, 'rejected', { code: 'not-found', message, streamId: audit.streamId }));
    }
    if (!definition.creates) {
      const subjectDenial = checkSubject(aggregate.subjectOf(state, audit.streamId), binding);
      if (subjectDenial !== undefined) return refuse(() => this.#deny(audit, 'subject', subjectDenial));
    }
    if (context.expectedVersion !== undefined && context.expectedVersion !== version) {
      const expectedVersion = context.expectedVersion;
      const message = `${aggregate.name} ${audit.streamId} is at version ${version}, not ${expectedVersion} as the caller expected`;
      return refuse(() => this.#finish(audit, 'rejected', { code: 'conflict', message, streamId: audit.streamId, expectedVersion, actualVersion: version }));
    }
    const badReference = await this.#checkReferences(definition, command, context.tenant, binding, audit);
    if (badReference !== undefined) return badReference;

    const decision = definition.decide(command, state as DeepReadonly<S>);
    if (isDomainError(decision)) {
      return refuse(() => this.#finish(audit, 'rejected', { code: 'domain', message: decision.message, rule: decision.rule }));
    }
    for (const event of decision) aggregate.fold(state, event);
    audit.subject = aggregate.subjectOf(state, audit.streamId) ?? null;
    if (audit.subject !== null && (audit.dryRun || !this.#store.refusesForgotten) && (await this.#codec.keys?.forgotten(audit.subject)) === true) {
      const subject = audit.subject;
      return refuse(() => this.#forgotten(audit, subject));
    }
    if (definition.creates) {
      const subjectDenial = checkSubject(aggregate.subjectOf(state, audit.streamId), binding);
      if (subjectDenial !== undefined) return refuse(() => this.#deny(audit, 'subject', subjectDenial));
    }
    const approval = definition.approval;
    if (approval !== undefined && approval.actors.includes(context.actor.kind)) {
      const unapproved = await this.#approved(definition.name, approval, context, audit);
      if (unapproved !== undefined) return refuse(unapproved);
    }
    return this.#commit(definition, decision, state, loaded, audit, bucket);
  }

  /**
   * Undefined when the command runs under an approval a human gave for exactly this: the same
   * command, stream, input, actor, on-behalf-of and subject, in time. Otherwise the refusal to
   * record: without an approval id, a request for one (its id is this call's id); with one that
   * does not fit, a denial saying why.
   */
  async #approved(command: string, rule: ApprovalRule, context: CommandContext, audit: AuditDraft): Promise<(() => Promise<Refused>) | undefined> {
    const store = this.#approvals;
    const now = this.#clock();
    if (context.approvalId === undefined) {
      const expiresAt = new Date(now.getTime() + rule.expiresMs).toISOString();
      // A fresh id the server makes, never one a caller chose: nobody can take another's request id first.
      const approvalId = audit.dryRun ? null : this.#ids();
      const message =
        approvalId === null
          ? `${command} needs the approval of ${rule.by.join(' or ')} (a dry run records no request)`
          : `${command} needs the approval of ${rule.by.join(' or ')}: ask for approval ${approvalId}, then run it again with approvalId ${approvalId} before ${expiresAt}`;
      return async () => {
        if (store === undefined) return this.#deny(audit, 'approval', `${command} needs approval, and this app keeps no approvals`);
        if (approvalId !== null) {
          await store.request({
            approvalId,
            command,
            tenant: context.tenant,
            streamId: audit.streamId,
            subject: audit.subject,
            payloadHash: audit.payloadHash,
            requester: { id: context.actor.id, kind: context.actor.kind },
            onBehalfOf: context.onBehalfOf ?? null,
            requestedAt: now.toISOString(),
            expiresAt,
          });
        }
        return this.#finish(audit, 'rejected', { code: 'approval-required', message, approvalId, expiresAt, by: rule.by });
      };
    }
    const id = context.approvalId;
    const record = await store?.get(id, context.tenant);
    const problem =
      record === undefined
        ? `there is no request for approval ${id}`
        : record.command !== command || record.streamId !== audit.streamId
          ? `approval ${id} is for ${record.command} on ${record.streamId}`
          : record.payloadHash !== audit.payloadHash
            ? `approval ${id} was given for other input`
            : record.requester.id !== context.actor.id || record.requester.kind !== context.actor.kind || record.onBehalfOf !== (context.onBehalfOf ?? null)
              ? `approval ${id} was asked for by another actor`
              : record.subject !== audit.subject
                ? `approval ${id} was given for another data subject`
                : record.decision === 'pending'
                  ? `approval ${id} has not been given yet`
                  : record.decision === 'refused'
                    ? `approval ${id} was refused by ${record.decidedBy ?? 'someone'}${record.reason === null ? '' : `: ${record.reason}`}`
                    : Date.parse(record.expiresAt) <= now.getTime()
                      ? `approval ${id} expired at ${record.expiresAt}`
                      : undefined;
    return problem === undefined ? undefined : () => this.#deny(audit, 'approval', problem);
  }

  #forgotten<E extends DomainEvent>(audit: AuditDraft, subject: string): Promise<CommandResult<E>> {
    return this.#finish(audit, 'rejected', { code: 'forgotten', message: new ForgottenSubjectError(subject).message, subject });
  }

  /**
   * Every input field declared as a reference names an existing aggregate of its type in the
   * caller's tenant (one that is missing, of another type or of another tenant reads the same, so
   * nothing leaks across tenants) and, for a bound actor, one that belongs to its subject.
   */
  async #checkReferences<I, S, E extends DomainEvent>(
    definition: CommandDefinition<I, S, E>,
    command: I,
    tenant: string,
    binding: Binding | undefined,
    audit: AuditDraft,
  ): Promise<CommandResult<E> | undefined> {
    for (const reference of definition.references ?? []) {
      const id = (command as Readonly<Record<string, unknown>>)[reference.field];
      if (typeof id !== 'string') continue;
      const head = await this.#store.streamHead(id);
      if (head === undefined || head.tenant !== tenant || !reference.events.includes(head.type)) {
        const message = `${reference.field}: ${reference.aggregate} ${id} does not exist`;
        return this.#finish(audit, 'rejected', { code: 'unknown-reference', message, field: reference.field, streamId: id });
      }
      if (!reference.hasSubject) continue;
      const denial = checkSubject(head.subject ?? undefined, binding);
      if (denial !== undefined) return this.#deny(audit, 'subject', `${reference.field} names ${reference.aggregate} ${id}: ${denial}`);
    }
    return undefined;
  }

  async #commit<I, S, E extends DomainEvent>(
    definition: CommandDefinition<I, S, E>,
    events: readonly E[],
    state: S,
    loaded: Loaded<S> & { readonly assumed: boolean },
    audit: AuditDraft,
    bucket: number,
  ): Promise<CommandResult<E> | Planned | typeof STALE> {
    const version = loaded.version;
    if (audit.dryRun) {
      const planned = events.map((e, i) => ({ type: e.type, data: e.data, version: version + i + 1 }));
      return new Planned({
        ok: true,
        dryRun: true,
        commandId: audit.commandId,
        streamId: audit.streamId,
        version: version + events.length,
        duplicate: false,
        events: planned,
      });
    }
    const recordedAt = this.#clock().toISOString();
    const newVersion = version + events.length;
    const aggregate = definition.aggregate;
    const every = aggregate.snapshotEvery;
    const crossesSnapshot = every !== undefined && !aggregate.statePii && events.length > 0 && Math.floor(newVersion / every) > Math.floor(version / every);
    const subject = audit.subject ?? audit.streamId;
    const encrypted = [];
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      encrypted.push({
        type: e.type,
        schemaVersion: currentVersion(aggregate, e.type),
        data: await this.#codec.encrypt(aggregate.pii[e.type], e.data, { subject, streamId: audit.streamId, version: version + i + 1, type: e.type }),
      });
    }
    const result = await this.#store.commit({
      streamId: audit.streamId,
      bucket,
      expectedVersion: version,
      recordedAt,
      metadata: audit.metadata(definition.name),
      events: encrypted,
      audit: audit.build('accepted', null, events.length === 0 ? null : { from: version + 1, to: newVersion }),
      snapshot: crossesSnapshot ? { version: newVersion, stateVersion: aggregate.stateVersion, state } : undefined,
      plain: events.map((e) => e.data),
    });
    if (!result.ok) {
      if ('duplicate' in result) return this.#replay(aggregate, result.duplicate, audit);
      if ('forgotten' in result) return this.#forgotten(audit, result.forgotten);
      if (loaded.assumed) return STALE;
      const { actualVersion } = result.conflict;
      return this.#finish(audit, 'rejected', {
        code: 'conflict',
        message: `${audit.streamId} moved from version ${version} to ${actualVersion}`,
        streamId: audit.streamId,
        expectedVersion: version,
        actualVersion,
      });
    }
    if (!aggregate.statePii) this.#states.set(audit.streamId, aggregate, { state, version: newVersion, tenant: audit.context.tenant });
    // The command is committed: whatever fails after this point (a projection, a checkpoint) is
    // reported where it belongs, never as this command's failure.
    if (this.#afterCommit !== undefined) await this.#afterCommit(result.events).catch((error: unknown) => this.#onAfterCommitError?.(error));
    // The caller sees what decide returned, with the positions the store gave it: nothing to decrypt.
    const stored = result.events.map((e, i): StoredEvent => ({ ...e, data: events[i]!.data }));
    return {
      ok: true,
      commandId: audit.commandId,
      streamId: audit.streamId,
      version: newVersion,
      events: stored as readonly StoredEvent[] as readonly StoredEvent<E>[],
      duplicate: false,
    };
  }

  /** The state of one aggregate: the state this process last committed (or the latest snapshot of the current shape), plus newer events. */
  async load<S, E extends DomainEvent>(aggregate: AggregateDefinition<S, E>, streamId: string): Promise<Loaded<S>> {
    let state = aggregate.initialState();
    let version = 0;
    let tenant: string | undefined;
    const cached = aggregate.statePii ? undefined : this.#states.get(streamId, aggregate);
    if (cached !== undefined) {
      state = cached.state as S;
      version = cached.version;
      tenant = cached.tenant;
    } else if (aggregate.snapshotEvery !== undefined && !aggregate.statePii) {
      const snapshot = await this.#store.loadSnapshot(streamId);
      if (snapshot !== undefined && snapshot.stateVersion === aggregate.stateVersion) {
        state = snapshot.state as S;
        version = snapshot.version;
        tenant = snapshot.tenant;
      }
    }
    const pii = aggregate.pii;
    const versioned = aggregate.upcast !== undefined;
    const read = await this.#store.readForFold(streamId, version, versioned ? 'context' : hasKeys(pii) ? 'subject' : 'lean');
    const events = read.events;
    const keys = new Map<string, Uint8Array | undefined>();
    const keyOf = async (subject: string) => {
      if (!keys.has(subject)) keys.set(subject, await this.#codec.key(subject));
      return keys.get(subject);
    };
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      if (versioned && event.schemaVersion !== currentVersion(aggregate, event.type)) {
        aggregate.fold(state, await this.#upcastForFold(aggregate, event, streamId, version + i + 1, keyOf));
        continue;
      }
      const fields = pii[event.type];
      if (fields === undefined) {
        aggregate.fold(state, event as unknown as E);
        continue;
      }
      const subject = event.subject ?? streamId;
      const data = decryptFields(await keyOf(subject), fields, event.data, { subject, streamId, version: version + i + 1, type: event.type });
      aggregate.fold(state, { type: event.type, data } as unknown as E);
    }
    if (events.length === 0) return { state, version, tenant };
    return { state, version: version + events.length, tenant: tenant ?? read.tenant };
  }

  /** An event stored with an earlier shape: its pii decrypted with that shape's fields, then upcast. */
  async #upcastForFold<S, E extends DomainEvent>(
    aggregate: AggregateDefinition<S, E>,
    event: FoldEvent,
    streamId: string,
    version: number,
    keyOf: (subject: string) => Promise<Uint8Array | undefined>,
  ): Promise<E> {
    const fields = encryptedAt(aggregate, event.type, event.schemaVersion);
    const subject = event.subject ?? streamId;
    const data =
      fields === undefined || fields.length === 0
        ? event.data
        : decryptFields(await keyOf(subject), fields, event.data, { subject, streamId, version, type: event.type });
    return aggregate.upcast!({ type: event.type, schemaVersion: event.schemaVersion, data }, { streamId, version, recordedAt: event.recordedAt ?? '' });
  }

  /** The event as code sees it: pii in clear (or ERASED where the subject was forgotten), in its current shape. */
  decrypt<S, E extends DomainEvent>(aggregate: AggregateDefinition<S, E>, event: StoredEvent): Promise<StoredEvent> {
    return readEvent(this.#codec, aggregate as unknown as AnyAggregate, event);
  }

  async #replay<S, E extends DomainEvent>(aggregate: AggregateDefinition<S, E>, previous: StoredCommand, audit: AuditDraft): Promise<CommandResult<E>> {
    const original = previous.audit;
    // The fingerprint is the command's name and its keyed payload hash: the same id reused for
    // another command, even with the same payload, is a mismatch, never the other command's result.
    // Nor is it anyone else's: another actor, or the same one acting for someone else, never gets
    // this command's result (its events may hold another subject's data).
    const caller = audit.context;
    const differs =
      original.command !== audit.command
        ? `as ${original.command}`
        : audit.payloadHash !== null && original.payloadHash !== audit.payloadHash
          ? 'with a different payload'
          : original.actor.id !== caller.actor.id ||
              original.onBehalfOf !== (caller.onBehalfOf ?? null) ||
              (original.delegatedBy ?? null) !== (caller.delegatedBy ?? null)
            ? 'for another caller'
            : undefined;
    if (differs !== undefined) {
      return this.#finish(audit, 'rejected', {
        code: 'idempotency-mismatch',
        message: `command ${original.commandId} was already accepted ${differs}`,
        commandId: original.commandId,
      });
    }
    const range = original.versions;
    const events: StoredEvent[] = [];
    if (range !== null) {
      for (const e of await this.#store.readStream(original.streamId, range.from - 1)) if (e.version <= range.to) events.push(await this.decrypt(aggregate, e));
    }
    return {
      ok: true,
      commandId: original.commandId,
      streamId: original.streamId,
      version: range?.to ?? 0,
      events: events as readonly StoredEvent[] as readonly StoredEvent<E>[],
      duplicate: true,
    };
  }

  async #deny(audit: AuditDraft, reason: ForbiddenReason, message: string): Promise<Refused> {
    audit.deny(`${reason}: ${message}`);
    return this.#finish(audit, 'denied', { code: 'forbidden', message, reason });
  }

  async #finish(audit: AuditDraft, outcome: Exclude<Outcome, 'accepted'>, error: Failure): Promise<Refused> {
    if (audit.dryRun) return { ok: false, commandId: audit.commandId, error };
    const record = audit.build(outcome, { code: error.code, ...('rule' in error ? { rule: error.rule } : {}) }, null);
    try {
      await this.#store.recordCommand(bucketOf(audit.streamId), this.#clock().toISOString(), record);
    } catch (cause) {
      // The store cannot take even the audit record (a full disk): say so, typed, rather than throw.
      if (!(cause instanceof StorageError)) throw cause;
      return { ok: false, commandId: audit.commandId, error: { code: 'storage', message: `${error.message}; and ${cause.message}` } };
    }
    return { ok: false, commandId: audit.commandId, error };
  }
}

/** The id of a command run under an approval: `approved:<approval id>`, one per approval. */
export const APPROVED_PREFIX = 'approved:';

/** The answer of a dry run from deep inside the pipeline: what would be recorded. */
class Planned {
  readonly plan: DryRun;
  constructor(plan: DryRun) {
    this.plan = plan;
  }
}

function contextError(command: string, issues: readonly ValidationIssue[]): { code: 'validation'; message: string; issues: readonly ValidationIssue[] } {
  return { code: 'validation', message: `invalid context for ${command}: ${issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, issues };
}

/** The answer of an attempt made on an assumed state that turned out to be behind the store. */
const STALE = Symbol('stale');

function hasKeys(record: object): boolean {
  for (const _ in record) return true;
  return false;
}

/** The stream id of input that may be invalid, bounded so an invalid request cannot bloat its audit record. */
function rawStreamId<I, S, E extends DomainEvent>(input: unknown, definition: CommandDefinition<I, S, E>): string {
  try {
    return bounded(definition.streamIdOf(input as I));
  } catch {
    return '';
  }
}
