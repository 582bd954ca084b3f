/**
 * What generated code hands the runtime: one definition per aggregate, command and projection,
 * and the project's tables of them. Plain data and functions; no lookups by name at run time
 * except the trust operations' dispatch of undo and state-at, which go through these tables.
 */
import type { ZodType } from 'zod';
import type { DomainError } from './errors.js';
import type { PiiFields } from './pii.js';
import type { AnyProjection } from './projections.js';
import type { ActorKind, DeepReadonly, DomainEvent } from './types.js';

export type Decision<E extends DomainEvent> = readonly E[] | DomainError;

/** An event as stored, in the shape of the schema version it was written with. */
export interface VersionedEvent {
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: object;
}

/** What an upcaster step may know of a stored event besides its data. */
export interface UpcastContext {
  readonly streamId: string;
  readonly version: number;
  readonly recordedAt: string;
}

export interface AggregateDefinition<S, E extends DomainEvent> {
  readonly name: string;
  readonly description?: string | undefined;
  /** The input field that carries the aggregate id, such as `orderId`. */
  readonly idField: string;
  initialState(): S;
  /** Applies one event to a state the fold owns, in place. */
  fold(state: S, event: E): void;
  /**
   * The data subject the aggregate belongs to, for on-behalf-of checks, history and pii keys: a
   * field of its state, or its own id (`streamId`) for an aggregate that is its own subject.
   */
  subjectOf(state: S, streamId: string): string | undefined;
  readonly snapshotEvery: number | undefined;
  /** Changes whenever the state's shape changes; snapshots of another shape are ignored. */
  readonly stateVersion: string;
  /** The pii fields of each event type, encrypted under the subject's key. */
  readonly pii: PiiFields;
  /** Whether the state holds pii; such states are never snapshotted. */
  readonly statePii: boolean;
  /** The current schema version of each event type that has had earlier shapes; the others are at 1. */
  readonly eventVersions?: Readonly<Record<string, number>> | undefined;
  /** The encrypted fields of each earlier schema version of an event type, by type and version. */
  readonly piiBefore?: Readonly<Record<string, Readonly<Record<number, readonly string[]>>>> | undefined;
  /** Brings an event stored with an earlier shape up to its current one: generated, exhaustive over type and version. */
  readonly upcast?: ((event: VersionedEvent, context: UpcastContext) => E) | undefined;
}

export interface CommandDefinition<I, S, E extends DomainEvent> {
  readonly name: string;
  readonly aggregate: AggregateDefinition<S, E>;
  readonly schema: ZodType<I>;
  streamIdOf(input: I): string;
  readonly creates: boolean;
  readonly allow: readonly string[] | 'public';
  readonly actors: readonly ActorKind[];
  /** The allowed roles that act only on their own data: an actor holding no other allowed role is bound to its own id as the subject. */
  readonly ownDataRoles?: readonly string[] | undefined;
  /** Input fields naming another aggregate: checked to exist in the caller's tenant and, for a bound actor, to belong to its subject. */
  readonly references?: readonly Reference[] | undefined;
  decide(command: I, state: DeepReadonly<S>): Decision<E>;
  readonly undo: string | undefined;
  /**
   * Calls of these actor kinds need a human's approval first: the first call records a request,
   * a human holding one of `by` (never the requester) approves it, and the caller runs the command
   * again with the approval id, the same input and the same identity, within `expiresMs`.
   */
  readonly approval?: ApprovalRule | undefined;
}

/** An input field whose value must be the id of an existing aggregate of one type. */
export interface Reference {
  readonly field: string;
  /** The referenced aggregate's name, for messages. */
  readonly aggregate: string;
  /** Its event types: a stream whose latest event is not one of them is another aggregate's. */
  readonly events: readonly string[];
  /** Whether it has a data subject; only then does a bound actor's subject have to match. */
  readonly hasSubject: boolean;
}

export interface ApprovalRule {
  readonly actors: readonly ActorKind[];
  readonly by: readonly string[];
  readonly expiresMs: number;
}

/** Who may run a trust operation, like a command's `allow`, `actors` and `ownDataRoles`. */
export interface AccessRule {
  readonly allow: readonly string[];
  readonly actors: readonly ActorKind[];
  readonly ownDataRoles?: readonly string[] | undefined;
}

/** Any command or aggregate of a project, for by-name dispatch (the pipeline validates the input). */
export type AnyCommand = CommandDefinition<unknown, unknown, DomainEvent>;
export type AnyAggregate = AggregateDefinition<unknown, DomainEvent>;

/** A whole project, as its generated `app.ts` describes it to the composition root. */
export interface AppDefinition {
  /** Every command, by name: what undo dispatches from. */
  readonly commands: Readonly<Record<string, AnyCommand>>;
  /** Every aggregate, by name: what state-at folds with. */
  readonly aggregates: Readonly<Record<string, AnyAggregate>>;
  readonly projections: readonly AnyProjection[];
  /** Who may forget a data subject; absent: nobody (forget is denied by default). */
  readonly forget?: AccessRule | undefined;
}
