/**
 * Fuzzing the front end: valid specs must compile clean, and every mutation of them must yield
 * positioned, coded findings; never an exception, never a hang.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { compileProject } from '../../src/model/project.js';

const seed = Number(process.env['FC_SEED'] ?? Date.now() % 2 ** 31);

const WORDS = ['amount', 'note', 'count', 'label', 'total', 'reason', 'owner', 'level', 'score', 'title'];
const VERBS = ['Opened', 'Closed', 'Moved', 'Renamed', 'Archived'];
const SCALARS = ['string', 'integer', 'number', 'boolean', 'datetime', 'date', 'uuid', 'ulid', 'email'] as const;

const fieldArb = fc.oneof(
  fc.constantFrom(...SCALARS),
  fc.record({ type: fc.constant('integer'), min: fc.integer({ min: -5, max: 0 }), max: fc.integer({ min: 1, max: 100 }), optional: fc.boolean() }),
  fc.record({
    type: fc.constant('string'),
    maxLength: fc.integer({ min: 1, max: 50 }),
    pii: fc.boolean(),
    pattern: fc.constantFrom('^[a-z]+$', '^.{0,9}$', '\\d+'),
  }),
  fc.record({ type: fc.constant('enum'), values: fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd'), { minLength: 1, maxLength: 4 }) }),
  fc.record({ type: fc.constant('list'), items: fc.constantFrom(...SCALARS), maxLength: fc.integer({ min: 1, max: 9 }) }),
);

const fieldsArb = fc
  .uniqueArray(fc.constantFrom(...WORDS), { maxLength: 4 })
  .chain((names) => fc.tuple(...names.map(() => fieldArb)).map((types) => Object.fromEntries(names.map((n, i) => [n, types[i]]))));

const aggregateArb = (index: number) =>
  fc
    .record({
      verbs: fc.uniqueArray(fc.constantFrom(...VERBS), { minLength: 1, maxLength: 4 }),
      state: fieldsArb,
      eventFields: fieldsArb,
      input: fieldsArb,
      snapshot: fc.option(fc.integer({ min: 1, max: 500 }), { nil: undefined }),
      roles: fc.uniqueArray(fc.constantFrom('customer', 'support', 'billing-admin', 'ops:job'), { minLength: 1, maxLength: 3 }),
      actors: fc.option(fc.uniqueArray(fc.constantFrom('human', 'agent', 'service', 'job'), { minLength: 1 }), { nil: undefined }),
    })
    .map((a) => {
      const name = `Thing${index}`;
      const events = Object.fromEntries(a.verbs.map((v, i) => [`${name}${v}`, i === 0 ? { description: 'the first event', fields: a.eventFields } : {}]));
      const commands = Object.fromEntries(
        a.verbs.map((v, i) => [
          `Do${name}${v}`,
          { ...(i === 0 ? { creates: true, input: a.input } : {}), emits: [`${name}${v}`], allow: a.roles, ...(a.actors ? { actors: a.actors } : {}) },
        ]),
      );
      return {
        name,
        body: { id: `thing${index}Id`, ...(a.snapshot ? { snapshotEvery: a.snapshot } : {}), state: a.state, events, commands },
        firstEvent: `${name}${a.verbs[0]}`,
      };
    });

const specArb = fc.integer({ min: 1, max: 3 }).chain((n) =>
  fc.tuple(...Array.from({ length: n }, (_, i) => aggregateArb(i))).map((aggregates) => ({
    groundwork: 1,
    context: 'fuzzed',
    description: 'A generated spec.',
    aggregates: Object.fromEntries(aggregates.map((a) => [a.name, a.body])),
    projections: { Everything: { key: 'thing0Id', columns: { seen: 'integer' }, on: aggregates.map((a) => a.firstEvent) } },
  })),
);

type Mutation = (text: string, at: number) => string;
const MUTATIONS: Record<string, Mutation> = {
  truncate: (t, at) => t.slice(0, at % (t.length + 1)),
  deleteChar: (t, at) => t.slice(0, at % t.length) + t.slice((at % t.length) + 1),
  insertJunk: (t, at) => t.slice(0, at % t.length) + ':{[&*!|>\'"\t\n'[at % 13] + t.slice(at % t.length),
  duplicateLine: (t, at) => {
    const lines = t.split('\n');
    const i = at % lines.length;
    lines.splice(i, 0, lines[i]!);
    return lines.join('\n');
  },
  swapLines: (t, at) => {
    const lines = t.split('\n');
    const i = at % Math.max(1, lines.length - 1);
    [lines[i], lines[i + 1]] = [lines[i + 1]!, lines[i]!];
    return lines.join('\n');
  },
  wrongType: (t, at) => {
    const lines = t.split('\n');
    const i = at % lines.length;
    lines[i] = lines[i]!.replace(/: .*$/, ': [1, {x: 2}]');
    return lines.join('\n');
  },
  scalarToNumber: (t, at) => {
    const lines = t.split('\n');
    const i = at % lines.length;
    lines[i] = lines[i]!.replace(/: .*$/, ': 42');
    return lines.join('\n');
  },
  aliasBomb: (t) => `${t}\nx: &x [a, a, a, a, a, a, a, a]\ny: &y [*x, *x, *x, *x, *x, *x, *x, *x]\nz: [*y, *y, *y, *y, *y, *y, *y, *y]\n`,
  anchorReuse: (t, at) => {
    const lines = t.split('\n');
    const i = at % lines.length;
    lines[i] = lines[i]!.replace(/: (\S.*)$/, ': &r $1');
    return `${lines.join('\n')}\nreused: *r\n`;
  },
  deepNesting: (t, at) => `${t}\ndeep: ${'['.repeat(60 + (at % 40))}${']'.repeat(60 + (at % 40))}\n`,
  protoKey: (t, at) => {
    const lines = t.split('\n');
    const i = at % lines.length;
    const indent = /^\s*/.exec(lines[i]!)![0];
    lines.splice(i, 0, `${indent}__proto__: { polluted: true }`);
    return lines.join('\n');
  },
  unicode: (t, at) => t.slice(0, at % t.length) + '\u202e\u200b\u0000' + t.slice(at % t.length),
};

/** Returns how many findings the text produced, after checking each is well-formed. */
function assertWellFormed(text: string): number {
  const started = performance.now();
  const result = compileProject([{ file: 'fuzz.groundwork.yaml', text }]);
  expect(performance.now() - started).toBeLessThan(5_000);
  const lineCount = text.split('\n').length;
  for (const d of result.diagnostics) {
    expect(d.code).toMatch(/^GW\d{4}$/);
    expect(d.file).toBe('fuzz.groundwork.yaml');
    expect(d.message.length).toBeGreaterThan(0);
    expect(Array.isArray(d.path)).toBe(true);
    expect(d.line).toBeGreaterThanOrEqual(1);
    expect(d.line).toBeLessThanOrEqual(lineCount + 1);
    expect(d.column).toBeGreaterThanOrEqual(1);
    expect(d.end.line > d.line || (d.end.line === d.line && d.end.column >= d.column)).toBe(true);
  }
  expect(result.project === undefined).toBe(result.diagnostics.some((d) => d.severity === 'error'));
  expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  return result.diagnostics.length;
}

describe('fuzzing the spec front end', () => {
  console.log(`fast-check seed: ${seed} (rerun with FC_SEED=${seed})`);

  it('generated valid specs compile with no errors', () => {
    fc.assert(
      fc.property(specArb, (spec) => {
        const result = compileProject([{ file: 'fuzz.groundwork.yaml', text: stringify(spec) }]);
        expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
        expect(result.project).toBeDefined();
      }),
      { seed, numRuns: 200 },
    );
  });

  it('mutated specs always give positioned, coded findings and never throw', () => {
    const names = Object.keys(MUTATIONS);
    let runs = 0;
    let withFindings = 0;
    fc.assert(
      fc.property(specArb, fc.array(fc.tuple(fc.constantFrom(...names), fc.nat()), { minLength: 1, maxLength: 3 }), (spec, steps) => {
        let text = stringify(spec);
        for (const [name, at] of steps) text = MUTATIONS[name]!(text, at);
        runs++;
        if (assertWellFormed(text) > 0) withFindings++;
      }),
      { seed, numRuns: 1200 },
    );
    console.log(`mutated specs: ${runs} runs, ${withFindings} with findings`);
    // Guards against a harness whose mutations stopped breaking anything.
    expect(withFindings / runs).toBeGreaterThan(0.6);
  });

  it('arbitrary text never throws', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400, unit: 'binary' }), (text) => void assertWellFormed(text)),
      { seed, numRuns: 300 },
    );
  });
});
