/** What a hostile caller puts in ids and contexts cannot forge the record a person reads. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { printable, timelineText } from '../../src/runtime/index.js';
import { type Harness, openHarness, register } from './harness.js';

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
