/**
 * Erasure (reliability-tests.md): personal data goes in under unique canaries, through commands,
 * projections, snapshots, outbox and audit; after forget the canaries are nowhere in the files,
 * the subject's key bytes are gone, and every hash still verifies.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ERASED, SqliteKeyStore, decryptValue, encryptValue } from '../../src/runtime/index.js';
import { openHarness, register, rename, support, type DirectoryRow } from './harness.js';

let dir: string;
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

function filesContain(dir: string, needle: string | Buffer): string[] {
  const files = ['app.db', 'app.db-wal', 'app.db.keys', 'app.db.keys-wal', 'app.db.checkpoints.jsonl'];
  return files.filter((f) => existsSync(join(dir, f)) && readFileSync(join(dir, f)).includes(needle));
}

describe('forget', () => {
  it('leaves no canary anywhere, records a PII-free erasure, and verify still passes', async () => {
    dir = mkdtempSync(join(tmpdir(), 'gw-erasure-'));
    const h = await openHarness(dir);
    // Everything the process writes to stdout and stderr while it runs is captured and searched.
    const captured: string[] = [];
    const spies = [vi.spyOn(process.stdout, 'write'), vi.spyOn(process.stderr, 'write')].map((spy) =>
      spy.mockImplementation((chunk: string | Uint8Array) => {
        captured.push(String(chunk));
        return true;
      }),
    );
    const canaryName = `Canary-${randomBytes(8).toString('hex')}`;
    const canaryEmail = `canary-${randomBytes(8).toString('hex')}@example.com`;
    const renamed = `Renamed-${randomBytes(8).toString('hex')}`;
    const other = `Keeper-${randomBytes(8).toString('hex')}`;
    expect((await h.pipeline.execute(register, { accountId: 'acct-1', customerId: 'cust-1', name: canaryName, email: canaryEmail }, support)).ok).toBe(true);
    for (let i = 0; i < 3; i++) expect((await h.pipeline.execute(rename, { accountId: 'acct-1', name: `${renamed}-${i}` }, support)).ok).toBe(true);
    await h.pipeline.execute(register, { accountId: 'acct-2', customerId: 'cust-2', name: other, email: 'keeper@example.com' }, support);
    await h.checkpoint();

    const rows = h.projections.rows<DirectoryRow>('Directory');
    expect((await rows.get('acct-1', 't1'))?.name).toBe(`${renamed}-2`);
    // Positive control: before forget, the plaintext is in the projection, so this test can see it.
    expect(filesContain(dir, `${renamed}-2`).length).toBeGreaterThan(0);

    const result = await h.trust.forget('cust-1', { ...support, commandId: 'forget-1' });
    expect(result).toEqual({ ok: true, subject: 'cust-1', keyDestroyed: true, snapshotsDeleted: 0, projectionsRebuilt: ['Directory'], pending: [] });
    expect(await rows.get('acct-1', 't1')).toEqual({ accountId: 'acct-1', name: null, email: null, status: 'active' });
    expect((await rows.get('acct-2', 't1'))?.name).toBe(other);

    for (const spy of spies) spy.mockRestore();
    const needles = [canaryName, canaryEmail, renamed];
    const found = needles.flatMap((n) => filesContain(dir, n).map((f) => `${n} in ${f}`));
    const inLogs = needles.filter((n) => captured.join('').includes(n));
    console.log(
      `erasure canary: ${needles.length} canaries; after forget found in database, WAL, key store, checkpoints: ${found.length}; in captured output: ${inLogs.length}`,
    );
    expect(found).toEqual([]);
    expect(inLogs).toEqual([]);
    expect(filesContain(dir, other)).toContain('app.db');

    const history = await h.trust.history({ subject: 'cust-1' }, 't1');
    expect(history.map((e) => e.audit.command)).toEqual(['Register', 'Rename', 'Rename', 'Rename', 'Forget']);
    expect(history[0]!.events[0]!.data).toEqual({ customerId: 'cust-1', name: ERASED, email: ERASED });
    for (const entry of history) expect(JSON.stringify(entry.audit)).not.toMatch(/Canary|canary|Renamed/);
    const loaded = await h.pipeline.load(register.aggregate, 'acct-1');
    expect(loaded.state.name).toEqual(ERASED);

    const report = await h.verify();
    expect(report.findings).toEqual([]);
    expect(report.ok).toBe(true);
    await h.close();
  });

  it('destroys the key bytes: gone from the key file and its WAL, but present with secure_delete off (control)', async () => {
    for (const secureDelete of [true, false]) {
      dir = mkdtempSync(join(tmpdir(), 'gw-keys-'));
      const keys = new SqliteKeyStore(join(dir, 'app.db.keys'), Buffer.alloc(32, 9), { secureDelete });
      await keys.getOrCreate('cust-keep');
      await keys.getOrCreate('cust-gone');
      const raw = (await import('better-sqlite3')).default;
      const peek = new raw(join(dir, 'app.db.keys'), { readonly: true });
      const wrapped = (peek.prepare(`SELECT wrapped FROM gw_keys WHERE subject = 'cust-gone'`).get() as { wrapped: Buffer }).wrapped;
      peek.close();
      expect(filesContain(dir, wrapped).length).toBeGreaterThan(0);
      expect(await keys.destroy('cust-gone')).toEqual({ existed: true, purged: true });
      expect(await keys.get('cust-gone')).toBeUndefined();
      await keys.close();
      const where = filesContain(dir, wrapped);
      console.log(`key bytes after forget (secure_delete ${secureDelete ? 'on' : 'off'}): found in ${where.length === 0 ? 'no file' : where.join(', ')}`);
      if (secureDelete) expect(where).toEqual([]);
      else expect(where.length).toBeGreaterThan(0);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('binds each ciphertext to its stream, version, type, field and subject', () => {
    const key = randomBytes(32);
    const at = { subject: 'cust-1', streamId: 'acct-1', version: 1, type: 'CustomerRegistered', field: 'email' };
    const text = encryptValue(key, 'ada@example.com', at);
    expect(decryptValue(key, text, at)).toBe('ada@example.com');
    for (const moved of [
      { ...at, subject: 'cust-2' },
      { ...at, streamId: 'acct-2' },
      { ...at, version: 2 },
      { ...at, type: 'CustomerRenamed' },
      { ...at, field: 'name' },
    ]) {
      expect(() => decryptValue(key, text, moved)).toThrow();
    }
    const flipped = text.slice(0, -4) + (text.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(() => decryptValue(key, flipped, at)).toThrow();
    expect(() => decryptValue(randomBytes(32), text, at)).toThrow();
  });

  it('keeps snapshots free of personal data: states that hold pii are never snapshotted', async () => {
    dir = mkdtempSync(join(tmpdir(), 'gw-snap-'));
    const h = await openHarness(dir);
    await h.pipeline.execute(register, { accountId: 'acct-1', customerId: 'cust-1', name: 'Ada', email: 'a@example.com' }, support);
    for (let i = 0; i < 5; i++) await h.pipeline.execute(rename, { accountId: 'acct-1', name: `Ada ${i}` }, support);
    expect(h.store.db.prepare('SELECT COUNT(*) AS n FROM gw_snapshots').get()).toEqual({ n: 0 });
    await h.close();
  });
});
