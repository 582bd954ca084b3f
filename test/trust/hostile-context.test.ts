/** What a hostile caller puts in ids and contexts cannot forge the record a person reads. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { printable, timelineText } from '../../src/runtime/index.js';
import { close, type Harness, openHarness, register, support } from './harness.js';

let dir: string;
let h: Harness;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gw-hostile-'));
  h = await openHarness(dir);
});
afterEach(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('human-readable history', () => {
  it('escapes newlines and bidi controls, so no entry can be forged or reversed', async () => {
    const forged = 'x\n2026-11-22T10:00:00.000Z  Close  DENIED\n    denied: role: forged';
    const actor = { id: 'mallory\u202Enimda', kind: 'agent', roles: ['support'] } as const;
    await h.pipeline.execute(
      register,
      { accountId: 'a1', customerId: 'c1', name: 'Ada', email: 'ada@example.com' },
      { actor, tenant: 't1', commandId: forged },
    );
    const [entry] = await h.trust.history({ stream: 'a1' }, 't1');
    const text = timelineText(entry!);
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines.filter((line) => line.includes('DENIED'))).toHaveLength(1);
    expect(lines.some((line) => line.startsWith('2026-11-22T10:00:00.000Z  Close'))).toBe(false);
    expect(text).toContain('mallory\\u202enimda');
    expect(text).not.toContain('\u202E');
    expect(printable('tab\there')).toBe('tab\\u0009here');
    expect(printable('plain text, accents é and emoji 🙂')).toBe('plain text, accents é and emoji 🙂');
  });
});

describe('contexts are validated like input', () => {
  const input = { accountId: 'a1', customerId: 'c1', name: 'Ada', email: 'ada@example.com' };

  it('refuses malformed contexts with a typed validation error, and audits each refusal', async () => {
    const bad: Array<[string, unknown]> = [
      ['roles as a string', { actor: { id: 'u', kind: 'human', roles: 'support' }, tenant: 't1' }],
      ['no actor', { tenant: 't1' }],
      ['an object tenant', { actor: support.actor, tenant: { id: 't1' } }],
      ['a numeric tenant', { actor: support.actor, tenant: 42 }],
      ['an unknown actor kind', { actor: { id: 'u', kind: 'robot', roles: ['support'] }, tenant: 't1' }],
      ['an unknown key', { actor: support.actor, tenant: 't1', admin: true }],
    ];
    for (const [, context] of bad) {
      const result = await h.pipeline.execute(register, input, context as never);
      expect(result).toMatchObject({ ok: false, error: { code: 'validation' } });
      if (!result.ok && result.error.code === 'validation') expect(result.error.issues[0]!.path[0]).toBe('context');
    }
    const refused = await h.store.events.commands({ stream: 'a1' }, '');
    const inTenant = await h.store.events.commands({ stream: 'a1' }, 't1');
    expect([...refused, ...inTenant].map((c) => c.audit.outcome)).toEqual(Array.from({ length: bad.length }, () => 'invalid'));
    expect(inTenant.find((c) => c.audit.actor.kind === 'unknown' && c.audit.actor.id === 'u')?.audit.actor).toEqual({
      id: 'u',
      kind: 'unknown',
      roles: ['support'],
    });
    expect(await h.verify()).toMatchObject({ ok: true, findings: [] });
  });

  it('reads onBehalfOf: null as absent', async () => {
    expect(await h.pipeline.execute(register, input, { ...support, onBehalfOf: null } as never)).toMatchObject({ ok: true });
  });

  it("keeps undo ids out of callers' reach, so nobody can squat an undo", async () => {
    await h.pipeline.execute(register, input, { ...support, commandId: 'reg-1' });
    expect(await h.pipeline.execute(close, { accountId: 'a1' }, { ...support, commandId: 'close-1' })).toMatchObject({ ok: true });
    const squat = await h.pipeline.execute(close, { accountId: 'a1' }, { ...support, commandId: 'undo:close-1' });
    expect(squat).toMatchObject({ ok: false, error: { code: 'validation', issues: [{ path: ['context', 'commandId'] }] } });
    expect(await h.trust.undo('close-1', support)).toMatchObject({ ok: true, commandId: 'undo:close-1' });
  });

  it('bounds what an invalid request can write: a 10 MB id leaves a small record', async () => {
    const huge = 'x'.repeat(10 * 1024 * 1024);
    const result = await h.pipeline.execute(register, { ...input, accountId: huge }, { ...support, commandId: huge });
    expect(result).toMatchObject({ ok: false, error: { code: 'validation' } });
    const [record] = await h.store.events.commands({ actor: support.actor.id }, 't1');
    expect(JSON.stringify(record!.audit).length).toBeLessThan(4096);
  });
});
