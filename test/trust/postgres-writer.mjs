// A writer process on a shared PostgreSQL store: posts commands on a set of ledgers it shares with
// other writers, with several in flight, retrying a conflict under the same command id. Prints
// `ack <id>` once a command is committed, `typed <code>` for a typed refusal, `crash <message>` for
// anything thrown.
import { writeSync } from 'node:fs';
import { z } from 'zod';
import { openApp } from '../../dist/runtime/index.js';

const [, , url, schema, prefix, count, inFlight, ledgerCount] = process.argv;
const ledger = {
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
const schemaOf = z.strictObject({ ledgerId: z.string(), n: z.number().int() });
const post = {
  name: 'Post',
  aggregate: ledger,
  schema: schemaOf,
  streamIdOf: (input) => input.ledgerId,
  creates: false,
  allow: 'public',
  actors: ['job'],
  // Three events per command: a partial transaction would show as a count that is not 3.
  decide: (command) => [1, 2, 3].map((part) => ({ type: 'Posted', data: { n: command.n, part } })),
  undo: undefined,
};
const open = { ...post, name: 'Open', creates: true, decide: () => [{ type: 'Opened', data: {} }] };
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
const app = await openApp(
  { commands: { Open: open, Post: post }, aggregates: { Ledger: ledger }, projections: [tally] },
  { databaseUrl: url, databaseSchema: schema, env: {} },
);
const context = { actor: { id: prefix, kind: 'job', roles: [] }, tenant: 't' };
const ledgers = Array.from({ length: Number(ledgerCount) }, (_, i) => `ledger-${i}`);
for (const id of ledgers) {
  const opened = await app.pipeline.execute(open, { ledgerId: id, n: 0 }, { ...context, commandId: `open-${id}` });
  if (!opened.ok && opened.error.code !== 'already-exists' && opened.error.code !== 'conflict') writeSync(1, `typed ${opened.error.code}\n`);
}
let next = 0;
const total = Number(count);
await Promise.all(
  Array.from({ length: Number(inFlight) }, async (_, w) => {
    for (;;) {
      const n = next++;
      if (n >= total) return;
      const id = `${prefix}-${n}`;
      for (let attempt = 0; ; attempt++) {
        try {
          const result = await app.pipeline.execute(post, { ledgerId: ledgers[(n * 7 + w) % ledgers.length], n }, { ...context, commandId: id });
          if (result.ok) {
            writeSync(1, `ack ${id}\n`);
            break;
          }
          if (result.error.code !== 'conflict' || attempt > 50) {
            writeSync(1, `typed ${result.error.code}\n`);
            break;
          }
        } catch (error) {
          writeSync(1, `crash ${error instanceof Error ? error.message : String(error)}\n`);
          break;
        }
      }
    }
  }),
);
await app.close();
writeSync(1, 'done\n');
