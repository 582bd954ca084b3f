/**
 * One test per rule: each case breaks exactly one thing in a valid spec and expects that rule's
 * code, positioned on the offending text. A last test fails when a rule has no case.
 */
import { describe, expect, it } from 'vitest';
import { RULES, type Code } from '../../src/spec/codes.js';
import { BASE, compile, compileFiles, variant } from '../helpers.js';

interface Case {
  readonly code: Code;
  readonly name: string;
  readonly text: string;
  /** Text the diagnostic must point at (the source at its line and column starts with it). */
  readonly at?: string;
  /** A substring of the hint, when the rule gives one worth checking. */
  readonly hint?: string;
}

const deep = `${BASE}extra: ${'['.repeat(80)}${']'.repeat(80)}\n`;
const laughs = `${BASE}a: &a [x, x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
`;

const cases: Case[] = [
  { code: 'GW0001', name: 'unclosed quote', text: variant('    id: orderId\n', '    id: "orderId\n') },
  { code: 'GW0001', name: 'tab indentation', text: variant('    id: orderId\n', '\tid: orderId\n') },
  { code: 'GW0002', name: 'duplicate key', text: variant('    id: orderId\n', '    id: orderId\n    id: orderKey\n'), at: 'id: orderKey' },
  { code: 'GW0003', name: 'file over 1 MiB', text: `${BASE}# ${'x'.repeat(1024 * 1024)}\n` },
  { code: 'GW0004', name: 'nesting deeper than 64', text: deep },
  { code: 'GW0005', name: 'alias expansion bomb', text: laughs },
  { code: 'GW0006', name: 'top level is a list', text: '- a\n- b\n' },
  { code: 'GW0006', name: 'empty file', text: '' },
  { code: 'GW0007', name: 'two documents', text: `${BASE}---\ngroundwork: 1\n`, at: '---' },
  {
    code: 'GW1001',
    name: 'unknown key',
    text: variant('    id: orderId\n', '    id: orderId\n    descripton: x\n'),
    at: 'descripton',
    hint: 'did you mean "description"?',
  },
  { code: 'GW1002', name: 'missing id', text: variant('    id: orderId\n', ''), at: 'Order:', hint: 'id: orderId' },
  { code: 'GW1003', name: 'emits is not a list', text: variant('emits: [OrderPaid]', 'emits: OrderPaid'), at: 'OrderPaid' },
  { code: 'GW1004', name: 'snapshotEvery below 1', text: variant('    id: orderId\n', '    id: orderId\n    snapshotEvery: 0\n'), at: '0' },
  { code: 'GW1005', name: 'format version 2', text: variant('groundwork: 1', 'groundwork: 2'), at: '2' },
  { code: 'GW1010', name: 'unknown type', text: variant('        total: Money', '        total: Mony'), at: 'Mony', hint: 'did you mean "Money"?' },
  { code: 'GW1011', name: 'type cycle', text: variant('types:\n', 'types:\n  Node:\n    next: Link\n  Link:\n    node: Node\n'), at: 'Node:' },
  {
    code: 'GW1012',
    name: 'emits unknown event',
    text: variant('emits: [OrderPaid]', 'emits: [OrderPayed]'),
    at: 'OrderPayed',
    hint: 'did you mean "OrderPaid"?',
  },
  {
    code: 'GW1013',
    name: 'undo names unknown command',
    text: variant('undo: ReopenOrder', 'undo: ReopenOrdr'),
    at: 'ReopenOrdr',
    hint: 'did you mean "ReopenOrder"?',
  },
  { code: 'GW1014', name: 'undo names a creating command', text: variant('undo: ReopenOrder', 'undo: PlaceOrder'), at: 'PlaceOrder' },
  {
    code: 'GW1015',
    name: 'projection on unknown event',
    text: variant('on: [OrderPlaced, OrderPaid,', 'on: [OrderPlaced, OrderPayed,'),
    at: 'OrderPayed',
    hint: 'did you mean "OrderPaid"?',
  },
  {
    code: 'GW1016',
    name: 'subject is not a state field',
    text: variant('subject: customerId', 'subject: customerID'),
    at: 'customerID',
    hint: 'did you mean "customerId"?',
  },
  { code: 'GW1017', name: 'projection key does not resolve', text: variant('key: orderId', 'key: orderNumber'), at: 'orderNumber' },
  { code: 'GW1018', name: 'state repeats the id', text: variant('    state:\n', '    state:\n      orderId: ulid\n'), at: 'orderId: ulid' },
  {
    code: 'GW1019',
    name: 'reference to an unknown aggregate',
    text: variant('          customerId: ulid\n          total: Money', '          customerId: { type: ulid, references: Ordr }\n          total: Money'),
    at: 'Ordr',
    hint: 'did you mean "Order"?',
  },
  { code: 'GW1030', name: 'column not camelCase', text: variant('      status: string', '      Status: string'), at: 'Status', hint: 'did you mean "status"?' },
  {
    code: 'GW1030',
    name: 'event not PascalCase',
    text: variant('      OrderReopened: {}', '      orderReopened: {}'),
    at: 'orderReopened',
    hint: 'did you mean "OrderReopened"?',
  },
  { code: 'GW1031', name: 'reserved word as a column', text: variant('      status: string', '      class: string'), at: 'class' },
  { code: 'GW1032', name: 'zero-width character in a name', text: variant('      status: string', '      sta\u200btus: string'), at: 'sta' },
  { code: 'GW1033', name: 'name over 64 characters', text: variant('      status: string', `      ${'s'.repeat(65)}: string`), at: 'sss' },
  { code: 'GW1034', name: 'projection named like an event', text: variant('  OpenOrders:', '  OrderPlaced:'), at: 'OrderPlaced:' },
  {
    code: 'GW1034',
    name: 'event named like a generated type',
    text: variant('      OrderReopened: {}', '      OrderState: {}')
      .replace('emits: [OrderReopened]', 'emits: [OrderState]')
      .replace('OrderPaid, OrderReopened]', 'OrderPaid, OrderState]'),
    at: 'OrderState: {}',
  },
  { code: 'GW1035', name: 'case twins', text: variant('  OpenOrders:', '  Orderplaced:'), at: 'Orderplaced:' },
  { code: 'GW1036', name: 'Windows device name', text: variant('  OpenOrders:', '  Con:'), at: 'Con:' },
  { code: 'GW1050', name: 'emits nothing', text: variant('emits: [OrderReopened]', 'emits: []'), at: '[]' },
  { code: 'GW1051', name: 'no allow', text: variant('        allow: [support]\n', ''), at: 'ReopenOrder:', hint: 'allow: public' },
  { code: 'GW1051', name: 'empty allow', text: variant('allow: [support]', 'allow: []'), at: '[]' },
  { code: 'GW1052', name: 'unknown actor kind', text: variant('actors: [human, agent]', 'actors: [humna, agent]'), at: 'humna', hint: 'did you mean "human"?' },
  { code: 'GW1053', name: 'role listed twice', text: variant('allow: [customer, billing]', 'allow: [customer, customer]'), at: 'customer]' },
  {
    code: 'GW1054',
    name: 'allowed role not among the declared roles',
    text: `${BASE}roles:\n  customer: { scope: own }\n  billing: {}\n  suport: {}\n`,
    at: 'support]',
    hint: 'did you mean "suport"?',
  },
  {
    code: 'GW1055',
    name: 'own-data role on an aggregate without a subject',
    text: `${variant('    subject: customerId\n', '')}roles:\n  customer: { scope: own }\n  billing: {}\n  support: {}\n`,
    at: 'customer]',
    hint: 'subject:',
  },
  {
    code: 'GW1056',
    name: 'reference outside command input',
    text: variant('      customerId: ulid\n      status:', '      customerId: { type: ulid, references: Order }\n      status:'),
    at: 'references',
  },
  {
    code: 'GW1056',
    name: 'reference on a field that is not a ulid',
    text: variant('          customerId: ulid\n          total: Money', '          customerId: ulid\n          total: { type: Money, references: Order }'),
    at: 'references',
    hint: 'type: ulid',
  },
  {
    code: 'GW1058',
    name: 'approval with an expiry shorter than a minute',
    text: variant('        undo: ReopenOrder\n', '        undo: ReopenOrder\n        approval: { actors: [agent], by: [support], expires: 30s }\n'),
    at: '30s',
    hint: '15m',
  },
  {
    code: 'GW1058',
    name: 'approval no role may give',
    text: variant('        undo: ReopenOrder\n', '        undo: ReopenOrder\n        approval: { by: [], expires: 15m }\n'),
    at: '[]',
  },
  {
    code: 'GW1054',
    name: 'approval by an undeclared role',
    text: `${variant('        undo: ReopenOrder\n', '        undo: ReopenOrder\n        approval: { by: [suport], expires: 1h }\n')}roles:\n  customer: {}\n  billing: {}\n  support: {}\n`,
    at: 'suport',
    hint: 'did you mean "support"?',
  },
  {
    code: 'GW1059',
    name: 'read subject that is not a column',
    text: variant(
      '    on: [OrderPlaced, OrderPaid, OrderReopened]\n',
      '    on: [OrderPlaced, OrderPaid, OrderReopened]\n    read: { allow: [support], subject: custmerId }\n',
    ),
    at: 'custmerId',
    hint: 'did you mean "customerId"?',
  },
  {
    code: 'GW1059',
    name: 'own role reading a projection that does not say whose a row is',
    text: `${variant('    on: [OrderPlaced, OrderPaid, OrderReopened]\n', '    on: [OrderPlaced, OrderPaid, OrderReopened]\n    read: { allow: [customer] }\n')}roles:\n  customer: { scope: own }\n  billing: {}\n  support: {}\n`,
    at: '[customer]',
    hint: 'subject: customerId',
  },
  {
    code: 'GW1059',
    name: 'pii role that may not read',
    text: `${BASE}operations:\n  history: { allow: [support], pii: [billing] }\n`,
    at: 'billing',
  },
  {
    code: 'GW1051',
    name: 'forget allows no role',
    text: `${BASE}operations:\n  forget: { allow: [] }\n`,
    at: '[]',
  },
  { code: 'GW1070', name: 'pii id', text: variant('      OrderPaid: {}', '      OrderPaid:\n        orderId: { type: ulid, pii: true }'), at: 'pii' },
  {
    code: 'GW1071',
    name: 'pii projection key',
    text: variant('    columns:\n', '    columns:\n      orderId: { type: ulid, pii: true }\n'),
    at: 'orderId',
    hint: 'opaque id',
  },
  {
    code: 'GW1072',
    name: 'pii subject',
    text: variant('      customerId: ulid\n      status:', '      customerId: { type: ulid, pii: true }\n      status:'),
    at: 'customerId\n',
  },
  { code: 'GW1073', name: 'enum without values', text: variant('status: { type: enum, values: [open, paid] }', 'status: enum'), at: 'enum' },
  { code: 'GW1073', name: 'values on a string', text: variant('      status: string', '      status: { type: string, values: [a] }'), at: 'values' },
  { code: 'GW1074', name: 'min above max', text: variant('amount: { type: integer, min: 0 }', 'amount: { type: integer, min: 5, max: 1 }'), at: '5' },
  { code: 'GW1075', name: 'pattern does not compile', text: variant('pattern: "^[A-Z]{3}$"', 'pattern: "^[A-Z"'), at: '"^[A-Z"' },
  {
    code: 'GW1076',
    name: 'pattern on an integer',
    text: variant('amount: { type: integer, min: 0 }', 'amount: { type: integer, pattern: "x" }'),
    at: 'pattern',
  },
  { code: 'GW1077', name: 'list without items', text: variant('      status: string', '      status: list'), at: 'list' },
  {
    code: 'GW1100',
    name: 'a version without its earlier shape',
    text: variant('      OrderPaid: {}', '      OrderPaid:\n        version: 3\n        fields: {}\n        previous:\n          1: {}'),
    at: '3',
    hint: 'previous: { 2: ... }',
  },
  {
    code: 'GW1101',
    name: 'an earlier version that is not below the current one',
    text: variant('      OrderPaid: {}', '      OrderPaid:\n        version: 2\n        fields: {}\n        previous:\n          1: {}\n          2: {}'),
    at: '2: {}',
  },
  {
    code: 'GW1101',
    name: 'earlier shapes without a version',
    text: variant('      OrderPaid: {}', '      OrderPaid:\n        fields: {}\n        previous:\n          1: {}'),
    at: '1: {}',
    hint: 'version: 2',
  },
  {
    code: 'GW1102',
    name: 'pii dropped from a field that was personal data',
    text: variant(
      '      OrderPaid: {}',
      '      OrderPaid:\n        version: 2\n        fields:\n          note: string\n        previous:\n          1:\n            note: { type: string, pii: true }',
    ),
    at: 'note: string',
    hint: 'pii: true',
  },
  {
    code: 'GW1034',
    name: 'a name taken by the type of an earlier version',
    text: variant(
      'types:\n',
      'types:\n  OrderPaidV1:\n    x: string\n',
      variant('      OrderPaid: {}', '      OrderPaid:\n        version: 2\n        fields: {}\n        previous:\n          1: {}'),
    ),
    at: 'OrderPaidV1:',
  },
  {
    code: 'GW1010',
    name: 'unknown type in an earlier shape',
    text: variant('      OrderPaid: {}', '      OrderPaid:\n        version: 2\n        fields: {}\n        previous:\n          1: { total: Mony }'),
    at: 'Mony',
  },
  { code: 'GW1090', name: 'event never emitted', text: variant('      OrderPaid: {}', '      OrderPaid: {}\n      OrderArchived: {}'), at: 'OrderArchived' },
  { code: 'GW1091', name: 'type never used', text: variant('types:\n', 'types:\n  Unused:\n    x: string\n'), at: 'Unused' },
];

/**
 * Rules tested elsewhere: the CLI's in test/cli and test/create, GW2001 in test/gen, the breaking
 * changes (which need an older spec) in test/model/compat.test.ts; GW1037 and GW1057 need two files, below.
 */
const BREAKING: Code[] = ['GW1120', 'GW1121', 'GW1122', 'GW1123', 'GW1124', 'GW1125', 'GW1126', 'GW1127', 'GW1128', 'GW1129', 'GW1130'];
const ELSEWHERE = new Set<Code>([
  ...BREAKING,
  'GW1037',
  'GW1057',
  'GW2001',
  'GW9001',
  'GW9002',
  'GW9003',
  'GW9004',
  'GW9005',
  'GW9006',
  'GW9007',
  'GW9008',
  'GW9009',
  'GW9999',
]);

function sourceAt(text: string, line: number, column: number): string {
  return (text.split('\n')[line - 1] ?? '').slice(column - 1) + '\n' + text.split('\n').slice(line).join('\n');
}

describe('every rule', () => {
  it.each(cases)('$code: $name', ({ code, text, at, hint }) => {
    const result = compile(text);
    const found = result.diagnostics.filter((d) => d.code === code);
    expect(found, JSON.stringify(result.diagnostics, null, 1)).not.toHaveLength(0);
    const d = found[0]!;
    expect(d.severity).toBe(RULES[code].severity);
    expect(d.line).toBeGreaterThanOrEqual(1);
    expect(d.column).toBeGreaterThanOrEqual(1);
    if (at !== undefined)
      expect(sourceAt(text, d.line, d.column).startsWith(at), `points at ${JSON.stringify(sourceAt(text, d.line, d.column).slice(0, 30))}`).toBe(true);
    if (hint !== undefined) expect(d.hint).toContain(hint);
    if (RULES[code].severity === 'error') expect(result.project).toBeUndefined();
  });

  it('GW1037: two files declare the same context', () => {
    const result = compileFiles({ 'a.groundwork.yaml': BASE, 'b.groundwork.yaml': BASE.replace(/Order/g, 'Basket').replace(/order/g, 'basket') });
    const d = result.diagnostics.filter((x) => x.code === 'GW1037');
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ file: 'b.groundwork.yaml', line: 2, column: 10 });
    expect(d[0]!.message).toContain('a.groundwork.yaml');
  });

  it('GW1057: two files say who may forget', () => {
    const other = BASE.replace(/Order/g, 'Basket').replace(/order/g, 'basket').replace(/Money/g, 'Cash').replace('context: shop', 'context: baskets');
    const forget = 'operations:\n  forget: { allow: [support] }\n';
    const result = compileFiles({ 'a.groundwork.yaml': `${BASE}${forget}`, 'b.groundwork.yaml': `${other}${forget}` });
    const d = result.diagnostics.filter((x) => x.code === 'GW1057');
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ file: 'b.groundwork.yaml' });
    expect(d[0]!.message).toContain('a.groundwork.yaml');
    expect(result.project).toBeUndefined();
  });

  it('builds roles, references and the forget rule into the model', () => {
    const text = `${variant(
      '          customerId: ulid\n          total: Money',
      '          customerId: ulid\n          total: Money\n          previousOrderId: { type: ulid, optional: true, references: Order }',
    )}roles:\n  customer: { scope: own }\n  billing: {}\n  support: {}\noperations:\n  forget: { allow: [support, customer], actors: [human] }\n`;
    const result = compile(text);
    expect(result.diagnostics).toEqual([]);
    const project = result.project!;
    const order = project.contexts[0]!.aggregates[0]!;
    const place = order.commands.find((c) => c.name === 'PlaceOrder')!;
    expect(place.ownDataRoles).toEqual(['customer']);
    expect(place.references.map((r) => [r.field, r.aggregate.name])).toEqual([['previousOrderId', 'Order']]);
    expect(order.commands.find((c) => c.name === 'ReopenOrder')!.ownDataRoles).toEqual([]);
    expect(project.forget).toEqual({ allow: ['support', 'customer'], actors: ['human'], ownDataRoles: ['customer'] });
    expect(project.contexts[0]!.roles.map((r) => `${r.name}:${r.scope}`)).toEqual(['customer:own', 'billing:any', 'support:any']);
  });

  it('names are unique across the files of a project', () => {
    const other =
      'groundwork: 1\ncontext: returns\naggregates:\n  Order:\n    id: returnId\n    events: { ReturnOpened: {} }\n    commands:\n      OpenReturn: { creates: true, emits: [ReturnOpened], allow: [support] }\n';
    const result = compileFiles({ 'a.groundwork.yaml': BASE, 'b.groundwork.yaml': other });
    const d = result.diagnostics.filter((x) => x.code === 'GW1034');
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ file: 'b.groundwork.yaml', line: 4 });
  });

  it('has a case for every code', () => {
    const covered = new Set<Code>([...cases.map((c) => c.code), ...ELSEWHERE]);
    const missing = (Object.keys(RULES) as Code[]).filter((code) => !covered.has(code));
    expect(missing).toEqual([]);
  });

  it('reports every finding, not just the first', () => {
    const text = variant(
      'emits: [OrderPaid]',
      'emits: [OrderPayed]',
      variant('undo: ReopenOrder', 'undo: ReopenOrdr', variant('      status: string', '      class: string')),
    );
    expect(compile(text).diagnostics.map((d) => d.code)).toEqual(['GW1090', 'GW1012', 'GW1013', 'GW1031']);
  });

  it('sorts findings by file, line and column', () => {
    const cart = BASE.replace(/Order/g, 'Cart').replace(/order/g, 'cart').replace('context: shop', 'context: carts').replace(/Money/g, 'Cash');
    const result = compileFiles({
      'b.groundwork.yaml': variant('emits: [OrderPaid]', 'emits: [OrderPayed]'),
      'a.groundwork.yaml': variant('      status: string', '      class: string', variant('undo: ReopenCart', 'undo: ReopenCrt', cart)),
    });
    const positions = result.diagnostics.map((d) => `${d.file}:${String(d.line).padStart(4, '0')}`);
    expect(positions).toEqual([...positions].sort());
    expect(result.diagnostics.map((d) => `${d.file} ${d.code}`)).toEqual([
      'a.groundwork.yaml GW1013',
      'a.groundwork.yaml GW1031',
      'b.groundwork.yaml GW1090',
      'b.groundwork.yaml GW1012',
    ]);
  });
});
