/** The ledger domain the PostgreSQL process tests write (the same as postgres-writer.mjs). */
import { z } from 'zod';
import type { AggregateDefinition, CommandDefinition, ProjectionDefinition, StoredEvent } from '../../src/runtime/index.js';

interface LedgerState {
  entries: number;
}
type LedgerEvent =
  | { readonly type: 'Opened'; readonly data: Record<string, never> }
  | { readonly type: 'Posted'; readonly data: { readonly n: number; readonly part: number } };

export const ledger: AggregateDefinition<LedgerState, LedgerEvent> = {
  name: 'Ledger',
  idField: 'ledgerId',
  initialState: () => ({ entries: 0 }),
  fold(state) {
    state.entries += 1;
  },
  subjectOf: () => undefined,
  snapshotEvery: 25,
  stateVersion: 'ledger-v1',
  pii: {},
  statePii: false,
};
const input = z.strictObject({ ledgerId: z.string(), n: z.number().int() });
export const post: CommandDefinition<z.output<typeof input>, LedgerState, LedgerEvent> = {
  name: 'Post',
  aggregate: ledger,
  schema: input,
  streamIdOf: (i) => i.ledgerId,
  creates: false,
  allow: 'public',
  actors: ['job'],
  decide: (command) => [1, 2, 3].map((part) => ({ type: 'Posted' as const, data: { n: command.n, part } })),
  undo: undefined,
};
export const open: CommandDefinition<z.output<typeof input>, LedgerState, LedgerEvent> = {
  ...post,
  name: 'Open',
  creates: true,
  decide: () => [{ type: 'Opened', data: {} }],
};
export const tally: ProjectionDefinition<{ ledgerId: string; posted: number | null }, StoredEvent> = {
  name: 'Tally',
  pii: false,
  table: 'tally',
  key: 'ledgerId',
  columns: [{ name: 'posted', kind: 'integer' }],
  handles: ['Posted'],
  async apply(event, rows) {
    const row = await rows.get(event.streamId);
    await rows.merge(event.streamId, { posted: (row?.posted ?? 0) + 1 });
  },
};
