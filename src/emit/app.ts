/**
 * The project entry points: `app.ts` describes the project to the runtime's composition root (its
 * commands, aggregates and projections) and adds the typed command functions and rows; `cli.ts`
 * runs the trust operations for people; `worker.ts` runs the commands a bus delivers.
 */
import type { AccessRule, Project } from '../model/model.js';
import { docComment, ident, str } from './code.js';
import { APP_FILE, CLI_FILE, RUNTIME_INDEX, WORKER_FILE, files, names } from './layout.js';
import { header, type PlannedFile } from './plan.js';
import { imports, render, type Import } from './render.js';

export function planApp(project: Project): PlannedFile[] {
  return [appFile(project), cliFile(), workerFile()];
}

/** An object literal of pre-indented entries, closed at `indent`; `{}` when empty. */
function table(entries: readonly string[], indent: string): string {
  return entries.length === 0 ? '{}' : `{\n${entries.join('\n')}\n${indent}}`;
}

function appFile(project: Project): PlannedFile {
  const path = APP_FILE;
  const list: Import[] = [
    { from: 'zod', names: [], types: ['z'] },
    { from: RUNTIME_INDEX, names: ['openApp'], types: ['AppDefinition', 'AppOptions', 'CommandContext', 'CommandResult'] },
  ];
  const commandEntries: string[] = [];
  const aggregateEntries: string[] = [];
  const functions: string[] = [];
  const projectionLists: string[] = [];
  const rows: string[] = [];
  for (const context of project.contexts) {
    for (const a of context.aggregates) {
      list.push({ from: files.aggregateCommands(context, a), names: a.commands.map(names.command) });
      list.push({ from: files.aggregateFold(context, a), names: [names.aggregate(a)] });
      list.push({ from: files.aggregateSchemas(context, a), names: [], types: a.commands.map(names.schema) });
      list.push({ from: files.aggregateTypes(context, a), names: [], types: [names.event(a)] });
      aggregateEntries.push(`    ${ident(a.name, 'pascal')}: ${names.aggregate(a)},`);
      for (const c of a.commands) {
        const name = ident(c.name, 'pascal');
        commandEntries.push(`    ${name}: ${names.command(c)},`);
        functions.push(
          `${docComment(c.description, '    ')}    ${name}: (input: z.input<typeof ${names.schema(c)}>, context: CommandContext): Promise<CommandResult<${names.event(a)}>> =>\n      app.execute(${names.command(c)}, input, context),`,
        );
      }
    }
    if (context.projections.length > 0) {
      list.push({ from: files.projectionWiring(context), names: [names.contextProjections(context)] });
      list.push({ from: files.projectionRows(context), names: [], types: context.projections.map(names.row) });
      projectionLists.push(`...${names.contextProjections(context)}`);
      for (const p of context.projections) rows.push(`    ${ident(p.name, 'pascal')}: app.rows<${names.row(p)}>(${str(p.name)}),`);
    }
  }
  const body = [
    [
      `${docComment('The project as the runtime sees it: every command, aggregate and projection, and who may forget a data subject (nobody, unless the spec says).')}export const definition: AppDefinition = {`,
      `  commands: ${table(commandEntries, '  ')},`,
      `  aggregates: ${table(aggregateEntries, '  ')},`,
      `  projections: [${projectionLists.join(', ')}],`,
      ...(project.forget === undefined ? [] : [`  forget: ${accessRule(project.forget)},`]),
      '};',
    ].join('\n'),
    [
      `${docComment('Opens the app on the store its options or the environment name, brings projections up to date, and adds a typed function per command and the rows of each projection.')}export async function createApp(options: AppOptions = {}) {`,
      '  const app = await openApp(definition, options);',
      `  const commands = ${table(functions, '  ')};`,
      `  const rows = ${table(rows, '  ')};`,
      '  return { ...app, commands, rows };',
      '}',
    ].join('\n'),
    'export type App = Awaited<ReturnType<typeof createApp>>;',
  ];
  return {
    path,
    ownership: 'wiring',
    source: null,
    content: render('generated-module', { header: header(null), imports: imports(path, list), body: body.join('\n\n') }),
  };
}

function accessRule(rule: AccessRule): string {
  const own = rule.ownDataRoles.length === 0 ? '' : `, ownDataRoles: [${rule.ownDataRoles.map(str).join(', ')}]`;
  return `{ allow: [${rule.allow.map(str).join(', ')}], actors: [${rule.actors.map(str).join(', ')}]${own} }`;
}

function cliFile(): PlannedFile {
  const path = CLI_FILE;
  const list: Import[] = [
    { from: APP_FILE, names: ['createApp'] },
    { from: RUNTIME_INDEX, names: ['runTrustCommand'] },
  ];
  const body = `${docComment('The trust operations for people: node dist/cli.js history | verify | checkpoint | state-at | undo | forget | keys.')}process.exitCode = await runTrustCommand(process.argv.slice(2), (access) => createApp(access));`;
  return { path, ownership: 'wiring', source: null, content: render('generated-module', { header: header(null), imports: imports(path, list), body }) };
}

function workerFile(): PlannedFile {
  const path = WORKER_FILE;
  const list: Import[] = [
    { from: APP_FILE, names: ['createApp'] },
    { from: RUNTIME_INDEX, names: ['runWorker'] },
  ];
  const body = `${docComment('The command worker: node dist/src/worker.js with GROUNDWORK_BUS_URL and GROUNDWORK_DATABASE_URL set. Start as many as you like, on any machine.')}process.exitCode = await runWorker((options) => createApp(options));`;
  return { path, ownership: 'wiring', source: null, content: render('generated-module', { header: header(null), imports: imports(path, list), body }) };
}
