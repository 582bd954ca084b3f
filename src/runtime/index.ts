/** The Groundwork runtime: everything a generated project imports from one place. */
export { BUCKETS, bucketOf } from './core/bucket.js';
export { COMMAND_TAG, EVENT_TAG, chainHash, commandRowHash, eventRowHash, genesisHash } from './core/chain.js';
export type { ChainName, CommandRowFields, EventRowFields } from './core/chain.js';
export {
  GENESIS_CHECKPOINT,
  bucketHeads,
  canonicalBody,
  checkpointHash,
  merkleRoot,
  newSigningKeys,
  privateKeyFrom,
  publicKeyFrom,
  signCheckpoint,
  signatureValid,
} from './core/checkpoint.js';
export type { BucketHead, Checkpoint, CheckpointBody } from './core/checkpoint.js';
export type {
  AggregateDefinition,
  AnyAggregate,
  AnyCommand,
  AppDefinition,
  CommandDefinition,
  Decision,
  UpcastContext,
  VersionedEvent,
} from './core/definitions.js';
export { payloadHash } from './core/audit.js';
export type { Policy } from './core/authorize.js';
export { ConfigurationError, DecryptionError, StorageError, assertNever, isDomainError, reject } from './core/errors.js';
export type { CommandError, CommandErrorCode, ConfigurationCode, DomainError, ForbiddenReason, ValidationIssue } from './core/errors.js';
export { ULID_PATTERN, ulidGenerator } from './core/ids.js';
export type { Clock, IdGenerator } from './core/ids.js';
export { KeyedMutex } from './core/mutex.js';
export { ERASED, PiiCodec, decryptFields, decryptValue, encryptValue, isCiphertext, isErased } from './core/pii.js';
export type { Erased, PiiFields, PiiLocation } from './core/pii.js';
export { CommandPipeline } from './core/pipeline.js';
export type { Admitted, CommandResult, DryRun, Failure, Loaded, PipelineOptions, Refused } from './core/pipeline.js';
export { ProjectionRunner } from './core/projections.js';
export { EventReader, currentVersion, encryptedAt, readEvent } from './core/reader.js';
export type { AnyProjection, ColumnDefinition, ColumnKind, ProjectionDefinition, ReadRows, Rows } from './core/projections.js';
export { MemoryRows, given, project } from './core/testing.js';
export type { OlderEvent, Scenario, TestEvent, Then } from './core/testing.js';
export { ACTOR_KINDS } from './core/types.js';
export type { Actor, ActorKind, Brand, CommandContext, DeepReadonly, DomainEvent, EventMetadata, Stored, StoredEvent } from './core/types.js';

export type { ChainHead, ChainReader, ChainRow, CheckpointInputs, CommandChainRow, EventChainRow, StoredCheckpoint } from './ports/chain-reader.js';
export type { CheckpointSink, SinkState } from './ports/checkpoint-sink.js';
export { START } from './ports/event-store.js';
export type {
  AuditRecord,
  CommandQuery,
  CommitRequest,
  CommitResult,
  EventStore,
  FoldDetail,
  FoldEvent,
  GlobalPosition,
  NewEvent,
  Outcome,
  SnapshotRecord,
  StoredCommand,
} from './ports/event-store.js';
export type { KeyStore } from './ports/key-store.js';
export type { Outbox } from './ports/outbox.js';
export type { BatchRows, ProjectionStore } from './ports/projection-store.js';
export type { Store } from './ports/store.js';

export { Checkpointer } from './trust/checkpoints.js';
export type { CheckpointOptions } from './trust/checkpoints.js';
export { Trust } from './trust/operations.js';
export type { ForgetOutcome, ForgetRefusal, ForgetResult, HistoryQuery, TimelineEntry, TimelineEvent, TrustOptions } from './trust/operations.js';
export { verifyStore } from './trust/verify.js';
export type { FindingKind, VerifyFinding, VerifyOptions, VerifyReport } from './trust/verify.js';

export { readEnvironment } from './app/config.js';
export { openApp } from './app/open.js';
export type { BusOptions, RunningWorker, Scaling, StartWorkerOptions } from './app/bus.js';
export { runWorker } from './app/worker-main.js';
export type { WorkerMainOptions } from './app/worker-main.js';
export { CommandRelay, CommandWorker, Dispatcher, EventRelay } from './core/dispatch.js';
export { PartitionBalancer, partitionsOf } from './core/balance.js';
export type { DispatchResult, RelayOptions, WorkerOptions } from './core/dispatch.js';
export type { CommandBus, CommandMessage, CommandSubscription, Delivery, EventBus, Settlement } from './ports/bus.js';
export type { CommandOutbox, CommandStatus, Leases } from './ports/command-outbox.js';
export type { ApprovalRecord, ApprovalRequest, ApprovalStore } from './ports/approvals.js';
export { deleteRabbitTopology, openRabbitBus } from './adapters/rabbitmq/index.js';
export type { RabbitBus, RabbitOptions } from './adapters/rabbitmq/index.js';
export type { App, AppOptions } from './app/open.js';
export { printable, runTrustCommand, timelineText } from './app/trust-command.js';
export type { CliOutput, TrustAccess, TrustApp } from './app/trust-command.js';

export { FileCheckpointSink, MemoryCheckpointSink } from './adapters/file/checkpoint-sink.js';
export { SqliteEventStore, SqliteKeyStore, isSqliteStore, openDatabase, openSqliteStore, quoteIdentifier } from './adapters/sqlite/index.js';
export type { Db, SqliteKeyStoreOptions, SqliteOptions, SqliteStore, Synchronous } from './adapters/sqlite/index.js';
export { PostgresEventStore, isPostgresStore, openPostgresKeys, openPostgresStore } from './adapters/postgres/index.js';
export type { PostgresOptions, PostgresStore } from './adapters/postgres/index.js';
