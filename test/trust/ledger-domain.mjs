// The ledger domain the crash and multi-process children write: three events per Post (a partial
// transaction would show as a count that is not 3), and a tally read model of the Posted events.
import { z } from 'zod';

export const ledger = {
  name: 'Ledger',
  idField: 'ledgerId',
  initialState: () => ({ entries: 0 }),
  fold(state) {
    state.entries += 1;
  },
  subjectOf: () => undefined,
  snapshotEvery: 10,
  stateVersion: 'ledger-v1',
  pii: {},
  statePii: false,
};
const schema = z.strictObject({ ledgerId: z.string(), n: z.number().int() });
export const post = {
  name: 'Post',
  aggregate: ledger,
  schema,
  streamIdOf: (input) => input.ledgerId,
  creates: false,
  allow: 'public',
  actors: ['job'],
  decide: (command) => [1, 2, 3].map((part) => ({ type: 'Posted', data: { n: command.n, part } })),
  undo: undefined,
};
export const open = { ...post, name: 'Open', creates: true, decide: () => [{ type: 'Opened', data: {} }] };
export const tally = {
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
