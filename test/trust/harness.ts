/** A small project described by hand, as a generated app.ts describes one, opened through openApp. */
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import {
  FileCheckpointSink,
  SqliteKeyStore,
  openApp,
  openSqliteStore,
  verifyStore,
  type AggregateDefinition,
  type AnyAggregate,
  type AnyCommand,
  type AnyProjection,
  type App,
  type Checkpoint,
  type CommandDefinition,
  type Erased,
  type ProjectionDefinition,
  type SqliteStore,
  type Stored,
  type Synchronous,
  type VerifyReport,
} from '../../src/runtime/index.js';
import { counter, increment, openCounter } from '../runtime/counter.js';

export interface CustomerState {
  customerId: string;
  name: string | Erased;
  status: 'active' | 'closed';
}

export type CustomerEvent =
  | { readonly type: 'CustomerRegistered'; readonly data: { readonly customerId: string; readonly name: string | Erased; readonly email: string | Erased } }
  | { readonly type: 'CustomerRenamed'; readonly data: { readonly name: string | Erased } }
  | { readonly type: 'CustomerClosed'; readonly data: Record<string, never> }
  | { readonly type: 'CustomerReopened'; readonly data: Record<string, never> };

export const customer: AggregateDefinition<CustomerState, CustomerEvent> = {
  name: 'Customer',
  description: 'A customer. Closing can be undone; renaming cannot.',
  idField: 'accountId',
  initialState: () => ({ customerId: '', name: '', status: 'active' }),
  fold(state, event) {
    switch (event.type) {
      case 'CustomerRegistered':
        state.customerId = event.data.customerId;
        state.name = event.data.name;
        return;
      case 'CustomerRenamed':
        state.name = event.data.name;
        return;
      case 'CustomerClosed':
        state.status = 'closed';
        return;
      case 'CustomerReopened':
        state.status = 'active';
        return;
    }
  },
  subjectOf: (state) => state.customerId,
  snapshotEvery: 2,
  stateVersion: 'customer-v1',
  pii: { CustomerRegistered: ['name', 'email'], CustomerRenamed: ['name'] },
  statePii: true,
};

const registerInput = z.strictObject({ accountId: z.string(), customerId: z.string(), name: z.string(), email: z.string() });
const renameInput = z.strictObject({ accountId: z.string(), name: z.string() });
const closeInput = z.strictObject({ accountId: z.string() });

type Def<I> = CommandDefinition<I, CustomerState, CustomerEvent>;
const base = { aggregate: customer, allow: ['support'], actors: ['human', 'agent'] as const, streamIdOf: (i: { accountId: string }) => i.accountId };
export const register: Def<z.output<typeof registerInput>> = {
  ...base,
  name: 'Register',
  schema: registerInput,
  creates: true,
  decide: (c) => [{ type: 'CustomerRegistered', data: { customerId: c.customerId, name: c.name, email: c.email } }],
  undo: undefined,
};
export const rename: Def<z.output<typeof renameInput>> = {
  ...base,
  name: 'Rename',
  schema: renameInput,
  creates: false,
  decide: (c) => [{ type: 'CustomerRenamed', data: { name: c.name } }],
  undo: undefined,
};
export const close: Def<z.output<typeof closeInput>> = {
  ...base,
  name: 'Close',
  schema: closeInput,
  creates: false,
  decide: () => [{ type: 'CustomerClosed', data: {} }],
  undo: 'Reopen',
};
export const reopen: Def<z.output<typeof closeInput>> = {
  ...base,
  name: 'Reopen',
  schema: closeInput,
  creates: false,
  decide: () => [{ type: 'CustomerReopened', data: {} }],
  undo: undefined,
};

export interface DirectoryRow {
  accountId: string;
  name: string | Erased | null;
  email: string | Erased | null;
  status: string | null;
}
export const directory: ProjectionDefinition<DirectoryRow, Stored<CustomerEvent>> = {
  name: 'Directory',
  pii: true,
  table: 'Directory',
  key: 'accountId',
  columns: [
    { name: 'name', kind: 'text' },
    { name: 'email', kind: 'text' },
    { name: 'status', kind: 'text' },
  ],
  handles: ['CustomerRegistered', 'CustomerRenamed', 'CustomerClosed', 'CustomerReopened'],
  async apply(event, rows) {
    switch (event.type) {
      case 'CustomerRegistered':
        await rows.merge(event.streamId, { name: event.data.name, email: event.data.email, status: 'active' });
        return;
      case 'CustomerRenamed':
        await rows.merge(event.streamId, { name: event.data.name });
        return;
      case 'CustomerClosed':
        await rows.merge(event.streamId, { status: 'closed' });
        return;
      case 'CustomerReopened':
        await rows.merge(event.streamId, { status: 'active' });
        return;
    }
  },
};

export const COMMANDS: Record<string, AnyCommand> = {
  Register: register,
  Rename: rename,
  Close: close,
  Reopen: reopen,
  OpenCounter: openCounter,
  Increment: increment,
} as unknown as Record<string, AnyCommand>;

/** Who may forget in these tests: support, or a privacy officer (a human); a customer may forget only itself. */
export const FORGET = { allow: ['support', 'privacy', 'customer'], actors: ['human', 'agent'], ownDataRoles: ['customer'] } as const;

export function signingKeys() {
  return generateKeyPairSync('ed25519');
}

export interface Harness extends Pick<App, 'pipeline' | 'projections' | 'trust'> {
  readonly dir: string;
  readonly app: App;
  readonly store: SqliteStore;
  readonly keys: SqliteKeyStore;
  readonly sink: FileCheckpointSink;
  readonly publicKey: ReturnType<typeof signingKeys>['publicKey'];
  /** Takes a signed checkpoint now. */
  checkpoint(): Promise<Checkpoint>;
  verify(statePath?: string): Promise<VerifyReport>;
  close(): Promise<void>;
}

export async function openHarness(
  dir: string,
  options: { synchronous?: Synchronous; secureDelete?: boolean; keys?: ReturnType<typeof signingKeys>; everyEvents?: number } = {},
): Promise<Harness> {
  const pair = options.keys ?? signingKeys();
  const store = openSqliteStore(join(dir, 'app.db'), { synchronous: options.synchronous ?? 'NORMAL' });
  const keys = new SqliteKeyStore(join(dir, 'app.db.keys'), Buffer.alloc(32, 9), { secureDelete: options.secureDelete ?? true });
  const sink = new FileCheckpointSink(join(dir, 'app.db.checkpoints.jsonl'));
  let tick = 0;
  const clock = () => new Date(Date.UTC(2026, 10, 22, 10, 0, 0, tick++));
  const app = await openApp(
    {
      commands: COMMANDS,
      aggregates: { Customer: customer as unknown as AnyAggregate, Counter: counter as unknown as AnyAggregate },
      projections: [directory as unknown as AnyProjection],
      forget: FORGET,
    },
    {
      store,
      keys,
      checkpointSink: sink,
      clock,
      signingKey: pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      checkpointEvery: { events: options.everyEvents ?? 1_000_000, seconds: 1_000_000 },
      env: {},
    },
  );
  return {
    dir,
    app,
    store,
    keys,
    sink,
    publicKey: pair.publicKey,
    pipeline: app.pipeline,
    projections: app.projections,
    trust: app.trust,
    checkpoint: async () => (await app.checkpoint())!,
    verify: (statePath) => verifyStore(store.chains, { storeId: store.events.storeId, publicKey: pair.publicKey, sink, statePath }),
    close: () => app.close(),
  };
}

export const support = { actor: { id: 'agent-1', kind: 'agent', roles: ['support', 'owner'] }, tenant: 't1' } as const;
