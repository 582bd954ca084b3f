import { describe, expect, it } from 'vitest';
import { BASE, compile } from '../helpers.js';

describe('the base spec used by rule tests', () => {
  it('is valid with no findings, so each rule test breaks exactly one thing', () => {
    const result = compile(BASE);
    expect(result.diagnostics).toEqual([]);
    expect(result.project?.contexts[0]?.aggregates[0]?.commands.map((c) => c.name)).toEqual(['PlaceOrder', 'PayOrder', 'ReopenOrder']);
  });
});
