/**
 * gen's cache: a gen with nothing to do skips compiling and emitting, and anything that could
 * change the output (a spec, a generated file edited or deleted, a scaffolded file removed, an
 * orphan, a damaged cache) makes it plan in full again, with the same result as without a cache.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { planGen, writePlan, type GenPlan } from '../../src/write/gen-plan.js';
import { fixture } from './project.js';

let dir: string;
const where = () => ({ cwd: dir });
const plan = (): GenPlan => planGen(where(), [], { out: '.', force: [] });
const pending = (p: GenPlan) => p.changes.filter((c) => c.action !== 'keep' && c.action !== 'user').map((c) => `${c.action} ${c.path}`);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gw-gen-cache-'));
  // A private node_modules, as after npm install: gen keeps its cache there.
  mkdirSync(join(dir, 'node_modules'));
  writeFileSync(join(dir, 'bank.groundwork.yaml'), fixture('bank'));
  writePlan(plan());
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("gen's cache", () => {
  it('answers a gen with nothing to do without compiling, with the same changes as a full plan', () => {
    const cached = plan();
    expect(cached.fromCache).toBe(true);
    expect(pending(cached)).toEqual([]);
    expect(readdirSync(join(dir, 'node_modules', '.cache', 'groundwork'))).toHaveLength(1);
    rmSync(join(dir, 'node_modules', '.cache'), { recursive: true });
    const full = plan();
    expect(full.fromCache).toBe(false);
    expect(full.changes.map((c) => [c.path, c.action])).toEqual(cached.changes.map((c) => [c.path, c.action]));
    expect(cached.required()).toEqual(full.required());
  });

  it('plans in full when a spec, a generated file or a scaffolded file changed, or the cache is damaged', () => {
    const types = 'src/banking/account/types.ts';
    writeFileSync(join(dir, types), `${readFileSync(join(dir, types), 'utf8')}// edited\n`);
    let again = plan();
    expect(again.fromCache).toBe(false);
    expect(pending(again)).toEqual([`update ${types}`]);
    writePlan(again);
    expect(plan().fromCache).toBe(true);

    unlinkSync(join(dir, types));
    expect(pending(plan())).toEqual([`create ${types}`]);
    writePlan(plan());

    unlinkSync(join(dir, 'src/banking/account/decide/deposit.ts'));
    expect(pending(plan())).toEqual(['create src/banking/account/decide/deposit.ts']);
    writePlan(plan());

    writeFileSync(join(dir, 'bank.groundwork.yaml'), fixture('bank').replace('snapshotEvery: 200', 'snapshotEvery: 300'));
    again = plan();
    expect(again.fromCache).toBe(false);
    expect(pending(again)).toEqual(['update src/banking/account/aggregate.ts']);
    writePlan(again);

    const [cache] = readdirSync(join(dir, 'node_modules', '.cache', 'groundwork'));
    writeFileSync(join(dir, 'node_modules', '.cache', 'groundwork', cache!), '{ not json');
    expect(plan().fromCache).toBe(false);
    expect(pending(plan())).toEqual([]);
  });

  it('keeps reporting an orphan, and plans in full once it is gone', () => {
    writeFileSync(join(dir, 'bank.groundwork.yaml'), fixture('bank').replace(/      CloseAccount:\n[\s\S]*?allow: \[teller\]\n/, ''));
    writePlan(plan());
    const orphan = 'src/banking/account/decide/close-account.ts';
    const cached = plan();
    expect(cached.fromCache).toBe(true);
    expect(pending(cached)).toEqual([`orphan ${orphan}`]);
    unlinkSync(join(dir, orphan));
    const full = plan();
    expect(full.fromCache).toBe(false);
    expect(existsSync(join(dir, orphan))).toBe(false);
    expect(pending(full)).toEqual(['update groundwork.manifest.json']);
  });

  it('without node_modules, there is no cache and every run plans in full', () => {
    rmSync(join(dir, 'node_modules'), { recursive: true });
    writePlan(plan());
    expect(plan().fromCache).toBe(false);
  });
});
