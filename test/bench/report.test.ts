import { describe, expect, it } from 'vitest';
import { createColors } from '../../src/terminal/color.js';
import { regressions, table } from '../../src/bench/report.js';
import type { Row } from '../../src/bench/suites.js';

const rows: Row[] = [
  { suite: 'commands', name: 'pipeline, FULL', value: 1000, unit: 'commands/s' },
  { suite: 'replay', name: 'generated dispatch, 10000 events', value: 10, unit: 'ns/event' },
  { suite: 'replay', name: 'generated / hand-written, 10000', value: 1.1, unit: 'x', ratio: 1.1, target: '<= 1.3x', met: true },
];

describe('bench report', () => {
  it('flags a throughput drop or a slowdown beyond the threshold, and nothing else', () => {
    const now: Row[] = [
      { ...rows[0]!, value: 700 },
      { ...rows[1]!, value: 13 },
      { ...rows[2]!, value: 2, ratio: 2 },
    ];
    expect(regressions(now, rows, 20)).toEqual([
      'commands / pipeline, FULL: 1000 commands/s -> 700 commands/s (30% worse)',
      'replay / generated dispatch, 10000 events: 10.0 ns/event -> 13.0 ns/event (30% worse)',
    ]);
    expect(regressions(now, rows, 40)).toEqual([]);
    expect(regressions(rows, rows, 0)).toEqual([]);
  });

  it('prints each suite with its targets and a count of those met', () => {
    const text = table(rows, createColors(false));
    expect(text).toContain('commands\n  pipeline, FULL');
    expect(text).toContain('✓ target <= 1.3x');
    expect(text).toContain('1 of 1 targets met');
  });
});
