/**
 * The generated HTTP API with real requests (`fetch` against 127.0.0.1:0) and JWTs minted by a test
 * issuer: identity only from the token, idempotency keys, If-Match, dry run, the asynchronous
 * path, approvals, authorized reads, the audit's view of the surface, and every error as
 * problem+json from the one table.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ulidGenerator } from '../../src/runtime/index.js';
import { AUDIENCE } from './tokens.js';
import { generated, serveProject, type Served } from './served.js';

let served: Served;
const ids = ulidGenerator();
const customerId = ids();
const otherCustomer = ids();
const subscriptionId = ids();
const otherSubscription = ids();
const price = { amount: 1200, currency: 'EUR' };

const claims = {
  support: { sub: 'sam', actor_kind: 'human', roles: ['support'] },
  lead: { sub: 'lea', actor_kind: 'human', roles: ['support_lead'] },
  customer: { sub: customerId, actor_kind: 'human', roles: ['customer'] },
  other: { sub: otherCustomer, actor_kind: 'human', roles: ['customer'] },
  /** Sam delegated the agent to act for the customer (RFC 8693 act). */
  agent: { sub: 'sam', roles: ['support'], on_behalf_of: customerId, client_id: 'assistant', act: { sub: 'agent-7' } },
  /** The same agent, delegated to act for the other customer. */
  agentForOther: { sub: 'sam', roles: ['support'], on_behalf_of: otherCustomer, client_id: 'assistant', act: { sub: 'agent-7' } },
  /** The customer delegated their own assistant, with their own role. */
  assistant: { sub: customerId, roles: ['customer'], act: { sub: 'assistant-1' } },
  /** Support of another tenant. */
  stranger: { sub: 'sam', actor_kind: 'human', roles: ['support'], tenant: 'globex' },
};
type Who = keyof typeof claims;
const tokens = {} as Record<Who, string>;

beforeAll(async () => {
  served = await serveProject(await generated());
  for (const who of Object.keys(claims) as Who[]) tokens[who] = await served.token(claims[who]);
}, 180_000);
afterAll(async () => {
  await served?.close();
  served?.project.remove();
});

interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
}

async function call(
  method: string,
  path: string,
  options: { who?: Who | null; token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const token = options.token ?? (options.who === null ? undefined : tokens[options.who ?? 'support']);
  const response = await fetch(`${served.url}${path}`, {
    method,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    ...(options.body === undefined ? {} : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

const command = (name: string, body: unknown, who: Who, key: string | undefined, headers: Record<string, string> = {}) =>
  call('POST', `/commands/${name}`, { who, body, headers: { ...(key === undefined ? {} : { 'idempotency-key': key }), ...headers } });

function expectProblem(reply: Reply, status: number, code: string): void {
  expect(reply.status).toBe(status);
  expect(reply.headers.get('content-type')).toContain('application/problem+json');
  expect(reply.body).toMatchObject({ type: `urn:groundwork:problem:${code}`, status, code, title: expect.any(String), detail: expect.any(String) });
}

const start = (id: string, customer: string, who: Who, key: string) =>
  command('StartSubscription', { subscriptionId: id, customerId: customer, plan: 'pro', price, email: `${customer.toLowerCase()}@example.com` }, who, key);

describe('the HTTP API', () => {
  it('refuses a request without a valid token with 401 and the resource metadata link', async () => {
    const missing = await call('GET', '/commands/x', { who: null });
    expectProblem(missing, 401, 'unauthenticated');
    expect(missing.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${served.url}/.well-known/oauth-protected-resource"`);
    const wrongAudience = await call('GET', '/commands/x', {
      token: await served.issuer.mint({ ...claims.support, tenant: 'acme' }, { audience: 'https://elsewhere.test' }),
    });
    expectProblem(wrongAudience, 401, 'unauthenticated');
    expect(wrongAudience.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(wrongAudience.body['detail']).toContain('audience');
    const metadata = await call('GET', '/.well-known/oauth-protected-resource', { who: null });
    expect(metadata.body).toMatchObject({ resource: served.url, bearer_methods_supported: ['header'] });
  });

  it('runs a command as the token says (201, ETag), replays a retry with the same key, and refuses the key with another payload', async () => {
    const first = await start(subscriptionId, customerId, 'customer', 'start-1');
    expect(first.status).toBe(201);
    expect(first.headers.get('etag')).toBe('"1"');
    expect(first.body).toMatchObject({ streamId: subscriptionId, version: 1, events: [{ type: 'SubscriptionStarted', version: 1 }] });
    // The customer may not read personal data over the surface: the reply leaves it out.
    expect((first.body['events'] as Array<{ data: object }>)[0]!.data).not.toHaveProperty('email');
    const again = await start(subscriptionId, customerId, 'customer', 'start-1');
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await served.app.store.events.readStream(subscriptionId, 0)).toHaveLength(1);
    const otherPayload = await command(
      'StartSubscription',
      { subscriptionId, customerId, plan: 'basic', price, email: 'x@example.com' },
      'customer',
      'start-1',
    );
    expectProblem(otherPayload, 422, 'idempotency-mismatch');
    // The same key from another caller is that caller's own key.
    expect((await start(otherSubscription, otherCustomer, 'other', 'start-1')).status).toBe(201);
  });

  it("keeps an agent's keys apart per person it acts for, and answers another tenant's aggregate as missing", async () => {
    const forCustomer = await command('SendEmail', { emailId: ids(), customerId, to: 'a@example.com', template: 'follow-up' }, 'agent', 'mail-1');
    const forOther = await command(
      'SendEmail',
      { emailId: ids(), customerId: otherCustomer, to: 'b@example.com', template: 'follow-up' },
      'agentForOther',
      'mail-1',
    );
    expect([forCustomer.status, forOther.status]).toEqual([201, 201]);
    expect(forOther.body['commandId']).not.toBe(forCustomer.body['commandId']);
    expectProblem(await command('CancelSubscription', { subscriptionId }, 'stranger', 'cancel-x'), 404, 'not-found');
  });

  it("lets a customer's own assistant act for them with their role, and only for them", async () => {
    const id = ids();
    const started = await command(
      'StartSubscription',
      { subscriptionId: id, customerId, plan: 'pro', price, email: 'a@example.com' },
      'assistant',
      'assistant-start',
    );
    expect(started.status).toBe(201);
    const [record] = await served.app.store.events.commands({ stream: id }, 'acme');
    expect(record?.audit).toMatchObject({ actor: { id: 'assistant-1', kind: 'agent', roles: ['customer'] }, onBehalfOf: customerId, delegatedBy: customerId });
    expectProblem(await command('CancelSubscription', { subscriptionId: otherSubscription }, 'assistant', 'assistant-cancel'), 403, 'forbidden');
  });

  it('needs an Idempotency-Key, and says which fields are invalid', async () => {
    const noKey = await start(ids(), customerId, 'customer', undefined as unknown as string);
    expectProblem(noKey, 400, 'validation');
    expect(noKey.body['issues']).toEqual([{ path: ['Idempotency-Key'], message: expect.stringContaining('idempotency key') }]);
    const bad = await command(
      'StartSubscription',
      { subscriptionId: ids(), customerId, plan: '', price: { amount: -1, currency: 'EUR' }, email: 'nope' },
      'customer',
      'bad-1',
    );
    expectProblem(bad, 400, 'validation');
    expect((bad.body['issues'] as Array<{ path: unknown[] }>).map((i) => i.path.join('.')).sort()).toEqual(['email', 'plan', 'price.amount']);
  });

  it('takes identity only from the token: a body that claims another actor is invalid input, not an identity', async () => {
    const claimed = await command('CancelSubscription', { subscriptionId, actor: { id: 'root', roles: ['support'] } }, 'other', 'claim-1');
    expectProblem(claimed, 400, 'validation');
    const denied = await command('CancelSubscription', { subscriptionId }, 'other', 'cancel-other');
    expectProblem(denied, 403, 'forbidden');
    expect(denied.body['reason']).toBe('subject');
  });

  it('answers a dry run with the events it would record and appends nothing', async () => {
    const before = (await served.app.store.events.commands({ stream: subscriptionId }, 'acme')).length;
    const dry = await call('POST', `/commands/CancelSubscription?dryRun=true`, { who: 'customer', body: { subscriptionId, reason: 'moving' } });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ dryRun: true, version: 2, events: [{ type: 'SubscriptionCancelled', data: { reason: 'moving' } }] });
    expect(await served.app.store.events.readStream(subscriptionId, 0)).toHaveLength(1);
    expect((await served.app.store.events.commands({ stream: subscriptionId }, 'acme')).length).toBe(before);
  });

  it('refuses a stale If-Match with 412, and runs a current one', async () => {
    const stale = await command('CancelSubscription', { subscriptionId }, 'customer', 'cancel-stale', { 'if-match': '"0"' });
    expectProblem(stale, 412, 'precondition-failed');
    expect(stale.body).toMatchObject({ expectedVersion: 0, actualVersion: 1 });
    expectProblem(await command('CancelSubscription', { subscriptionId }, 'customer', 'cancel-bad', { 'if-match': 'yesterday' }), 400, 'validation');
    const staleDry = await call('POST', '/commands/CancelSubscription?dryRun=true', {
      who: 'customer',
      body: { subscriptionId },
      headers: { 'if-match': '"0"' },
    });
    expectProblem(staleDry, 412, 'precondition-failed');
    const current = await command('CancelSubscription', { subscriptionId, reason: 'too dear' }, 'customer', 'cancel-1', { 'if-match': '"1"' });
    expect(current.status).toBe(200);
    expect(current.headers.get('etag')).toBe('"2"');
  });

  it('undoes a command once, then answers 409', async () => {
    const cancel = await command('CancelSubscription', { subscriptionId: otherSubscription }, 'support', 'cancel-other-1');
    const commandId = cancel.body['commandId'] as string;
    const undone = await call('POST', `/commands/${commandId}/undo`, { who: 'support' });
    expect(undone.status).toBe(200);
    expect(undone.body).toMatchObject({ events: [{ type: 'SubscriptionReinstated' }] });
    const undoStatus = await call('GET', `/commands/${encodeURIComponent(undone.body['commandId'] as string)}`, { who: 'support' });
    expect(undoStatus.body).toMatchObject({ status: 'succeeded', command: 'ReinstateSubscription' });
    expectProblem(await call('POST', `/commands/${commandId}/undo`, { who: 'support' }), 409, 'already-undone');
  });

  it('accepts with 202 when asked to respond async, and the status resource tells the outcome', async () => {
    const id = ids();
    const accepted = await command('StartSubscription', { subscriptionId: id, customerId, plan: 'pro', price, email: 'a@example.com' }, 'customer', 'async-1', {
      prefer: 'respond-async',
    });
    expect(accepted.status).toBe(202);
    expect(accepted.headers.get('preference-applied')).toBe('respond-async');
    expect(accepted.headers.get('retry-after')).toBe('1');
    const location = accepted.headers.get('location')!;
    expect(location).toBe(`/commands/${accepted.body['commandId'] as string}`);
    expect(accepted.body).toMatchObject({ status: 'accepted', via: 'outbox' });
    let status = await call('GET', location, { who: 'customer' });
    for (let i = 0; i < 100 && status.body['status'] !== 'succeeded'; i++) {
      expect(['queued', 'succeeded']).toContain(status.body['status']);
      await new Promise((resolve) => setTimeout(resolve, 20));
      status = await call('GET', location, { who: 'customer' });
    }
    expect(status.body).toMatchObject({ status: 'succeeded', command: 'StartSubscription', streamId: id, versions: { from: 1, to: 1 } });
    // Another customer cannot read it; it reads as missing.
    expectProblem(await call('GET', location, { who: 'other' }), 404, 'not-found');
    // A retry with the same key is the same command: the same id, and its status; it runs once.
    const retried = await command('StartSubscription', { subscriptionId: id, customerId, plan: 'pro', price, email: 'a@example.com' }, 'customer', 'async-1', {
      prefer: 'respond-async',
    });
    expect(retried.body['commandId']).toBe(accepted.body['commandId']);
    expect(await served.app.waitFor(retried.body['commandId'] as string, 'acme', 5000)).toMatchObject({ status: 'succeeded' });
    expect(await served.app.store.events.readStream(id, 0)).toHaveLength(1);
  });

  it("runs an agent's refund after a human approves it; the requester cannot approve its own request", async () => {
    const refundId = ids();
    const input = { refundId, subscriptionId, customerId, amount: price };
    // Asked to answer at once, it still answers now: the caller needs the approval id to come back with.
    const asked = await command('IssueRefund', input, 'agent', 'refund-1', { prefer: 'respond-async' });
    expectProblem(asked, 403, 'approval-required');
    expect(asked.headers.get('preference-applied')).toBeNull();
    const approvalId = asked.body['approvalId'] as string;
    expect(asked.body['by']).toEqual(['support_lead']);
    expectProblem(await call('POST', `/approvals/${approvalId}/approve`, { who: 'agent', body: {} }), 403, 'forbidden');
    const approved = await call('POST', `/approvals/${approvalId}/approve`, { who: 'lead', body: { reason: 'goodwill' } });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ decision: 'approved', command: 'IssueRefund' });
    const run = await command('IssueRefund', input, 'agent', 'refund-1', { 'approval-id': approvalId });
    expect(run.status).toBe(201);
    expect(run.body).toMatchObject({ events: [{ type: 'RefundIssued' }] });
    // The approved run's result is not another caller's to replay, even with the approval id and the same input.
    expectProblem(await command('IssueRefund', input, 'agentForOther', 'refund-9', { 'approval-id': approvalId }), 422, 'idempotency-mismatch');
  });

  it('records in the audit how the command came: transport, route, client, token fingerprint, request id, who delegated', async () => {
    const entries = (await served.app.trust.history({ actor: 'agent-7' }, 'acme')).filter((e) => e.audit.outcome === 'accepted');
    const refund = entries.find((e) => e.audit.command === 'IssueRefund')!;
    expect(refund.audit).toMatchObject({
      actor: { id: 'agent-7', kind: 'agent', roles: ['support'] },
      onBehalfOf: customerId,
      delegatedBy: 'sam',
      via: {
        transport: 'http',
        route: 'POST /commands/IssueRefund',
        clientId: 'assistant',
        tokenFingerprint: createHash('sha256').update(tokens.agent).digest('hex'),
        requestId: expect.any(String),
      },
    });
    expect(JSON.stringify(refund.audit)).not.toContain(tokens.agent);
  });

  it('reads projections only as the spec allows: a customer sees only their rows and no email, support sees both', async () => {
    const own = await call('GET', '/projections/CustomerAccount', { who: 'customer' });
    expect(own.status).toBe(200);
    const rows = own.body['rows'] as Array<Record<string, unknown>>;
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r['customerId'] === customerId)).toBe(true);
    expect(rows.every((r) => !('email' in r))).toBe(true);
    const all = await call('GET', '/projections/CustomerAccount?limit=1', { who: 'support' });
    expect((all.body['rows'] as unknown[]).length).toBe(1);
    expect(all.body['next']).toEqual(expect.any(String));
    const rest = await call('GET', `/projections/CustomerAccount?limit=100&after=${encodeURIComponent(all.body['next'] as string)}`, { who: 'support' });
    expect((rest.body['rows'] as unknown[]).length).toBeGreaterThan(0);
    const row = await call('GET', `/projections/CustomerAccount/${subscriptionId}`, { who: 'support' });
    expect(row.body).toMatchObject({ subscriptionId, email: `${customerId.toLowerCase()}@example.com` });
    expectProblem(await call('GET', `/projections/CustomerAccount/${otherSubscription}`, { who: 'customer' }), 404, 'not-found');
    expectProblem(await call('GET', '/projections/EmailLog', { who: 'customer' }), 403, 'forbidden');
    expectProblem(await call('GET', '/projections/CustomerAccount?limit=1000', { who: 'support' }), 400, 'validation');
  });

  it('reads history and state-at only as the spec allows', async () => {
    expectProblem(await call('GET', `/history?subject=${otherCustomer}`, { who: 'customer' }), 403, 'forbidden');
    const own = await call('GET', `/history?subject=${customerId}`, { who: 'customer' });
    expect(own.status).toBe(200);
    const entries = own.body['entries'] as Array<{ audit: { command: string }; events: Array<{ data: Record<string, unknown> }> }>;
    expect(entries.map((e) => e.audit.command)).toContain('IssueRefund');
    const started = entries.find((e) => e.audit.command === 'StartSubscription' && e.events.length > 0)!;
    expect(started.events[0]!.data).not.toHaveProperty('email');
    const bySupport = await call('GET', `/history?subject=${customerId}`, { who: 'support' });
    const startedForSupport = (bySupport.body['entries'] as typeof entries).find((e) => e.audit.command === 'StartSubscription' && e.events.length > 0)!;
    expect(startedForSupport.events[0]!.data).toHaveProperty('email');
    expectProblem(await call('GET', '/history', { who: 'support' }), 400, 'validation');
    const state = await call('GET', `/aggregates/Subscription/${subscriptionId}/state?version=1`, { who: 'support' });
    expect(state.body).toMatchObject({ version: 1, state: { status: 'active', customerId } });
    expectProblem(await call('GET', `/aggregates/Subscription/${subscriptionId}/state`, { who: 'customer' }), 403, 'forbidden');
    expect((await call('GET', '/verify', { who: 'support' })).body).toMatchObject({ ok: true });
  });

  it('answers every error as problem+json: unknown route, unknown command, a body that is not JSON, the wrong media type', async () => {
    expectProblem(await call('GET', '/nowhere'), 404, 'not-found');
    expectProblem(await command('LaunchRocket', {}, 'support', 'k'), 404, 'not-found');
    expectProblem(await call('POST', '/commands/CancelSubscription', { body: '{"subscriptionId":', headers: { 'idempotency-key': 'j' } }), 400, 'validation');
    expectProblem(
      await call('POST', '/commands/CancelSubscription', { body: 'x', headers: { 'content-type': 'text/xml', 'idempotency-key': 'j' } }),
      415,
      'unsupported-media-type',
    );
  });

  it('tells a runaway caller to slow down with 429 and Retry-After, per actor', async () => {
    const limited = await serveProject(served.project, { rate: { perSecond: 1, burst: 2 }, database: 'limited.db' });
    try {
      const get = async (token: string) => fetch(`${limited.url}/commands/nothing`, { headers: { authorization: `Bearer ${token}` } });
      const sam = await limited.token(claims.support);
      expect((await get(sam)).status).toBe(404);
      expect((await get(sam)).status).toBe(404);
      const third = await get(sam);
      expect(third.status).toBe(429);
      expect(third.headers.get('retry-after')).toBe('1');
      expect(await third.json()).toMatchObject({ code: 'rate-limited', status: 429 });
      expect((await get(await limited.token(claims.lead))).status).toBe(404);
    } finally {
      await limited.close();
    }
  });

  it('starts as its own process (npm run serve), serves with development tokens it warns about, and stops on SIGTERM', async () => {
    const tokensFile = join(served.project.dir, 'dev-tokens.json');
    writeFileSync(tokensFile, JSON.stringify({ 'dev-sam': { sub: 'sam', actor_kind: 'human', roles: ['support'], tenant: 'acme' } }));
    const env = {
      PATH: process.env['PATH'] ?? '',
      GROUNDWORK_DB: join(served.project.dir, 'entry.db'),
      GROUNDWORK_KEK: Buffer.alloc(32, 5).toString('base64'),
      GROUNDWORK_PORT: '0',
    };
    const child = spawn(process.execPath, ['dist/serve.js'], {
      cwd: served.project.dir,
      env: { ...env, GROUNDWORK_AUTH_DEV_TOKENS: tokensFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString('utf8')));
    const deadline = Date.now() + 20_000;
    while (!/API on (http:\/\/\S+) /.test(stderr) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const url = /API on (http:\/\/\S+) /.exec(stderr)![1]!;
    expect(stderr).toContain('WARNING: DEVELOPMENT AUTHENTICATION');
    const reply = await fetch(`${url}/commands/StartSubscription`, {
      method: 'POST',
      headers: { authorization: 'Bearer dev-sam', 'content-type': 'application/json', 'idempotency-key': 'entry-1' },
      body: JSON.stringify({ subscriptionId: ids(), customerId, plan: 'pro', price, email: 'e@example.com' }),
    });
    expect(reply.status).toBe(201);
    expect((await fetch(`${url}/commands/x`, { headers: { authorization: 'Bearer made-up' } })).status).toBe(401);
    child.kill('SIGTERM');
    expect(await new Promise((resolve) => child.on('exit', resolve))).toBe(0);
    // Without any way to authenticate callers it refuses to start, saying what to set.
    const refused = spawn(process.execPath, ['dist/serve.js'], { cwd: served.project.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let refusal = '';
    refused.stderr.on('data', (chunk: Buffer) => void (refusal += chunk.toString('utf8')));
    expect(await new Promise((resolve) => refused.on('exit', resolve))).toBe(1);
    expect(refusal).toContain('error invalid-auth: no way to authenticate callers: set GROUNDWORK_AUTH_ISSUER');
    expect(refusal).not.toContain('    at ');
  }, 60_000);

  it('serves the OpenAPI document it generated, and the document is valid OpenAPI 3.1', async () => {
    const served_ = await call('GET', '/openapi.json', { who: null });
    expect(served_.status).toBe(200);
    expect(served_.body).toEqual(JSON.parse(served.project.read('openapi.json')));
    const validator = new Validator();
    const result = await validator.validate(served_.body as Parameters<typeof validator.validate>[0]);
    expect(result).toMatchObject({ valid: true });
    expect(Object.keys(served_.body['paths'] as object)).toEqual(expect.arrayContaining(['/commands/IssueRefund', '/projections/CustomerAccount', '/history']));
    expect(AUDIENCE).toBe('https://api.test');
  });
});
