// A writer that acknowledges each command only after its transaction committed, then gets SIGKILLed.
import { writeSync } from 'node:fs';
import { ledger, open, post, tally } from './ledger-domain.mjs';
import { openApp } from '../../dist/runtime/index.js';

const [, , path, start, inFlight = '1'] = process.argv;
const app = await openApp({ commands: { Open: open, Post: post }, aggregates: { Ledger: ledger }, projections: [tally] }, { path, env: {} });
const pipeline = app.pipeline;
const context = { actor: { id: 'kill9', kind: 'job', roles: [] }, tenant: 't' };
// With several commands in flight (on different ledgers, so different buckets), commits are grouped.
const writers = Number(inFlight);
const ledgers = Array.from({ length: Math.max(4, writers) }, (_, i) => `ledger-${i}`);
for (const id of ledgers) await pipeline.execute(open, { ledgerId: id, n: 0 }, { ...context, commandId: `open-${id}` });
// The parent's random kill moment counts from here: how long Node takes to start is not the test.
writeSync(1, 'ready\n');
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
