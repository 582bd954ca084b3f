/** The files of one aggregate: types, schemas, the fold, the command table, and the user's stubs. */
import { createHash } from 'node:crypto';
import type { Aggregate, CommandDef, Context, EventDef, Field, NamedType, Reference } from '../model/model.js';
import { block, docComment, ident, str } from './code.js';
import { ULID_SCHEMA, initialValue, members, namedSchemaName, namedTypesUsed, tsType, zodObject } from './fields.js';
import { RUNTIME_INDEX, files, names } from './layout.js';
import { SCAFFOLD_HEADER, header, type PlannedFile } from './plan.js';
import { imports, render, type Import } from './render.js';
import { eventVersionsTable, piiBeforeTable, upcastFile, upcastFunction, upcastImports, versionedEvents, versionTypes } from './versions.js';

export function planAggregate(context: Context, aggregate: Aggregate): PlannedFile[] {
  return [
    typesFile(context, aggregate),
    schemasFile(context, aggregate),
    foldFile(context, aggregate),
    commandsFile(context, aggregate),
    evolveFile(context, aggregate),
    testingFile(context, aggregate),
    ...aggregate.commands.map((command) => decideFile(context, aggregate, command)),
    ...versionedEvents(aggregate).map((event) => upcastFile(context, aggregate, event)),
  ];
}

function generated(path: string, source: string, list: readonly Import[], body: string, ownership: 'generated' | 'wiring' = 'generated'): PlannedFile {
  return { path, ownership, source, content: render('generated-module', { header: header(source), imports: imports(path, list), body }) };
}

function allFields(aggregate: Aggregate): Field[] {
  return [...aggregate.state, ...aggregate.events.flatMap((e) => e.fields), ...aggregate.commands.flatMap((c) => c.input)];
}

function typesFile(context: Context, a: Aggregate): PlannedFile {
  const path = files.aggregateTypes(context, a);
  const named = namedTypesUsed(allFields(a));
  const stateNamed = namedTypesUsed(a.state).map((t) => `initial${ident(t, 'pascal')}`);
  const usesErased = a.statePii || a.events.some((e) => e.encryptedFields.length > 0 || e.previous.some((shape) => shape.encryptedFields.length > 0));
  const versioned = versionedEvents(a).length > 0;
  const blocks = [
    `${docComment(`Identifies one ${a.name}.`)}export type ${names.id(a)} = Brand<string, ${str(names.id(a))}>;`,
    `${docComment(a.description)}export interface ${names.state(a)} ${block(members(a.state, { readonly: false, indent: '  ', optionalAsUndefined: true, erasable: true }))}`,
    `export function ${names.initialState(a)}(): ${names.state(a)} {\n  return ${block(
      a.state.map((f) => `    ${ident(f.name, 'camel')}: ${initialValue(f)},`),
      '  ',
    )};\n}`,
    ...a.events.flatMap((e) => [eventInterface(e), ...versionTypes(e)]),
    `export type ${names.event(a)} = ${a.events.map((e) => ident(e.name, 'pascal')).join(' | ')};`,
    `${docComment('One function per event, each updating the state in place.')}export type ${names.evolvers(a)} = {\n  readonly [E in ${names.event(a)} as E['type']]: (state: ${names.state(a)}, event: E) => void;\n};`,
    ...a.commands.map((c) => inputInterface(a, c)),
  ];
  const list: Import[] = [
    { from: RUNTIME_INDEX, names: [], types: [...(usesErased ? ['Brand', 'Erased'] : ['Brand']), ...(versioned ? ['UpcastContext'] : [])] },
    ...(named.length > 0 || stateNamed.length > 0 ? [{ from: files.contextTypes(context), names: stateNamed, types: named }] : []),
  ];
  return generated(path, context.file, list, blocks.join('\n\n'));
}

function eventInterface(e: EventDef): string {
  const data = e.fields.length === 0 ? 'Record<string, never>' : block(members(e.fields, { readonly: true, indent: '    ', erasable: true }), '  ');
  return `${docComment(e.description)}export interface ${ident(e.name, 'pascal')} {\n  readonly type: ${str(e.name)};\n  readonly data: ${data};\n}`;
}

function inputInterface(a: Aggregate, c: CommandDef): string {
  const body = [`  readonly ${ident(a.id, 'camel')}: ${names.id(a)};`, ...members(c.input, { readonly: true, indent: '  ' })];
  return `${docComment(c.description)}export interface ${names.input(c)} ${block(body)}`;
}

function schemasFile(context: Context, a: Aggregate): PlannedFile {
  const path = files.aggregateSchemas(context, a);
  const inputs = a.commands.flatMap((c) => c.input);
  const named = namedTypesUsed(inputs).map(namedSchemaName);
  const id = ident(a.id, 'camel');
  const blocks = [
    `const ${id} = ${ULID_SCHEMA}.transform((value) => value as ${names.id(a)});`,
    ...a.commands.map((c) => `export const ${names.schema(c)} = ${zodObject(c.input, '', [`${id},`])} satisfies z.ZodType<${names.input(c)}>;`),
  ];
  const list: Import[] = [
    { from: 'zod', names: ['z'] },
    { from: RUNTIME_INDEX, names: ['ULID_PATTERN'] },
    { from: files.aggregateTypes(context, a), names: [], types: [names.id(a), ...a.commands.map(names.input)] },
    ...(named.length > 0 ? [{ from: files.contextTypes(context), names: named }] : []),
  ];
  return generated(path, context.file, list, blocks.join('\n\n'));
}

/** Changes whenever the state's shape changes, so snapshots of an older shape are ignored. */
export function stateVersion(a: Aggregate, types: readonly NamedType[]): string {
  const used = types.filter((t) => namedTypesUsed(a.state).includes(t.name));
  // Event versions count too: a snapshot folded from events of an older shape is not reused.
  const versions = versionedEvents(a).map((e) => [e.name, e.version]);
  const shape = JSON.stringify({
    state: a.state.map(declared),
    types: used.map((t) => ({ ...t, fields: t.fields.map(declared) })),
    ...(versions.length > 0 ? { events: versions } : {}),
  });
  return createHash('sha256').update(shape).digest('hex').slice(0, 16);
}

/** `  key: value,` when there is a value. */
function optionalEntry(key: string, value: string | undefined): string[] {
  return value === undefined ? [] : [`  ${key}: ${value},`];
}

/** A field as the spec declares it: the flags the model derives are no part of the state's shape. */
function declared(field: Field): Omit<Field, 'encrypted'> {
  const { encrypted: _derived, ...rest } = field;
  return rest;
}

function foldFile(context: Context, a: Aggregate): PlannedFile {
  const path = files.aggregateFold(context, a);
  const cases = a.events.map((e) => `    case ${str(e.name)}:\n      evolve.${ident(e.name, 'pascal')}(state, event);\n      return;`).join('\n');
  // A one-event union does not narrow to never in `default`, but its `type` does.
  const unhandled = a.events.length === 1 ? 'event.type' : 'event';
  const subject =
    a.subject === undefined ? '() => undefined' : a.subjectIsId ? '(_state, streamId) => streamId' : `(state) => state.${ident(a.subject, 'camel')}`;
  const versioned = versionedEvents(a).length > 0;
  const body = [
    `${docComment(`Applies one ${a.name} event to a state the fold owns. Exhaustive: an event type without a case fails to compile.`)}export function ${names.fold(a)}(state: ${names.state(a)}, event: ${names.event(a)}): void {\n  switch (event.type) {\n${cases}\n    default:\n      assertNever(${unhandled}, ${str(`${a.name} event`)});\n  }\n}`,
    [
      `export const ${names.aggregate(a)}: AggregateDefinition<${names.state(a)}, ${names.event(a)}> = {`,
      `  name: ${str(a.name)},`,
      `  description: ${a.description === undefined ? 'undefined' : str(a.description)},`,
      `  idField: ${str(a.id)},`,
      `  initialState: ${names.initialState(a)},`,
      `  fold: ${names.fold(a)},`,
      `  subjectOf: ${subject},`,
      `  snapshotEvery: ${a.snapshotEvery ?? 'undefined'},`,
      `  stateVersion: ${str(stateVersion(a, context.types))},`,
      `  pii: ${piiTable(a)},`,
      `  statePii: ${a.statePii},`,
      ...(versioned ? [`  eventVersions: ${eventVersionsTable(a)},`, ...optionalEntry('piiBefore', piiBeforeTable(a)), `  upcast: ${names.upcast(a)},`] : []),
      '};',
    ].join('\n'),
    ...(versioned ? [upcastFunction(a)] : []),
  ];
  const list: Import[] = [
    { from: RUNTIME_INDEX, names: ['assertNever'], types: ['AggregateDefinition'] },
    { from: files.evolve(context, a), names: ['evolve'] },
    { from: files.aggregateTypes(context, a), names: [names.initialState(a)], types: [names.event(a), names.state(a)] },
    ...(versioned ? upcastImports(context, a) : []),
  ];
  return generated(path, context.file, list, body.join('\n\n'), 'wiring');
}

/** The encrypted fields of each event type that has any, as a literal table. */
function piiTable(a: Aggregate): string {
  const entries = a.events.filter((e) => e.encryptedFields.length > 0).map((e) => `${ident(e.name, 'pascal')}: [${e.encryptedFields.map(str).join(', ')}]`);
  return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
}

function commandsFile(context: Context, a: Aggregate): PlannedFile {
  const path = files.aggregateCommands(context, a);
  const blocks = a.commands.map((c) => {
    const allow = c.allow === 'public' ? str('public') : `[${c.allow.map(str).join(', ')}]`;
    return [
      `${docComment(c.description)}export const ${names.command(c)}: CommandDefinition<${names.input(c)}, ${names.state(a)}, ${names.event(a)}> = {`,
      `  name: ${str(c.name)},`,
      `  aggregate: ${names.aggregate(a)},`,
      `  schema: ${names.schema(c)},`,
      `  streamIdOf: (input) => input.${ident(a.id, 'camel')},`,
      `  creates: ${c.creates},`,
      `  allow: ${allow},`,
      `  actors: [${c.actors.map(str).join(', ')}],`,
      ...(c.ownDataRoles.length === 0 ? [] : [`  ownDataRoles: [${c.ownDataRoles.map(str).join(', ')}],`]),
      ...(c.references.length === 0 ? [] : [`  references: [\n${c.references.map(referenceEntry).join('\n')}\n  ],`]),
      `  decide: ${names.decide(c)},`,
      `  undo: ${c.undo === undefined ? 'undefined' : str(c.undo)},`,
      ...(c.approval === undefined
        ? []
        : [
            `  approval: { actors: [${c.approval.actors.map(str).join(', ')}], by: [${c.approval.by.map(str).join(', ')}], expiresMs: ${c.approval.expiresMs} },`,
          ]),
      '};',
    ].join('\n');
  });
  const list: Import[] = [
    { from: RUNTIME_INDEX, names: [], types: ['CommandDefinition'] },
    { from: files.aggregateFold(context, a), names: [names.aggregate(a)] },
    { from: files.aggregateSchemas(context, a), names: a.commands.map(names.schema) },
    { from: files.aggregateTypes(context, a), names: [], types: [names.event(a), names.state(a), ...a.commands.map(names.input)] },
    ...a.commands.map((c) => ({ from: files.decide(context, a, c), names: [names.decide(c)] })),
  ];
  return generated(path, context.file, list, blocks.join('\n\n'), 'wiring');
}

/** A reference as the pipeline checks it: the field, and the aggregate its value must name, known by its event types. */
function referenceEntry(r: Reference): string {
  return `    { field: ${str(r.field)}, aggregate: ${str(r.aggregate.name)}, events: [${r.aggregate.events.map((e) => str(e.name)).join(', ')}], hasSubject: ${r.aggregate.subject !== undefined} },`;
}

function testingFile(context: Context, a: Aggregate): PlannedFile {
  const path = files.aggregateTesting(context, a);
  const older = versionedEvents(a).flatMap((e) =>
    e.previous.map(
      (shape) =>
        `{ readonly type: ${str(e.name)}; readonly schemaVersion: ${shape.version}; readonly data: ${names.eventShape(e, shape.version)}; readonly recordedAt?: string }`,
    ),
  );
  const accepted = older.length === 0 ? names.event(a) : `(${[names.event(a), ...older].join(' | ')})`;
  const doc =
    older.length === 0
      ? `Given these ${a.name} events, when a command is decided, then these events or this error. In memory, for unit tests.`
      : `Given these ${a.name} events (current ones, or earlier shapes read through the upcasters), when a command is decided, then these events or this error. In memory, for unit tests.`;
  const body = `${docComment(doc)}export function ${names.given(a)}(...events: ${accepted}[]): Scenario<${names.state(a)}, ${names.event(a)}> {\n  return given(${names.aggregate(a)}, events);\n}`;
  const shapes = versionedEvents(a).flatMap((e) => e.previous.map((shape) => names.eventShape(e, shape.version)));
  const list: Import[] = [
    { from: RUNTIME_INDEX, names: ['given'], types: ['Scenario'] },
    { from: files.aggregateFold(context, a), names: [names.aggregate(a)] },
    { from: files.aggregateTypes(context, a), names: [], types: [names.event(a), names.state(a), ...shapes] },
  ];
  return generated(path, context.file, list, body);
}

function evolveFile(context: Context, a: Aggregate): PlannedFile {
  const path = files.evolve(context, a);
  const handlers = a.events.map((e) => evolveHandler(a, e)).join('\n');
  const content = render('evolve', {
    header: SCAFFOLD_HEADER,
    imports: imports(path, [{ from: files.aggregateTypes(context, a), names: [], types: [names.evolvers(a)] }]),
    aggregate: a.name,
    evolversType: names.evolvers(a),
    handlers,
  });
  return { path, ownership: 'scaffolded', source: context.file, content };
}

/** The day-one evolve handler of one event, as `gen slice` adds it to an existing evolve.ts. The context is no longer needed; gen slice still passes it. */
export function evolveHandlerText(_context: Context, a: Aggregate, eventName: string): string {
  const event = a.events.find((e) => e.name === eventName);
  if (event === undefined) throw new Error(`unknown event ${eventName}`);
  return evolveHandler(a, event)
    .split('\n')
    .map((line) => line.replace(/^  /, ''))
    .join('\n')
    .replace(/,$/, '');
}

/** A day-one evolve: copy same-named fields into the state, and set an enum the event name implies. */
function evolveHandler(a: Aggregate, e: EventDef): string {
  const state = new Map(a.state.map((f) => [f.name, f]));
  const lines: string[] = [];
  for (const field of e.fields) {
    const target = state.get(field.name);
    if (target !== undefined && (target.encrypted || !field.encrypted) && tsType(target.type) === tsType(field.type) && (target.optional || !field.optional)) {
      lines.push(`state.${ident(field.name, 'camel')} = event.data.${ident(field.name, 'camel')};`);
    }
  }
  for (const field of a.state) {
    if (field.type.kind !== 'enum' || e.fields.some((f) => f.name === field.name)) continue;
    const value = impliedValue(e.name, field.type.values);
    if (value !== undefined) lines.push(`state.${ident(field.name, 'camel')} = ${str(value)};`);
  }
  const name = ident(e.name, 'pascal');
  if (lines.length === 0) return `  ${name}() {\n    // ${name} changes nothing in the state yet.\n  },`;
  const usesEvent = lines.some((l) => l.includes('event.'));
  return `  ${name}(state${usesEvent ? ', event' : ''}) {\n${lines.map((l) => `    ${l}`).join('\n')}\n  },`;
}

/** The last word of the event name: `AccountFrozen` implies `frozen`, `AccountOpened` `open`, `AccountUnfrozen` nothing. */
function impliedValue(eventName: string, values: readonly string[]): string | undefined {
  const last = (eventName.match(/[A-Z][a-z0-9]*/g) ?? []).pop()?.toLowerCase() ?? '';
  return values.find((v) => /^[a-z][a-z0-9]*$/.test(v) && (last === v || last === `${v}ed` || last === `${v}d`));
}

function decideFile(context: Context, a: Aggregate, c: CommandDef): PlannedFile {
  const path = files.decide(context, a, c);
  const first = c.emitted[0]!;
  const others = c.emitted.slice(1).map((e) => e.name);
  const { data, initials } = eventData(a, c, first);
  const note = others.length > 0 ? `  // This command may also record ${others.map((n) => ident(n, 'pascal')).join(', ')}.\n` : '';
  const content = render('decide', {
    header: SCAFFOLD_HEADER,
    imports: imports(path, [
      { from: RUNTIME_INDEX, names: [], types: ['Decision', 'DeepReadonly'] },
      { from: files.aggregateTypes(context, a), names: [], types: [names.event(a), names.input(c), names.state(a)] },
      ...(initials.length > 0 ? [{ from: files.contextTypes(context), names: initials }] : []),
    ]),
    doc: docComment(
      c.description === undefined
        ? `Decides what ${c.name} records. Return the events, or reject(rule, message) to refuse.`
        : `${c.description}\n\nReturn the events to record, or reject(rule, message) to refuse.`,
    ),
    functionName: names.decide(c),
    inputType: names.input(c),
    stateType: names.state(a),
    eventType: names.event(a),
    body: `${note}  return [{ type: ${str(first.name)}, data: ${data} }];`,
  });
  return { path, ownership: 'scaffolded', source: context.file, content };
}

/**
 * A day-one event payload: each field from the input, the id, or the state, where one matches;
 * otherwise the field's initial value, for the user to replace.
 */
function eventData(a: Aggregate, c: CommandDef, e: EventDef): { data: string; initials: string[] } {
  if (e.fields.length === 0) return { data: '{}', initials: [] };
  const initials: string[] = [];
  const input = new Map(c.input.map((f) => [f.name, f]));
  const state = new Map(a.state.filter((f) => !f.encrypted || e.encryptedFields.includes(f.name)).map((f) => [f.name, f]));
  const entries: string[] = [];
  for (const field of e.fields) {
    const name = ident(field.name, 'camel');
    const compatible = (source: Field | undefined) =>
      source !== undefined && tsType(source.type) === tsType(field.type) && (field.optional || !source.optional);
    if (compatible(input.get(field.name))) entries.push(`${name}: command.${name}`);
    else if (field.name === a.id && tsType(field.type) === 'string') entries.push(`${name}: command.${name}`);
    else if (compatible(state.get(field.name))) entries.push(`${name}: state.${name}`);
    else if (!field.optional) {
      if (field.type.kind === 'named') initials.push(`initial${ident(field.type.name, 'pascal')}`);
      entries.push(`${name}: ${initialValue(field)}`);
    }
  }
  return { data: `{ ${entries.join(', ')} }`, initials };
}
