/**
 * End to end on embedded SQLite: generate the subscriptions example into a fresh project, compile
 * it under strict, and run the story through the generated app as a customer and as an AI agent
 * acting for that customer.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandRowHash, eventRowHash, genesisHash, ulidGenerator } from '../../src/runtime/index.js';
import type { AuditRecord } from '../../src/runtime/index.js';
import { fixture, tempProject, type TempProject } from './project.js';

interface Result {
  ok: boolean;
  commandId: string;
  version?: number;
  duplicate?: boolean;
  events?: Array<{ type: string; data: Record<string, unknown> }>;
  error?: { code: string; reason?: string };
}
type Command = (input: Record<string, unknown>, context: Record<string, unknown>) => Promise<Result>;
interface Rows {
  get(key: string, tenant: string): Promise<Record<string, unknown> | undefined>;
  findBy(column: string, value: unknown, tenant: string): Promise<Array<Record<string, unknown>>>;
}
interface App {
  commands: Record<string, Command>;
  rows: Record<string, Rows>;
  store: {
    db: { prepare(sql: string): { all(...args: unknown[]): Array<Record<string, unknown>>; get(...args: unknown[]): Record<string, unknown> } };
    events: { storeId: string };
  };
  close(): Promise<void>;
}

let project: TempProject;
let app: App;
const ids = ulidGenerator(
  () => Date.UTC(2026, 10, 22),
  (n) => new Uint8Array(n).map((_, i) => i * 7),
);
const newId = () => ids();

beforeAll(async () => {
  project = tempProject({ 'subscriptions.groundwork.yaml': fixture('subscriptions') });
  expect((await project.gen()).code).toBe(0);
  expect(project.tsc(true)).toBe('');
  const { createApp } = (await import(pathToFileURL(join(project.dir, 'dist/app.js')).href)) as { createApp: (o: Record<string, unknown>) => Promise<App> };
  let tick = 0;
  app = await createApp({ path: join(project.dir, 'billing.db'), kek: Buffer.alloc(32, 7), clock: () => new Date(Date.UTC(2026, 10, 22, 9, 0, tick++)) });
}, 120_000);

afterAll(async () => {
  await app?.close();
  project?.remove();
});

const customerId = newId();
const otherCustomer = newId();
const subscriptionId = newId();
const otherSubscription = newId();
const refundId = newId();
const customer = { actor: { id: customerId, kind: 'human', roles: ['customer'] }, tenant: 'acme' };
const agent = { actor: { id: 'support-bot-1', kind: 'agent', roles: ['support'] }, onBehalfOf: customerId, tenant: 'acme', correlationId: 'ticket-1234' };

describe('the subscriptions example, generated and run', () => {
  it('plays the story: subscribe, then an agent cancels, refunds and emails for the customer', async () => {
    const price = { amount: 1900, currency: 'EUR' };
    const started = await app.commands['StartSubscription']!({ subscriptionId, customerId, plan: 'pro', price, email: 'ada@example.com' }, customer);
    expect(started).toMatchObject({ ok: true, version: 1 });
    await app.commands['StartSubscription']!(
      { subscriptionId: otherSubscription, customerId: otherCustomer, plan: 'basic', price, email: 'bob@example.com' },
      { ...customer, actor: { ...customer.actor, id: otherCustomer } },
    );

    const cancelled = await app.commands['CancelSubscription']!({ subscriptionId, reason: 'asked in chat' }, { ...agent, commandId: 'cancel-1' });
    expect(cancelled).toMatchObject({ ok: true, version: 2, events: [{ type: 'SubscriptionCancelled', data: { reason: 'asked in chat' } }] });
    expect(await app.commands['IssueRefund']!({ refundId, subscriptionId, customerId, amount: { amount: 1900, currency: 'EUR' } }, agent)).toMatchObject({
      ok: true,
    });
    for (const template of ['cancellation', 'refund', 'follow-up']) {
      expect(await app.commands['SendEmail']!({ emailId: newId(), customerId, to: 'ada@example.com', template }, agent)).toMatchObject({ ok: true });
    }
  });

  it('returns the original result for a retried command id, and records nothing new', async () => {
    const before = app.store.db.prepare('SELECT COUNT(*) AS n FROM gw_events').get()['n'];
    const retry = await app.commands['CancelSubscription']!({ subscriptionId, reason: 'asked in chat' }, { ...agent, commandId: 'cancel-1' });
    expect(retry).toMatchObject({ ok: true, duplicate: true, version: 2, commandId: 'cancel-1' });
    expect(app.store.db.prepare('SELECT COUNT(*) AS n FROM gw_events').get()['n']).toBe(before);
  });

  it('denies the confused deputy and the missing role, with audit records and no events', async () => {
    const deputy = await app.commands['CancelSubscription']!({ subscriptionId: otherSubscription }, agent);
    expect(deputy).toMatchObject({ ok: false, error: { code: 'forbidden', reason: 'subject' } });
    const role = await app.commands['IssueRefund']!({ refundId: newId(), subscriptionId, customerId, amount: { amount: 1, currency: 'EUR' } }, customer);
    expect(role).toMatchObject({ ok: false, error: { code: 'forbidden', reason: 'role' } });
    const invalid = await app.commands['SendEmail']!({ emailId: newId(), customerId, to: 'not-an-email', template: 'spam' }, agent);
    expect(invalid).toMatchObject({ ok: false, error: { code: 'validation' } });
    const denied = app.store.db
      .prepare(`SELECT audit FROM gw_commands WHERE outcome = 'denied'`)
      .all()
      .map((r) => JSON.parse(r['audit'] as string) as AuditRecord);
    expect(denied.map((a) => [a.command, a.actor.kind, a.onBehalfOf, a.decision])).toEqual([
      ['CancelSubscription', 'agent', customerId, 'denied'],
      ['IssueRefund', 'human', null, 'denied'],
    ]);
    expect(app.store.db.prepare(`SELECT COUNT(*) AS n FROM gw_events WHERE stream_id = ?`).get(otherSubscription)['n']).toBe(1);
  });

  it('stored the events in order, with the agent and the customer told apart', () => {
    const events = app.store.db.prepare('SELECT stream_id, version, type, metadata FROM gw_events ORDER BY position').all();
    expect(events.map((e) => e['type'])).toEqual([
      'SubscriptionStarted',
      'SubscriptionStarted',
      'SubscriptionCancelled',
      'RefundIssued',
      'EmailSent',
      'EmailSent',
      'EmailSent',
    ]);
    const cancel = JSON.parse(events[2]!['metadata'] as string) as Record<string, unknown>;
    expect(cancel).toMatchObject({
      commandId: 'cancel-1',
      command: 'CancelSubscription',
      actorId: 'support-bot-1',
      actorKind: 'agent',
      onBehalfOf: customerId,
      tenant: 'acme',
      correlationId: 'ticket-1234',
    });
    const audits = app.store.db
      .prepare('SELECT audit FROM gw_commands ORDER BY id')
      .all()
      .map((r) => JSON.parse(r['audit'] as string) as AuditRecord);
    expect(audits.map((a) => a.outcome)).toEqual([
      'accepted',
      'accepted',
      'accepted',
      'accepted',
      'accepted',
      'accepted',
      'accepted',
      'denied',
      'denied',
      'invalid',
    ]);
    for (const audit of audits) expect(JSON.stringify(audit)).not.toContain('ada@example.com');
  });

  it('chained every event and audit row in its bucket, over the stored bytes', () => {
    const storeId = app.store.events.storeId;
    for (const [table, seq, hash] of [
      ['gw_events', 'bseq', 'events'],
      ['gw_commands', 'cseq', 'commands'],
    ] as const) {
      const rows = app.store.db.prepare(`SELECT * FROM ${table} ORDER BY bucket, ${seq}`).all();
      let checked = 0;
      for (const [i, row] of rows.entries()) {
        const bucket = row['bucket'] as number;
        const first = i === 0 || rows[i - 1]!['bucket'] !== bucket;
        const prev = first ? genesisHash(storeId, hash, bucket) : (rows[i - 1]!['row_hash'] as Buffer);
        expect(row[seq]).toBe(first ? 1 : (rows[i - 1]![seq] as number) + 1);
        const computed =
          table === 'gw_events'
            ? eventRowHash(
                {
                  bucket,
                  bseq: row['bseq'] as number,
                  position: row['position'] as number,
                  streamId: row['stream_id'] as string,
                  version: row['version'] as number,
                  type: row['type'] as string,
                  schemaVersion: row['schema_version'] as number,
                  recordedAt: row['recorded_at'] as string,
                  metadata: row['metadata'] as string,
                  payload: row['payload'] as string,
                },
                prev,
              )
            : commandRowHash(
                {
                  bucket,
                  cseq: row['cseq'] as number,
                  commandId: row['command_id'] as string,
                  command: row['command'] as string,
                  streamId: row['stream_id'] as string,
                  tenant: row['tenant'] as string,
                  outcome: row['outcome'] as string,
                  recordedAt: row['recorded_at'] as string,
                  audit: row['audit'] as string,
                },
                prev,
              );
        expect(computed.equals(row['row_hash'] as Buffer)).toBe(true);
        expect((row['prev_hash'] as Buffer).equals(prev)).toBe(true);
        checked++;
      }
      expect(checked).toBeGreaterThan(5);
    }
  });

  it('kept the projections up to date', async () => {
    expect(await app.rows['CustomerAccount']!.get(subscriptionId, 'acme')).toEqual({
      subscriptionId,
      customerId,
      plan: 'pro',
      status: null,
      email: 'ada@example.com',
      refundedAmount: null,
    });
    const emails = await app.rows['EmailLog']!.findBy('customerId', customerId, 'acme');
    expect(emails.map((e) => e['template']).sort()).toEqual(['cancellation', 'follow-up', 'refund']);
    for (const e of emails) expect(e['sentAt']).toMatch(/^2026-11-22T09:00:\d\dZ|^2026-11-22T09:00:\d\d\.\d{3}Z$/);
  });

  it('bounds strings before any pattern runs: a 10 MB email is refused at once, and its record stays small', async () => {
    const result = await app.commands['StartSubscription']!(
      { subscriptionId: newId(), customerId, plan: 'pro', price: { amount: 1, currency: 'EUR' }, email: `${'a'.repeat(10 * 1024 * 1024)}@example.com` },
      customer,
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'validation' } });
    const refused = app.store.db.prepare(`SELECT length(audit) AS n FROM gw_commands WHERE outcome = 'invalid' ORDER BY id DESC LIMIT 1`).all()[0]!;
    expect(refused['n'] as number).toBeLessThan(4096);
  });
});
