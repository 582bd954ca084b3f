/**
 * The breaking-change table of `validate --against`: each kind of change that breaks stored events
 * or callers, with its code and position in the current file, and the same change made properly
 * (with a new version, or in a way old events and callers still fit), which is not reported.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileProject } from '../../src/model/project.js';
import type { Code } from '../../src/spec/codes.js';
import { formatText } from '../../src/spec/format.js';
import { createColors } from '../../src/terminal/color.js';
import { BASE, variant } from '../helpers.js';

const FILE = 'shop.groundwork.yaml';

/** BASE with an enum field on an event and a bounded optional input, so every kind of change has something to change. */
const OLD = variant(
  '          total: Money\n        emits: [OrderPlaced]',
  '          total: Money\n          reference: { type: string, maxLength: 40, optional: true }\n        emits: [OrderPlaced]',
  variant(
    '        note: { type: string, pii: true, optional: true }\n',
    '        note: { type: string, pii: true, optional: true }\n        channel: { type: enum, values: [web, shop] }\n',
  ),
);

const VERSIONED = variant('      OrderPaid: {}', '      OrderPaid:\n        version: 2\n        fields: {}\n        previous:\n          1: {}', OLD);

const PLACED =
  '      OrderPlaced:\n        customerId: ulid\n        total: Money\n        note: { type: string, pii: true, optional: true }\n        channel: { type: enum, values: [web, shop] }\n';

/** OrderPlaced at version 2 with `fields`, keeping version 1 as OLD stored it. */
function placedV2(fields: string): string {
  const v1 = PLACED.split('\n')
    .slice(1, -1)
    .map((line) => `      ${line}`)
    .join('\n');
  return variant(PLACED, `      OrderPlaced:\n        version: 2\n        fields:\n${fields}        previous:\n          1:\n${v1}\n`, OLD);
}

interface Case {
  readonly name: string;
  readonly code: Code;
  readonly text: string;
  /** What the finding points at in the current file. */
  readonly at: string;
  readonly old?: string;
}

const breaking: Case[] = [
  { name: 'an event renamed', code: 'GW1120', text: OLD.replace(/OrderPaid/g, 'OrderSettled'), at: 'events:' },
  {
    name: 'a field of an event removed',
    code: 'GW1121',
    text: variant('        customerId: ulid\n        total: Money\n', '        total: Money\n', OLD),
    at: 'OrderPlaced:',
  },
  {
    name: 'a field of an event renamed',
    code: 'GW1121',
    text: variant('        customerId: ulid\n        total: Money\n', '        buyerId: ulid\n        total: Money\n', OLD),
    at: 'OrderPlaced:',
  },
  {
    name: 'a field of an event re-typed',
    code: 'GW1122',
    text: variant('        total: Money\n        note', '        total: integer\n        note', OLD),
    at: 'total: integer',
  },
  {
    name: 'a field of an event made required',
    code: 'GW1123',
    text: variant('note: { type: string, pii: true, optional: true }', 'note: { type: string, pii: true }', OLD),
    at: 'note:',
  },
  {
    name: 'a required field added to an event',
    code: 'GW1123',
    text: variant('        channel:', '        coupon: string\n        channel:', OLD),
    at: 'coupon',
  },
  { name: 'an enum value removed', code: 'GW1124', text: variant('values: [web, shop]', 'values: [web]', OLD), at: '[web]' },
  { name: 'a command renamed', code: 'GW1125', text: OLD.replace(/PayOrder/g, 'SettleOrder'), at: 'commands:' },
  { name: 'an input field made required', code: 'GW1126', text: variant('maxLength: 40, optional: true', 'maxLength: 40', OLD), at: 'reference' },
  {
    name: 'a required input field added',
    code: 'GW1126',
    text: variant('      PayOrder:\n', '      PayOrder:\n        input: { receipt: string }\n', OLD),
    at: 'receipt',
  },
  { name: 'an input constraint tightened', code: 'GW1126', text: variant('maxLength: 40', 'maxLength: 20', OLD), at: 'maxLength: 20' },
  {
    name: 'an input field removed',
    code: 'GW1126',
    text: variant('          reference: { type: string, maxLength: 40, optional: true }\n', '', OLD),
    at: 'input:',
  },
  { name: 'an undo target removed', code: 'GW1127', text: variant('        undo: ReopenOrder\n', '', OLD), at: 'PayOrder:' },
  {
    name: 'pii removed from a field',
    code: 'GW1128',
    text: variant('note: { type: string, pii: true, optional: true }', 'note: { type: string, optional: true }', OLD),
    at: 'note:',
  },
  { name: 'the aggregate id changed', code: 'GW1129', text: OLD.replace(/orderId/g, 'orderKey'), at: 'orderKey' },
  { name: 'the subject changed', code: 'GW1129', text: variant('    subject: customerId\n', '', OLD), at: 'Order:' },
  {
    name: 'a field of a named type re-typed',
    code: 'GW1122',
    text: variant('amount: { type: integer, min: 0 }', 'amount: { type: number, min: 0 }', OLD),
    at: 'amount',
  },
  { name: 'a version lowered', code: 'GW1130', text: OLD, old: VERSIONED, at: 'OrderPaid: {}' },
  { name: 'an earlier shape changed', code: 'GW1121', text: placedV2('          total: Money\n').replace('              customerId: ulid\n', ''), at: '1:' },
];

const proper: Array<{ readonly name: string; readonly text: string; readonly old?: string }> = [
  { name: 'a field renamed with a new version', text: placedV2('          buyerId: ulid\n          total: Money\n') },
  { name: 'a field re-typed with a new version', text: placedV2('          customerId: ulid\n          total: integer\n') },
  { name: 'a field removed with a new version', text: placedV2('          total: Money\n') },
  { name: 'a required field added with a new version', text: placedV2('          customerId: ulid\n          total: Money\n          coupon: string\n') },
  { name: 'an optional field added', text: variant('        channel:', '        coupon: { type: string, optional: true }\n        channel:', OLD) },
  { name: 'an enum value added', text: variant('values: [web, shop]', 'values: [web, shop, phone]', OLD) },
  {
    name: 'a field made optional',
    text: variant('        customerId: ulid\n        total: Money\n', '        customerId: { type: ulid, optional: true }\n        total: Money\n', OLD),
  },
  {
    name: 'a new event and command',
    text: variant('      OrderReopened: {}\n', '      OrderReopened: {}\n      OrderNoted: {}\n', OLD).replace(
      '      ReopenOrder:\n',
      '      NoteOrder:\n        emits: [OrderNoted]\n        allow: [support]\n      ReopenOrder:\n',
    ),
  },
  {
    name: 'an optional input field added',
    text: variant('      PayOrder:\n', '      PayOrder:\n        input: { receipt: { type: string, optional: true } }\n', OLD),
  },
  { name: 'an input constraint loosened', text: variant('maxLength: 40', 'maxLength: 80', OLD) },
  {
    name: 'pii added to a new version',
    text: placedV2(
      '          customerId: ulid\n          total: Money\n          note: { type: string, pii: true, optional: true }\n          phone: { type: string, pii: true, optional: true }\n',
    ),
  },
  { name: 'a new version of an event', text: VERSIONED },
];

function compare(text: string, old = OLD) {
  const older = compileProject([{ file: FILE, text: old }]);
  expect(older.diagnostics).toEqual([]);
  return compileProject([{ file: FILE, text }], { against: older.specs });
}

function sourceAt(text: string, line: number, column: number): string {
  return (text.split('\n')[line - 1] ?? '').slice(column - 1);
}

describe('validate --against: breaking changes', () => {
  it.each(breaking)('$code: $name', ({ code, text, at, old }) => {
    const { diagnostics } = compare(text, old);
    const found = diagnostics.filter((d) => d.code === code);
    expect(found, JSON.stringify(diagnostics, null, 1)).not.toHaveLength(0);
    expect(sourceAt(text, found[0]!.line, found[0]!.column).trimStart().startsWith(at), sourceAt(text, found[0]!.line, found[0]!.column)).toBe(true);
    expect(found[0]!.hint).toBeDefined();
  });

  it.each(proper)('no finding for $name', ({ text, old }) => {
    expect(compare(text, old).diagnostics).toEqual([]);
  });

  it('prints each break with its code, position and hint (golden)', async () => {
    const printed = breaking.map(({ name, text, old }) => {
      const { diagnostics } = compare(text, old);
      return `# ${name}\n${formatText(diagnostics, new Map([[FILE, text]]), createColors(false))}`;
    });
    await expect(printed.join('\n')).toMatchFileSnapshot(join(import.meta.dirname, '../../fixtures/compat/breaking.expected.txt'));
  });

  it('compares nothing while the current specs have errors', () => {
    const { diagnostics } = compare(variant('emits: [OrderPaid]', 'emits: [OrderPayed]', OLD));
    expect(diagnostics.map((d) => d.code)).toEqual(['GW1090', 'GW1012']);
  });
});
