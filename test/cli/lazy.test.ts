/**
 * The light commands start fast: `validate` must not load ts-morph, the emitters or the
 * gen/slice/bench code (`npm run build` first, like cli.test.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const bin = join(root, 'bin/groundwork.js');
const spec = join(root, 'fixtures/examples/bank.groundwork.yaml');
const scratch = mkdtempSync(join(tmpdir(), 'groundwork-lazy-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const HOOKS = `
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.GROUNDWORK_LOADED_LOG, resolved.url + '\\n');
  return resolved;
}`;

/** The module URLs a run of the built CLI resolved. */
function loadedModules(args: readonly string[]): string[] {
  const hooks = join(scratch, 'hooks.mjs');
  const register = join(scratch, 'register.mjs');
  const log = join(scratch, `loaded-${Math.random().toString(36).slice(2)}.log`);
  writeFileSync(hooks, HOOKS);
  writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
  writeFileSync(log, '');
  const result = spawnSync(process.execPath, ['--import', pathToFileURL(register).href, bin, ...args], {
    cwd: scratch,
    env: { ...process.env, GROUNDWORK_LOADED_LOG: log, CI: 'true' },
    encoding: 'utf8',
  });
  expect(result.stderr).not.toMatch(/GW9999/);
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((line) => line !== '');
}

const HEAVY = [
  /\/node_modules\/ts-morph\//,
  /\/node_modules\/handlebars\//,
  /\/dist\/emit\//,
  /\/dist\/write\/deep\.js$/,
  /\/dist\/bench\//,
  /\/dist\/cli\/actions\//,
];

describe('lazy loading', () => {
  it('validate loads none of the heavy modules', () => {
    const loaded = loadedModules(['validate', spec]);
    expect(loaded.some((url) => url.endsWith('/dist/cli/commands/validate.js'))).toBe(true);
    for (const heavy of HEAVY) expect(loaded.filter((url) => heavy.test(url))).toEqual([]);
  });

  it('gen --check loads ts-morph only with --deep', () => {
    const usesTsMorph = (args: string[]) => loadedModules(args).some((url) => url.includes('/node_modules/ts-morph/'));
    const gen = ['gen', spec, '--check', '--out', 'project'];
    expect(usesTsMorph(gen)).toBe(false);
    expect(usesTsMorph([...gen, '--deep'])).toBe(true);
  });

  it('the static import graph of the CLI entry does not reach ts-morph, bench, slice or gen code', () => {
    const reached = staticGraph(join(root, 'dist/cli/main.js'));
    const names = [...reached].map((file) => file.slice(root.length));
    expect(names).toContain('/dist/cli/commands/slice.js');
    for (const heavy of HEAVY) expect(names.filter((name) => heavy.test(name))).toEqual([]);
    expect(names.filter((name) => name.startsWith('package:ts-morph'))).toEqual([]);
  });
});

/** Files reached from `entry` by static imports; packages appear as `package:<name>`. */
function staticGraph(entry: string): Set<string> {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (file.startsWith('package:')) continue;
    for (const [, specifier = ''] of readFileSync(file, 'utf8').matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'/gm)) {
      if (specifier.startsWith('node:')) continue;
      queue.push(specifier.startsWith('.') ? resolve(dirname(file), specifier) : `package:${specifier}`);
    }
  }
  return seen;
}
