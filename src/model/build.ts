/**
 * Builds the normalized model from specs that passed both checks, resolving every reference once:
 * emitted and handled events, undo targets, and which fields are stored encrypted.
 */
import {
  ACTOR_KINDS,
  type AccessRuleSpec,
  type ReadRuleSpec,
  BUILTIN_TYPES,
  type AggregateSpec,
  type CommandSpec,
  type EventSpec,
  type FieldMapSpec,
  type FieldSpec,
  type ProjectionSpec,
  type Spec,
} from '../spec/schema.js';
import type { SpecFile } from './check.js';
import { durationMs } from './duration.js';
import type {
  AccessRule,
  Aggregate,
  Approval,
  CommandDef,
  Constraints,
  Context,
  EventDef,
  EventShape,
  Field,
  HandledEvent,
  NamedType,
  Project,
  Projection,
  ReadRule,
  Reference,
  Role,
  ScalarKind,
  TypeRef,
} from './model.js';

const BUILTINS: ReadonlySet<string> = new Set(BUILTIN_TYPES);

/** The names of the context's named types that hold pii anywhere inside. */
type PiiTypes = ReadonlySet<string>;

/** A model object while its references are being filled in. */
type Resolving<T> = { -readonly [K in keyof T]: T[K] };

export function buildProject(files: readonly SpecFile[]): Project {
  const contexts = files.map(buildContext).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const declared = <K extends 'forget' | 'history' | 'stateAt' | 'verify'>(operation: K) => files.find((f) => f.spec.operations?.[operation] !== undefined);
  const rule = (operation: 'forget' | 'verify') => {
    const file = declared(operation);
    return file === undefined ? undefined : accessRule(file.spec.operations![operation]!, file.spec);
  };
  const read = (operation: 'history' | 'stateAt') => {
    const file = declared(operation);
    return file === undefined ? undefined : readRule(file.spec.operations![operation]!, file.spec);
  };
  return {
    contexts,
    ...optional('forget', rule('forget')),
    ...optional('history', read('history')),
    ...optional('stateAt', read('stateAt')),
    ...optional('verify', rule('verify')),
  };
}

function readRule(rule: ReadRuleSpec, spec: Spec): ReadRule {
  return { ...accessRule(rule, spec), pii: [...(rule.pii ?? [])] };
}

function accessRule(rule: AccessRuleSpec, spec: Spec): AccessRule {
  return {
    ...optional('description', rule.description),
    allow: [...rule.allow],
    actors: rule.actors === undefined ? [...ACTOR_KINDS] : ACTOR_KINDS.filter((k) => rule.actors!.includes(k)),
    ownDataRoles: rule.allow.filter((role) => spec.roles?.[role]?.scope === 'own'),
  };
}

function buildContext({ file, spec }: SpecFile): Context {
  const piiTypes = typesHoldingPii(spec);
  const types: NamedType[] = Object.entries(spec.types ?? {}).map(([name, t]) => ({
    name,
    ...optional('description', t.description),
    fields: fields(t.fields, piiTypes),
  }));
  const roles: Role[] = Object.entries(spec.roles ?? {}).map(([name, r]) => ({ name, ...optional('description', r.description), scope: r.scope ?? 'any' }));
  const ownData = new Set(roles.filter((r) => r.scope === 'own').map((r) => r.name));
  const aggregates = Object.entries(spec.aggregates ?? {}).map(([name, a]) => buildAggregate(name, a, piiTypes, ownData));
  resolveReferences(spec, aggregates);
  return {
    name: spec.context,
    ...optional('description', spec.description),
    file,
    types,
    aggregates,
    projections: Object.entries(spec.projections ?? {}).map(([name, p]) => buildProjection(name, p, aggregates, piiTypes, spec)),
    roles,
  };
}

/** Fills in each command's references, now that every aggregate of the context exists. */
function resolveReferences(spec: Spec, aggregates: readonly Aggregate[]): void {
  for (const aggregate of aggregates) {
    const commandSpecs = spec.aggregates![aggregate.name]!.commands;
    for (const command of aggregate.commands as Resolving<CommandDef>[]) {
      const references: Reference[] = [];
      for (const [field, input] of Object.entries(commandSpecs[command.name]!.input ?? {})) {
        const target = typeof input === 'string' ? undefined : input.references;
        if (target === undefined) continue;
        const referenced = aggregates.find((a) => a.name === target);
        if (referenced === undefined) throw new Error(`input field ${field} of ${command.name} references unknown aggregate ${target}`);
        references.push({ field, aggregate: referenced });
      }
      command.references = references;
    }
  }
}

function buildAggregate(name: string, a: AggregateSpec, piiTypes: PiiTypes, ownData: ReadonlySet<string>): Aggregate {
  const state = fields(a.state ?? {}, piiTypes);
  const events = Object.entries(a.events).map(([e, event]) => buildEvent(e, name, event, piiTypes));
  return {
    name,
    ...optional('description', a.description),
    id: a.id,
    ...optional('subject', a.subject),
    subjectIsId: a.subject === a.id,
    ...optional('snapshotEvery', a.snapshotEvery),
    state,
    statePii: state.some((f) => f.encrypted),
    events,
    commands: buildCommands(name, a.commands, events, piiTypes, ownData),
  };
}

function buildEvent(name: string, aggregate: string, spec: EventSpec, piiTypes: PiiTypes): EventDef {
  const eventFields = fields(spec.fields, piiTypes);
  const version = spec.version ?? 1;
  const previous = Object.entries(spec.previous ?? {})
    .map(([v, map]): EventShape => {
      const shapeFields = fields(map, piiTypes);
      return { version: Number(v), fields: shapeFields, encryptedFields: encryptedNames(shapeFields) };
    })
    .sort((x, y) => x.version - y.version);
  return {
    name,
    aggregate,
    ...optional('description', spec.description),
    fields: eventFields,
    encryptedFields: encryptedNames(eventFields),
    version,
    previous,
  };
}

function encryptedNames(list: readonly Field[]): string[] {
  return list.filter((f) => f.encrypted).map((f) => f.name);
}

function buildCommands(
  aggregate: string,
  specs: Record<string, CommandSpec>,
  events: readonly EventDef[],
  piiTypes: PiiTypes,
  ownData: ReadonlySet<string>,
): CommandDef[] {
  const commands = Object.entries(specs).map(
    ([name, command]): Resolving<CommandDef> => ({
      name,
      aggregate,
      ...optional('description', command.description),
      creates: command.creates ?? false,
      input: fields(command.input ?? {}, piiTypes),
      emits: [...command.emits],
      emitted: events.filter((e) => command.emits.includes(e.name)),
      allow: command.allow === 'public' ? 'public' : [...(command.allow ?? [])],
      actors: command.actors === undefined ? [...ACTOR_KINDS] : ACTOR_KINDS.filter((k) => command.actors!.includes(k)),
      ownDataRoles: command.allow === 'public' ? [] : (command.allow ?? []).filter((role) => ownData.has(role)),
      references: [],
      ...optional('undo', command.undo),
      ...optional('approval', approvalOf(command)),
    }),
  );
  for (const command of commands) {
    if (command.undo === undefined) continue;
    const target = commands.find((c) => c.name === command.undo);
    if (target === undefined) throw new Error(`command ${command.name} undoes unknown command ${command.undo}`);
    command.undoCommand = target;
  }
  return commands;
}

/** The approval a command declares, resolved; undefined when it declares none (or an expiry the rules refuse). */
function approvalOf(command: CommandSpec): Approval | undefined {
  const spec = command.approval;
  const expiresMs = spec === undefined ? undefined : durationMs(spec.expires);
  if (spec === undefined || expiresMs === undefined) return undefined;
  return {
    actors: spec.actors === undefined ? [...ACTOR_KINDS] : ACTOR_KINDS.filter((k) => spec.actors!.includes(k)),
    by: [...spec.by],
    expiresMs,
  };
}

function buildProjection(name: string, p: ProjectionSpec, aggregates: readonly Aggregate[], piiTypes: PiiTypes, spec: Spec): Projection {
  const columns = fields(p.columns, piiTypes);
  const read = p.read === undefined ? undefined : { ...readRule(p.read, spec), ...optional('subject', p.read.subject) };
  return {
    name,
    ...optional('description', p.description),
    key: p.key,
    columns,
    pii: columns.some((f) => f.encrypted),
    on: [...p.on],
    handles: p.on.map((event) => handledEvent(name, event, aggregates)),
    ...optional('read', read),
  };
}

function handledEvent(projection: string, name: string, aggregates: readonly Aggregate[]): HandledEvent {
  for (const aggregate of aggregates) {
    const event = aggregate.events.find((e) => e.name === name);
    if (event !== undefined) return { event, aggregate };
  }
  throw new Error(`projection ${projection} handles unknown event ${name}`);
}

function fields(map: FieldMapSpec, piiTypes: PiiTypes): Field[] {
  return Object.entries(map).map(([name, spec]) => {
    const f = typeof spec === 'string' ? { type: spec } : spec;
    const type = typeRef(spec);
    const pii = f.pii ?? false;
    return {
      name,
      type,
      optional: f.optional ?? false,
      pii,
      ...optional('description', f.description),
      encrypted: pii || namedTypes(type).some((t) => piiTypes.has(t)),
    };
  });
}

function typesHoldingPii(spec: Spec): PiiTypes {
  const types = new Map(Object.entries(spec.types ?? {}).map(([name, t]) => [name, Object.values(t.fields)]));
  const holdsPii = (name: string, seen: ReadonlySet<string>): boolean => {
    const typeFields = types.get(name);
    if (typeFields === undefined || seen.has(name)) return false;
    const inner = new Set([...seen, name]);
    return typeFields.some((field) => (typeof field !== 'string' && field.pii === true) || namedTypes(typeRef(field)).some((t) => holdsPii(t, inner)));
  };
  return new Set([...types.keys()].filter((name) => holdsPii(name, new Set())));
}

/** The named type the type refers to, if any, looking through lists. */
function namedTypes(type: TypeRef): string[] {
  if (type.kind === 'list') return namedTypes(type.items);
  return type.kind === 'named' ? [type.name] : [];
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
