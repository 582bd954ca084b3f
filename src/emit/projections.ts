/** Projection files: row types (generated), handlers (the user's), and the dispatch (wiring). */
import type { Context, Field, HandledEvent, Projection, TypeRef } from '../model/model.js';
import { docComment, ident, inlineObject, str } from './code.js';
import { namedTypesUsed, tsType } from './fields.js';
import { RUNTIME_INDEX, files, names } from './layout.js';
import { SCAFFOLD_HEADER, header, type PlannedFile } from './plan.js';
import { imports, render, type Import } from './render.js';

export function planProjections(context: Context): PlannedFile[] {
  if (context.projections.length === 0) return [];
  return [rowsFile(context), ...context.projections.map((p) => handlersFile(context, p)), wiringFile(context), testingFile(context)];
}

function eventImports(context: Context, events: readonly HandledEvent[]): Import[] {
  return events.map(({ event, aggregate }) => ({ from: files.aggregateTypes(context, aggregate), names: [], types: [ident(event.name, 'pascal')] }));
}

function rowsFile(context: Context): PlannedFile {
  const path = files.projectionRows(context);
  const blocks = context.projections.flatMap((p) => {
    const columns = p.columns.filter((c) => c.name !== p.key);
    const row = [
      `  readonly ${ident(p.key, 'camel')}: string;`,
      ...columns.map(
        (c) => `${docComment(c.description, '  ')}  readonly ${ident(c.name, 'camel')}: ${tsType(c.type)}${c.encrypted ? ' | Erased' : ''} | null;`,
      ),
    ].join('\n');
    return [
      `${docComment(p.description)}export interface ${names.row(p)} {\n${row}\n}`,
      `export type ${names.projectionEvent(p)} = ${p.handles.map(({ event }) => `Stored<${ident(event.name, 'pascal')}>`).join(' | ')};`,
      `${docComment(`One handler per event ${p.name} listens to.`)}export type ${names.handlers(p)} = {\n  readonly [E in ${names.projectionEvent(p)} as E['type']]: (event: E, rows: Rows<${names.row(p)}>) => Promise<void>;\n};`,
    ];
  });
  const named = namedTypesUsed(context.projections.flatMap((p) => p.columns));
  const usesErased = context.projections.some((p) => p.pii);
  const list: Import[] = [
    { from: RUNTIME_INDEX, names: [], types: usesErased ? ['Erased', 'Rows', 'Stored'] : ['Rows', 'Stored'] },
    ...context.projections.flatMap((p) => eventImports(context, p.handles)),
    ...(named.length > 0 ? [{ from: files.contextTypes(context), names: [], types: named }] : []),
  ];
  return {
    path,
    ownership: 'generated',
    source: context.file,
    content: render('generated-module', { header: header(context.file), imports: imports(path, list), body: blocks.join('\n\n') }),
  };
}

function handlersFile(context: Context, p: Projection): PlannedFile {
  const path = files.projectionHandlers(context, p);
  const handlers = p.handles.map((h) => handlerStub(p, h)).join('\n');
  const content = render('projection-handlers', {
    header: SCAFFOLD_HEADER,
    imports: imports(path, [{ from: files.projectionRows(context), names: [], types: [names.handlers(p)] }]),
    doc: docComment(`How ${p.name} rows change with each event. await rows.merge(key, values) creates the row if needed.`),
    constName: names.handlersConst(p),
    handlersType: names.handlers(p),
    handlers,
  });
  return { path, ownership: 'scaffolded', source: context.file, content };
}

function sameType(column: Field, field: Field): boolean {
  const column_ = tsType(column.type);
  return column_ === tsType(field.type) || (column.type.kind === 'string' && isText(field.type));
}

function isText(type: TypeRef): boolean {
  return ['string', 'email', 'date', 'datetime', 'uuid', 'ulid', 'enum'].includes(type.kind);
}

/** A day-one handler: find the row by the key, copy the columns the event carries. */
function handlerStub(p: Projection, { event, aggregate }: HandledEvent): string {
  const name = ident(event.name, 'pascal');
  const keyField = event.fields.find((f) => f.name === p.key && !f.optional && isText(f.type));
  const key = p.key === aggregate.id ? 'event.streamId' : keyField !== undefined ? `event.data.${ident(p.key, 'camel')}` : undefined;
  if (key === undefined) {
    return `  async ${name}() {\n    // ${name} does not carry ${ident(p.key, 'camel')}: find the row to change with await rows.findBy(column, value).\n  },`;
  }
  const values: string[] = [];
  for (const column of p.columns) {
    if (column.name === p.key) continue;
    const field = event.fields.find((f) => f.name === column.name);
    const col = ident(column.name, 'camel');
    if (field !== undefined && sameType(column, field) && (column.encrypted || !field.encrypted))
      values.push(`${col}: event.data.${col}${field.optional ? ' ?? null' : ''}`);
    else if (field === undefined && column.type.kind === 'datetime' && col.endsWith('At')) values.push(`${col}: event.recordedAt`);
  }
  return `  async ${name}(event, rows) {\n    await rows.merge(${key}, ${inlineObject(values)});\n  },`;
}

const COLUMN_KINDS: Record<TypeRef['kind'], string> = {
  string: 'text',
  email: 'text',
  date: 'text',
  datetime: 'text',
  uuid: 'text',
  ulid: 'text',
  enum: 'text',
  integer: 'integer',
  number: 'real',
  boolean: 'boolean',
  list: 'json',
  named: 'json',
};

function wiringFile(context: Context): PlannedFile {
  const path = files.projectionWiring(context);
  const blocks = context.projections.map((p) => {
    const events = p.handles;
    const cases = events
      .map(
        ({ event }) => `      case ${str(event.name)}:\n        await ${names.handlersConst(p)}.${ident(event.name, 'pascal')}(event, rows);\n        return;`,
      )
      .join('\n');
    // A one-event union does not narrow to never in `default`, but its `type` does.
    const unhandled = events.length === 1 ? 'event.type' : 'event';
    const columns = p.columns
      .filter((c) => c.name !== p.key)
      .map((c) => `    { name: ${str(c.name)}, kind: ${str(COLUMN_KINDS[c.type.kind])} },`)
      .join('\n');
    return [
      `export const ${names.projection(p)}: ProjectionDefinition<${names.row(p)}, ${names.projectionEvent(p)}> = {`,
      `  name: ${str(p.name)},`,
      `  pii: ${p.pii},`,
      `  table: ${str(p.name)},`,
      `  key: ${str(p.key)},`,
      columns === '' ? '  columns: [],' : `  columns: [\n${columns}\n  ],`,
      `  handles: [${events.map(({ event }) => str(event.name)).join(', ')}],`,
      '  async apply(event, rows) {',
      '    switch (event.type) {',
      cases,
      '      default:',
      `        assertNever(${unhandled}, ${str(`${p.name} event`)});`,
      '    }',
      '  },',
      '};',
    ].join('\n');
  });
  const all = `export const ${names.contextProjections(context)} = [${context.projections.map(names.projection).join(', ')}] as const;`;
  const list: Import[] = [
    { from: RUNTIME_INDEX, names: ['assertNever'], types: ['ProjectionDefinition'] },
    ...context.projections.map((p) => ({ from: files.projectionHandlers(context, p), names: [names.handlersConst(p)] })),
    { from: files.projectionRows(context), names: [], types: [...context.projections.map(names.row), ...context.projections.map(names.projectionEvent)] },
  ];
  return {
    path,
    ownership: 'wiring',
    source: context.file,
    content: render('generated-module', { header: header(context.file), imports: imports(path, list), body: [...blocks, all].join('\n\n') }),
  };
}

function testingFile(context: Context): PlannedFile {
  const path = files.projectionTesting(context);
  const blocks = context.projections.map((p) => {
    const events = p.handles.map(({ event }) => ident(event.name, 'pascal')).join(' | ');
    return `${docComment(`Feeds events through ${p.name}'s handlers into an in-memory table, for unit tests.`)}export function ${names.project(p)}(...events: TestEvent<${events}>[]): Promise<MemoryRows<${names.row(p)}>> {\n  return project(${names.projection(p)}, events);\n}`;
  });
  const list: Import[] = [
    { from: RUNTIME_INDEX, names: ['project'], types: ['MemoryRows', 'TestEvent'] },
    { from: files.projectionWiring(context), names: context.projections.map(names.projection) },
    { from: files.projectionRows(context), names: [], types: context.projections.map(names.row) },
    ...context.projections.flatMap((p) => eventImports(context, p.handles)),
  ];
  return {
    path,
    ownership: 'generated',
    source: context.file,
    content: render('generated-module', { header: header(context.file), imports: imports(path, list), body: blocks.join('\n\n') }),
  };
}
