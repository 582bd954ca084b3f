/**
 * The command pipeline: validate -> authorize -> deduplicate -> lock the bucket -> load -> decide
 * -> append events, audit record and outbox rows in one transaction. Every command leaves a
 * chained audit record, whatever its outcome; errors come back as values.
 */
import type { ZodType } from 'zod';
import { bucketOf } from './bucket.js';
import { isDomainError, type CommandError, type DomainError, type ForbiddenReason } from './errors.js';
import { KeyedMutex } from './mutex.js';
import { PiiCodec, decodeEvent, type PiiFields } from './pii.js';
import { payloadHash } from './sqlite.js';
import type { AuditRecord, EventStore, Outcome, StoredCommand } from './store.js';
import type { ActorKind, CommandContext, DeepReadonly, DomainEvent, EventMetadata, StoredEvent } from './types.js';
import { ulidGenerator, type Clock, type IdGenerator } from './ulid.js';

export type Decision<E extends DomainEvent> = readonly E[] | DomainError;

export interface AggregateDefinition<S, E extends DomainEvent> {
  readonly name: string;
  readonly description?: string | undefined;
  /** The input field that carries the aggregate id, such as `orderId`. */
  readonly idField: string;
  initialState(): S;
  /** Applies one event to a state the fold owns, in place. */
  fold(state: S, event: E): void;
  /** The data subject the aggregate belongs to, for on-behalf-of checks and history. */
  subjectOf(state: S): string | undefined;
  readonly snapshotEvery: number | undefined;
  /** Changes whenever the state's shape changes; snapshots of another shape are ignored. */
  readonly stateVersion: string;
  /** The pii fields of each event type, encrypted under the subject's key. */
  readonly pii: PiiFields;
  /** Whether the state holds pii; such states are never snapshotted. */
  readonly statePii: boolean;
}

export interface CommandDefinition<I, S, E extends DomainEvent> {
  readonly name: string;
  readonly aggregate: AggregateDefinition<S, E>;
  readonly schema: ZodType<I>;
  streamIdOf(input: I): string;
  readonly creates: boolean;
  readonly allow: readonly string[] | 'public';
  readonly actors: readonly ActorKind[];
  decide(command: I, state: DeepReadonly<S>): Decision<E>;
  readonly undo: string | undefined;
}

export type CommandResult<E extends DomainEvent = DomainEvent> =
  | { readonly ok: true; readonly commandId: string; readonly streamId: string; readonly version: number; readonly events: readonly StoredEvent<E>[]; readonly duplicate: boolean }
  | { readonly ok: false; readonly commandId: string; readonly error: CommandError | { readonly code: 'internal'; readonly message: string } };

/** A hook for rules beyond roles and actor kinds; return a reason to deny. */
export type Policy = (command: string, input: unknown, context: CommandContext) => string | undefined;

export interface PipelineOptions {
  /** Encrypts and decrypts pii fields; required when any event has pii fields. */
  readonly codec?: PiiCodec;
  readonly clock?: Clock;
  readonly ids?: IdGenerator;
  readonly policy?: Policy;
  /** Called after each accepted command, for example to update projections. */
  readonly afterCommit?: (events: readonly StoredEvent[]) => void | Promise<void>;
}

export interface Loaded<S> {
  readonly state: S;
  readonly version: number;
  /** The tenant the stream belongs to; undefined for a stream with no events. */
  readonly tenant: string | undefined;
}

export class CommandPipeline {
  readonly #store: EventStore;
  readonly #locks = new KeyedMutex<number>();
  readonly #clock: Clock;
  readonly #ids: IdGenerator;
  readonly #policy: Policy | undefined;
  readonly #afterCommit: PipelineOptions['afterCommit'];
  readonly #codec: PiiCodec;
  readonly #payloadKey: string | Buffer;

  constructor(store: EventStore, options: PipelineOptions = {}) {
    this.#store = store;
    this.#codec = options.codec ?? new PiiCodec(undefined);
    this.#payloadKey = this.#codec.keys?.derive('payload-hash') ?? store.storeId;
    this.#clock = options.clock ?? (() => new Date());
    this.#ids = options.ids ?? ulidGenerator();
    this.#policy = options.policy;
    this.#afterCommit = options.afterCommit;
  }

  newId(): string {
    return this.#ids();
  }

  async execute<I, S, E extends DomainEvent>(definition: CommandDefinition<I, S, E>, input: unknown, context: CommandContext): Promise<CommandResult<E>> {
    const commandId = context.commandId ?? this.#ids();
    const audit = new AuditDraft(definition.name, commandId, context);
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

    const bucket = bucketOf(streamId);
    return this.#locks.run(bucket, async () => {
      try {
        return await this.#locked(definition, command, context, audit, bucket);
      } catch (error) {
        const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        return this.#finish(audit, 'failed', { code: 'internal', message });
      }
    });
  }

  async #locked<I, S, E extends DomainEvent>(definition: CommandDefinition<I, S, E>, command: I, context: CommandContext, audit: AuditDraft, bucket: number): Promise<CommandResult<E>> {
    const aggregate = definition.aggregate;
    const previous = await this.#store.findAccepted(context.tenant, { commandId: context.commandId, idempotencyKey: context.idempotencyKey });
    if (previous !== undefined) return this.#replay(aggregate, previous, audit);

    const { state, version, tenant } = await this.load(aggregate, audit.streamId);
    if (tenant !== undefined && tenant !== context.tenant) {
      return this.#deny(audit, 'tenant', `${aggregate.name} ${audit.streamId} belongs to another tenant`);
    }
    audit.subject = aggregate.subjectOf(state) ?? null;
    if (definition.creates && version > 0) {
      return this.#finish(audit, 'rejected', { code: 'already-exists', message: `${aggregate.name} ${audit.streamId} already exists`, streamId: audit.streamId });
    }
    if (!definition.creates && version === 0) {
      return this.#finish(audit, 'rejected', { code: 'not-found', message: `${aggregate.name} ${audit.streamId} does not exist`, streamId: audit.streamId });
    }
    if (!definition.creates) {
      const subjectDenial = checkSubject(aggregate.subjectOf(state), context);
      if (subjectDenial !== undefined) return this.#deny(audit, 'subject', subjectDenial);
    }

    const decision = definition.decide(command, state as DeepReadonly<S>);
    if (isDomainError(decision)) {
      return this.#finish(audit, 'rejected', { code: 'domain', message: decision.message, rule: decision.rule });
    }
    for (const event of decision) aggregate.fold(state, event);
    audit.subject = aggregate.subjectOf(state) ?? null;
    if (definition.creates) {
      const subjectDenial = checkSubject(aggregate.subjectOf(state), context);
      if (subjectDenial !== undefined) return this.#deny(audit, 'subject', subjectDenial);
    }
    return this.#commit(definition, decision, state, version, audit, bucket);
  }

  async #commit<I, S, E extends DomainEvent>(definition: CommandDefinition<I, S, E>, events: readonly E[], state: S, version: number, audit: AuditDraft, bucket: number): Promise<CommandResult<E>> {
    const recordedAt = this.#clock().toISOString();
    const newVersion = version + events.length;
    const every = definition.aggregate.snapshotEvery;
    const aggregate = definition.aggregate;
    const crossesSnapshot = every !== undefined && !aggregate.statePii && events.length > 0 && Math.floor(newVersion / every) > Math.floor(version / every);
    const subject = audit.subject ?? audit.streamId;
    const result = await this.#store.commit({
      streamId: audit.streamId,
      bucket,
      expectedVersion: version,
      recordedAt,
      metadata: audit.metadata(definition.name),
      events: events.map((e, i) => ({
        type: e.type,
        schemaVersion: 1,
        data: this.#codec.encrypt(aggregate.pii[e.type], e.data, { subject, streamId: audit.streamId, version: version + i + 1, type: e.type }),
      })),
      audit: audit.build('accepted', null, events.length === 0 ? null : { from: version + 1, to: newVersion }),
      snapshot: crossesSnapshot ? { version: newVersion, stateVersion: definition.aggregate.stateVersion, state } : undefined,
    });
    if (!result.ok) {
      if ('duplicate' in result) return this.#replay(aggregate, result.duplicate, audit);
      const { actualVersion } = result.conflict;
      return this.#finish(audit, 'rejected', { code: 'conflict', message: `${audit.streamId} moved from version ${version} to ${actualVersion}`, streamId: audit.streamId, expectedVersion: version, actualVersion });
    }
    if (this.#afterCommit !== undefined) await this.#afterCommit(result.events);
    const stored = result.events.map((e) => this.decrypt(aggregate, e)) as readonly StoredEvent[] as readonly StoredEvent<E>[];
    return { ok: true, commandId: audit.commandId, streamId: audit.streamId, version: newVersion, events: stored, duplicate: false };
  }

  /** The state of one aggregate: the latest snapshot of the current shape, plus newer events. */
  async load<S, E extends DomainEvent>(aggregate: AggregateDefinition<S, E>, streamId: string): Promise<Loaded<S>> {
    let state = aggregate.initialState();
    let version = 0;
    let tenant: string | undefined;
    if (aggregate.snapshotEvery !== undefined && !aggregate.statePii) {
      const snapshot = await this.#store.loadSnapshot(streamId);
      if (snapshot !== undefined && snapshot.stateVersion === aggregate.stateVersion) {
        state = snapshot.state as S;
        version = snapshot.version;
        tenant = snapshot.tenant;
      }
    }
    const pii = aggregate.pii;
    const read = await this.#store.readForFold(streamId, version, hasKeys(pii));
    const events = read.events;
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      const fields = pii[event.type];
      if (fields === undefined) {
        aggregate.fold(state, event as unknown as E);
        continue;
      }
      const data = this.#codec.decrypt(fields, event.data, { subject: event.subject ?? streamId, streamId, version: version + i + 1, type: event.type });
      aggregate.fold(state, { type: event.type, data } as unknown as E);
    }
    if (events.length === 0) return { state, version, tenant };
    return { state, version: version + events.length, tenant: tenant ?? read.tenant };
  }

  /** The event with its pii fields in clear, or ERASED where the subject was forgotten. */
  decrypt<S, E extends DomainEvent>(aggregate: AggregateDefinition<S, E>, event: StoredEvent): StoredEvent {
    return decodeEvent(this.#codec, aggregate.pii, event);
  }

  async #replay<S, E extends DomainEvent>(aggregate: AggregateDefinition<S, E>, previous: StoredCommand, audit: AuditDraft): Promise<CommandResult<E>> {
    const original = previous.audit;
    if (audit.payloadHash !== null && original.payloadHash !== audit.payloadHash) {
      return this.#finish(audit, 'rejected', { code: 'idempotency-mismatch', message: `command ${original.commandId} was already accepted with a different payload`, commandId: original.commandId });
    }
    const range = original.versions;
    const events = range === null ? [] : (await this.#store.readStream(original.streamId, range.from - 1)).filter((e) => e.version <= range.to).map((e) => this.decrypt(aggregate, e));
    return { ok: true, commandId: original.commandId, streamId: original.streamId, version: range?.to ?? 0, events: events as readonly StoredEvent[] as readonly StoredEvent<E>[], duplicate: true };
  }

  async #deny<E extends DomainEvent>(audit: AuditDraft, reason: ForbiddenReason, message: string): Promise<CommandResult<E>> {
    audit.deny(`${reason}: ${message}`);
    return this.#finish(audit, 'denied', { code: 'forbidden', message, reason });
  }

  async #finish<E extends DomainEvent>(audit: AuditDraft, outcome: Exclude<Outcome, 'accepted'>, error: CommandError | { code: 'internal'; message: string }): Promise<CommandResult<E>> {
    const record = audit.build(outcome, { code: error.code, ...('rule' in error ? { rule: error.rule } : {}) }, null);
    await this.#store.recordCommand(bucketOf(audit.streamId), this.#clock().toISOString(), record);
    return { ok: false, commandId: audit.commandId, error };
  }
}

function hasKeys(record: object): boolean {
  for (const _ in record) return true;
  return false;
}

function rawStreamId<I, S, E extends DomainEvent>(input: unknown, definition: CommandDefinition<I, S, E>): string {
  try {
    const id = definition.streamIdOf(input as I);
    return typeof id === 'string' ? id : '';
  } catch {
    return '';
  }
}

function authorize<I, S, E extends DomainEvent>(definition: CommandDefinition<I, S, E>, input: I, context: CommandContext, policy: Policy | undefined): { reason: ForbiddenReason; message: string } | undefined {
  const { actor } = context;
  if (!definition.actors.includes(actor.kind)) {
    return { reason: 'actor-kind', message: `${definition.name} may be run by ${definition.actors.join(', ')}, not by an actor of kind ${actor.kind}` };
  }
  if (definition.allow !== 'public' && !actor.roles.some((role) => definition.allow.includes(role))) {
    return { reason: 'role', message: `${definition.name} needs one of the roles ${definition.allow.join(', ')}` };
  }
  const denial = policy?.(definition.name, input, context);
  return denial === undefined ? undefined : { reason: 'policy', message: denial };
}

/** An actor acting for a subject may only touch that subject's aggregates. */
function checkSubject(subject: string | undefined, context: CommandContext): string | undefined {
  if (context.onBehalfOf === undefined) return undefined;
  if (subject === context.onBehalfOf) return undefined;
  return `acting on behalf of ${context.onBehalfOf}, but the aggregate belongs to ${subject ?? 'no subject'}`;
}

/** Collects the audit record of one command as the pipeline learns about it. */
class AuditDraft {
  readonly command: string;
  readonly commandId: string;
  readonly context: CommandContext;
  streamId = '';
  subject: string | null = null;
  payloadHash: string | null = null;
  #decision: 'allowed' | 'denied' = 'allowed';
  #reason: string | null = null;

  constructor(command: string, commandId: string, context: CommandContext) {
    this.command = command;
    this.commandId = commandId;
    this.context = context;
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
    };
  }
}
