import prompts from 'prompts';
import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/terminal/errors.js';
import { terminalAsker, type Asker } from '../../src/terminal/prompt.js';
import { CancelledError, detectPackageManager, packageNameProblem, resolveOptions } from '../../src/create/options.js';

const base = { cwd: '/work', userAgent: undefined, version: '1.2.3' };
const never: Asker = {
  text: () => Promise.reject(new Error('asked')),
  select: () => Promise.reject(new Error('asked')),
  toggle: () => Promise.reject(new Error('asked')),
};

describe('create-groundwork options', () => {
  it('asks for everything missing, through prompts, with injected answers', async () => {
    prompts.inject(['my-shop', 'bank', 'pnpm', false, true]);
    const options = await resolveOptions({}, { ...base, interactive: true, ask: terminalAsker });
    expect(options).toEqual({
      dir: '/work/my-shop',
      name: 'my-shop',
      template: 'bank',
      packageManager: 'pnpm',
      git: false,
      install: true,
      overwrite: false,
      groundworkSpec: '^1.2.3',
    });
  });

  it('asks only for what the flags leave open', async () => {
    const asked: string[] = [];
    const ask: Asker = {
      text: () => Promise.reject(new Error('no text question expected')),
      select: async (q) => {
        asked.push(q.name);
        return (q.name === 'template' ? 'subscriptions' : 'npm') as never;
      },
      toggle: async (q) => {
        asked.push(q.name);
        return true;
      },
    };
    const options = await resolveOptions({ dir: 'app', git: false }, { ...base, interactive: true, ask });
    expect(asked).toEqual(['template', 'packageManager', 'install']);
    expect(options).toMatchObject({ dir: '/work/app', name: 'app', template: 'subscriptions', git: false, install: true });
  });

  it('--yes takes the defaults and asks nothing', async () => {
    const options = await resolveOptions({ yes: true }, { ...base, interactive: true, ask: never, userAgent: 'yarn/4.1.0 npm/? node/v20.19.0' });
    expect(options).toMatchObject({ dir: '/work/groundwork-app', template: 'blank', packageManager: 'yarn', git: true, install: true });
  });

  it('without a terminal, a missing value fails naming its flag', async () => {
    const attempt = (flags: Parameters<typeof resolveOptions>[0]) => resolveOptions(flags, { ...base, interactive: false, ask: never });
    await expect(attempt({})).rejects.toMatchObject({ code: 'GW9006', message: expect.stringContaining('[dir]') as unknown as string });
    await expect(attempt({ dir: 'app' })).rejects.toMatchObject({ code: 'GW9006', message: expect.stringContaining('--template') as unknown as string });
    await expect(attempt({ dir: 'app', template: 'banking' })).rejects.toMatchObject({
      code: 'GW9001',
      message: expect.stringContaining('--template "banking"') as unknown as string,
    });
    await expect(attempt({ dir: 'app', template: 'bank', packageManager: 'pip' })).rejects.toBeInstanceOf(CliError);
    await expect(attempt({ dir: 'app', template: 'bank', name: 'My App' })).rejects.toMatchObject({
      message: expect.stringContaining('lower-case') as unknown as string,
    });
    expect(await attempt({ dir: 'My Folder', template: 'bank' })).toMatchObject({ name: 'my-folder', packageManager: 'npm' });
  });

  it('a cancelled prompt cancels the whole run', async () => {
    const ask: Asker = { ...never, select: async () => undefined };
    await expect(resolveOptions({ dir: 'x' }, { ...base, interactive: true, ask })).rejects.toBeInstanceOf(CancelledError);
  });

  it('detects the package manager and checks package names', () => {
    expect(detectPackageManager('pnpm/9.0.0 npm/? node/v22.0.0 linux x64')).toBe('pnpm');
    expect(detectPackageManager('bun/1.1.0')).toBe('bun');
    expect(detectPackageManager(undefined)).toBe('npm');
    expect(packageNameProblem('@scope/app')).toBeUndefined();
    expect(packageNameProblem('App')).toContain('lower-case');
    expect(packageNameProblem('')).toContain('empty');
  });
});

describe('the better-sqlite3 a project gets', () => {
  it('follows the Node that creates it: 13 from Node 22 on, 12 on Node 20', async () => {
    const { sqliteDependency } = await import('../../src/create/files.js');
    expect(sqliteDependency('v20.19.0')).toEqual({ betterSqlite3: '^12.4.1', nodeEngines: '^20.19.0 || >=22.12.0' });
    expect(sqliteDependency('v24.11.0')).toEqual({ betterSqlite3: '^13.0.3', nodeEngines: '>=22.12.0' });
  });
});
