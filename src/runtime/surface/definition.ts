/**
 * What the generated `surface.ts` hands the HTTP and MCP servers: every command with the tool and
 * route it is offered as, the text written for it from the spec, its input's JSON Schema, and who
 * may read what. Plain data; the servers hold no knowledge of a project beyond it.
 */
import type { AnyAggregate, AnyCommand } from '../core/definitions.js';
import type { ActorKind } from '../core/types.js';

export type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json };
export type JsonObject = { readonly [key: string]: Json };

/** Hints a host reads to decide whether to ask its user first (never trusted for access). */
export interface ToolAnnotations {
  readonly readOnlyHint: boolean;
  readonly destructiveHint: boolean;
  readonly idempotentHint: boolean;
  readonly openWorldHint: boolean;
}

export interface CommandEndpoint {
  readonly command: AnyCommand;
  /** The MCP tool: snake_case, `^[a-z][a-z0-9_]{0,63}$`. */
  readonly tool: string;
  readonly title: string;
  /** What it does, the events it records, who may call it, its undo and approval, how to retry. */
  readonly description: string;
  /** The JSON Schema of the command's input: an object, no `$ref`, no root combinators. */
  readonly inputSchema: JsonObject;
  readonly annotations: ToolAnnotations;
}

/** Who may read: roles and actor kinds like a command's `allow` and `actors`; `own` roles see only their own data. */
export interface ReadAccess {
  readonly name: string;
  readonly allow: readonly string[];
  readonly actors: readonly ActorKind[];
  readonly ownDataRoles?: readonly string[] | undefined;
  /** The roles that see personal data (pii fields); everyone else gets the rows without them. */
  readonly pii: readonly string[];
}

export interface ProjectionEndpoint {
  readonly projection: string;
  /** The tools that read one row by key and list rows in pages. */
  readonly getTool: string;
  readonly listTool: string;
  readonly title: string;
  readonly description: string;
  readonly key: string;
  /** The column naming the data subject of a row: how a bound actor's reads are scoped. */
  readonly subjectColumn: string | undefined;
  readonly piiColumns: readonly string[];
  /** The JSON Schema of a row. */
  readonly rowSchema: JsonObject;
  /** Undefined: nobody may read it over HTTP or MCP. */
  readonly access: ReadAccess | undefined;
}

export interface AggregateEndpoint {
  readonly aggregate: AnyAggregate;
  /** The state fields that hold personal data. */
  readonly piiState: readonly string[];
}

export interface SurfaceDefinition {
  readonly name: string;
  readonly version: string;
  readonly commands: readonly CommandEndpoint[];
  readonly projections: readonly ProjectionEndpoint[];
  readonly aggregates: readonly AggregateEndpoint[];
  /** Who may read history, state-at and verify; undefined: nobody. */
  readonly history: ReadAccess | undefined;
  readonly stateAt: ReadAccess | undefined;
  readonly verify: ReadAccess | undefined;
  /** The OpenAPI 3.1 document, written at `gen` time. */
  readonly openapi: JsonObject;
}
