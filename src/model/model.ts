/**
 * The normalized domain: what the generator works from. Every name here has passed the name
 * rules, every reference resolves, and every collection keeps the order of the spec.
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
}

export interface NamedType {
  readonly name: string;
  readonly description?: string;
  readonly fields: readonly Field[];
}

export interface EventDef {
  readonly name: string;
  readonly aggregate: string;
  readonly description?: string;
  readonly fields: readonly Field[];
}

export interface CommandDef {
  readonly name: string;
  readonly aggregate: string;
  readonly description?: string;
  readonly creates: boolean;
  readonly input: readonly Field[];
  readonly emits: readonly string[];
  /** The roles allowed to run the command, or 'public'. */
  readonly allow: readonly string[] | 'public';
  readonly actors: readonly ActorKind[];
  readonly undo?: string;
}

export interface Aggregate {
  readonly name: string;
  readonly description?: string;
  readonly id: string;
  readonly subject?: string;
  readonly snapshotEvery?: number;
  readonly state: readonly Field[];
  readonly events: readonly EventDef[];
  readonly commands: readonly CommandDef[];
}

export interface Projection {
  readonly name: string;
  readonly description?: string;
  readonly key: string;
  readonly columns: readonly Field[];
  readonly on: readonly string[];
}

export interface Context {
  readonly name: string;
  readonly description?: string;
  /** The spec file the context was read from, relative to the project root. */
  readonly file: string;
  readonly types: readonly NamedType[];
  readonly aggregates: readonly Aggregate[];
  readonly projections: readonly Projection[];
}

export interface Project {
  /** Sorted by name. */
  readonly contexts: readonly Context[];
}
