/**
 * A careless operator's mistakes are refused at open, naming what to fix, and change nothing:
 * a wrong or missing KEK, a missing key store, a missing or empty database, a typo in its path.
 * Read-only operations never write; a decryption failure is a typed error.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  DecryptionError,
  SqliteKeyStore,
  openApp,
  runTrustCommand,
  type AnyAggregate,
  type AnyProjection,
  type AppDefinition,
  type AppOptions,
  type TrustAccess,
} from '../../src/runtime/index.js';
import { COMMANDS, customer, directory, register, support } from './harness.js';

const definition: AppDefinition = {
  commands: COMMANDS,
  aggregates: { Customer: customer as unknown as AnyAggregate },
  projections: [directory as unknown as AnyProjection],
};
const kekA = Buffer.alloc(32, 1);
const kekB = Buffer.alloc(32, 2);
let dir: string;
let path: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gw-config-'));
  path = join(dir, 'app.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const open = (options: AppOptions = {}) => openApp(definition, { path, env: {}, ...options });

async function seed(): Promise<void> {
  const app = await open({ kek: kekA });
  expect((await app.execute(register, { accountId: 'a1', customerId: 'c1', name: 'Ada', email: 'ada@example.com' }, support)).ok).toBe(true);
  await app.close();
}

function fingerprint(...files: string[]): string {
  const hash = createHash('sha256');
  for (const file of files) hash.update(existsSync(file) ? readFileSync(file) : Buffer.from('absent'));
  return hash.digest('hex');
}

async function refusal(promise: Promise<unknown>): Promise<ConfigurationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigurationError);
  return error as ConfigurationError;
}

describe('opening a store, carelessly', () => {
  it('refuses a wrong KEK before minting any key under it', async () => {
    await seed();
    const before = fingerprint(`${path}.keys`);
    const error = await refusal(open({ kek: kekB }));
    expect(error.code).toBe('kek-mismatch');
    expect(error.message).toContain('GROUNDWORK_KEK');
    expect(fingerprint(`${path}.keys`)).toBe(before);
    // The key store on its own refuses a KEK that does not unwrap its keys (a store from before the check value).
    expect(() => new SqliteKeyStore(`${path}.keys`, kekB)).toThrow(expect.objectContaining({ code: 'kek-mismatch' }));
    const app = await open({ kek: kekA });
    await app.close();
  });

  it('refuses to open without the KEK, or without the key store, once the store holds encrypted data', async () => {
    await seed();
    expect((await refusal(open())).code).toBe('kek-missing');
    rmSync(`${path}.keys`);
    rmSync(`${path}.keys-wal`, { force: true });
    rmSync(`${path}.keys-shm`, { force: true });
    const error = await refusal(open({ kek: kekA }));
    expect(error.code).toBe('key-store-missing');
    expect(error.message).toContain(`${path}.keys`);
    expect(existsSync(`${path}.keys`)).toBe(false);
  });

  it('verify needs no key, and never writes', async () => {
    await seed();
    const files = [path, `${path}-wal`, `${path}.keys`];
    const before = fingerprint(...files);
    const app = await open({ mode: 'read', withoutKeys: true });
    expect(await app.verify()).toMatchObject({ ok: true });
    await app.close();
    expect(fingerprint(...files)).toBe(before);
  });

  it('a missing or empty database is not silently re-created when its sink or key store shows it held data', async () => {
    await seed();
    rmSync(path);
    rmSync(`${path}-wal`, { force: true });
    rmSync(`${path}-shm`, { force: true });
    writeFileSync(path, '');
    const error = await refusal(open({ kek: kekA }));
    expect(error.code).toBe('store-missing');
    expect(error.message).toContain(`${path}.keys`);
    expect(readFileSync(path).length).toBe(0);
  });

  it('reading never creates a store: a typo in the path is named, and no file appears', async () => {
    const typo = join(dir, 'ap.db');
    const error = await refusal(openApp(definition, { path: typo, env: {}, mode: 'read', withoutKeys: true }));
    expect(error.code).toBe('no-store');
    expect(error.message).toContain('GROUNDWORK_DB');
    expect(existsSync(typo)).toBe(false);
  });

  it('read-only opens bring no projection up to date and refuse commands', async () => {
    const bare = await openApp({ ...definition, projections: [] }, { path, env: {}, kek: kekA });
    await bare.execute(register, { accountId: 'a1', customerId: 'c1', name: 'Ada', email: 'ada@example.com' }, support);
    await bare.close();
    const reader = await open({ kek: kekA, mode: 'read' });
    expect(await reader.store.projections.position('Directory')).toEqual({ tx: 0, position: 0 });
    expect(() => reader.execute(register, {}, support)).toThrow(ConfigurationError);
    await reader.close();
  });

  it('the trust command line names the mistake, exits 2, and verify runs without the KEK', async () => {
    await seed();
    const out: string[] = [];
    const output = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void out.push(t) };
    const openWith = (kek?: Buffer) => (access: TrustAccess) => open({ ...access, ...(kek === undefined ? {} : { kek }) });
    expect(await runTrustCommand(['history', '--stream', 'a1'], openWith(), output, { GROUNDWORK_TENANT: 't1' })).toBe(2);
    expect(out.join('')).toContain('error (kek-missing)');
    expect(await runTrustCommand(['verify'], openWith(), output, {})).toBe(0);
    expect(await runTrustCommand(['history', '--stream', 'a1'], openWith(kekA), output, { GROUNDWORK_TENANT: 't1' })).toBe(0);
  });

  it('a ciphertext that does not decrypt is a typed error naming the subject and field', async () => {
    await seed();
    const app = await open({ kek: kekA });
    const store = app.store as unknown as { db: { prepare(sql: string): { run(...args: unknown[]): unknown } } };
    store.db.prepare(`UPDATE gw_events SET payload = replace(payload, '"email":"gw:pii:v1:', '"email":"gw:pii:v1:AAAA')`).run();
    const error = await app.pipeline.load(customer, 'a1').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DecryptionError);
    expect(error).toMatchObject({ code: 'undecryptable', subject: 'c1', field: 'email' });
    await app.close();
  });
});
