/** Builds the normalized model from specs that passed both checks. */
import { ACTOR_KINDS, BUILTIN_TYPES, type AggregateSpec, type FieldMapSpec, type FieldSpec, type ProjectionSpec } from '../spec/schema.js';
import type { SpecFile } from './check.js';
import type { Aggregate, Constraints, Context, Field, Project, Projection, ScalarKind, TypeRef } from './model.js';

const BUILTINS: ReadonlySet<string> = new Set(BUILTIN_TYPES);

export function buildProject(files: readonly SpecFile[]): Project {
  const contexts = files.map(buildContext).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { contexts };
}

function buildContext({ file, spec }: SpecFile): Context {
  return {
    name: spec.context,
    ...optional('description', spec.description),
    file,
    types: Object.entries(spec.types ?? {}).map(([name, t]) => ({ name, ...optional('description', t.description), fields: fields(t.fields) })),
    aggregates: Object.entries(spec.aggregates ?? {}).map(([name, a]) => buildAggregate(name, a)),
    projections: Object.entries(spec.projections ?? {}).map(([name, p]) => buildProjection(name, p)),
  };
}

function buildAggregate(name: string, a: AggregateSpec): Aggregate {
  return {
    name,
    ...optional('description', a.description),
    id: a.id,
    ...optional('subject', a.subject),
    ...optional('snapshotEvery', a.snapshotEvery),
    state: fields(a.state ?? {}),
    events: Object.entries(a.events).map(([e, event]) => ({ name: e, aggregate: name, ...optional('description', event.description), fields: fields(event.fields) })),
    commands: Object.entries(a.commands).map(([c, command]) => ({
      name: c,
      aggregate: name,
      ...optional('description', command.description),
      creates: command.creates ?? false,
      input: fields(command.input ?? {}),
      emits: [...command.emits],
      allow: command.allow === 'public' ? 'public' : [...(command.allow ?? [])],
      actors: command.actors === undefined ? [...ACTOR_KINDS] : ACTOR_KINDS.filter((k) => command.actors!.includes(k)),
      ...optional('undo', command.undo),
    })),
  };
}

function buildProjection(name: string, p: ProjectionSpec): Projection {
  return { name, ...optional('description', p.description), key: p.key, columns: fields(p.columns), on: [...p.on] };
}

function fields(map: FieldMapSpec): Field[] {
  return Object.entries(map).map(([name, spec]) => {
    const f = typeof spec === 'string' ? { type: spec } : spec;
    return { name, type: typeRef(spec), optional: f.optional ?? false, pii: f.pii ?? false, ...optional('description', f.description) };
  });
}

function typeRef(spec: FieldSpec): TypeRef {
  const f = typeof spec === 'string' ? { type: spec } : spec;
  if (f.type === 'enum') return { kind: 'enum', values: [...(f.values ?? [])] };
  if (f.type === 'list') return { kind: 'list', items: typeRef(f.items ?? 'string'), constraints: constraints(f) };
  if (BUILTINS.has(f.type)) return { kind: f.type as ScalarKind, constraints: constraints(f) };
  return { kind: 'named', name: f.type };
}

function constraints(f: Exclude<FieldSpec, string> | { type: string }): Constraints {
  const o = f as Exclude<FieldSpec, string>;
  return {
    ...optional('min', o.min),
    ...optional('max', o.max),
    ...optional('minLength', o.minLength),
    ...optional('maxLength', o.maxLength),
    ...optional('pattern', o.pattern),
  };
}

/** `{ [key]: value }` when the value is present, `{}` otherwise (exactOptionalPropertyTypes). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}
