/** The Groundwork runtime: everything a generated project imports from one place. */
export { BUCKETS, bucketOf } from './bucket.js';
export { COMMAND_TAG, EVENT_TAG, chainHash, commandRowHash, eventRowHash, genesisHash } from './chain.js';
export { assertNever, isDomainError, reject } from './errors.js';
export type { CommandError, CommandErrorCode, DomainError, ForbiddenReason, ValidationIssue } from './errors.js';
export { KeyedMutex } from './mutex.js';
export { CommandPipeline } from './pipeline.js';
export type { AggregateDefinition, CommandDefinition, CommandResult, Decision, Loaded, PipelineOptions, Policy } from './pipeline.js';
export { SqliteProjections, quoteIdentifier } from './projections.js';
export type { ColumnDefinition, ColumnKind, ProjectionDefinition, Rows } from './projections.js';
export { SqliteEventStore, openDatabase, payloadHash } from './sqlite.js';
export type { Db, SqliteOptions, Synchronous } from './sqlite.js';
export type { AuditRecord, CommitRequest, CommitResult, EventStore, NewEvent, Outcome, SnapshotRecord, StoredCommand } from './store.js';
export { ACTOR_KINDS } from './types.js';
export type { Actor, ActorKind, Brand, CommandContext, DeepReadonly, DomainEvent, EventMetadata, Stored, StoredEvent } from './types.js';
export { ULID_PATTERN, ulidGenerator } from './ulid.js';
export type { Clock, IdGenerator } from './ulid.js';
