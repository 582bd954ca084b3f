/**
 * Forget holds with a second process and a crash: no process keeps using a destroyed key, a
 * forgotten subject never gets a new one, an interrupted forget is finished on the next open with
 * its erasure on the record, and what cannot be wiped yet is reported, not claimed.
 */
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ERASED } from '../../src/runtime/index.js';
import { customer, type Harness, openHarness, register, rename, support } from './harness.js';

let dir: string;
let h: Harness;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gw-forget-'));
  h = await openHarness(dir);
  expect((await h.pipeline.execute(register, { accountId: 'a1', customerId: 'cust-1', name: 'Ada', email: 'ada@example.com' }, support)).ok).toBe(true);
});
afterEach(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('forget', () => {
  it('in another process: this process stops using the key at once, and never mints a new one', async () => {
    expect((await h.pipeline.load(customer, 'a1')).state.name).toBe('Ada');
    const out = execFileSync(process.execPath, [join(import.meta.dirname, 'forget-child.mjs'), join(dir, 'app.db.keys'), 'cust-1'], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ existed: true, purged: true });
    expect((await h.pipeline.load(customer, 'a1')).state.name).toEqual(ERASED);
    const renamed = await h.pipeline.execute(rename, { accountId: 'a1', name: 'Ada again' }, support);
    expect(renamed).toMatchObject({ ok: false, error: { code: 'forgotten', subject: 'cust-1' } });
    const again = await h.pipeline.execute(register, { accountId: 'a2', customerId: 'cust-1', name: 'Ada', email: 'ada@example.com' }, support);
    expect(again).toMatchObject({ ok: false, error: { code: 'forgotten' } });
    expect(await h.keys.get('cust-1')).toBeUndefined();
    expect((await h.store.events.commands({ subject: 'cust-1' }, 't1')).map((c) => c.audit.outcome).slice(-2)).toEqual(['rejected', 'rejected']);
    await h.projections.catchUp();
    expect((await h.projections.rows<{ name: unknown }>('Directory').get('a1', 't1'))?.name).not.toBe('Ada again');
  });

  it('interrupted after its intent was stored, is finished on the next open, with its erasure on the record', async () => {
    const context = { ...support, commandId: undefined };
    await h.store.meta.set(
      'forget:pending:cust-1',
      JSON.stringify({ subject: 'cust-1', commandId: 'forget:cust-1:crash', recordedAt: '2026-11-22T10:00:00.000Z', context }),
    );
    await h.close();
    h = await openHarness(dir);
    expect(await h.keys.get('cust-1')).toBeUndefined();
    expect(await h.store.meta.list('forget:pending:')).toEqual([]);
    const erasures = (await h.store.events.commands({ subject: 'cust-1' }, 't1')).filter((c) => c.audit.command === 'Forget');
    expect(erasures.map((c) => c.audit.commandId)).toEqual(['forget:cust-1:crash']);
    expect((await h.projections.rows<{ name: unknown }>('Directory').get('a1', 't1'))?.name).toBeNull();
    expect(await h.verify()).toMatchObject({ ok: true });
  });

  it('reports the key bytes it could not wipe yet while another process reads the key store, instead of claiming success', async () => {
    const reader = new Database(join(dir, 'app.db.keys'), { readonly: true });
    reader.exec('BEGIN');
    reader.prepare('SELECT COUNT(*) FROM gw_keys').get();
    const result = await h.trust.forget('cust-1', support);
    reader.exec('COMMIT');
    reader.close();
    expect(result).toMatchObject({ ok: true, keyDestroyed: true, pending: [expect.stringContaining('write-ahead log')] });
  });
});
