// A writer that acknowledges each command only after its transaction committed, then gets SIGKILLed.
import { writeSync } from 'node:fs';
import { z } from 'zod';
import { openApp } from '../../dist/runtime/index.js';

const [, , path, start, inFlight = '1'] = process.argv;
const ledger = {
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
const post = {
  name: 'Post',
  aggregate: ledger,
  schema,
  streamIdOf: (input) => input.ledgerId,
  creates: false,
  allow: 'public',
  actors: ['job'],
  // Three events per command: a partial transaction would show as a count that is not 3.
  decide: (command) => [1, 2, 3].map((part) => ({ type: 'Posted', data: { n: command.n, part } })),
  undo: undefined,
};
const open = { ...post, name: 'Open', creates: true, decide: () => [{ type: 'Opened', data: {} }] };

// A read model in the same database, brought up to date inside each commit's transaction.
const tally = {
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

const app = await openApp({ commands: { Open: open, Post: post }, aggregates: { Ledger: ledger }, projections: [tally] }, { path, env: {} });
const pipeline = app.pipeline;
const context = { actor: { id: 'kill9', kind: 'job', roles: [] }, tenant: 't' };
// With several commands in flight (on different ledgers, so different buckets), commits are grouped.
const writers = Number(inFlight);
const ledgers = Array.from({ length: Math.max(4, writers) }, (_, i) => `ledger-${i}`);
for (const id of ledgers) await pipeline.execute(open, { ledgerId: id, n: 0 }, { ...context, commandId: `open-${id}` });
let next = Number(start);
await Promise.all(
  Array.from({ length: writers }, async (_, w) => {
    for (;;) {
      const n = next++;
      const result = await pipeline.execute(post, { ledgerId: ledgers[(w + n) % ledgers.length], n }, { ...context, commandId: `post-${n}` });
      if (result.ok) writeSync(1, `ack post-${n}\n`);
    }
  }),
);
