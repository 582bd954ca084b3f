/** How a context's declarations refer to each other: named types never in a cycle, every type used, every event emitted. */
import { finding, type Finding } from '../../spec/diagnostics.js';
import type { FieldSpec } from '../../spec/schema.js';
import { quote } from '../names.js';
import { asObject, type SpecFile } from './shared.js';

/** Named types may nest, but never in a cycle. */
export function checkTypeCycles(f: SpecFile, out: Finding[]): void {
  const types = f.spec.types ?? {};
  const refs = (name: string): string[] => {
    const names: string[] = [];
    const visit = (field: FieldSpec) => {
      const o = asObject(field);
      if (o.type in types) names.push(o.type);
      if (o.items !== undefined) visit(o.items);
    };
    for (const field of Object.values(types[name]?.fields ?? {})) visit(field);
    return names;
  };
  const state = new Map<string, 'visiting' | 'done'>();
  const reported = new Set<string>();
  const walk = (name: string, trail: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(name)), name];
      if (!reported.has(name)) {
        reported.add(name);
        out.push(
          finding('GW1011', f.file, ['types', name], `type ${quote(name)} contains itself: ${cycle.join(' → ')}`, {
            at: 'key',
            hint: 'break the cycle; a value of this type could never be written down',
          }),
        );
      }
      return;
    }
    state.set(name, 'visiting');
    for (const next of refs(name)) walk(next, [...trail, name]);
    state.set(name, 'done');
  };
  for (const name of Object.keys(types)) walk(name, []);
}

export function reportUnused(f: SpecFile, usedTypes: ReadonlySet<string>, out: Finding[]): void {
  for (const name of Object.keys(f.spec.types ?? {})) {
    if (!usedTypes.has(name))
      out.push(finding('GW1091', f.file, ['types', name], `type ${quote(name)} is never used`, { at: 'key', hint: 'use it in a field or remove it' }));
  }
  for (const [a, aggregate] of Object.entries(f.spec.aggregates ?? {})) {
    const emitted = new Set(Object.values(aggregate.commands).flatMap((c) => c.emits));
    for (const e of Object.keys(aggregate.events)) {
      if (!emitted.has(e))
        out.push(
          finding('GW1090', f.file, ['aggregates', a, 'events', e], `event ${quote(e)} is never emitted by a command of aggregate ${quote(a)}`, {
            at: 'key',
            hint: 'add it to the `emits` of a command, or remove it',
          }),
        );
    }
  }
}
