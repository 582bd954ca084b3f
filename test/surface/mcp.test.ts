/**
 * The generated MCP server with the SDK's own Client: over Streamable HTTP (bearer JWTs of a test
 * issuer) and over stdio (the built server spawned, its identity from the environment). The
 * dispute story is played through tools; tools/list is compared with a checked-in snapshot.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ulidGenerator } from '../../src/runtime/index.js';
import { AUDIENCE, ISSUER } from './tokens.js';
import { generated, serveProject, type Served } from './served.js';

let served: Served;
const ids = ulidGenerator();
const customerId = ids();
const otherCustomer = ids();
const subscriptionId = ids();
const otherSubscription = ids();
const price = { amount: 1900, currency: 'EUR' };

const claims = {
  support: { sub: 'sam', actor_kind: 'human', roles: ['support'] },
  lead: { sub: 'lea', actor_kind: 'human', roles: ['support_lead'] },
  customer: { sub: customerId, actor_kind: 'human', roles: ['customer'] },
  other: { sub: otherCustomer, actor_kind: 'human', roles: ['customer'] },
  /** Sam, in support, delegated the agent to act for the customer (RFC 8693 act). */
  agent: { sub: 'sam', roles: ['support'], on_behalf_of: customerId, client_id: 'claude-desktop', act: { sub: 'agent-7' } },
  /** An agent whose token names it a job: the wrong kind for cancelling. */
  job: { sub: 'nightly', actor_kind: 'job', roles: ['support'] },
};
type Who = keyof typeof claims;
const tokens = {} as Record<Who, string>;
const clients = new Map<Who, Client>();

beforeAll(async () => {
  served = await serveProject(await generated());
  for (const who of Object.keys(claims) as Who[]) tokens[who] = await served.token(claims[who]);
}, 180_000);
afterAll(async () => {
  for (const client of clients.values()) await client.close();
  await served?.close();
  served?.project.remove();
});

async function client(who: Who): Promise<Client> {
  let found = clients.get(who);
  if (found === undefined) {
    found = new Client({ name: `test-${who}`, version: '1.0.0' });
    await found.connect(
      new StreamableHTTPClientTransport(new URL(`${served.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${tokens[who]}` } } }),
    );
    // As a host does: once the client knows the tools, it checks every result against their output schemas.
    await found.listTools();
    clients.set(who, found);
  }
  return found;
}

interface Result {
  readonly isError?: boolean;
  readonly content: Array<{ type: string; text: string }>;
  readonly structuredContent?: Record<string, unknown>;
}

async function tool(who: Who, name: string, args: Record<string, unknown>): Promise<Result> {
  return (await (await client(who)).callTool({ name, arguments: args })) as unknown as Result;
}

/** The problem details an error result carries as JSON, after the text for the model. */
function problem(result: Result): Record<string, unknown> {
  expect(result.isError).toBe(true);
  expect(result.structuredContent).toBeUndefined();
  return (JSON.parse(result.content[1]!.text) as { error: Record<string, unknown> }).error;
}

describe('the MCP server over Streamable HTTP', () => {
  it('lists the tools as the snapshot says, each portable: an object at the root, no combinators there, no $ref, a safe name', async () => {
    const { tools } = await (await client('support')).listTools();
    for (const t of tools) {
      expect(t.name).toMatch(/^[a-z][a-z0-9_]{0,63}$/);
      expect(t.inputSchema.type).toBe('object');
      for (const key of ['oneOf', 'anyOf', 'allOf', '$ref', '$defs']) expect(t.inputSchema, `${t.name} ${key}`).not.toHaveProperty(key);
      expect(JSON.stringify(t.inputSchema)).not.toContain('"$ref"');
      expect(t.outputSchema?.type).toBe('object');
      expect(t.description?.length).toBeGreaterThan(40);
    }
    expect(new Set(tools.map((t) => t.name)).size).toBe(tools.length);
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    expect(byName['get_customer_account']?.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });
    expect(byName['start_subscription']?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false });
    expect(byName['cancel_subscription']?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    expect(byName['issue_refund']?.description).toContain('approval');
    expect(byName['send_email']?.description).toContain('cannot be undone');
    await expect(`${JSON.stringify(tools, null, 2)}\n`).toMatchFileSnapshot('./tools-list.snapshot.json');
  });

  it('plays the dispute: the agent cancels, asks for a refund, a lead approves, the agent refunds and emails; history answers the customer', async () => {
    const start = await tool('customer', 'start_subscription', {
      input: { subscriptionId, customerId, plan: 'pro', price, email: 'ada@example.com' },
      idempotencyKey: 'start-1',
    });
    expect(start.isError).toBeUndefined();
    expect(start.structuredContent).toMatchObject({ streamId: subscriptionId, version: 1 });
    const cancel = await tool('agent', 'cancel_subscription', { input: { subscriptionId, reason: 'customer asked to stop' }, idempotencyKey: 'cancel-1' });
    expect(cancel.structuredContent).toMatchObject({ events: [{ type: 'SubscriptionCancelled' }] });
    const status = await tool('agent', 'command_status', { commandId: cancel.structuredContent!['commandId'] });
    expect(status.structuredContent).toMatchObject({ status: 'succeeded', command: 'CancelSubscription', versions: { from: 2, to: 2 }, error: null });
    const refund = { refundId: ids(), subscriptionId, customerId, amount: price };
    const asked = await tool('agent', 'issue_refund', { input: refund, idempotencyKey: 'refund-1' });
    expect(asked.isError).toBe(true);
    const approvalId = problem(asked)['approvalId'] as string;
    expect(asked.content[0]!.text).toContain(`approve request ${approvalId}`);
    // The requester cannot approve, even holding the approving role; the lead can.
    const self = await tool('agent', 'approve_request', { approvalId });
    expect(self.isError).toBe(true);
    expect(problem(self)).toMatchObject({ code: 'forbidden', reason: 'approval' });
    expect((await tool('lead', 'approve_request', { approvalId, reason: 'goodwill' })).structuredContent).toMatchObject({ decision: 'approved' });
    const refunded = await tool('agent', 'issue_refund', { input: refund, idempotencyKey: 'refund-1', approvalId });
    expect(refunded.structuredContent).toMatchObject({ events: [{ type: 'RefundIssued' }] });
    for (const template of ['cancellation', 'refund', 'follow-up']) {
      const sent = await tool('agent', 'send_email', {
        input: { emailId: ids(), customerId, to: 'ada@example.com', template },
        idempotencyKey: `email-${template}`,
      });
      expect(sent.isError).toBeUndefined();
    }
    // "I never cancelled": history shows the agent, who delegated, for whom, and through which surface.
    const history = await tool('support', 'history', { subject: customerId });
    const entries = (history.structuredContent as { entries: Array<{ audit: Record<string, unknown> }> }).entries;
    const cancelled = entries.find((e) => e.audit['command'] === 'CancelSubscription')!.audit;
    expect(cancelled).toMatchObject({
      actor: { id: 'agent-7', kind: 'agent' },
      delegatedBy: 'sam',
      onBehalfOf: customerId,
      subject: customerId,
      outcome: 'accepted',
      via: {
        transport: 'mcp-http',
        route: 'cancel_subscription',
        clientId: 'claude-desktop',
        tokenFingerprint: createHash('sha256').update(tokens.agent).digest('hex'),
      },
    });
    expect(entries.map((e) => `${e.audit['command'] as string}:${e.audit['outcome'] as string}`)).toEqual([
      'StartSubscription:accepted',
      'CancelSubscription:accepted',
      'IssueRefund:rejected',
      'Approve:denied',
      'Approve:accepted',
      'IssueRefund:accepted',
      'SendEmail:accepted',
      'SendEmail:accepted',
      'SendEmail:accepted',
    ]);
  });

  it('retries with the same key as the same command (one set of events), and refuses the key with other arguments', async () => {
    const input = { subscriptionId: otherSubscription, customerId: otherCustomer, plan: 'basic', price, email: 'bob@example.com' };
    const first = await tool('other', 'start_subscription', { input, idempotencyKey: 'retry-1' });
    const again = await tool('other', 'start_subscription', { input, idempotencyKey: 'retry-1' });
    expect(again.structuredContent).toMatchObject({ commandId: first.structuredContent!['commandId'], duplicate: true });
    expect(await served.app.store.events.readStream(otherSubscription, 0)).toHaveLength(1);
    const mismatch = await tool('other', 'start_subscription', { input: { ...input, plan: 'pro' }, idempotencyKey: 'retry-1' });
    expect(mismatch.isError).toBe(true);
    expect(problem(mismatch)).toMatchObject({ code: 'idempotency-mismatch', status: 422 });
    expect(mismatch.content[0]!.text).toContain('use a new key');
  });

  it('refuses business failures as isError results that say what to fix: invalid input, a subject mismatch, a wrong actor kind', async () => {
    const invalid = await tool('agent', 'cancel_subscription', { input: { subscriptionId: 'not-a-ulid' }, idempotencyKey: 'bad-1' });
    expect(invalid.isError).toBe(true);
    expect(invalid.content[0]!.text).toContain('Fix the fields named');
    expect(problem(invalid)).toMatchObject({ code: 'validation', issues: [{ path: ['subscriptionId'] }] });
    const otherCustomers = await tool('agent', 'cancel_subscription', { input: { subscriptionId: otherSubscription }, idempotencyKey: 'cross-1' });
    expect(problem(otherCustomers)).toMatchObject({ code: 'forbidden', reason: 'subject' });
    const job = await tool('job', 'cancel_subscription', { input: { subscriptionId }, idempotencyKey: 'job-1' });
    expect(problem(job)).toMatchObject({ code: 'forbidden', reason: 'actor-kind' });
    expect(job.content[0]!.text).toContain('retrying will not help');
    await expect((await client('support')).callTool({ name: 'launch_rocket', arguments: {} })).rejects.toThrow(/no tool launch_rocket/);
  });

  it('dry-runs through a tool and appends nothing', async () => {
    const before = await served.app.store.events.readStream(subscriptionId, 0);
    const reinstate = await tool('support', 'reinstate_subscription', { input: { subscriptionId }, idempotencyKey: 'dry-2', dryRun: true });
    expect(reinstate.structuredContent).toMatchObject({ dryRun: true, events: [{ type: 'SubscriptionReinstated' }] });
    expect(await served.app.store.events.readStream(subscriptionId, 0)).toEqual(before);
  });

  it('reads projections as the spec allows: the customer sees only their own account, without the email', async () => {
    const own = await tool('customer', 'list_customer_accounts', {});
    const rows = (own.structuredContent as { rows: Array<Record<string, unknown>> }).rows;
    expect(rows.map((r) => r['subscriptionId'])).toEqual([subscriptionId]);
    expect(rows[0]).not.toHaveProperty('email');
    expect((await tool('support', 'get_customer_account', { key: subscriptionId })).structuredContent).toMatchObject({ email: 'ada@example.com' });
    expect(problem(await tool('customer', 'list_email_logs', {}))).toMatchObject({ code: 'forbidden' });
  });

  it('refuses a missing or wrong-audience token with 401 and the resource metadata link', async () => {
    const initialize = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
    };
    const post = (authorization?: string) =>
      fetch(`${served.url}/mcp`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...(authorization === undefined ? {} : { authorization }),
        },
        body: JSON.stringify(initialize),
      });
    const missing = await post();
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${served.url}/.well-known/oauth-protected-resource/mcp"`);
    const other = await post(`Bearer ${await served.issuer.mint({ ...claims.support, tenant: 'acme' }, { audience: 'https://another-server.test' })}`);
    expect(other.status).toBe(401);
    const metadata = (await (await fetch(`${served.url}/.well-known/oauth-protected-resource/mcp`)).json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({ resource: `${served.url}/mcp` });
    // DNS rebinding: a foreign Host or Origin is refused before anything else.
    const rebound = await fetch(`${served.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.support}`, origin: 'http://evil.example' },
      body: JSON.stringify(initialize),
    });
    expect(rebound.status).toBe(403);
  });

  it('leaves audit records over MCP and over HTTP that differ only in how the command came', async () => {
    const send = async (via: 'mcp' | 'http', emailId: string, key: string) => {
      const input = { emailId, customerId, to: 'ada@example.com', template: 'follow-up' };
      if (via === 'mcp') return tool('agent', 'send_email', { input, idempotencyKey: key });
      const response = await fetch(`${served.url}/commands/SendEmail`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.agent}`, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify(input),
      });
      expect(response.status).toBe(201);
      return undefined;
    };
    const [a, b] = [ids(), ids()];
    await send('mcp', a, 'same-1');
    await send('http', b, 'same-2');
    const record = async (stream: string) => (await served.app.trust.history({ stream }, 'acme'))[0]!.audit;
    const [overMcp, overHttp] = [await record(a), await record(b)];
    const comparable = (audit: Record<string, unknown>) => {
      const { commandId, streamId, correlationId, idempotencyKey, payloadHash, via, ...rest } = audit;
      return rest;
    };
    expect(comparable(overMcp as unknown as Record<string, unknown>)).toEqual(comparable(overHttp as unknown as Record<string, unknown>));
    expect(overMcp.via).toMatchObject({ transport: 'mcp-http', route: 'send_email' });
    expect(overHttp.via).toMatchObject({ transport: 'http', route: 'POST /commands/SendEmail' });
    expect(overMcp.via?.tokenFingerprint).toBe(overHttp.via?.tokenFingerprint);
  });
});

describe('the MCP server over stdio', () => {
  const environment = (extra: Record<string, string>) => ({
    PATH: process.env['PATH'] ?? '',
    GROUNDWORK_DB: join(served.project.dir, 'stdio.db'),
    GROUNDWORK_KEK: Buffer.alloc(32, 4).toString('base64'),
    GROUNDWORK_AUTH_ISSUER: ISSUER,
    GROUNDWORK_AUTH_AUDIENCE: AUDIENCE,
    GROUNDWORK_AUTH_JWKS: JSON.stringify(served.issuer.jwks),
    ...extra,
  });
  const server = join('dist', 'mcp.js');

  it('runs as the identity of GROUNDWORK_TOKEN, through the SDK client', async () => {
    const stdio = new Client({ name: 'stdio-test', version: '1.0.0' });
    await stdio.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [server],
        cwd: served.project.dir,
        env: environment({ GROUNDWORK_TOKEN: tokens.customer }),
        stderr: 'pipe',
      }),
    );
    try {
      const { tools } = await stdio.listTools();
      expect(tools.map((t) => t.name)).toContain('start_subscription');
      const id = ids();
      const started = (await stdio.callTool({
        name: 'start_subscription',
        arguments: { input: { subscriptionId: id, customerId, plan: 'pro', price, email: 'ada@example.com' }, idempotencyKey: 'stdio-1' },
      })) as unknown as Result;
      expect(started.structuredContent).toMatchObject({ streamId: id, version: 1 });
      const history = (await stdio.callTool({ name: 'history', arguments: { subject: customerId } })) as unknown as Result;
      const audit = (history.structuredContent as { entries: Array<{ audit: Record<string, unknown> }> }).entries[0]!.audit;
      expect(audit).toMatchObject({ actor: { id: customerId, kind: 'human' }, via: { transport: 'mcp-stdio', route: 'start_subscription' } });
    } finally {
      await stdio.close();
    }
  });

  it('offers only the read tools without an identity, and refuses their calls', async () => {
    const stdio = new Client({ name: 'stdio-anonymous', version: '1.0.0' });
    await stdio.connect(new StdioClientTransport({ command: process.execPath, args: [server], cwd: served.project.dir, env: environment({}), stderr: 'pipe' }));
    try {
      const names = (await stdio.listTools()).tools.map((t) => t.name);
      expect(names).toContain('history');
      expect(names).not.toContain('start_subscription');
      expect(names).not.toContain('approve_request');
      const refused = (await stdio.callTool({ name: 'history', arguments: { subject: customerId } })) as unknown as Result;
      expect(problem(refused)).toMatchObject({ code: 'unauthenticated' });
      expect(refused.content[0]!.text).toContain('GROUNDWORK_TOKEN');
      await expect(stdio.callTool({ name: 'start_subscription', arguments: {} })).rejects.toThrow(/no tool/);
    } finally {
      await stdio.close();
    }
  });

  it('writes nothing but protocol messages to stdout', async () => {
    const child = spawn(process.execPath, [server], {
      cwd: served.project.dir,
      env: environment({ GROUNDWORK_TOKEN: tokens.support }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => void (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString('utf8')));
    const send = (message: object) => child.stdin.write(`${JSON.stringify(message)}\n`);
    send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    });
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    send({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'verify_store', arguments: {} } });
    send({
      jsonrpc: '2.0',
      id: 4,
      method: 'tools/call',
      params: { name: 'cancel_subscription', arguments: { input: { subscriptionId: 'x' }, idempotencyKey: 'k' } },
    });
    const deadline = Date.now() + 20_000;
    while (stdout.split('\n').filter((l) => l.trim() !== '').length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.stdin.end();
    await new Promise((resolve) => child.on('exit', resolve));
    const lines = stdout.split('\n').filter((l) => l.trim() !== '');
    expect(lines.length).toBe(4);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ jsonrpc: '2.0' });
    expect(stderr).toContain('MCP server on stdio as human sam');
  });

  it('refuses to start with a token the issuer did not sign, exit code 1 and a clear error', async () => {
    const child = spawn(process.execPath, [server], {
      cwd: served.project.dir,
      env: environment({ GROUNDWORK_TOKEN: 'forged.token.value' }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString('utf8')));
    child.stdout.on('data', (chunk: Buffer) => void (stdout += chunk.toString('utf8')));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain('error invalid-auth: GROUNDWORK_TOKEN was refused');
    expect(stderr).not.toContain('    at ');
    expect(stdout).toBe('');
  });
});
