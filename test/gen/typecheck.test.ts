/** The generated projects compile under strict, with no `any`, and a new event breaks the build where it is not handled. */
import { afterAll, describe, expect, it } from 'vitest';
import { BOOK_STEPS, MEMBER_STEPS, fixture, tempProject, writeMembershipUpcasters, type TempProject } from './project.js';

const projects: TempProject[] = [];
afterAll(() => {
  for (const p of projects) p.remove();
});

describe('generated code under tsc --strict', () => {
  it('both examples, generated together as one project, type-check with no any', async () => {
    const project = tempProject({ 'bank.groundwork.yaml': fixture('bank'), 'subscriptions.groundwork.yaml': fixture('subscriptions') });
    projects.push(project);
    expect((await project.gen()).code).toBe(0);
    expect(project.tsc()).toBe('');
    const manifest = JSON.parse(project.read('groundwork.manifest.json')) as { files: Array<{ path: string }> };
    for (const { path } of manifest.files.filter((f) => f.path.endsWith('.ts'))) {
      const code = project.read(path).replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      expect(code, path).not.toMatch(/\bany\b|@ts-ignore|@ts-expect-error/);
    }
  }, 60_000);

  it('the membership example compiles once its upcaster steps are written, and not before', async () => {
    const project = tempProject({ 'membership.groundwork.yaml': fixture('membership'), 'bank.groundwork.yaml': fixture('bank') });
    projects.push(project);
    expect((await project.gen()).code).toBe(0);
    const scaffolded = project.tsc();
    expect(scaffolded).toContain('src/library/member/upcast/member-registered.ts');
    expect(scaffolded).toContain('src/library/loan/upcast/book-lent.ts');
    expect(scaffolded.split('\n').filter((line) => line.startsWith('src/') && !line.includes('/upcast/'))).toEqual([]);
    writeMembershipUpcasters(project);
    expect(project.tsc()).toBe('');
    for (const path of [MEMBER_STEPS, BOOK_STEPS, 'src/library/member/aggregate.ts', 'src/library/loan/aggregate.ts', 'src/library/loan/types.ts']) {
      const code = project.read(path).replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      expect(code, path).not.toMatch(/\bany\b|@ts-ignore|@ts-expect-error/);
    }
  }, 60_000);

  it('a missing upcaster step fails to compile in the user-owned file', async () => {
    const project = tempProject({ 'membership.groundwork.yaml': fixture('membership') });
    projects.push(project);
    await project.gen();
    writeMembershipUpcasters(project);
    project.write(BOOK_STEPS, project.read(BOOK_STEPS).replace(/  fromV2\(data, context\) \{[\s\S]*?\n  \},\n/, ''));
    const errors = project.tsc();
    expect(errors).toContain(BOOK_STEPS);
    expect(errors).toContain("Property 'fromV2' is missing");
  }, 60_000);

  it('a new event fails to compile in the user-owned evolve file until handled', async () => {
    const project = tempProject({ 'bank.groundwork.yaml': fixture('bank') });
    projects.push(project);
    await project.gen();
    const spec = project
      .read('bank.groundwork.yaml')
      .replace('      AccountClosed: {}\n', '      AccountClosed: {}\n      AccountReopened: {}\n')
      .replace('        emits: [AccountClosed]\n', '        emits: [AccountClosed, AccountReopened]\n');
    project.write('bank.groundwork.yaml', spec);
    expect((await project.gen()).code).toBe(0);
    const errors = project.tsc();
    expect(errors).toContain('src/banking/account/evolve.ts');
    expect(errors).toContain("Property 'AccountReopened' is missing");
    project.write(
      'src/banking/account/evolve.ts',
      project
        .read('src/banking/account/evolve.ts')
        .replace(
          'export const evolve: AccountEvolvers = {\n',
          "export const evolve: AccountEvolvers = {\n  AccountReopened(state) {\n    state.status = 'open';\n  },\n",
        ),
    );
    expect(project.tsc()).toBe('');
  }, 60_000);

  it('gen --check --deep names a misnamed export in a user file, with its line', async () => {
    const project = tempProject({ 'bank.groundwork.yaml': fixture('bank') });
    projects.push(project);
    await project.gen();
    const file = 'src/banking/account/decide/deposit.ts';
    project.write(file, project.read(file).replace('export function decideDeposit(', 'export function decideDepositMoney('));
    const result = await project.gen('--check', '--deep');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`${file}:6:1 error GW2001 missing export "decideDeposit", imported by src/banking/account/commands.ts`));
    expect(result.stdout).toContain('hint: rename "decideDepositMoney" to "decideDeposit"');
    const json = await project.gen('--check', '--deep', '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, drift: [], missingExports: [{ code: 'GW2001', file, line: 6, name: 'decideDeposit' }] });
  }, 60_000);
});
