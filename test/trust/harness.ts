/** A small project assembled by hand from the runtime, as a generated app.ts assembles it. */
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import {
  Checkpointer,
  CommandPipeline,
  FileCheckpointSink,
  KeyStore,
  PiiCodec,
  SqliteEventStore,
  SqliteProjections,
  Trust,
  decodeEvent,
  verifyStore,
  type AggregateDefinition,
  type AnyCommand,
  type CommandDefinition,
  type ProjectionDefinition,
  type Erased,
  type Stored,
  type Synchronous,
} from '../../src/runtime/index.js';
import { increment, openCounter } from '../runtime/counter.js';

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
export const register: Def<z.output<typeof registerInput>> = { ...base, name: 'Register', schema: registerInput, creates: true, decide: (c) => [{ type: 'CustomerRegistered', data: { customerId: c.customerId, name: c.name, email: c.email } }], undo: undefined };
export const rename: Def<z.output<typeof renameInput>> = { ...base, name: 'Rename', schema: renameInput, creates: false, decide: (c) => [{ type: 'CustomerRenamed', data: { name: c.name } }], undo: undefined };
export const close: Def<z.output<typeof closeInput>> = { ...base, name: 'Close', schema: closeInput, creates: false, decide: () => [{ type: 'CustomerClosed', data: {} }], undo: 'Reopen' };
export const reopen: Def<z.output<typeof closeInput>> = { ...base, name: 'Reopen', schema: closeInput, creates: false, decide: () => [{ type: 'CustomerReopened', data: {} }], undo: undefined };

export interface DirectoryRow { accountId: string; name: string | Erased | null; email: string | Erased | null; status: string | null }
export const directory: ProjectionDefinition<DirectoryRow> = {
  name: 'Directory',
  pii: true,
  table: 'Directory',
  key: 'accountId',
  columns: [{ name: 'name', kind: 'text' }, { name: 'email', kind: 'text' }, { name: 'status', kind: 'text' }],
  apply(event, rows) {
    switch (event.type) {
      case 'CustomerRegistered': {
        const e = event as Stored<Extract<CustomerEvent, { type: 'CustomerRegistered' }>>;
        rows.merge(e.streamId, { name: e.data.name, email: e.data.email, status: 'active' });
        return;
      }
      case 'CustomerRenamed': {
        const e = event as Stored<Extract<CustomerEvent, { type: 'CustomerRenamed' }>>;
        rows.merge(e.streamId, { name: e.data.name });
        return;
      }
      case 'CustomerClosed':
        rows.merge(event.streamId, { status: 'closed' });
        return;
      case 'CustomerReopened':
        rows.merge(event.streamId, { status: 'active' });
        return;
      default:
        return;
    }
  },
};

export const COMMANDS: Record<string, AnyCommand> = { Register: register, Rename: rename, Close: close, Reopen: reopen, OpenCounter: openCounter, Increment: increment } as unknown as Record<string, AnyCommand>;

export function signingKeys() {
  return generateKeyPairSync('ed25519');
}

export interface Harness {
  readonly dir: string;
  readonly store: SqliteEventStore;
  readonly keys: KeyStore;
  readonly pipeline: CommandPipeline;
  readonly projections: SqliteProjections;
  readonly trust: Trust;
  readonly checkpointer: Checkpointer;
  readonly sink: FileCheckpointSink;
  readonly publicKey: ReturnType<typeof signingKeys>['publicKey'];
  verify(statePath?: string): ReturnType<typeof verifyStore>;
  close(): Promise<void>;
}

export function openHarness(dir: string, options: { synchronous?: Synchronous; secureDelete?: boolean; keys?: ReturnType<typeof signingKeys>; everyEvents?: number } = {}): Harness {
  const pair = options.keys ?? signingKeys();
  const store = SqliteEventStore.open(join(dir, 'app.db'), { synchronous: options.synchronous ?? 'NORMAL' });
  const keys = new KeyStore(join(dir, 'app.db.keys'), Buffer.alloc(32, 9), { secureDelete: options.secureDelete ?? true });
  const codec = new PiiCodec(keys);
  const pii = customer.pii;
  const projections = new SqliteProjections(store, [directory as unknown as ProjectionDefinition<object>], (e) => decodeEvent(codec, pii, e));
  const sink = new FileCheckpointSink(join(dir, 'app.db.checkpoints.jsonl'));
  const checkpointer = new Checkpointer(store.db, store.storeId, { signingKey: pair.privateKey, sink, everyEvents: options.everyEvents ?? 1_000_000, everySeconds: 1_000_000 });
  let tick = 0;
  const clock = () => new Date(Date.UTC(2026, 10, 22, 10, 0, 0, tick++));
  const pipeline = new CommandPipeline(store, { codec, clock, afterCommit: () => { projections.catchUp(); checkpointer.maybe(clock()); } });
  const trust = new Trust({ store, pipeline, projections, keys, commands: COMMANDS, pii, clock });
  return {
    dir, store, keys, pipeline, projections, trust, checkpointer, sink, publicKey: pair.publicKey,
    verify: (statePath) => verifyStore(store.db, { storeId: store.storeId, publicKey: pair.publicKey, sink, statePath }),
    close: async () => {
      keys.close();
      await store.close();
    },
  };
}

export const support = { actor: { id: 'agent-1', kind: 'agent', roles: ['support', 'owner'] }, tenant: 't1' } as const;
