import { describe, expect, it } from 'vitest';
import { nameProblem, quote } from '../../src/model/names.js';

describe('name rules', () => {
  it.each([
    ['OrderPlaced', 'pascal'],
    ['A', 'pascal'],
    ['orderId', 'camel'],
    ['x2', 'camel'],
    ['billing', 'context'],
    ['order-billing', 'context'],
    ['support', 'role'],
    ['ops:job', 'role'],
    ['billing-admin', 'role'],
    ['type', 'camel'],
    ['from', 'camel'],
  ] as const)('accepts %s as %s', (name, kind) => {
    expect(nameProblem(name, kind)).toBeUndefined();
  });

  it.each([
    ['', 'pascal', 'GW1033'],
    ['a'.repeat(65), 'camel', 'GW1033'],
    ['orderPlaced', 'pascal', 'GW1030'],
    ['OrderId', 'camel', 'GW1030'],
    ['order_id', 'camel', 'GW1030'],
    ['1st', 'camel', 'GW1030'],
    ['Billing', 'context', 'GW1030'],
    ['billing--x', 'context', 'GW1030'],
    ['Admin', 'role', 'GW1030'],
    ['class', 'camel', 'GW1031'],
    ['then', 'camel', 'GW1031'],
    ['toString', 'camel', 'GW1031'],
    ['Object', 'pascal', 'GW1031'],
    ['process', 'camel', 'GW1031'],
    ['Command', 'pascal', 'GW1031'],
    ['Nul', 'pascal', 'GW1036'],
    ['Com1', 'pascal', 'GW1036'],
    ['Ordér', 'pascal', 'GW1032'],
    ['Or\u202eder', 'pascal', 'GW1032'],
    ['Or\u0000der', 'pascal', 'GW1032'],
  ] as const)('rejects %j as %s with %s', (name, kind, code) => {
    expect(nameProblem(name, kind)?.code).toBe(code);
  });

  it('suggests the fixed spelling when the case style is wrong', () => {
    expect(nameProblem('order_placed', 'pascal')?.hint).toBe('did you mean "OrderPlaced"?');
    expect(nameProblem('Customer_ID', 'camel')?.hint).toBe('did you mean "customerId"?');
    expect(nameProblem('Order Billing', 'context')?.hint).toBe('did you mean "order-billing"?');
  });

  it('quotes names with invisible characters escaped', () => {
    expect(quote('a\u200bb')).toBe('"a\\u200bb"');
    expect(quote('a\nb')).toBe('"a\\nb"');
  });
});
