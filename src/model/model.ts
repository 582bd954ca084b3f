/**
 * The normalized domain: what the generator works from. Every name here has passed the name
 * rules, every reference resolves, and every collection keeps the order of the spec. References
 * between declarations are resolved once, when the model is built: emit follows them and never
 * looks a name up again. Plain data, built once by `build.ts` and never changed after.
 */
import type { ActorKind } from '../spec/schema.js';

export type ScalarKind = 'string' | 'integer' | 'number' | 'boolean' | 'datetime' | 'date' | 'uuid' | 'ulid' | 'email';

export interface Constraints {
  readonly min?: number;
  readonly max?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
}

export type TypeRef =
  | { readonly kind: ScalarKind; readonly constraints: Constraints }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'list'; readonly items: TypeRef; readonly constraints: Constraints }
  | { readonly kind: 'named'; readonly name: string };

export interface Field {
  readonly name: string;
  readonly type: TypeRef;
  readonly optional: boolean;
  readonly pii: boolean;
  readonly description?: string;
  /**
   * Stored encrypted: marked pii, or of a named type (or a list of one) that holds pii anywhere
   * inside, in which case the whole value is encrypted. Derived, so not part of the state's shape.
   */
  readonly encrypted: boolean;
}

export interface NamedType {
  readonly name: string;
  readonly description?: string;
  readonly fields: readonly Field[];
}

/** The fields of one earlier version of an event, as events of that version were stored. */
export interface EventShape {
  readonly version: number;
  readonly fields: readonly Field[];
  /** The names of the fields stored encrypted, in field order. */
  readonly encryptedFields: readonly string[];
}

export interface EventDef {
  readonly name: string;
  readonly aggregate: string;
  readonly description?: string;
  readonly fields: readonly Field[];
  /** The names of the fields stored encrypted, in field order. */
  readonly encryptedFields: readonly string[];
  /** The schema version new events are stored with: 1 unless the spec declares a later one. */
  readonly version: number;
  /** Every earlier version, 1 up to `version - 1`: what the generated upcasters read. */
  readonly previous: readonly EventShape[];
}

export interface CommandDef {
  readonly name: string;
  readonly aggregate: string;
  readonly description?: string;
  readonly creates: boolean;
  readonly input: readonly Field[];
  readonly emits: readonly string[];
  /** The events of `emits`, in the order the aggregate declares them. */
  readonly emitted: readonly EventDef[];
  /** The roles allowed to run the command, or 'public'. */
  readonly allow: readonly string[] | 'public';
  readonly actors: readonly ActorKind[];
  /** The allowed roles that act only on their own data: an actor holding no other allowed role is bound to its own id as the subject. */
  readonly ownDataRoles: readonly string[];
  /** Input fields naming another aggregate, which the pipeline checks before deciding. */
  readonly references: readonly Reference[];
  readonly undo?: string;
  /** Calls of these actor kinds need a human's approval first, by one of these roles, usable for this long. */
  readonly approval?: Approval;
  /** The command named by `undo`; it may name this command back, so do not serialize commands. */
  readonly undoCommand?: CommandDef;
}

export interface Approval {
  readonly actors: readonly ActorKind[];
  readonly by: readonly string[];
  readonly expiresMs: number;
}

/** An input field that names an aggregate of the same context. Do not serialize: aggregates hold commands. */
export interface Reference {
  readonly field: string;
  readonly aggregate: Aggregate;
}

export interface Role {
  readonly name: string;
  readonly description?: string;
  /** `own`: an actor holding only this role among a command's allowed roles is the subject. */
  readonly scope: 'own' | 'any';
}

/** Who may run a trust operation. */
export interface AccessRule {
  readonly description?: string;
  readonly allow: readonly string[];
  readonly actors: readonly ActorKind[];
  /** The allowed roles that act only on their own data. */
  readonly ownDataRoles: readonly string[];
}

/** Who may read over HTTP and MCP, and which of them see personal data. */
export interface ReadRule extends AccessRule {
  readonly pii: readonly string[];
}

export interface ProjectionRead extends ReadRule {
  /** The column (or the key) that names whose data a row is. */
  readonly subject?: string;
}

export interface Aggregate {
  readonly name: string;
  readonly description?: string;
  readonly id: string;
  readonly subject?: string;
  /** The subject is the aggregate's own id: each aggregate is the data subject of its own record. */
  readonly subjectIsId: boolean;
  readonly snapshotEvery?: number;
  readonly state: readonly Field[];
  /** Whether any state field is stored encrypted. */
  readonly statePii: boolean;
  readonly events: readonly EventDef[];
  readonly commands: readonly CommandDef[];
}

/** An event a projection listens to, with the aggregate that records it. */
export interface HandledEvent {
  readonly event: EventDef;
  readonly aggregate: Aggregate;
}

export interface Projection {
  readonly name: string;
  readonly description?: string;
  readonly key: string;
  readonly columns: readonly Field[];
  /** Whether any column, the key included, is stored encrypted. */
  readonly pii: boolean;
  readonly on: readonly string[];
  /** The events of `on`, in the same order. */
  readonly handles: readonly HandledEvent[];
  /** Who may read it over HTTP and MCP; undefined: nobody. */
  readonly read?: ProjectionRead;
}

export interface Context {
  readonly name: string;
  readonly description?: string;
  /** The spec file the context was read from, relative to the project root. */
  readonly file: string;
  readonly types: readonly NamedType[];
  readonly aggregates: readonly Aggregate[];
  readonly projections: readonly Projection[];
  readonly roles: readonly Role[];
}

export interface Project {
  /** Sorted by name. */
  readonly contexts: readonly Context[];
  /** Who may forget a data subject; undefined: nobody (denied by default). */
  readonly forget?: AccessRule;
  /** Who may read history, state-at and verify over HTTP and MCP; undefined: nobody. */
  readonly history?: ReadRule;
  readonly stateAt?: ReadRule;
  readonly verify?: AccessRule;
}
