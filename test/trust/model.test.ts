/**
 * Model-based test of the store (reliability-tests.md): fast-check runs random sequences of
 * appends, reads, snapshots (every 3 counter events), forgets, verifies and restarts against the
 * real runtime and a plain in-memory model, and fails on the first divergence.
 */
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERASED } from '../../src/runtime/index.js';
import { increment, openCounter } from '../runtime/counter.js';
import { customer, openHarness, register, rename, signingKeys, support, type Harness } from './harness.js';

const seed = Number(process.env['FC_SEED'] ?? Date.now() % 2 ** 31);

interface Model {
  counters: Map<number, number>;
  names: Map<number, string>;
  forgotten: Set<number>;
}

interface Real {
  h: Harness;
  readonly dir: string;
  readonly keys: ReturnType<typeof signingKeys>;
}

const human = { actor: { id: 'u', kind: 'human', roles: ['owner'] }, tenant: 't1' } as const;

class AddCounter implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly id: number,
    readonly by: number,
  ) {}
  check = () => true;
  async run(m: Model, r: Real) {
    if (!m.counters.has(this.id)) {
      expect((await r.h.pipeline.execute(openCounter, { counterId: `c${this.id}`, owner: 'o', limit: 1_000_000 }, human)).ok).toBe(true);
      m.counters.set(this.id, 0);
    }
    expect((await r.h.pipeline.execute(increment, { counterId: `c${this.id}`, by: this.by }, human)).ok).toBe(true);
    m.counters.set(this.id, m.counters.get(this.id)! + this.by);
  }
  toString = () => `add(c${this.id}, ${this.by})`;
}

class Name implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly id: number,
    readonly name: string,
  ) {}
  check = (m: Readonly<Model>) => !m.forgotten.has(this.id);
  async run(m: Model, r: Real) {
    const result = m.names.has(this.id)
      ? await r.h.pipeline.execute(rename, { accountId: `a${this.id}`, name: this.name }, support)
      : await r.h.pipeline.execute(register, { accountId: `a${this.id}`, customerId: `p${this.id}`, name: this.name, email: `${this.id}@x.example` }, support);
    expect(result.ok).toBe(true);
    m.names.set(this.id, this.name);
  }
  toString = () => `name(a${this.id}, ${JSON.stringify(this.name)})`;
}

class Read implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(m: Model, r: Real) {
    for (const [id, value] of m.counters) expect((await r.h.pipeline.load(increment.aggregate, `c${id}`)).state.value).toBe(value);
    for (const [id, name] of m.names) expect((await r.h.pipeline.load(customer, `a${id}`)).state.name).toEqual(m.forgotten.has(id) ? ERASED : name);
  }
  toString = () => 'read';
}

class Forget implements fc.AsyncCommand<Model, Real> {
  constructor(readonly id: number) {}
  check = (m: Readonly<Model>) => m.names.has(this.id);
  async run(m: Model, r: Real) {
    await r.h.trust.forget(`p${this.id}`, support);
    m.forgotten.add(this.id);
  }
  toString = () => `forget(p${this.id})`;
}

class Verify implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(_m: Model, r: Real) {
    await r.h.checkpoint();
    expect((await r.h.verify()).findings).toEqual([]);
  }
  toString = () => 'verify';
}

class Restart implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(_m: Model, r: Real) {
    await r.h.close();
    r.h = await openHarness(r.dir, { keys: r.keys });
  }
  toString = () => 'restart';
}

describe('the store against a model', () => {
  it('never diverges over random command sequences', async () => {
    console.log(`model-based store: fast-check seed ${seed} (rerun with FC_SEED=${seed})`);
    let runs = 0;
    const commands = fc.commands(
      [
        fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 9 })).map(([id, by]) => new AddCounter(id, by)),
        fc.tuple(fc.integer({ min: 0, max: 3 }), fc.string({ minLength: 1, maxLength: 12 })).map(([id, name]) => new Name(id, name)),
        fc.integer({ min: 0, max: 3 }).map((id) => new Forget(id)),
        fc.constant(new Read()),
        fc.constant(new Verify()),
        fc.constant(new Restart()),
      ],
      { maxCommands: 25 },
    );
    await fc.assert(
      fc.asyncProperty(commands, async (cmds) => {
        runs++;
        const dir = mkdtempSync(join(tmpdir(), 'gw-model-'));
        const keys = signingKeys();
        const real: Real = { h: await openHarness(dir, { keys }), dir, keys };
        try {
          await fc.asyncModelRun(
            () => ({ model: { counters: new Map<number, number>(), names: new Map<number, string>(), forgotten: new Set<number>() }, real }),
            [...cmds, new Read(), new Verify()],
          );
        } finally {
          await real.h.close();
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { seed, numRuns: 40 },
    );
    console.log(`model-based store: ${runs} runs, no divergence`);
  }, 180_000);
});
