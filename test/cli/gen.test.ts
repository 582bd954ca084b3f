/** `groundwork gen` through the built binary: exit codes, views of the plan, and error paths. */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
let work: string;

function run(args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: 'true' };
  delete env['FORCE_COLOR'];
  const r = spawnSync(process.execPath, [join(root, 'bin/groundwork.js'), ...args], { cwd: work, env, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'gw-gen-cli-'));
  cpSync(join(root, 'fixtures/examples/bank.groundwork.yaml'), join(work, 'bank.groundwork.yaml'));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

describe('groundwork gen', () => {
  it('--dry-run lists the plan and writes nothing', () => {
    const r = run(['gen', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('create  src/banking/account/types.ts');
    expect(r.stdout).toMatch(/dry run, nothing written: \d+ to create, 0 to update, 0 to delete/);
    expect(readdirSync(work)).toEqual(['bank.groundwork.yaml']);
  });

  it('--diff prints unified diffs and writes nothing', () => {
    const r = run(['gen', '--diff']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('+++ b/src/banking/account/types.ts');
    expect(r.stdout).toContain('+export interface AccountState {');
    expect(existsSync(join(work, 'src'))).toBe(false);
  });

  it('writes, then --check passes; --check on a fresh folder fails with the fix command', () => {
    const check = run(['gen', '--check']);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('drift  src/app.ts is missing');
    expect(check.stderr).toContain('Run `groundwork gen` and commit the result.');
    expect(run(['gen']).code).toBe(0);
    expect(run(['gen', '--check']).code).toBe(0);
    const github = run(['gen', '--check', '--format', 'github']);
    expect(github.stdout).toBe('');
  });

  it('--json prints one document with every change', () => {
    const r = run(['gen', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { schemaVersion: number; written: boolean; changes: Array<{ path: string; action: string; ownership: string }> };
    expect(doc.schemaVersion).toBe(1);
    expect(doc.written).toBe(true);
    expect(doc.changes.find((c) => c.path === 'src/banking/account/evolve.ts')).toEqual({
      path: 'src/banking/account/evolve.ts',
      action: 'create',
      ownership: 'scaffolded',
    });
    expect(doc.changes.find((c) => c.path === 'src/app.ts')?.ownership).toBe('wiring');
  });

  it('writes into --out only', () => {
    expect(run(['gen', '--out', 'app']).code).toBe(0);
    expect(existsSync(join(work, 'app/src/app.ts'))).toBe(true);
    expect(existsSync(join(work, 'src'))).toBe(false);
  });

  it('an invalid spec generates nothing and exits 1 with the findings', () => {
    writeFileSync(
      join(work, 'bank.groundwork.yaml'),
      'groundwork: 1\ncontext: banking\naggregates:\n  Account:\n    id: accountId\n    events: { Opened: {} }\n    commands:\n      Open: { emits: [Opend], allow: [teller] }\n',
    );
    const r = run(['gen']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('GW1012');
    expect(r.stderr).toContain('Nothing was generated');
    expect(existsSync(join(work, 'src'))).toBe(false);
  });

  it('--force on a file gen does not scaffold is a usage error', () => {
    const r = run(['gen', '--force', 'src/app.ts']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--force src/app.ts: not a file gen scaffolds');
    expect(run(['gen', '--force', '../x.ts']).code).toBe(2);
  });
});
