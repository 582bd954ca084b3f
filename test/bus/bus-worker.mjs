// A worker process on the shared store and the bus, for the fault tests: runs the ledger domain's
// commands from every partition, keeps the tally projection (unless NO_PROJECTIONS=1), and prints
// `ready` once it consumes. ROLE=projections makes it a projection runner instead: no commands, only
// the tally, pulled from the store whenever the bus says events were published.
// CRASH_BEFORE_COMMIT=<n> kills it (SIGKILL) inside decide of the Post numbered n, before anything
// commits; CRASH_AFTER_COMMIT=<n> kills it after that Post committed, before its acknowledgement.
import { writeSync } from 'node:fs';
import { ledger, open, post, tally } from '../trust/ledger-domain.mjs';
import { openApp } from '../../dist/runtime/index.js';

const [, , databaseUrl, schema, busUrl] = process.argv;
const before = process.env.CRASH_BEFORE_COMMIT === undefined ? undefined : Number(process.env.CRASH_BEFORE_COMMIT);
const after = process.env.CRASH_AFTER_COMMIT === undefined ? undefined : Number(process.env.CRASH_AFTER_COMMIT);
const crashingPost = {
  ...post,
  decide: (command, state) => {
    if (command.n === before) process.kill(process.pid, 'SIGKILL');
    return post.decide(command, state);
  },
};
const projections = process.env.NO_PROJECTIONS === '1' ? [] : [tally];
const app = await openApp(
  { commands: { Open: open, Post: crashingPost }, aggregates: { Ledger: ledger }, projections },
  { databaseUrl, databaseSchema: schema, busUrl, bus: { deliveryLimit: 5, publishTimeoutMs: 1000 }, env: {} },
);
if (process.env.ROLE === 'projections') {
  const following = await app.followProjections({ pollMs: 1000 });
  writeSync(1, 'ready\n');
  process.on('SIGTERM', async () => {
    await following.stop();
    await app.close();
    process.exit(0);
  });
  await new Promise(() => undefined);
}
const worker = await app.startWorker({
  pollMs: 50,
  graceMs: 5000,
  onSettled: (message, settlement, outcome) => {
    writeSync(1, `settled ${message.commandId} ${settlement.settle} ${outcome}\n`);
    if (message.command === 'Post' && message.input.n === after && outcome === 'succeeded') process.kill(process.pid, 'SIGKILL');
  },
});
await worker.ready;
writeSync(1, 'ready\n');
process.on('SIGTERM', async () => {
  await worker.stop();
  await app.close();
  writeSync(1, 'stopped\n');
  process.exit(0);
});
