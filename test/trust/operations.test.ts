/**
 * The trust operations in a generated project, through its typed API and its CLI: the morning
 * after, a customer says "I never cancelled".
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSigningKeys, ulidGenerator } from '../../src/runtime/index.js';
import { fixture, tempProject, type TempProject } from '../gen/project.js';

interface Result {
  ok: boolean;
  commandId: string;
  version?: number;
  events?: Array<{ type: string; metadata: { causationId: string | null } }>;
  error?: { code: string; message: string; reason?: string };
}
interface Entry {
  audit: { command: string; outcome: string; actor: { id: string; kind: string }; onBehalfOf: string | null; causationId: string | null };
  events: Array<{ type: string; data: Record<string, unknown> }>;
}
interface App {
  commands: Record<string, (input: Record<string, unknown>, context: Record<string, unknown>) => Promise<Result>>;
  trust: {
    history(q: Record<string, string>, tenant: string): Promise<Entry[]>;
    stateAt(a: unknown, id: string, at: Record<string, unknown>, tenant: string): Promise<{ state: Record<string, unknown>; version: number } | undefined>;
    undo(id: string, context: Record<string, unknown>, input?: Record<string, unknown>): Promise<Result>;
    forget(subject: string, context: Record<string, unknown>): Promise<{ keyDestroyed: boolean; projectionsRebuilt: string[] }>;
  };
  aggregates: Record<string, unknown>;
  rows: Record<string, { get(key: string, tenant?: string): Promise<Record<string, unknown> | undefined> }>;
  verify(): Promise<{ ok: boolean; findings: Array<{ kind: string }> }>;
  checkpoint(): Promise<{ seq: number } | undefined>;
  close(): Promise<void>;
}

let project: TempProject;
let app: App;
const keys = newSigningKeys();
const env = { GROUNDWORK_KEK: randomBytes(32).toString('base64'), GROUNDWORK_SIGNING_KEY: keys.privateKey, GROUNDWORK_VERIFY_KEY: keys.publicKey };
const ids = ulidGenerator();
const customerId = ids();
const subscriptionId = ids();
const customer = { actor: { id: customerId, kind: 'human', roles: ['customer'] }, tenant: 'acme' };
const agent = { actor: { id: 'support-bot-1', kind: 'agent', roles: ['support'] }, onBehalfOf: customerId, tenant: 'acme', correlationId: 'ticket-77' };
const supervisor = { actor: { id: 'sam', kind: 'human', roles: ['support'] }, tenant: 'acme' };

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [join(project.dir, 'dist/cli.js'), ...args], {
    cwd: project.dir,
    env: { ...process.env, ...env, GROUNDWORK_DB: join(project.dir, 'billing.db'), GROUNDWORK_TENANT: 'acme' },
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  // The example declares no forget rule (forget is denied by default); this copy lets support forget.
  project = tempProject({ 'subscriptions.groundwork.yaml': `${fixture('subscriptions')}\noperations:\n  forget:\n    allow: [support]\n` });
  expect((await project.gen()).code).toBe(0);
  expect(project.tsc(true)).toBe('');
  const { createApp } = (await import(pathToFileURL(join(project.dir, 'dist/app.js')).href)) as { createApp: (o: Record<string, unknown>) => Promise<App> };
  app = await createApp({
    path: join(project.dir, 'billing.db'),
    kek: Buffer.from(env.GROUNDWORK_KEK, 'base64'),
    signingKey: env.GROUNDWORK_SIGNING_KEY,
    verifyKey: env.GROUNDWORK_VERIFY_KEY,
  });
  const price = { amount: 1900, currency: 'EUR' };
  await app.commands['StartSubscription']!({ subscriptionId, customerId, plan: 'pro', price, email: 'ada@example.com' }, customer);
  await app.commands['CancelSubscription']!({ subscriptionId, reason: 'customer asked in chat' }, { ...agent, commandId: 'cancel-1' });
  await app.commands['IssueRefund']!({ refundId: ids(), subscriptionId, customerId, amount: price }, { ...agent, commandId: 'refund-1' });
  for (const template of ['cancellation', 'refund', 'follow-up'])
    await app.commands['SendEmail']!({ emailId: ids(), customerId, to: 'ada@example.com', template }, { ...agent, commandId: `email-${template}` });
  expect((await app.checkpoint())?.seq).toBe(1);
}, 120_000);

afterAll(async () => {
  await app?.close();
  project?.remove();
});

describe('the morning after', () => {
  it('history shows every command for the customer: who acted, for whom, and what it recorded', async () => {
    const history = await app.trust.history({ subject: customerId }, 'acme');
    expect(history.map((e) => [e.audit.command, e.audit.actor.kind, e.audit.onBehalfOf])).toEqual([
      ['StartSubscription', 'human', null],
      ['CancelSubscription', 'agent', customerId],
      ['IssueRefund', 'agent', customerId],
      ['SendEmail', 'agent', customerId],
      ['SendEmail', 'agent', customerId],
      ['SendEmail', 'agent', customerId],
    ]);
    expect(history[0]!.events[0]!.data['email']).toBe('ada@example.com');
    expect(await app.trust.history({ correlation: 'ticket-77' }, 'acme')).toHaveLength(5);
    expect(await app.trust.history({ actor: 'support-bot-1' }, 'acme')).toHaveLength(5);
    expect(await app.trust.history({ subject: customerId }, 'other-tenant')).toEqual([]);
  });

  it('state-at gives the subscription as it was before the cancellation', async () => {
    const before = await app.trust.stateAt(app.aggregates['Subscription'], subscriptionId, { version: 1 }, 'acme');
    const now = await app.trust.stateAt(app.aggregates['Subscription'], subscriptionId, { version: 99 }, 'acme');
    expect(before).toMatchObject({ version: 1, state: { status: 'active', plan: 'pro' } });
    expect(now).toMatchObject({ version: 2, state: { status: 'cancelled' } });
    expect(await app.trust.stateAt(app.aggregates['Subscription'], subscriptionId, { version: 1 }, 'other-tenant')).toBeUndefined();
  });

  it('undo reinstates through the pipeline, as the supervisor, caused by the cancellation, and only once', async () => {
    const undone = await app.trust.undo('cancel-1', supervisor);
    expect(undone).toMatchObject({
      ok: true,
      commandId: 'undo:cancel-1',
      version: 3,
      events: [{ type: 'SubscriptionReinstated', metadata: { causationId: 'cancel-1' } }],
    });
    expect(await app.trust.undo('cancel-1', supervisor)).toMatchObject({ ok: false, error: { code: 'already-undone' } });
    const email = await app.trust.undo('email-refund', supervisor);
    expect(email).toMatchObject({ ok: false, error: { code: 'not-undoable' } });
    expect(email.error?.message).toContain('SendEmail declares no undo');
    expect(email.error?.message).toContain('Sent mail cannot be unsent');
    const denied = await app.trust.undo(
      'refund-1',
      { actor: { id: 'eve', kind: 'human', roles: ['customer'] }, tenant: 'acme' },
      { reason: 'customer disputed' },
    );
    expect(denied).toMatchObject({ ok: false, error: { code: 'forbidden', reason: 'role' } });
  });

  it("a command for another tenant's aggregate is denied and audited", async () => {
    const result = await app.commands['CancelSubscription']!(
      { subscriptionId },
      { actor: { id: 'mallory', kind: 'human', roles: ['support'] }, tenant: 'evil-corp' },
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'forbidden', reason: 'tenant' } });
    const audit = await app.trust.history({ actor: 'mallory' }, 'evil-corp');
    expect(audit.map((e) => e.audit.outcome)).toEqual(['denied']);
    expect(await app.rows['CustomerAccount']!.get(subscriptionId, 'evil-corp')).toBeUndefined();
    expect(await app.rows['CustomerAccount']!.get(subscriptionId, 'acme')).toBeDefined();
  });

  it('verify passes, then forget erases the customer and verify still passes', async () => {
    expect(await app.verify()).toMatchObject({ ok: true, findings: [] });
    const forgotten = await app.trust.forget(customerId, supervisor);
    expect(forgotten).toMatchObject({ keyDestroyed: true, projectionsRebuilt: ['CustomerAccount'] });
    expect((await app.rows['CustomerAccount']!.get(subscriptionId, 'acme'))?.['email']).toBeNull();
    const history = await app.trust.history({ subject: customerId }, 'acme');
    expect(history[0]!.events[0]!.data['email']).toEqual({ erased: true });
    expect(history[history.length - 1]!.audit.command).toBe('Forget');
    expect(await app.verify()).toMatchObject({ ok: true, findings: [] });
  });
});

describe('the trust operations as commands a person runs', () => {
  it('history prints a readable timeline and --json one document', () => {
    const text = cli('history', '--subject', customerId);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('CancelSubscription  ACCEPTED');
    expect(text.stdout).toContain(`by agent support-bot-1 [support] on behalf of ${customerId}; command cancel-1`);
    expect(text.stdout).toContain('-> SubscriptionStarted');
    expect(text.stdout).toContain('"email":"[erased]"');
    // The ticket's five commands, then the undo and the denied undo attempt, which keep its correlation id.
    const json = JSON.parse(cli('history', '--correlation', 'ticket-77', '--json').stdout) as {
      schemaVersion: number;
      entries: Array<{ audit: { command: string; outcome: string } }>;
    };
    expect(json.schemaVersion).toBe(1);
    expect(json.entries.map((e) => `${e.audit.command} ${e.audit.outcome}`)).toEqual([
      'CancelSubscription accepted',
      'IssueRefund accepted',
      'SendEmail accepted',
      'SendEmail accepted',
      'SendEmail accepted',
      'ReinstateSubscription accepted',
      'ReverseRefund denied',
    ]);
  });

  it('verify exits 0 when intact and 1 naming the row when tampered', async () => {
    const ok = cli('verify');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('OK: every hash, link and checkpoint verifies');
    const raw = (await import('better-sqlite3')).default;
    const db = new raw(join(project.dir, 'billing.db'));
    db.prepare(
      `UPDATE gw_events SET payload = replace(payload, 'customer asked in chat', 'customer asked by mail') WHERE type = 'SubscriptionCancelled'`,
    ).run();
    const row = db.prepare(`SELECT bucket, bseq FROM gw_events WHERE type = 'SubscriptionCancelled'`).get() as { bucket: number; bseq: number };
    db.close();
    const bad = cli('verify');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(`content-mismatch             events bucket ${row.bucket} seq ${row.bseq}: the stored bytes do not hash to row_hash`);
    expect(JSON.parse(cli('verify', '--json').stdout)).toMatchObject({
      ok: false,
      findings: [{ kind: 'content-mismatch', bucket: row.bucket, seq: row.bseq }],
    });
  });

  it('state-at, undo and usage errors', () => {
    const state = cli('state-at', 'Subscription', subscriptionId, '--version', '1');
    expect(state.code).toBe(0);
    expect(state.stdout).toContain(`Subscription ${subscriptionId} at version 1:`);
    const again = cli('undo', 'cancel-1', '--actor', 'sam', '--kind', 'human', '--roles', 'support');
    expect(again.code).toBe(1);
    expect(again.stdout).toContain('refused (already-undone)');
    const usage = cli('undo');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('missing the command id');
    expect(cli('frobnicate').code).toBe(2);
    const generated = cli('keys', '--json');
    expect(Object.keys(JSON.parse(generated.stdout) as object)).toEqual(['GROUNDWORK_KEK', 'GROUNDWORK_SIGNING_KEY', 'GROUNDWORK_VERIFY_KEY']);
  });
});
