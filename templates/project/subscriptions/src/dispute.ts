/**
 * The story this project exists for, played against a fresh database: an AI support agent acts
 * for a customer; the next day the customer disputes it. Run with `npm run dispute`: on an
 * embedded SQLite file, or, with GROUNDWORK_DATABASE_URL set, on PostgreSQL (in a schema of its
 * own, dropped at the end).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from './app.js';
import {
  FileCheckpointSink,
  isPostgresStore,
  isSqliteStore,
  newSigningKeys,
  openSqliteStore,
  publicKeyFrom,
  timelineText,
  verifyStore,
  type CommandResult,
  type VerifyReport,
} from './groundwork/runtime/index.js';

const dir = mkdtempSync(join(tmpdir(), 'dispute-'));
const path = join(dir, 'billing.db');
const sinkPath = join(dir, 'checkpoints.jsonl');
const keys = newSigningKeys();
const onPostgres = (process.env['GROUNDWORK_DATABASE_URL'] ?? '') !== '';
const app = await createApp({
  ...(onPostgres ? { databaseSchema: `dispute_${randomBytes(4).toString('hex')}` } : { path }),
  kek: randomBytes(32),
  signingKey: keys.privateKey,
  verifyKey: keys.publicKey,
  checkpointSink: new FileCheckpointSink(sinkPath),
});
console.log(`(on ${app.store.kind})`);

let step = 0;
function heading(text: string): void {
  step += 1;
  console.log(`\n== ${step}. ${text}`);
}
function show(label: string, result: CommandResult): void {
  console.log(
    result.ok ? `   ${label}: ok, ${result.events.map((e) => e.type).join(', ')}` : `   ${label}: refused (${result.error.code}) ${result.error.message}`,
  );
}

const customerId = app.newId();
const subscriptionId = app.newId();
const customer = { actor: { id: customerId, kind: 'human', roles: ['customer'] }, tenant: 'acme' } as const;
const agent = {
  actor: { id: 'support-agent-gpt', kind: 'agent', roles: ['support'] },
  onBehalfOf: customerId,
  tenant: 'acme',
  correlationId: 'chat-2291',
} as const;
const price = { amount: 1900, currency: 'EUR' };

heading('A customer subscribes');
show(
  'StartSubscription',
  await app.commands.StartSubscription({ subscriptionId, customerId, plan: 'pro', price, email: 'ada@example.com' }, { ...customer, commandId: 'start-1' }),
);

heading('An AI support agent, acting for the customer, cancels, refunds (a support lead approves) and sends three emails');
show('CancelSubscription', await app.commands.CancelSubscription({ subscriptionId, reason: 'customer asked to stop' }, { ...agent, commandId: 'cancel-1' }));
const refund = { refundId: app.newId(), subscriptionId, customerId, amount: price };
const asked = await app.commands.IssueRefund(refund, { ...agent, commandId: 'refund-ask' });
show('IssueRefund', asked);
if (asked.ok || asked.error.code !== 'approval-required' || asked.error.approvalId === null) throw new Error('an agent refund waits for a human');
const lead = { actor: { id: 'lea-support-lead', kind: 'human', roles: ['support_lead'] }, tenant: 'acme' } as const;
const decided = await app.trust.decideApproval(asked.error.approvalId, 'approved', lead, 'goodwill refund');
console.log(`   approved by the support lead: ${decided.ok ? 'yes' : `no (${decided.error.code}) ${decided.error.message}`}`);
show('IssueRefund, approved', await app.commands.IssueRefund(refund, { ...agent, commandId: 'refund-1', approvalId: asked.error.approvalId }));
for (const template of ['cancellation', 'refund', 'follow-up'] as const) {
  show(
    `SendEmail ${template}`,
    await app.commands.SendEmail({ emailId: app.newId(), customerId, to: 'ada@example.com', template }, { ...agent, commandId: `email-${template}` }),
  );
}
heading("Acting on another customer's data: denied, and audited");
const otherCustomer = app.newId();
const other = app.newId();
await app.commands.StartSubscription(
  { subscriptionId: other, customerId: otherCustomer, plan: 'basic', price, email: 'bob@example.com' },
  { actor: { id: otherCustomer, kind: 'human', roles: ['customer'] }, tenant: 'acme', commandId: 'start-2' },
);
show(
  'CancelSubscription by the agent, for the other customer',
  await app.commands.CancelSubscription({ subscriptionId: other }, { ...agent, commandId: 'cancel-2' }),
);
show(
  'CancelSubscription by the customer, of the other one',
  await app.commands.CancelSubscription({ subscriptionId: other }, { ...customer, commandId: 'cancel-3' }),
);
show(
  "IssueRefund by the agent, against the other customer's subscription",
  await app.commands.IssueRefund({ refundId: app.newId(), subscriptionId: other, customerId, amount: price }, { ...agent, commandId: 'refund-2' }),
);
const checkpoint = await app.checkpoint();
console.log(`   signed checkpoint ${checkpoint?.seq ?? '-'} over ${checkpoint?.events ?? 0} events`);

heading('The next day the customer says: "I never cancelled". History shows who did what, for whom');
for (const entry of await app.trust.history({ subject: customerId }, 'acme')) process.stdout.write(timelineText(entry));

heading('Verify: the record was not rewritten');
const intact = await app.verify();
console.log(
  `   ${intact.ok ? 'OK' : 'FAILED'}: ${intact.rows.events} events, ${intact.rows.commands} audit records, ${intact.checkpoints.checked} checkpoint(s), ${intact.findings.length} problem(s)`,
);

heading("Someone edits a row behind the app's back: verify names it");
const report = await tamperedReport();
for (const finding of report.findings) console.log(`   ${finding.kind}: ${finding.message}`);

/** Edits the cancellation's reason behind the app's back and runs verify over the edited store. */
async function tamperedReport(): Promise<VerifyReport> {
  const from = 'customer asked to stop';
  const to = 'customer insisted';
  if (isSqliteStore(app.store)) {
    // On a copy of the file: the story goes on with the real one.
    const copy = join(dir, 'tampered.db');
    await app.store.db.backup(copy);
    const tampered = openSqliteStore(copy);
    tampered.db.prepare(`UPDATE gw_events SET payload = replace(payload, ?, ?) WHERE type = 'SubscriptionCancelled'`).run(from, to);
    const found = await verifyStore(tampered.chains, {
      storeId: app.store.events.storeId,
      publicKey: publicKeyFrom(keys.publicKey),
      sink: new FileCheckpointSink(sinkPath),
    });
    await tampered.close();
    return found;
  }
  const store = app.store;
  if (!isPostgresStore(store)) throw new Error(`this step edits an embedded or PostgreSQL store, not ${store.kind}`);
  // In place, then put back: the story goes on with the original bytes.
  const edit = (a: string, b: string) =>
    store.pool.query(`UPDATE ${store.schema}.gw_events SET payload = replace(payload, $1, $2) WHERE type = 'SubscriptionCancelled'`, [a, b]);
  await edit(from, to);
  const found = await app.verify();
  await edit(to, from);
  return found;
}

heading('Support undoes the cancellation (as themselves, caused by the original command)');
const supervisor = { actor: { id: 'sam-from-support', kind: 'human', roles: ['support'] }, tenant: 'acme' } as const;
show('undo cancel-1', await app.trust.undo('cancel-1', supervisor));
show('undo cancel-1 again', await app.trust.undo('cancel-1', supervisor));
show('undo email-refund', await app.trust.undo('email-refund', supervisor));
console.log(`   the subscription is ${String((await app.rows.CustomerAccount.get(subscriptionId, 'acme'))?.status)} again`);

heading('The customer asks to be forgotten');
const bySupport = await app.trust.forget(customerId, supervisor);
console.log(`   forget by support: ${bySupport.ok ? 'done' : `refused (${bySupport.error.code}) ${bySupport.error.message}`}`);
const forgotten = await app.trust.forget(customerId, customer);
if (!forgotten.ok) throw new Error(`forget refused: ${forgotten.error.message}`);
console.log(`   forget by the customer: data key destroyed: ${forgotten.keyDestroyed}; rebuilt ${forgotten.projectionsRebuilt.join(', ')}`);
const [first] = await app.trust.history({ subject: customerId }, 'acme');
console.log(
  `   the first event now reads: ${JSON.stringify(first?.events[0]?.data, (_k, v: unknown) => (typeof v === 'object' && v !== null && 'erased' in v ? '[erased]' : v))}`,
);

heading('Verify again: every hash still checks out');
const after = await app.verify();
console.log(`   ${after.ok ? 'OK' : 'FAILED'}: ${after.rows.events} events, ${after.rows.commands} audit records, ${after.findings.length} problem(s)`);

if (isPostgresStore(app.store)) await app.store.pool.query(`DROP SCHEMA ${app.store.schema} CASCADE`);
await app.close();
rmSync(dir, { recursive: true, force: true });
process.exitCode = intact.ok && !report.ok && after.ok ? 0 : 1;
