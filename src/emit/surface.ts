/**
 * The agent surface of a project: `surface.ts` (every command as a route and an MCP tool, with a
 * description written from the spec, its input's JSON Schema and annotations; who may read what),
 * the OpenAPI 3.1 document (`openapi.json`, and `openapi.ts` that serves it), and the entries
 * `serve.ts` (HTTP API with MCP at /mcp) and `mcp.ts` (MCP over stdio).
 */
import type { Aggregate, CommandDef, Context, Project, Projection, ReadRule } from '../model/model.js';
import { docComment, ident, jsonLiteral, str, title } from './code.js';
import type { JsonSchema, JsonValue } from './json-schema.js';
import { commandDescription, commandTool, inputSchema, readTools, rowSchema } from './describe.js';
import { APP_FILE, MCP_FILE, OPENAPI_FILE, OPENAPI_JSON, RUNTIME_SERVE, SERVE_FILE, SURFACE_FILE, files, names } from './layout.js';
import { header, type PlannedFile } from './plan.js';
import { imports, render, type Import } from './render.js';
import { openApiDocument } from './openapi.js';

export function planSurface(project: Project): PlannedFile[] {
  const document = openApiDocument(project, surfaceName(project));
  const version = (document['info'] as Record<string, JsonValue>)['version'] as string;
  return [
    surfaceFile(project, version),
    { path: OPENAPI_JSON, ownership: 'generated', source: null, content: `${JSON.stringify(document, null, 2)}\n` },
    openApiModule(document),
    entry(
      SERVE_FILE,
      'runServer',
      'The HTTP API, with the MCP server at /mcp: node dist/src/serve.js (npm run serve). Configure who may call it with GROUNDWORK_AUTH_*.',
    ),
    entry(MCP_FILE, 'runMcpStdio', 'The MCP server over stdio, as the identity of GROUNDWORK_TOKEN: node dist/src/mcp.js (npm run mcp).'),
  ];
}

export function surfaceName(project: Project): string {
  return project.contexts.map((c) => c.name).join('+');
}

function surfaceFile(project: Project, version: string): PlannedFile {
  const path = SURFACE_FILE;
  const list: Import[] = [
    { from: RUNTIME_SERVE, names: [], types: ['SurfaceDefinition'] },
    { from: OPENAPI_FILE, names: ['openApiDocument'] },
  ];
  const commands: string[] = [];
  const projections: string[] = [];
  const aggregates: string[] = [];
  for (const context of project.contexts) {
    for (const a of context.aggregates) {
      list.push({ from: files.aggregateCommands(context, a), names: a.commands.map(names.command) });
      list.push({ from: files.aggregateFold(context, a), names: [names.aggregate(a)] });
      aggregates.push(`    { aggregate: ${names.aggregate(a)}, piiState: ${jsonLiteral(a.state.filter((f) => f.encrypted).map((f) => f.name))} },`);
      for (const c of a.commands) commands.push(commandEntry(context, a, c));
    }
    for (const p of context.projections) projections.push(projectionEntry(context, p, commandTools(project)));
  }
  const body = [
    `${docComment('Every command as a route and a tool, the reads and who may make them, and the OpenAPI document: what the HTTP API and the MCP server offer.')}export const surface: SurfaceDefinition = {`,
    `  name: ${str(surfaceName(project))},`,
    `  version: ${str(version)},`,
    `  commands: ${arrayOf(commands)},`,
    `  projections: ${arrayOf(projections)},`,
    `  aggregates: ${arrayOf(aggregates)},`,
    `  history: ${readAccess('history', project.history)},`,
    `  stateAt: ${readAccess('state-at', project.stateAt)},`,
    `  verify: ${project.verify === undefined ? 'undefined' : readAccess('verify', { ...project.verify, pii: [] })},`,
    '  openapi: openApiDocument,',
    '};',
  ].join('\n');
  return { path, ownership: 'wiring', source: null, content: render('generated-module', { header: header(null), imports: imports(path, list), body }) };
}

/** Every command's tool name in the project. */
function commandTools(project: Project): ReadonlySet<string> {
  return new Set(project.contexts.flatMap((c) => c.aggregates.flatMap((a) => a.commands.map(commandTool))));
}

/** An array literal of pre-indented entries, closed at two spaces; `[]` when empty. */
function arrayOf(entries: readonly string[]): string {
  return entries.length === 0 ? '[]' : `[\n${entries.join('\n')}\n  ]`;
}

function commandEntry(context: Context, a: Aggregate, c: CommandDef): string {
  return [
    '    {',
    `      command: ${names.command(c)},`,
    `      tool: ${str(commandTool(c))},`,
    `      title: ${str(title(ident(c.name, 'pascal')))},`,
    `      description: ${str(commandDescription(a, c))},`,
    `      inputSchema: ${jsonLiteral(inputSchema(context, a, c), '      ')},`,
    `      annotations: { readOnlyHint: false, destructiveHint: ${!c.creates}, idempotentHint: true, openWorldHint: false },`,
    '    },',
  ].join('\n');
}

function projectionEntry(context: Context, p: Projection, taken: ReadonlySet<string>): string {
  const tools = readTools(p, taken);
  return [
    '    {',
    `      projection: ${str(p.name)},`,
    `      getTool: ${str(tools.get)},`,
    `      listTool: ${str(tools.list)},`,
    `      title: ${str(title(ident(p.name, 'pascal')))},`,
    `      description: ${str(p.description ?? `The ${p.name} projection.`)},`,
    `      key: ${str(p.key)},`,
    `      subjectColumn: ${p.read?.subject === undefined ? 'undefined' : str(p.read.subject)},`,
    `      piiColumns: ${jsonLiteral(p.columns.filter((f) => f.encrypted).map((f) => f.name))},`,
    `      rowSchema: ${jsonLiteral(rowSchema(context, p), '      ')},`,
    `      access: ${readAccess(p.name, p.read)},`,
    '    },',
  ].join('\n');
}

function readAccess(name: string, rule: ReadRule | undefined): string {
  if (rule === undefined) return 'undefined';
  const own = rule.ownDataRoles.length === 0 ? '' : `, ownDataRoles: ${jsonLiteral(rule.ownDataRoles)}`;
  return `{ name: ${str(name)}, allow: ${jsonLiteral(rule.allow)}, actors: ${jsonLiteral(rule.actors)}${own}, pii: ${jsonLiteral(rule.pii)} }`;
}

function openApiModule(document: JsonSchema): PlannedFile {
  const path = OPENAPI_FILE;
  const list: Import[] = [{ from: RUNTIME_SERVE, names: [], types: ['JsonObject'] }];
  const body = `${docComment('The OpenAPI 3.1 document of the HTTP API (the same as openapi.json), served at /openapi.json.')}export const openApiDocument: JsonObject = ${jsonLiteral(document)};`;
  return { path, ownership: 'wiring', source: null, content: render('generated-module', { header: header(null), imports: imports(path, list), body }) };
}

function entry(path: string, run: string, doc: string): PlannedFile {
  const list: Import[] = [
    { from: APP_FILE, names: ['definition'] },
    { from: SURFACE_FILE, names: ['surface'] },
    { from: RUNTIME_SERVE, names: [run] },
  ];
  const body = `${docComment(doc)}process.exitCode = await ${run}(definition, surface);`;
  return { path, ownership: 'wiring', source: null, content: render('generated-module', { header: header(null), imports: imports(path, list), body }) };
}
