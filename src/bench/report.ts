/** Bench output: a readable table, the JSON document, and the comparison with an earlier run. */
import type { Colors } from '../terminal/color.js';
import type { Row } from './suites.js';

export interface BenchDocument {
  readonly schemaVersion: 1;
  readonly quick: boolean;
  readonly environment: Record<string, string | number>;
  readonly results: readonly Row[];
}

function figure(value: number, unit: string): string {
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  const shown = value >= 10_000 ? Math.round(value).toLocaleString('en-US') : value.toFixed(digits);
  return `${shown} ${unit}`;
}

export function table(rows: readonly Row[], c: Colors): string {
  const lines: string[] = [];
  let suite = '';
  const width = Math.max(...rows.map((r) => r.name.length), 20);
  for (const row of rows) {
    if (row.suite !== suite) {
      suite = row.suite;
      lines.push('', c.bold(suite));
    }
    const target = row.target === undefined ? '' : ` ${row.met === true ? c.green('✓') : c.red('✗')} target ${row.target}`;
    const p99 = row.p99 === undefined ? '' : c.dim(` p99 ${row.p99.toFixed(row.p99 >= 10 ? 1 : 3)}`);
    const note = row.note === undefined ? '' : c.dim(`  (${row.note})`);
    lines.push(`  ${row.name.padEnd(width)}  ${figure(row.value, row.unit).padStart(22)}${p99}${target}${note}`);
  }
  const targets = rows.filter((r) => r.target !== undefined);
  const met = targets.filter((r) => r.met === true).length;
  if (targets.length > 0) lines.push('', `${met} of ${targets.length} targets met`);
  return `${lines.join('\n')}\n`;
}

/** Rows whose throughput or time got worse than `threshold` percent against the earlier run. */
export function regressions(current: readonly Row[], previous: readonly Row[], threshold: number): string[] {
  const before = new Map(previous.map((r) => [`${r.suite}/${r.name}`, r]));
  const out: string[] = [];
  for (const row of current) {
    const old = before.get(`${row.suite}/${row.name}`);
    if (old === undefined || old.unit !== row.unit || old.value === 0) continue;
    const higherIsBetter = /\/s$/.test(row.unit);
    const timeLike = /^(ns|us|ms)/.test(row.unit);
    if (!higherIsBetter && !timeLike) continue;
    const change = higherIsBetter ? (old.value - row.value) / old.value : (row.value - old.value) / old.value;
    if (change * 100 > threshold)
      out.push(`${row.suite} / ${row.name}: ${figure(old.value, old.unit)} -> ${figure(row.value, row.unit)} (${(change * 100).toFixed(0)}% worse)`);
  }
  return out;
}
