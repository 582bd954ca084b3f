// Accepts commands to run later on the embedded store, prints each acknowledged id, and kills itself
// (SIGKILL) right after the last acknowledgement: whatever had not run yet must survive in the outbox.
import { writeSync } from 'node:fs';
import { ledger, open, post } from './ledger-domain.mjs';
import { openApp } from '../../dist/runtime/index.js';

const [, , path, count] = process.argv;
const app = await openApp({ commands: { Open: open, Post: post }, aggregates: { Ledger: ledger }, projections: [] }, { path, env: {} });
const job = { actor: { id: 'nightly', kind: 'job', roles: [] }, tenant: 't1' };
const opened = await app.enqueue(open, { ledgerId: 'l1', n: 0 }, { ...job, commandId: 'open-l1' });
writeSync(1, `${opened.commandId}\n`);
for (let n = 1; n <= Number(count); n++) {
  const accepted = await app.enqueue(post, { ledgerId: 'l1', n }, { ...job, commandId: `post-${n}` });
  if (!accepted.ok) throw new Error(accepted.error.message);
  writeSync(1, `${accepted.commandId}\n`);
}
// Counted and killed in the same turn: nothing runs in between.
const { waiting } = app.store.db.prepare('SELECT count(*) AS waiting FROM gw_command_outbox WHERE published_at IS NULL').get();
writeSync(1, `waiting ${waiting}\n`);
process.kill(process.pid, 'SIGKILL');
