// A writer process on a shared PostgreSQL store: posts commands on a set of ledgers it shares with
// other writers, with several in flight, retrying a conflict under the same command id. Prints
// `ack <id>` once a command is committed, `typed <code>` for a typed refusal, `crash <message>` for
// anything thrown.
import { writeSync } from 'node:fs';
import { ledger, open, post, tally } from './ledger-domain.mjs';
import { openApp } from '../../dist/runtime/index.js';

const [, , url, schema, prefix, count, inFlight, ledgerCount] = process.argv;
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
