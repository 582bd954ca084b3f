/** The bank example generated and run: long streams, snapshots, roles and actor kinds. */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ulidGenerator } from '../../src/runtime/index.js';
import { fixture, tempProject, type TempProject } from './project.js';

interface Result {
  ok: boolean;
  version?: number;
  error?: { code: string; reason?: string };
}
interface App {
  commands: Record<string, (input: Record<string, unknown>, context: Record<string, unknown>) => Promise<Result>>;
  rows: Record<string, { get(key: string, tenant: string): Promise<Record<string, unknown> | undefined> }>;
  store: { db: { prepare(sql: string): { get(...args: unknown[]): Record<string, unknown> } } };
  close(): Promise<void>;
}

let project: TempProject;
let app: App;
const ids = ulidGenerator();

beforeAll(async () => {
  project = tempProject({ 'bank.groundwork.yaml': fixture('bank') });
  expect((await project.gen()).code).toBe(0);
  expect(project.tsc(true)).toBe('');
  const { createApp } = (await import(pathToFileURL(join(project.dir, 'dist/app.js')).href)) as { createApp: (o: Record<string, unknown>) => Promise<App> };
  app = await createApp({ path: join(project.dir, 'bank.db'), kek: Buffer.alloc(32, 7), synchronous: 'NORMAL' });
}, 120_000);
afterAll(async () => {
  await app?.close();
  project?.remove();
});

describe('the bank example, generated and run', () => {
  const accountId = ids();
  const owner = ids();
  const teller = { actor: { id: 'teller-1', kind: 'human', roles: ['teller'] }, tenant: 'bank' };
  const payments = { actor: { id: 'payments', kind: 'service', roles: ['payments'] }, tenant: 'bank' };

  it('opens an account and takes 250 deposits, with a snapshot every 200 events', async () => {
    expect(await app.commands['OpenAccount']!({ accountId, ownerId: owner, ownerName: 'Ada Lovelace', currency: 'GBP' }, teller)).toMatchObject({
      ok: true,
      version: 1,
    });
    for (let i = 0; i < 250; i++) {
      const r = await app.commands['Deposit']!({ accountId, amount: 10, reference: `salary ${i}` }, payments);
      expect(r.ok).toBe(true);
    }
    expect(app.store.db.prepare('SELECT version FROM gw_snapshots WHERE stream_id = ?').get(accountId)).toEqual({ version: 200 });
    expect(await app.rows['AccountBalances']!.get(accountId, 'bank')).toMatchObject({ accountId, ownerId: owner, status: null });
  });

  it('enforces roles and actor kinds from the spec', async () => {
    const agent = { actor: { id: 'bot', kind: 'agent', roles: ['teller', 'customer'] }, tenant: 'bank' };
    expect(await app.commands['Deposit']!({ accountId, amount: 1 }, agent)).toMatchObject({ ok: false, error: { code: 'forbidden', reason: 'actor-kind' } });
    expect(await app.commands['FreezeAccount']!({ accountId, reason: 'suspicious' }, teller)).toMatchObject({
      ok: false,
      error: { code: 'forbidden', reason: 'role' },
    });
    const fraud = { actor: { id: 'fraud-bot', kind: 'agent', roles: ['fraud'] }, tenant: 'bank' };
    expect(await app.commands['FreezeAccount']!({ accountId, reason: 'suspicious' }, fraud)).toMatchObject({ ok: true, version: 252 });
  });

  it('rejects input the spec forbids', async () => {
    expect(await app.commands['Deposit']!({ accountId, amount: 0 }, payments)).toMatchObject({ ok: false, error: { code: 'validation' } });
    expect(await app.commands['OpenAccount']!({ accountId: ids(), ownerId: owner, ownerName: 'A', currency: 'gbp' }, teller)).toMatchObject({
      ok: false,
      error: { code: 'validation' },
    });
    expect(await app.commands['Deposit']!({ accountId: 'not-a-ulid', amount: 5 }, payments)).toMatchObject({ ok: false, error: { code: 'validation' } });
  });
});
