/** Shared types of the Groundwork runtime. */

/** A string that the type system keeps apart from other strings, such as an aggregate id. */
export type Brand<T, B extends string> = T & { readonly __brand: B };

/** What decide sees of the state: nothing it could change. */
export type DeepReadonly<T> = T extends (infer I)[] ? readonly DeepReadonly<I>[] : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

export const ACTOR_KINDS = ['human', 'agent', 'service', 'job'] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];

export interface Actor {
  readonly id: string;
  readonly kind: ActorKind;
  readonly roles: readonly string[];
}

/** Who asks, for whom, and where the request comes from. Ids only, never personal data. */
export interface CommandContext {
  readonly actor: Actor;
  /** The data subject (such as a customer id) an agent or service acts for. */
  readonly onBehalfOf?: string | undefined;
  readonly tenant: string;
  /** Unique per command; a retry with the same id returns the original result. */
  readonly commandId?: string | undefined;
  readonly idempotencyKey?: string | undefined;
  readonly correlationId?: string | undefined;
  readonly causationId?: string | undefined;
  /** The approval a command that needs one runs under (the id its first call was answered with). */
  readonly approvalId?: string | undefined;
  /** The stream version the caller last saw (HTTP If-Match): the command is refused with `conflict` if the stream moved since. */
  readonly expectedVersion?: number | undefined;
  /** The person whose authority a delegated credential carries (set by a surface from a verified token). */
  readonly delegatedBy?: string | undefined;
  /** The surface the command came through (set by the HTTP and MCP servers, never by their callers). */
  readonly via?: Via | undefined;
}

export const TRANSPORTS = ['http', 'mcp-http', 'mcp-stdio'] as const;
export type Transport = (typeof TRANSPORTS)[number];

/** How a command reached the pipeline, as the audit records it. */
export interface Via {
  readonly transport: Transport;
  /** The route (`POST /commands/IssueRefund`) or the tool (`issue_refund`). */
  readonly route: string;
  readonly clientId: string | null;
  /** SHA-256 of the bearer token, hex; the token itself is never kept. */
  readonly tokenFingerprint: string | null;
  readonly requestId: string;
}

/** An event as decide returns it and evolve receives it. */
export interface DomainEvent {
  readonly type: string;
  readonly data: object;
}

/** An event as stored: the domain event plus where and when it was recorded. One shape for all. */
export interface StoredEvent<E extends DomainEvent = DomainEvent> {
  readonly position: number;
  readonly bucket: number;
  readonly bseq: number;
  readonly streamId: string;
  readonly version: number;
  readonly type: E['type'];
  readonly schemaVersion: number;
  readonly recordedAt: string;
  readonly data: E['data'];
  readonly metadata: EventMetadata;
}

/** The audit context recorded with every event. */
export interface EventMetadata {
  readonly commandId: string;
  readonly command: string;
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly actorId: string;
  readonly actorKind: ActorKind;
  readonly onBehalfOf: string | null;
  /** The data subject of the aggregate (such as a customer id), the key of its pii. */
  readonly subject: string | null;
  readonly tenant: string;
}

export type Stored<E extends DomainEvent> = E extends DomainEvent ? StoredEvent<E> : never;
