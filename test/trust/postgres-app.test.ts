/**
 * A project on PostgreSQL by configuration alone: the same definition opened with a database URL
 * runs commands, keeps its projections, answers history, forgets, checkpoints and verifies; the
 * trust command line honours GROUNDWORK_DATABASE_URL; reading never creates a store; a wrong or
 * missing KEK is refused.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  isPostgresStore,
  openApp,
  runTrustCommand,
  type AnyAggregate,
  type AnyProjection,
  type AppDefinition,
  type TrustAccess,
} from '../../src/runtime/index.js';
import { postgresAvailable, testDatabaseUrl, uniqueSchema } from '../contract/postgres-env.js';
import { COMMANDS, FORGET, close, customer, directory, register, rename, signingKeys, support, type DirectoryRow } from './harness.js';

const url = testDatabaseUrl();
const available = await postgresAvailable(url);
const definition: AppDefinition = {
  commands: COMMANDS,
  aggregates: { Customer: customer as unknown as AnyAggregate },
  projections: [directory as unknown as AnyProjection],
  forget: FORGET,
};
const kek = Buffer.alloc(32, 7);
const schema = uniqueSchema('app');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gw-pg-app-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (!available) return;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
});

describe.skipIf(!available)('an app on PostgreSQL', () => {
  const pair = signingKeys();
  const signingKey = pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const verifyKey = pair.publicKey.export({ format: 'pem', type: 'spki' }).toString();
  const env = () => ({ GROUNDWORK_DATABASE_URL: url, GROUNDWORK_DATABASE_SCHEMA: schema, GROUNDWORK_CHECKPOINT_SINK: join(dir, 'sink.jsonl') });

  it('reading never creates the store', async () => {
    const error = await openApp(definition, { env: env(), mode: 'read', withoutKeys: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({ code: 'no-store' });
  });

  it('runs commands, projections, history, checkpoints, verify and forget by the environment alone', async () => {
    const app = await openApp(definition, { env: { ...env(), GROUNDWORK_KEK: kek.toString('base64') }, signingKey, verifyKey });
    expect(isPostgresStore(app.store)).toBe(true);
    // A dry run appends nothing to the shared store either.
    expect(await app.dryRun(register, { accountId: 'a1', customerId: 'cust-1', name: 'Ada', email: 'ada@example.com' }, support)).toMatchObject({
      ok: true,
      events: [{ type: 'CustomerRegistered', version: 1 }],
    });
    expect(await app.trust.history({ stream: 'a1' }, 't1')).toEqual([]);
    expect((await app.execute(register, { accountId: 'a1', customerId: 'cust-1', name: 'Ada', email: 'ada@example.com' }, support)).ok).toBe(true);
    expect((await app.execute(rename, { accountId: 'a1', name: 'Ada L.' }, support)).ok).toBe(true);
    expect((await app.execute(register, { accountId: 'a2', customerId: 'cust-2', name: 'Bob', email: 'bob@example.com' }, support)).ok).toBe(true);
    // Projections caught up after each commit, from the store in commit order.
    expect(await app.rows<DirectoryRow>('Directory').get('a1', 't1')).toMatchObject({ name: 'Ada L.', email: 'ada@example.com' });
    expect(await app.lag()).toEqual({ Directory: { events: 0, seconds: 0 } });
    const history = await app.trust.history({ subject: 'cust-1' }, 't1');
    expect(history.map((h) => h.audit.command)).toEqual(['Register', 'Rename']);
    expect(await app.checkpoint()).toMatchObject({ seq: 1 });
    expect(await app.verify()).toMatchObject({ ok: true, findings: [], checkpoints: { checked: 1, inSink: 1 } });
    expect(await app.trust.forget('cust-1', { actor: { id: 'pia', kind: 'human', roles: ['privacy'] }, tenant: 't1' })).toMatchObject({
      ok: true,
      keyDestroyed: true,
    });
    expect(await app.rows<DirectoryRow>('Directory').get('a1', 't1')).toMatchObject({ name: null, email: null });
    expect(await app.rows<DirectoryRow>('Directory').get('a2', 't1')).toMatchObject({ name: 'Bob' });
    expect(await app.execute(rename, { accountId: 'a1', name: 'Ada again' }, support)).toMatchObject({ ok: false, error: { code: 'forgotten' } });
    // An event with no personal data for the forgotten subject is refused too, by the append's own read.
    expect(await app.execute(close, { accountId: 'a1' }, support)).toMatchObject({ ok: false, error: { code: 'forgotten', subject: 'cust-1' } });
    expect(await app.verify()).toMatchObject({ ok: true });
    await app.close();
  });

  it('refuses a wrong KEK and a missing one, changing nothing', async () => {
    const wrong = await openApp(definition, { env: { ...env(), GROUNDWORK_KEK: Buffer.alloc(32, 8).toString('base64') } }).catch((e: unknown) => e);
    expect(wrong).toMatchObject({ code: 'kek-mismatch' });
    const missing = await openApp(definition, { env: env() }).catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: 'kek-missing' });
  });

  it('the trust command line honours GROUNDWORK_DATABASE_URL', async () => {
    const out: string[] = [];
    const output = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void out.push(t) };
    const open = (access: TrustAccess) => openApp(definition, { ...access, env: { ...env(), GROUNDWORK_KEK: kek.toString('base64') }, verifyKey });
    expect(await runTrustCommand(['history', '--stream', 'a2'], open, output, { GROUNDWORK_TENANT: 't1' })).toBe(0);
    expect(out.join('')).toContain('Register');
    expect(await runTrustCommand(['verify'], open, output, {})).toBe(0);
    expect(out.join('')).toContain('OK');
  });
});
