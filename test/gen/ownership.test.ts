/** Determinism and ownership: what gen writes, keeps, deletes and refuses. */
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { requiredExports } from '../../src/emit/exports.js';
import { planProject } from '../../src/emit/index.js';
import { compileProject } from '../../src/model/project.js';
import { computeChanges } from '../../src/write/changes.js';
import { UnsafePathError, inside } from '../../src/write/disk.js';
import { fixture, tempProject, type TempProject } from './project.js';

let project: TempProject | undefined;
afterEach(() => project?.remove());

function plan(text: string) {
  return planProject(compileProject([{ file: 'bank.groundwork.yaml', text }]).project!);
}

describe('gen', () => {
  it('is deterministic: the same specs plan byte-identical files', () => {
    const a = plan(fixture('bank'));
    const b = plan(fixture('bank'));
    expect(b).toEqual(a);
    for (const file of a) {
      expect(file.content).not.toMatch(/\r|\/work\/|\/tmp\/|\d{4}-\d\d-\d\dT\d\d:\d\d/);
      expect(file.content.endsWith('\n')).toBe(true);
    }
  });

  it('scaffolds one upcaster file per versioned event, owned by the user and checked by gen --check --deep', () => {
    const compiled = compileProject([{ file: 'membership.groundwork.yaml', text: fixture('membership') }]).project!;
    const upcasters = planProject(compiled).filter((f) => f.path.includes('/upcast/'));
    expect(upcasters.map((f) => [f.path, f.ownership])).toEqual([
      ['src/library/loan/upcast/book-lent.ts', 'scaffolded'],
      ['src/library/member/upcast/member-registered.ts', 'scaffolded'],
    ]);
    expect(requiredExports(compiled).filter((e) => e.path.includes('/upcast/'))).toEqual([
      { path: 'src/library/member/upcast/member-registered.ts', name: 'upcastMemberRegistered', importedBy: 'src/library/member/aggregate.ts' },
      { path: 'src/library/loan/upcast/book-lent.ts', name: 'upcastBookLent', importedBy: 'src/library/loan/aggregate.ts' },
    ]);
  });

  it('writes nothing the second time', async () => {
    project = tempProject({ 'bank.groundwork.yaml': fixture('bank') });
    const first = await project.gen();
    expect(first.code).toBe(0);
    const manifest = join(project.dir, 'groundwork.manifest.json');
    const before = statSync(manifest).mtimeMs;
    await new Promise((r) => setTimeout(r, 20));
    const second = await project.gen();
    expect(second.stdout).toMatch(/nothing to write: \d+ unchanged, \d+ of yours kept/);
    expect(statSync(manifest).mtimeMs).toBe(before);
    expect((await project.gen('--check')).code).toBe(0);
  });

  it('keeps an edited scaffolded file, and --force rewrites it', async () => {
    project = tempProject({ 'bank.groundwork.yaml': fixture('bank') });
    await project.gen();
    const decide = 'src/banking/account/decide/withdraw.ts';
    const edited = project
      .read(decide)
      .replace('return [', "if (command.amount > state.balance) return reject('overdraft', 'not enough money');\n  return [")
      .replace('import type { Decision', 'import { reject, type Decision')
      .replace('import type { Decision, DeepReadonly }', 'import { reject, type Decision, type DeepReadonly }');
    project.write(decide, edited);
    const again = await project.gen();
    expect(again.code).toBe(0);
    expect(project.read(decide)).toBe(edited);
    expect((await project.gen('--check')).code).toBe(0);
    expect((await project.gen('--force', decide)).code).toBe(0);
    expect(project.read(decide)).not.toBe(edited);
  });

  it('--check fails on an edited generated file, naming it, and gen restores it', async () => {
    project = tempProject({ 'bank.groundwork.yaml': fixture('bank') });
    await project.gen();
    const types = 'src/banking/account/types.ts';
    const original = project.read(types);
    project.write(types, original.replace('balance: number;', 'balance: number; // patched'));
    const check = await project.gen('--check');
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(`drift  ${types} differs from what \`groundwork gen\` writes`);
    expect(check.stdout).toContain('-  balance: number; // patched');
    expect(check.stderr).toContain('Run `groundwork gen` and commit the result.');
    await project.gen();
    expect(project.read(types)).toBe(original);
  });

  it('removing a command deletes its generated code and reports, never deletes, its user file', async () => {
    project = tempProject({ 'bank.groundwork.yaml': fixture('bank') });
    await project.gen();
    const decide = 'src/banking/account/decide/close-account.ts';
    const text = fixture('bank')
      .replace(/      CloseAccount:\n(        .*\n)+/, '')
      .replace(', AccountClosed]', ']')
      .replace('      AccountClosed: {}\n', '');
    writeFileSync(join(project.dir, 'bank.groundwork.yaml'), text);
    const check = await project.gen('--check');
    expect(check.code).toBe(1);
    const result = await project.gen();
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`orphan  ${decide}`);
    expect(existsSync(join(project.dir, decide))).toBe(true);
    expect(project.read('src/banking/account/commands.ts')).not.toContain('CloseAccount');
    expect(project.read('src/app.ts')).not.toContain('CloseAccount');
    expect((await project.gen('--check')).stdout).toContain(`orphan ${decide}`);
    expect((await project.gen('--check')).code).toBe(0);
  });

  it('deletes a stale generated file, but never one a tampered manifest calls generated', () => {
    const planned = plan(fixture('bank'));
    const disk = new Map<string, string>([
      ['src/old/types.ts', '// Code generated by groundwork from x. DO NOT EDIT.\nexport {};\n'],
      ['src/mine.ts', 'export const mine = 1;\n'],
    ]);
    const changes = computeChanges(
      planned,
      [
        { path: 'src/old/types.ts', ownership: 'generated' },
        { path: 'src/mine.ts', ownership: 'generated' },
      ],
      { read: (p) => disk.get(p) },
      new Set(),
    );
    expect(changes.find((c) => c.path === 'src/old/types.ts')?.action).toBe('delete');
    expect(changes.find((c) => c.path === 'src/mine.ts')?.action).toBe('orphan');
  });

  it('refuses to touch anything outside the output folder', () => {
    for (const bad of ['../x.ts', '/etc/passwd', 'a/../../b', 'a\\..\\b', 'a/./b', '', 'a\u0000b', 'a//b']) {
      expect(() => inside('/tmp/out', bad), bad).toThrow(UnsafePathError);
    }
    expect(inside('/tmp/out', 'src/app.ts')).toBe('/tmp/out/src/app.ts');
  });

  it('a manifest that names a path outside the folder stops gen without touching anything', async () => {
    project = tempProject({ 'bank.groundwork.yaml': fixture('bank') });
    await project.gen();
    const manifest = JSON.parse(project.read('groundwork.manifest.json')) as { files: Array<{ path: string; ownership: string }> };
    manifest.files.push({ path: '../outside.ts', ownership: 'generated' });
    project.write('groundwork.manifest.json', JSON.stringify(manifest));
    writeFileSync(join(project.dir, '..', 'outside.ts'), '// Code generated by groundwork. DO NOT EDIT.\n');
    const result = await project.gen();
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('refusing to touch "../outside.ts"');
    expect(existsSync(join(project.dir, '..', 'outside.ts'))).toBe(true);
  });
});
