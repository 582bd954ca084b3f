import { describe, expect, it } from 'vitest';
import { partitionsOf } from '../../src/runtime/index.js';

describe('partitionsOf', () => {
  it('gives every partition to exactly one live worker, evenly', () => {
    for (const members of [['a'], ['a', 'b'], ['c', 'a', 'b'], ['w1', 'w2', 'w3', 'w4', 'w5']]) {
      const shares = members.map((m) => partitionsOf(m, members, 8));
      expect(shares.flat().sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      const sizes = shares.map((s) => s.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
  });

  it('counts the asking worker even before its own membership is visible, and gives the same answer in any member order', () => {
    expect(partitionsOf('b', ['a'], 4)).toEqual(partitionsOf('b', ['a', 'b'], 4));
    expect(partitionsOf('b', ['c', 'a', 'b'], 6)).toEqual(partitionsOf('b', ['a', 'b', 'c'], 6));
    expect(partitionsOf('a', [], 3)).toEqual([0, 1, 2]);
  });
});
