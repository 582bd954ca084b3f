/**
 * Versioned events: the typed shape of each earlier version, the steps the user writes to bring
 * one version to the next, and the generated upcaster that chains them, exhaustive over type and
 * version. Aggregates without versioned events get none of it.
 */
import type { Aggregate, Context, EventDef, Field } from '../model/model.js';
import { block, docComment, ident, inlineObject, str } from './code.js';
import { members, tsType } from './fields.js';
import { RUNTIME_INDEX, files, names } from './layout.js';
import { SCAFFOLD_HEADER, type PlannedFile } from './plan.js';
import { imports, render, type Import } from './render.js';

export function versionedEvents(a: Aggregate): EventDef[] {
  return a.events.filter((e) => e.previous.length > 0);
}

/** The fields of version `version` of the event: an earlier shape, or the current fields. */
function fieldsAt(e: EventDef, version: number): readonly Field[] {
  return e.previous.find((p) => p.version === version)?.fields ?? e.fields;
}

/** The data type of version `version`: its shape interface, or the current event's data. */
function dataTypeAt(e: EventDef, version: number): string {
  return version === e.version ? `${ident(e.name, 'pascal')}['data']` : names.eventShape(e, version);
}

/** For types.ts: an interface per earlier version, and the type of the user's steps. */
export function versionTypes(e: EventDef): string[] {
  if (e.previous.length === 0) return [];
  const shapes = e.previous.map((shape) => {
    const body = shape.fields.length === 0 ? '{}' : block(members(shape.fields, { readonly: true, indent: '  ', erasable: true }));
    return `${docComment(`The data of ${e.name} events stored with version ${shape.version}.`)}export interface ${names.eventShape(e, shape.version)} ${body}`;
  });
  const steps = e.previous.map(
    (shape) =>
      `  readonly ${names.upcastStep(shape.version)}: (data: ${dataTypeAt(e, shape.version)}, context: UpcastContext) => ${dataTypeAt(e, shape.version + 1)};`,
  );
  const doc = docComment(`One step per earlier version of ${e.name}: each brings the data of its version to the next.`);
  return [...shapes, `${doc}export interface ${names.upcasters(e)} ${block(steps)}`];
}

/** The names types.ts adds for the event: what the wiring and the user's file import. */
export function versionTypeNames(e: EventDef): string[] {
  return [...e.previous.map((shape) => names.eventShape(e, shape.version)), names.upcasters(e)];
}

/** The generated `upcast<Aggregate>`: a switch on type, then on version, chaining the steps. */
export function upcastFunction(a: Aggregate): string {
  const cases = versionedEvents(a).map(upcastCase).join('\n');
  const doc = docComment(
    `Brings a ${a.name} event stored with an earlier shape up to its current one, through the steps of upcast/. Generated from the spec: every earlier version has a case.`,
  );
  const fail = `throw new Error(\`no ${ident(a.name, 'pascal')} upcaster for \${event.type} version \${event.schemaVersion}\`);`;
  return `${doc}export function ${names.upcast(a)}(event: VersionedEvent, context: UpcastContext): ${names.event(a)} {\n  switch (event.type) {\n${cases}\n  }\n  ${fail}\n}`;
}

function upcastCase(e: EventDef): string {
  const versions = e.previous.map((shape) => {
    const lines: string[] = [];
    let data = `event.data as ${names.eventShape(e, shape.version)}`;
    for (let from = shape.version; from < e.version; from++) {
      const step = `${names.upcastSteps(e)}.${names.upcastStep(from)}(${data}, context)`;
      if (from === e.version - 1) lines.push(`return { type: ${str(e.name)}, data: ${step} };`);
      else {
        lines.push(`const v${from + 1} = ${step};`);
        data = `v${from + 1}`;
      }
    }
    const body = lines.length === 1 ? `\n          ${lines[0]}` : ` {\n${lines.map((l) => `          ${l}`).join('\n')}\n        }`;
    return `        case ${shape.version}:${body}`;
  });
  return `    case ${str(e.name)}:\n      switch (event.schemaVersion) {\n${versions.join('\n')}\n      }\n      break;`;
}

/** The `eventVersions` entry of the definition: the current version of each versioned event. */
export function eventVersionsTable(a: Aggregate): string {
  return `{ ${versionedEvents(a)
    .map((e) => `${ident(e.name, 'pascal')}: ${e.version}`)
    .join(', ')} }`;
}

/** The encrypted fields of each earlier version that had any, by event and version; undefined when none. */
export function piiBeforeTable(a: Aggregate): string | undefined {
  const entries = versionedEvents(a)
    .map((e) => [e, e.previous.filter((shape) => shape.encryptedFields.length > 0)] as const)
    .filter(([, shapes]) => shapes.length > 0)
    .map(
      ([e, shapes]) =>
        `${ident(e.name, 'pascal')}: { ${shapes.map((shape) => `${shape.version}: [${shape.encryptedFields.map(str).join(', ')}]`).join(', ')} }`,
    );
  return entries.length === 0 ? undefined : `{ ${entries.join(', ')} }`;
}

/** What aggregate.ts imports for the upcaster, besides what it always imports. */
export function upcastImports(context: Context, a: Aggregate): Import[] {
  const events = versionedEvents(a);
  return [
    { from: RUNTIME_INDEX, names: [], types: ['UpcastContext', 'VersionedEvent'] },
    { from: files.aggregateTypes(context, a), names: [], types: events.flatMap((e) => e.previous.map((shape) => names.eventShape(e, shape.version))) },
    ...events.map((e) => ({ from: files.upcast(context, a, e), names: [names.upcastSteps(e)] })),
  ];
}

/** The user's file of steps for one event, scaffolded once. */
export function upcastFile(context: Context, a: Aggregate, e: EventDef): PlannedFile {
  const path = files.upcast(context, a, e);
  const content = render('upcast', {
    header: SCAFFOLD_HEADER,
    imports: imports(path, [{ from: files.aggregateTypes(context, a), names: [], types: [names.upcasters(e)] }]),
    event: e.name,
    version: String(e.version),
    stepsName: names.upcastSteps(e),
    stepsType: names.upcasters(e),
    steps: e.previous.map((shape) => stepStub(e, shape.version)).join('\n'),
  });
  return { path, ownership: 'scaffolded', source: context.file, content };
}

/**
 * A day-one step: copy each field the next version keeps with the same type; leave out the ones it
 * cannot guess, so the step fails to compile until they are written.
 */
function stepStub(e: EventDef, from: number): string {
  const source = new Map(fieldsAt(e, from).map((f) => [f.name, f]));
  const copied: string[] = [];
  const missing: string[] = [];
  for (const target of fieldsAt(e, from + 1)) {
    const field = source.get(target.name);
    const carries =
      field !== undefined && tsType(field.type) === tsType(target.type) && (target.encrypted || !field.encrypted) && (target.optional || !field.optional);
    if (carries) copied.push(`${ident(target.name, 'camel')}: data.${ident(target.name, 'camel')}`);
    else if (!target.optional) missing.push(ident(target.name, 'camel'));
  }
  const note =
    missing.length === 0
      ? ''
      : `    // Version ${from + 1} needs ${missing.join(', ')}, which version ${from} does not have with that type: write ${missing.length === 1 ? 'it' : 'them'}\n` +
        '    // from `data` or `context` (when and where the event was recorded). Until then this step does not compile.\n';
  return `  ${names.upcastStep(from)}(data) {\n${note}    return ${inlineObject(copied)};\n  },`;
}
