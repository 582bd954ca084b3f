/**
 * Where generated files live and what the generated declarations are called: one place, so the
 * emitters, the wiring and `gen --check --deep` agree.
 */
import type { Aggregate, CommandDef, Context, EventDef, Projection } from '../model/model.js';
import { ident, kebab, lowerFirst } from './code.js';

export const RUNTIME_DIR = 'src/groundwork/runtime';
export const RUNTIME_INDEX = `${RUNTIME_DIR}/index.ts`;
export const APP_FILE = 'src/app.ts';
export const CLI_FILE = 'src/cli.ts';
export const WORKER_FILE = 'src/worker.ts';
export const RUNTIME_SERVE = `${RUNTIME_DIR}/serve.ts`;
export const SURFACE_FILE = 'src/surface.ts';
export const OPENAPI_FILE = 'src/openapi.ts';
export const OPENAPI_JSON = 'openapi.json';
export const SERVE_FILE = 'src/serve.ts';
export const MCP_FILE = 'src/mcp.ts';
export const MANIFEST_FILE = 'groundwork.manifest.json';

export function contextDir(context: Context): string {
  if (!/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/.test(context.name)) throw new Error(`unsafe context name ${JSON.stringify(context.name)}`);
  return `src/${context.name}`;
}

/** `order-billing` -> `orderBilling`, for identifiers derived from a context name. */
export function contextIdent(context: Context): string {
  return ident(
    context.name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase()),
    'camel',
  );
}

export const files = {
  contextTypes: (c: Context) => `${contextDir(c)}/types.ts`,
  aggregateDir: (c: Context, a: Aggregate) => `${contextDir(c)}/${kebab(ident(a.name, 'pascal'))}`,
  aggregateTypes: (c: Context, a: Aggregate) => `${files.aggregateDir(c, a)}/types.ts`,
  aggregateSchemas: (c: Context, a: Aggregate) => `${files.aggregateDir(c, a)}/schemas.ts`,
  aggregateFold: (c: Context, a: Aggregate) => `${files.aggregateDir(c, a)}/aggregate.ts`,
  aggregateCommands: (c: Context, a: Aggregate) => `${files.aggregateDir(c, a)}/commands.ts`,
  evolve: (c: Context, a: Aggregate) => `${files.aggregateDir(c, a)}/evolve.ts`,
  aggregateTesting: (c: Context, a: Aggregate) => `${files.aggregateDir(c, a)}/testing.ts`,
  projectionTesting: (c: Context) => `${contextDir(c)}/projections/testing.ts`,
  upcast: (c: Context, a: Aggregate, e: EventDef) => `${files.aggregateDir(c, a)}/upcast/${kebab(ident(e.name, 'pascal'))}.ts`,
  decide: (c: Context, a: Aggregate, command: CommandDef) => `${files.aggregateDir(c, a)}/decide/${kebab(ident(command.name, 'pascal'))}.ts`,
  projectionRows: (c: Context) => `${contextDir(c)}/projections/rows.ts`,
  projectionHandlers: (c: Context, p: Projection) => `${contextDir(c)}/projections/${kebab(ident(p.name, 'pascal'))}.ts`,
  projectionWiring: (c: Context) => `${contextDir(c)}/projections/index.ts`,
};

export const names = {
  id: (a: Aggregate) => `${ident(a.name, 'pascal')}Id`,
  state: (a: Aggregate) => `${ident(a.name, 'pascal')}State`,
  event: (a: Aggregate) => `${ident(a.name, 'pascal')}Event`,
  evolvers: (a: Aggregate) => `${ident(a.name, 'pascal')}Evolvers`,
  initialState: (a: Aggregate) => `initial${ident(a.name, 'pascal')}State`,
  fold: (a: Aggregate) => `fold${ident(a.name, 'pascal')}`,
  aggregate: (a: Aggregate) => `${lowerFirst(ident(a.name, 'pascal'))}Aggregate`,
  input: (c: CommandDef) => `${ident(c.name, 'pascal')}Input`,
  schema: (c: CommandDef) => `${lowerFirst(ident(c.name, 'pascal'))}Schema`,
  command: (c: CommandDef) => `${lowerFirst(ident(c.name, 'pascal'))}Command`,
  decide: (c: CommandDef) => `decide${ident(c.name, 'pascal')}`,
  row: (p: Projection) => `${ident(p.name, 'pascal')}Row`,
  projectionEvent: (p: Projection) => `${ident(p.name, 'pascal')}Event`,
  handlers: (p: Projection) => `${ident(p.name, 'pascal')}Handlers`,
  handlersConst: (p: Projection) => `${lowerFirst(ident(p.name, 'pascal'))}Handlers`,
  projection: (p: Projection) => `${lowerFirst(ident(p.name, 'pascal'))}Projection`,
  contextProjections: (c: Context) => `${contextIdent(c)}Projections`,
  /** The data of an event as stored at an earlier version, such as `MemberRegisteredV1`. */
  eventShape: (e: EventDef, version: number) => `${ident(e.name, 'pascal')}V${version}`,
  upcasters: (e: EventDef) => `${ident(e.name, 'pascal')}Upcasters`,
  upcastSteps: (e: EventDef) => `upcast${ident(e.name, 'pascal')}`,
  upcastStep: (version: number) => `fromV${version}`,
  upcast: (a: Aggregate) => `upcast${ident(a.name, 'pascal')}`,
  given: (a: Aggregate) => `given${ident(a.name, 'pascal')}`,
  project: (p: Projection) => `project${ident(p.name, 'pascal')}`,
};
