/**
 * The composition root: the one place a project's definition meets a store, a key store and the
 * runtime's services. The generated app, its command line, the tests and the bench all open an
 * app here, so moving a project between stores is configuration, never regeneration.
 */
import type { SqliteOptions } from '../adapters/sqlite/index.js';
import { FileCheckpointSink, MemoryCheckpointSink } from '../adapters/file/checkpoint-sink.js';
import { privateKeyFrom, publicKeyFrom, type Checkpoint } from '../core/checkpoint.js';
import type { AppDefinition, CommandDefinition } from '../core/definitions.js';
import { PiiCodec } from '../core/pii.js';
import { EventReader } from '../core/reader.js';
import { CommandPipeline, type CommandResult, type DryRun, type PipelineOptions, type Refused } from '../core/pipeline.js';
import { ProjectionRunner, type ReadRows } from '../core/projections.js';
import type { CommandContext, DomainEvent, StoredEvent } from '../core/types.js';
import type { CheckpointSink } from '../ports/checkpoint-sink.js';
import type { KeyStore } from '../ports/key-store.js';
import type { Store } from '../ports/store.js';
import { Checkpointer } from '../trust/checkpoints.js';
import { Trust } from '../trust/operations.js';
import { verifyStore, type VerifyReport } from '../trust/verify.js';
import { ConfigurationError } from '../core/errors.js';
import { readEnvironment } from './config.js';
import { companions, openCheckedKeys, openEmbeddedStore, type OpenMode } from './embedded.js';
import { openSharedKeys, openSharedStore } from './shared.js';
import { inProcess, onBus, type BusOptions, type Scaling } from './bus.js';
import { isPostgresStore } from '../adapters/postgres/index.js';
import { isSqliteStore } from '../adapters/sqlite/index.js';

export interface AppOptions extends SqliteOptions, Omit<PipelineOptions, 'afterCommit' | 'codec'> {
  /**
   * A PostgreSQL store shared by many processes (postgres://...); default GROUNDWORK_DATABASE_URL
   * unless `path` is given. Without one, the embedded SQLite store.
   */
  readonly databaseUrl?: string | undefined;
  /** The PostgreSQL schema; default GROUNDWORK_DATABASE_SCHEMA, then `groundwork`. */
  readonly databaseSchema?: string | undefined;
  /**
   * RabbitMQ (amqp://...) carrying commands to workers and events to other services; default
   * GROUNDWORK_BUS_URL. Needs the PostgreSQL store. Without one, `dispatch` runs in this process.
   */
  readonly busUrl?: string | undefined;
  /** Partitions, delivery limit and publish timeout of the bus; the partitions default to GROUNDWORK_BUS_PARTITIONS, then 8. */
  readonly bus?: BusOptions | undefined;
  /** The SQLite database file, or ':memory:'; default GROUNDWORK_DB, then app.db. */
  readonly path?: string | undefined;
  /** An open store to use instead of opening one (tests, tools); closed with the app. */
  readonly store?: Store | undefined;
  /** The key-encryption key for personal data (32 bytes); default GROUNDWORK_KEK. */
  readonly kek?: Uint8Array | undefined;
  /** Where the data keys are kept, apart from the events; default `<path>.keys`. */
  readonly keysPath?: string | undefined;
  /** An open key store to use instead of opening one; closed with the app. */
  readonly keys?: KeyStore | undefined;
  /** Ed25519 private key that signs checkpoints (PEM or base64 DER); default GROUNDWORK_SIGNING_KEY. */
  readonly signingKey?: string | undefined;
  /** The pinned public key verify checks checkpoints with; default GROUNDWORK_VERIFY_KEY. */
  readonly verifyKey?: string | undefined;
  /** The append-only sink checkpoints are copied to; default `<path>.checkpoints.jsonl`. */
  readonly checkpointSink?: CheckpointSink | undefined;
  /** Take a checkpoint after this many events or seconds (defaults 1000 and 60). */
  readonly checkpointEvery?: { readonly events?: number | undefined; readonly seconds?: number | undefined } | undefined;
  /** Where defaults are read from; default process.env. */
  readonly env?: NodeJS.ProcessEnv | undefined;
  /**
   * 'read' opens for looking only: it never creates a store, brings no projection up to date,
   * takes no checkpoint and refuses commands. Default 'write'.
   */
  readonly mode?: OpenMode | undefined;
  /** For operations that never read personal data (verify): open without the KEK a store may need. */
  readonly withoutKeys?: boolean | undefined;
  /** Run the embedded store's queue of commands accepted to run later (what waits runs once the app is open); the HTTP server does. */
  readonly runQueue?: boolean | undefined;
}

export interface App extends Omit<Scaling, 'close'> {
  readonly definition: AppDefinition;
  readonly store: Store;
  readonly keys: KeyStore | undefined;
  readonly pipeline: CommandPipeline;
  readonly projections: ProjectionRunner;
  readonly trust: Trust;
  readonly aggregates: AppDefinition['aggregates'];
  /** Runs one command through the pipeline. */
  execute<I, S, E extends DomainEvent>(command: CommandDefinition<I, S, E>, input: unknown, context: CommandContext): Promise<CommandResult<E>>;
  /** Validates, authorizes and decides one command, and answers with the events it would record; writes nothing. */
  dryRun<I, S, E extends DomainEvent>(command: CommandDefinition<I, S, E>, input: unknown, context: CommandContext): Promise<DryRun<E> | Refused>;
  newId(): string;
  /** A projection's rows, by projection name; every read names its tenant. */
  rows<R extends object>(name: string): ReadRows<R>;
  verify(options?: { readonly incremental?: boolean }): Promise<VerifyReport>;
  /**
   * What is behind or failing after commits, which never fail the commands themselves: projections
   * parked at a failing batch (with why), and the last failure of the work that follows a commit
   * (projections, checkpoints); null once that work succeeds again.
   */
  status(): { readonly parked: Readonly<Record<string, string>>; readonly afterCommit: string | null };
  /** How far each projection is behind: events not applied yet, and the age of the oldest in seconds. */
  lag(): Promise<Readonly<Record<string, { readonly events: number; readonly seconds: number }>>>;
  /** Takes a signed checkpoint now; undefined without a signing key. */
  checkpoint(): Promise<Checkpoint | undefined>;
  close(): Promise<void>;
}

/** Opens the store and its key store, brings projections up to date, and assembles the app. */
export async function openApp(definition: AppDefinition, options: AppOptions = {}): Promise<App> {
  const env = readEnvironment(options.env);
  const path = options.path ?? env.databasePath;
  const memory = options.store === undefined && path === ':memory:';
  const mode = options.mode ?? 'write';
  const clock = options.clock ?? ((): Date => new Date());
  const keysPath = options.keysPath ?? (memory ? ':memory:' : companions(path).keys);
  const url = options.store !== undefined ? undefined : (options.databaseUrl ?? (options.path === undefined ? env.databaseUrl : undefined));
  const schema = options.databaseSchema ?? env.databaseSchema ?? 'groundwork';
  const kek = options.kek ?? env.kek;
  const needsKeys = options.withoutKeys !== true;
  let store: Store;
  let keys: KeyStore | undefined;
  if (url !== undefined) {
    const shared = await openSharedStore(url, { schema }, mode);
    store = shared;
    keys = options.keys ?? (await openSharedKeys(shared, kek, needsKeys));
  } else {
    store = options.store ?? openEmbeddedStore(path, options, mode, keysPath);
    keys = options.keys ?? (await openKeysOrClose(store, kek, keysPath, mode, needsKeys));
  }
  const codec = new PiiCodec(keys);
  const reader = new EventReader(codec, definition.aggregates);
  const projections = new ProjectionRunner(store.events, store.projections, definition.projections, (event) => reader.read(event));
  let inline = false;
  if (mode === 'write') {
    await projections.prepare();
    await projections.catchUp();
    inline = store.events.runInTransaction(async (committed, after) => {
      const events: StoredEvent[] = [];
      for (const { request, events: stored } of committed) {
        for (let i = 0; i < stored.length; i++) {
          const plain = request.plain?.[i];
          events.push(plain === undefined ? await reader.read(stored[i]!) : { ...stored[i]!, data: plain });
        }
      }
      await projections.applyInTransaction(events, after);
    });
  }
  const sinkPath = env.checkpointSink ?? (url !== undefined ? `${schema}.checkpoints.jsonl` : companions(path).sink);
  const sink = options.checkpointSink ?? (memory && env.checkpointSink === undefined ? new MemoryCheckpointSink() : new FileCheckpointSink(sinkPath));
  const signingKey = options.signingKey ?? env.signingKey;
  const verifyKey = options.verifyKey ?? env.verifyKey;
  const checkpointer =
    signingKey === undefined || mode === 'read'
      ? undefined
      : new Checkpointer(store.chains, store.events.storeId, {
          signingKey: privateKeyFrom(signingKey),
          sink,
          everyEvents: options.checkpointEvery?.events,
          everySeconds: options.checkpointEvery?.seconds,
        });
  let afterCommitError: string | undefined;
  // Set while a worker runs in this process: its projections follow the store on their own, and a
  // command is acknowledged without waiting for them.
  let wakeProjections: (() => void) | undefined;
  const pipeline = new CommandPipeline(store.events, {
    clock,
    codec,
    approvals: store.approvals,
    ids: options.ids,
    policy: options.policy,
    afterCommit: async (events) => {
      // Projections were brought up to date in the commit's own transaction (where the store can);
      // a catch-up is due only when one was parked or another process wrote in between.
      if (wakeProjections !== undefined) wakeProjections();
      else if (!inline || projections.behind) await projections.catchUpAfter();
      const last = events[events.length - 1];
      if (last !== undefined) await checkpointer?.maybe(clock(), last.position);
      afterCommitError = undefined;
    },
    onAfterCommitError: (error) => {
      afterCommitError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    },
  });
  const busUrl = mode === 'write' ? (options.busUrl ?? env.busUrl) : undefined;
  let scaling: Scaling;
  try {
    const followProjections = (wake: (() => void) | undefined) => {
      wakeProjections = wake;
    };
    scaling = await scalingFor(
      busUrl,
      mode,
      store,
      { definition, pipeline, projections, clock, followProjections },
      { partitions: env.busPartitions, ...options.bus },
    );
  } catch (error) {
    await keys?.close();
    await store.close();
    throw error;
  }
  const trust = new Trust({
    events: store.events,
    pipeline,
    projections,
    keys,
    commands: definition.commands,
    reader,
    clock,
    meta: store.meta,
    forget: definition.forget,
    approvals: store.approvals,
  });
  try {
    if (mode === 'write' && keys !== undefined) await trust.resumeForgets();
  } catch (error) {
    await scaling.close();
    await keys?.close();
    await store.close();
    throw error;
  }
  // Commands accepted earlier run only now that interrupted forgets are complete.
  if (options.runQueue === true) scaling.runQueue();
  return {
    definition,
    store,
    keys,
    pipeline,
    projections,
    trust,
    aggregates: definition.aggregates,
    execute: (command, input, context) => {
      if (mode === 'read') throw new ConfigurationError('read-only', `${command.name}: this app was opened to read only`);
      return pipeline.execute(command, input, context);
    },
    dryRun: (command, input, context) => pipeline.dryRun(command, input, context),
    newId: () => pipeline.newId(),
    rows: (name) => projections.rows(name),
    verify: (verifyOptions = {}) =>
      verifyStore(store.chains, {
        storeId: store.events.storeId,
        publicKey: verifyKey === undefined ? undefined : publicKeyFrom(verifyKey),
        sink,
        statePath:
          verifyOptions.incremental === true && !memory && options.store === undefined
            ? url !== undefined
              ? `${schema}.verify-state.json`
              : companions(path).verifyState
            : undefined,
      }),
    checkpoint: async () => checkpointer?.take(clock()),
    status: () => ({ parked: Object.fromEntries(projections.parked()), afterCommit: afterCommitError ?? null }),
    lag: () => projections.lag(clock()),
    dispatch: (command, input, context) => scaling.dispatch(command, input, context),
    runQueue: () => scaling.runQueue(),
    enqueue: (command, input, context) => {
      if (mode === 'read') throw new ConfigurationError('read-only', `${command.name}: this app was opened to read only`);
      return scaling.enqueue(command, input, context);
    },
    commandStatus: (commandId, tenant) => scaling.commandStatus(commandId, tenant),
    waitFor: (commandId, tenant, timeoutMs) => scaling.waitFor(commandId, tenant, timeoutMs),
    startWorker: (workerOptions) => scaling.startWorker(workerOptions),
    followProjections: (followOptions) => scaling.followProjections(followOptions),
    close: async () => {
      await scaling.close();
      await keys?.close();
      await store.close();
    },
  };
}

/** Dispatch over the bus when one is configured (which needs the shared store), in this process otherwise. */
async function scalingFor(
  busUrl: string | undefined,
  mode: OpenMode,
  store: Store,
  parts: Parameters<typeof inProcess>[0],
  options: BusOptions,
): Promise<Scaling> {
  // The embedded store keeps commands accepted to run later in its own command outbox; without a
  // bus, the shared store runs them at once (another process must not run this one's queue).
  if (busUrl === undefined)
    return inProcess(parts, mode === 'write' && isSqliteStore(store) ? { outbox: store.commandOutbox, leases: store.leases } : undefined);
  if (!isPostgresStore(store)) {
    throw new ConfigurationError(
      'invalid-bus',
      'GROUNDWORK_BUS_URL needs the PostgreSQL store that every worker shares: set GROUNDWORK_DATABASE_URL too (or unset GROUNDWORK_BUS_URL to run commands in this process)',
    );
  }
  return onBus(busUrl, store, parts, options);
}

/** The checked key store; the store is closed again when the keys are refused. */
async function openKeysOrClose(store: Store, kek: Uint8Array | undefined, keysPath: string, mode: OpenMode, needsKeys: boolean): Promise<KeyStore | undefined> {
  try {
    return await openCheckedKeys(store, kek, keysPath, mode, needsKeys);
  } catch (error) {
    await store.close();
    throw error;
  }
}
