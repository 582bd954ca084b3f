/** Synthetic data for benchmarks: event payloads from the model, and domains of any size. */
import type { Aggregate, Context, EventDef, Field, TypeRef } from '../model/model.js';

/** A valid value of a field type, for synthetic inputs and events. */
export function valueOf(type: TypeRef, context: Context, i: number): unknown {
  switch (type.kind) {
    case 'string':
      return type.constraints.pattern !== undefined ? 'EUR' : `text ${i % 100}`;
    case 'email':
      return 'someone@example.com';
    case 'integer':
      return Math.max(type.constraints.min ?? 1, 1);
    case 'number':
      return 1.5;
    case 'boolean':
      return true;
    case 'datetime':
      return '2026-01-01T00:00:00.000Z';
    case 'date':
      return '2026-01-01';
    case 'uuid':
      return '00000000-0000-4000-8000-000000000000';
    case 'ulid':
      return '01JDQ5Z3X8M4N7P2R6T9V1W3Y5';
    case 'enum':
      return type.values[0];
    case 'list':
      return [];
    case 'named': {
      const named = context.types.find((t) => t.name === type.name);
      return named === undefined ? {} : dataOf(named.fields, context, i);
    }
  }
}

function dataOf(fields: readonly Field[], context: Context, i: number): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const f of fields) data[f.name] = valueOf(f.type, context, i);
  return data;
}

export interface SynthEvent {
  readonly type: string;
  readonly data: Record<string, unknown>;
}

/** The creating event first, then the aggregate's other events in turn, `count` in all. */
export function synthesizeEvents(context: Context, aggregate: Aggregate, count: number): SynthEvent[] {
  const creating = aggregate.commands.find((c) => c.creates)?.emits[0] ?? aggregate.events[0]!.name;
  const first = aggregate.events.find((e) => e.name === creating)!;
  const others: EventDef[] = aggregate.events.filter((e) => e.name !== creating);
  const cycle = others.length > 0 ? others : [first];
  const events: SynthEvent[] = [{ type: first.name, data: dataOf(first.fields, context, 0) }];
  for (let i = 1; i < count; i++) {
    const e = cycle[(i - 1) % cycle.length]!;
    events.push({ type: e.name, data: dataOf(e.fields, context, i) });
  }
  return events;
}

/** The aggregate with the most event types: the one whose replay says the most. */
export function busiestAggregate(contexts: readonly Context[]): { context: Context; aggregate: Aggregate } {
  let best: { context: Context; aggregate: Aggregate } | undefined;
  for (const context of contexts)
    for (const aggregate of context.aggregates) if (best === undefined || aggregate.events.length > best.aggregate.events.length) best = { context, aggregate };
  if (best === undefined) throw new Error('the project has no aggregate to benchmark');
  return best;
}

/** A spec with `count` aggregates of three events, three commands and three state fields each. */
export function syntheticSpec(count: number): string {
  const lines = ['groundwork: 1', 'context: synthetic', 'aggregates:'];
  for (let i = 0; i < count; i++) {
    const a = `Thing${i}`;
    lines.push(
      `  ${a}:`,
      `    id: thing${i}Id`,
      '    subject: ownerId',
      '    state: { ownerId: ulid, label: string, count: integer }',
      '    events:',
      `      ${a}Made: { ownerId: ulid, label: string }`,
      `      ${a}Renamed: { label: { type: string, maxLength: 100 } }`,
      `      ${a}Counted: { by: { type: integer, min: 1 } }`,
      '    commands:',
      `      Make${a}: { creates: true, input: { ownerId: ulid, label: string }, emits: [${a}Made], allow: [user] }`,
      `      Rename${a}: { input: { label: { type: string, maxLength: 100 } }, emits: [${a}Renamed], allow: [user] }`,
      `      Count${a}: { input: { by: { type: integer, min: 1 } }, emits: [${a}Counted], allow: [user], actors: [human, job] }`,
    );
  }
  lines.push('projections:', '  Labels:', '    key: thing0Id', '    columns: { label: string }', '    on: [Thing0Made, Thing0Renamed]');
  return `${lines.join('\n')}\n`;
}
