/**
 * The story this project exists for, played against a fresh database: an AI support agent acts
 * for a customer through the project's MCP server (a real MCP client, a delegated token); people
 * use the HTTP API; the next day the customer disputes it, and the history answers. Run with
 * `npm run dispute`: on an embedded SQLite file, or, with GROUNDWORK_DATABASE_URL set, on
 * PostgreSQL (in a schema of its own, dropped at the end).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { definition } from './app.js';
import type { CustomerAccountRow } from './billing/projections/rows.js';
import {
  FileCheckpointSink,
  isPostgresStore,
  isSqliteStore,
  newSigningKeys,
  openSqliteStore,
  publicKeyFrom,
  timelineText,
  verifyStore,
  type TimelineEntry,
  type VerifyReport,
} from './groundwork/runtime/index.js';
import { jwtCredentials, startServer } from './groundwork/runtime/serve.js';
import { surface } from './surface.js';

const dir = mkdtempSync(join(tmpdir(), 'dispute-'));
const path = join(dir, 'billing.db');
const sinkPath = join(dir, 'checkpoints.jsonl');
const keys = newSigningKeys();
const onPostgres = (process.env['GROUNDWORK_DATABASE_URL'] ?? '') !== '';

// A stand-in for your identity provider: a key pair made for this run, whose tokens the server checks.
const issuer = 'https://id.example.test';
const audience = 'https://billing.example.test';
const signer = await generateKeyPair('ES256');
const jwks = { keys: [{ ...(await exportJWK(signer.publicKey)), kid: 'story', alg: 'ES256' }] };
const token = (claims: JWTPayload) =>
  new SignJWT({ tenant: 'acme', ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: 'story' })
    .setIssuer(issuer)
    .setAudience(audience)
    .setExpirationTime('10m')
    .sign(signer.privateKey);

const server = await startServer(definition, surface, {
  app: {
    ...(onPostgres ? { databaseSchema: `dispute_${randomBytes(4).toString('hex')}` } : { path }),
    kek: randomBytes(32),
    signingKey: keys.privateKey,
    verifyKey: keys.publicKey,
    checkpointSink: new FileCheckpointSink(sinkPath),
  },
  credentials: jwtCredentials({ issuer, audience, jwks }),
  host: '127.0.0.1',
  port: 0,
  stderr: () => undefined,
});
const app = server.app;
console.log(`(on ${app.store.kind}; API and MCP server on ${server.url})`);

let step = 0;
function heading(text: string): void {
  step += 1;
  console.log(`\n== ${step}. ${text}`);
}

/** What a tool call or an HTTP request answered: the events recorded, or the problem. */
type Answer =
  | { readonly ok: true; readonly body: Record<string, unknown> }
  | { readonly ok: false; readonly problem: { code: string; detail: string; [key: string]: unknown } };

function said(label: string, answer: Answer): void {
  if (!answer.ok) return console.log(`   ${label}: refused (${answer.problem.code}) ${answer.problem.detail}`);
  const events = answer.body['events'] as Array<{ type: string }> | undefined;
  console.log(`   ${label}: ok${events === undefined ? '' : `, ${events.map((e) => e.type).join(', ')}`}`);
}

/** An MCP client over Streamable HTTP with a bearer token, as an agent host connects. */
async function mcpClient(bearer: string): Promise<Client> {
  const client = new Client({ name: 'support-assistant', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${bearer}` } } }));
  return client;
}

async function tool(client: Client, name: string, args: Record<string, unknown>): Promise<Answer> {
  const result = (await client.callTool({ name, arguments: args })) as {
    isError?: boolean;
    content: Array<{ text: string }>;
    structuredContent?: Record<string, unknown>;
  };
  if (result.isError === true) return { ok: false, problem: (JSON.parse(result.content[1]!.text) as { error: { code: string; detail: string } }).error };
  return { ok: true, body: result.structuredContent ?? {} };
}

async function http(bearer: string, method: string, route: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${server.url}${route}`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await response.json()) as Record<string, unknown>;
  return response.ok ? { ok: true, body: json } : { ok: false, problem: json as { code: string; detail: string } };
}

const customerId = app.newId();
const subscriptionId = app.newId();
const price = { amount: 1900, currency: 'EUR' };
const customerToken = await token({ sub: customerId, actor_kind: 'human', roles: ['customer'] });
// Sam, in support, delegates the assistant to act for this customer (RFC 8693: act names the agent).
const agentToken = await token({
  sub: 'sam-from-support',
  roles: ['support'],
  on_behalf_of: customerId,
  client_id: 'support-assistant',
  act: { sub: 'support-agent-gpt' },
});
const leadToken = await token({ sub: 'lea-support-lead', actor_kind: 'human', roles: ['support_lead'] });
const supportToken = await token({ sub: 'sam-from-support', actor_kind: 'human', roles: ['support'] });

heading('A customer subscribes, through the HTTP API');
said(
  'POST /commands/StartSubscription',
  await http(
    customerToken,
    'POST',
    '/commands/StartSubscription',
    { subscriptionId, customerId, plan: 'pro', price, email: 'ada@example.com' },
    { 'idempotency-key': 'start-1' },
  ),
);

heading('An AI support agent, acting for the customer through MCP tools, cancels, refunds (a support lead approves) and sends three emails');
const agent = await mcpClient(agentToken);
console.log(`   the agent sees ${(await agent.listTools()).tools.length} tools`);
said(
  'cancel_subscription',
  await tool(agent, 'cancel_subscription', { input: { subscriptionId, reason: 'customer asked to stop' }, idempotencyKey: 'cancel-1' }),
);
const refund = { refundId: app.newId(), subscriptionId, customerId, amount: price };
const asked = await tool(agent, 'issue_refund', { input: refund, idempotencyKey: 'refund-1' });
said('issue_refund', asked);
if (asked.ok || asked.problem.code !== 'approval-required') throw new Error('an agent refund waits for a human');
const approvalId = String(asked.problem['approvalId']);
said('approve_request by the agent itself', await tool(agent, 'approve_request', { approvalId }));
const decided = await http(leadToken, 'POST', `/approvals/${approvalId}/approve`, { reason: 'goodwill refund' });
console.log(`   approved by the support lead: ${decided.ok ? 'yes' : `no (${decided.problem.code}) ${decided.problem.detail}`}`);
said('issue_refund, approved', await tool(agent, 'issue_refund', { input: refund, idempotencyKey: 'refund-1', approvalId }));
for (const template of ['cancellation', 'refund', 'follow-up'] as const) {
  said(
    `send_email ${template}`,
    await tool(agent, 'send_email', { input: { emailId: app.newId(), customerId, to: 'ada@example.com', template }, idempotencyKey: `email-${template}` }),
  );
}
heading("Acting on another customer's data: denied, and audited");
const otherCustomer = app.newId();
const other = app.newId();
const otherToken = await token({ sub: otherCustomer, actor_kind: 'human', roles: ['customer'] });
await http(
  otherToken,
  'POST',
  '/commands/StartSubscription',
  { subscriptionId: other, customerId: otherCustomer, plan: 'basic', price, email: 'bob@example.com' },
  { 'idempotency-key': 'start-2' },
);
said(
  'cancel_subscription by the agent, for the other customer',
  await tool(agent, 'cancel_subscription', { input: { subscriptionId: other }, idempotencyKey: 'cancel-2' }),
);
said(
  'CancelSubscription by the customer, of the other one',
  await http(customerToken, 'POST', '/commands/CancelSubscription', { subscriptionId: other }, { 'idempotency-key': 'cancel-3' }),
);
const crossRefund = await tool(agent, 'issue_refund', {
  input: { refundId: app.newId(), subscriptionId: other, customerId, amount: price },
  idempotencyKey: 'refund-2',
});
said("IssueRefund by the agent, against the other customer's subscription", crossRefund);
await agent.close();
const checkpoint = await app.checkpoint();
console.log(`   signed checkpoint ${checkpoint?.seq ?? '-'} over ${checkpoint?.events ?? 0} events`);

heading('The next day the customer says: "I never cancelled". History shows who did what, for whom, on whose authority, through which surface');
const support = await mcpClient(supportToken);
const history = await tool(support, 'history', { subject: customerId });
await support.close();
if (!history.ok) throw new Error(`history refused: ${history.problem.detail}`);
for (const entry of history.body['entries'] as TimelineEntry[]) process.stdout.write(timelineText(entry));

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
const customer = { actor: { id: customerId, kind: 'human', roles: ['customer'] }, tenant: 'acme' } as const;
const supervisor = { actor: { id: 'sam-from-support', kind: 'human', roles: ['support'] }, tenant: 'acme' } as const;
const cancelled = (await app.trust.history({ subject: customerId }, 'acme')).find(
  (e) => e.audit.command === 'CancelSubscription' && e.audit.outcome === 'accepted',
);
const emailed = (await app.trust.history({ subject: customerId }, 'acme')).find((e) => e.audit.command === 'SendEmail' && e.audit.outcome === 'accepted');
said('POST /commands/{cancel}/undo', await http(supportToken, 'POST', `/commands/${cancelled!.audit.commandId}/undo`));
said('the same undo again', await http(supportToken, 'POST', `/commands/${cancelled!.audit.commandId}/undo`));
said('undo of an email', await http(supportToken, 'POST', `/commands/${emailed!.audit.commandId}/undo`));
console.log(`   the subscription is ${String((await app.rows<CustomerAccountRow>('CustomerAccount').get(subscriptionId, 'acme'))?.status)} again`);

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
await server.close();
rmSync(dir, { recursive: true, force: true });
process.exitCode = intact.ok && !report.ok && after.ok ? 0 : 1;
