/**
 * End-to-end tests against the built binary (`npm run build` first; `npm test` does it), as a
 * user or a CI job would run it.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const bin = join(root, 'bin/groundwork.js');
let work: string;

function run(args: string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}) {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, CI: 'true', ...options.env };
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: options.cwd ?? work, env: env as NodeJS.ProcessEnv, encoding: 'utf8', timeout: 20_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'groundwork-cli-'));
  cpSync(join(root, 'fixtures/examples'), join(work, 'specs'), { recursive: true });
  mkdirSync(join(work, 'broken'));
  cpSync(join(root, 'fixtures/invalid/typos.groundwork.yaml'), join(work, 'broken/typos.groundwork.yaml'));
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('groundwork validate', () => {
  it('exits 0 on the examples and says so', () => {
    const r = run(['validate', 'specs']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('✓ 3 spec files valid\n');
    expect(r.stderr).toBe('');
  });

  it('finds spec files under the current folder by default', () => {
    const r = run(['validate'], { cwd: join(work, 'specs') });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('3 spec files valid');
  });

  it('exits 1 with positioned findings, a code frame and did-you-mean hints on typos', () => {
    const r = run(['validate', 'broken']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('broken/typos.groundwork.yaml:33:13 error GW1012 command "CancelSubscription" emits unknown event "SubscriptionCanceled"');
    expect(r.stdout).toContain(
      '   33 |           - SubscriptionCanceled\n      |             ^^^^^^^^^^^^^^^^^^^^\n  hint: did you mean "SubscriptionCancelled"?',
    );
    expect(r.stdout).not.toMatch(/\u001b\[/);
    expect(r.stderr).toContain('run `groundwork validate` again');
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('--json prints exactly one JSON document with the same data', () => {
    const r = run(['validate', 'broken', '--json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as {
      schemaVersion: number;
      ok: boolean;
      summary: { errors: number; warnings: number; files: number };
      diagnostics: Array<Record<string, unknown>>;
    };
    expect(doc.schemaVersion).toBe(1);
    expect(doc.ok).toBe(false);
    expect(doc.summary).toEqual({ files: 1, errors: 6, warnings: 2 });
    const first = doc.diagnostics.find((d) => d['code'] === 'GW1012')!;
    expect(Object.keys(first).sort()).toEqual(['code', 'column', 'end', 'file', 'hint', 'line', 'message', 'path', 'severity']);
    expect(first).toMatchObject({
      line: 33,
      column: 13,
      end: { line: 33, column: 33 },
      path: ['aggregates', 'Subscription', 'commands', 'CancelSubscription', 'emits', 0],
    });
    expect(r.stderr).toBe('');
    expect(run(['validate', 'specs', '--format', 'json']).stdout).toContain('"ok": true');
  });

  it('--format github prints workflow annotations', () => {
    const r = run(['validate', 'broken', '--format', 'github']);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(8);
    expect(lines).toContain(
      '::error file=broken/typos.groundwork.yaml,line=33,col=13,endLine=33,endColumn=33,title=GW1012::GW1012 command "CancelSubscription" emits unknown event "SubscriptionCanceled" (did you mean "SubscriptionCancelled"?)',
    );
    expect(lines.filter((l) => l.startsWith('::warning '))).toHaveLength(2);
  });

  it('--strict fails on warnings alone', () => {
    const dir = join(work, 'warn');
    mkdirSync(dir, { recursive: true });
    const text = readFileSync(join(root, 'fixtures/examples/bank.groundwork.yaml'), 'utf8').replace(
      '      AccountClosed: {}\n',
      '      AccountClosed: {}\n      AccountArchived: {}\n',
    );
    writeFileSync(join(dir, 'bank.groundwork.yaml'), text);
    expect(run(['validate', 'warn']).code).toBe(0);
    const strict = run(['validate', 'warn', '--strict']);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain('GW1090');
  });

  it('colours only when asked: FORCE_COLOR on, NO_COLOR and pipes off', () => {
    expect(run(['validate', 'broken'], { env: { FORCE_COLOR: '1' } }).stdout).toMatch(/\u001b\[31merror/);
    expect(run(['validate', 'broken'], { env: { NO_COLOR: '1' } }).stdout).not.toMatch(/\u001b\[/);
    expect(run(['validate', 'broken'], { env: { TERM: 'dumb' } }).stdout).not.toMatch(/\u001b\[/);
  });

  it('exits 2 with a coded error and no stack trace for a missing path', () => {
    const r = run(['validate', 'nope.groundwork.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('GW9002 cannot read nope.groundwork.yaml: no such file or folder');
    expect(r.stderr).toContain('hint:');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  });

  it('exits 2 when there is no spec file to check', () => {
    const empty = join(work, 'empty');
    mkdirSync(empty, { recursive: true });
    const r = run(['validate'], { cwd: empty });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('GW9003');
  });

  it('exits 2 on usage errors', () => {
    const unknown = run(['validate', '--frmat', 'json']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--frmat'");
    expect(unknown.stderr).toContain('GW9001');
    const badChoice = run(['validate', '--format', 'xml']);
    expect(badChoice.code).toBe(2);
    expect(badChoice.stderr).toContain('text, json, github');
    expect(run(['valdate']).code).toBe(2);
    expect(run(['valdate']).stderr).toContain('validate');
  });

  it('prints help and version with exit 0', () => {
    const help = run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('validate');
    const version = run(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version);
  });
});

describe('groundwork validate --against', () => {
  const git = (cwd: string, ...args: string[]) =>
    spawnSync('git', ['-c', 'user.email=ci@example.com', '-c', 'user.name=ci', ...args], { cwd, encoding: 'utf8' });

  it('reports nothing when nothing broke, against a folder', () => {
    const r = run(['validate', 'specs', '--against', 'specs']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('✓ 3 spec files valid\n');
  });

  it('exits 1 on a breaking change since a git revision, positioned in the current file, as GitHub annotations', () => {
    const repo = mkdtempSync(join(tmpdir(), 'groundwork-against-'));
    try {
      cpSync(join(root, 'fixtures/examples/membership.groundwork.yaml'), join(repo, 'membership.groundwork.yaml'));
      git(repo, 'init', '-q');
      git(repo, 'add', '.');
      git(repo, 'commit', '-qm', 'released');
      const file = join(repo, 'membership.groundwork.yaml');
      writeFileSync(file, readFileSync(file, 'utf8').replace('      LoanExtended:\n        dueOn: date\n', '      LoanExtended:\n        until: date\n'));
      const text = run(['validate', '--against', 'HEAD'], { cwd: repo });
      expect(text.code).toBe(1);
      expect(text.stdout).toContain('membership.groundwork.yaml:77:7 error GW1121 field "dueOn" of event "LoanExtended" is gone (removed or renamed)');
      expect(text.stderr).toContain('new version');
      const github = run(['validate', '--against', 'HEAD', '--format', 'github'], { cwd: repo });
      expect(github.stdout).toContain('::error file=membership.groundwork.yaml,line=77,col=7');
      const unknown = run(['validate', '--against', 'no-such-revision'], { cwd: repo });
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('GW9002');
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });
});

describe('groundwork schema', () => {
  it('prints the committed JSON Schema', () => {
    const r = run(['schema']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(root, 'schemas/groundwork.schema.json'), 'utf8'));
  });

  it('--out writes the file, and writes nothing when it is up to date', () => {
    const out = join(work, 'out/schema.json');
    const first = run(['schema', '--out', 'out/schema.json']);
    expect(first.code).toBe(0);
    expect(first.stderr).toBe('wrote out/schema.json\n');
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(join(root, 'schemas/groundwork.schema.json'), 'utf8'));
    expect(run(['schema', '--out', 'out/schema.json']).stderr).toBe('out/schema.json is up to date\n');
  });
});
