/**
 * The hostile-names table of shared/design/reliability-tests.md: every name is tried in every
 * place a name can stand, and each must be rejected with a positioned name error.
 */
import { describe, expect, it } from 'vitest';
import { compile } from '../helpers.js';

const NAME_CODES = new Set(['GW1030', 'GW1031', 'GW1032', 'GW1033', 'GW1036']);

const HOSTILE: Array<[label: string, name: string]> = [
  ['__proto__', '__proto__'],
  ['constructor', 'constructor'],
  ['prototype', 'prototype'],
  ['reserved word class', 'class'],
  ['reserved word enum', 'enum'],
  ['reserved word await', 'await'],
  ['reserved word interface', 'interface'],
  ['global Object', 'Object'],
  ['global Promise', 'Promise'],
  ['global process', 'process'],
  ['path ../x', '../x'],
  ['path a/b', 'a/b'],
  ['NUL', 'a\u0000b'],
  ['bidi override', 'Pay\u202eload'],
  ['zero-width space', 'Or\u200bder'],
  ['empty', ''],
  ['300 characters', `A${'a'.repeat(299)}`],
  ['leading digit', '1Order'],
  ['then (makes objects thenable)', 'then'],
  ['Windows device name', 'Aux'],
];

/** A valid spec with `@` standing where the hostile name goes, in one of six places. */
const PLACES: Record<string, (name: string) => string> = {
  context: (n) => spec({ context: n }),
  aggregate: (n) => spec({ aggregate: n }),
  event: (n) => spec({ event: n }),
  command: (n) => spec({ command: n }),
  field: (n) => spec({ field: n }),
  type: (n) => spec({ type: n }),
  projection: (n) => spec({ projection: n }),
};

function spec(names: Partial<Record<'context' | 'aggregate' | 'event' | 'command' | 'field' | 'type' | 'projection', string>>): string {
  const q = (value: string | undefined, fallback: string) => JSON.stringify(value ?? fallback);
  const event = q(names.event, 'ThingHappened');
  return `groundwork: 1
context: ${q(names.context, 'things')}
types:
  ${q(names.type, 'Amount')}:
    value: integer
aggregates:
  ${q(names.aggregate, 'Thing')}:
    id: thingId
    events:
      ${event}:
        ${q(names.field, 'size')}: integer
        amount: ${names.type === undefined ? 'Amount' : q(names.type, '')}
    commands:
      ${q(names.command, 'DoThing')}:
        creates: true
        emits: [${event}]
        allow: [user]
projections:
  ${q(names.projection, 'Things')}:
    key: thingId
    columns: { size: integer }
    on: [${event}]
`;
}

describe('hostile names', () => {
  const rows = Object.entries(PLACES).flatMap(([place, build]) => HOSTILE.map(([label, name]) => ({ place, label, name, text: build(name) })));

  it.each(rows)('$label as a $place name is rejected', ({ name, text }) => {
    const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();
    const result = compile(text);
    expect(result.project).toBeUndefined();
    const nameErrors = result.diagnostics.filter((d) => NAME_CODES.has(d.code));
    expect(nameErrors.length, JSON.stringify(result.diagnostics, null, 1)).toBeGreaterThan(0);
    const line = text.split('\n')[nameErrors[0]!.line - 1]!;
    expect(line).toContain(JSON.stringify(name).slice(1, -1).slice(0, 20));
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('a __proto__ key with a payload pollutes nothing and is reported where it stands', () => {
    const text = `groundwork: 1\ncontext: things\n__proto__: { polluted: true }\naggregates:\n  __proto__: { polluted: true }\n`;
    const result = compile(text);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    const protoFindings = result.diagnostics.filter((d) => d.code === 'GW1031');
    expect(protoFindings.map((d) => [d.line, d.column])).toEqual([
      [3, 1],
      [5, 3],
    ]);
  });

  it('case twins are rejected: Order and order, orderId and orderID', () => {
    const twins = spec({}).replace('  "Things":', '  "Thing":').replace('"size": integer', '"size": integer\n        "sIze": integer');
    const codes = compile(twins).diagnostics.map((d) => d.code);
    expect(codes).toContain('GW1034');
    expect(codes).toContain('GW1035');
    const pascalTwins = spec({}).replace('  "Things":', '  "ThIng":');
    expect(compile(pascalTwins).diagnostics.map((d) => d.code)).toContain('GW1035');
  });

  it('names are shown escaped in messages, so invisible characters are visible', () => {
    const result = compile(PLACES['field']!('si\u200bze'));
    const d = result.diagnostics.find((x) => x.code === 'GW1032');
    expect(d?.message).toContain('si\\u200bze');
    expect(d?.message).toContain('U+200B');
  });
});
