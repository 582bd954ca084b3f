/** The project entry point: one store, every command as a typed function, every projection. */
import type { Project } from '../model/model.js';
import { docComment, ident, str } from './code.js';
import { APP_FILE, RUNTIME_INDEX, files, names } from './layout.js';
import { header, type PlannedFile } from './plan.js';
import { imports, render, type Import } from './render.js';

export function planApp(project: Project): PlannedFile {
  const path = APP_FILE;
  const list: Import[] = [
    { from: 'zod', names: [], types: ['z'] },
    { from: RUNTIME_INDEX, names: ['CommandPipeline', 'SqliteEventStore', 'SqliteProjections'], types: ['CommandContext', 'CommandResult', 'PipelineOptions', 'SqliteOptions'] },
  ];
  const commandEntries: string[] = [];
  const functions: string[] = [];
  const projectionLists: string[] = [];
  const rows: string[] = [];
  for (const context of project.contexts) {
    for (const a of context.aggregates) {
      list.push({ from: files.aggregateCommands(context, a), names: a.commands.map(names.command) });
      list.push({ from: files.aggregateSchemas(context, a), names: [], types: a.commands.map(names.schema) });
      list.push({ from: files.aggregateTypes(context, a), names: [], types: [names.event(a)] });
      for (const c of a.commands) {
        const name = ident(c.name, 'pascal');
        commandEntries.push(`  ${name}: ${names.command(c)},`);
        functions.push(
          `${docComment(c.description, '      ')}      ${name}: (input: z.input<typeof ${names.schema(c)}>, context: CommandContext): Promise<CommandResult<${names.event(a)}>> =>\n        pipeline.execute(${names.command(c)}, input, context),`,
        );
      }
    }
    if (context.projections.length > 0) {
      list.push({ from: files.projectionWiring(context), names: [names.contextProjections(context)] });
      list.push({ from: files.projectionRows(context), names: [], types: context.projections.map(names.row) });
      projectionLists.push(`...${names.contextProjections(context)}`);
      for (const p of context.projections) rows.push(`      ${ident(p.name, 'pascal')}: projections.rows<${names.row(p)}>(${str(p.name)}),`);
    }
  }
  const body = [
    `${docComment('Every command of the project, by name: what `undo` and other by-name dispatch use.')}export const commands = {\n${commandEntries.join('\n')}\n} as const;`,
    `export interface AppOptions extends SqliteOptions, Omit<PipelineOptions, 'afterCommit'> {\n  /** The SQLite database file, or ':memory:'. */\n  readonly path: string;\n}`,
    [
      `${docComment('Opens the store, brings projections up to date, and returns the typed command functions.')}export function createApp(options: AppOptions) {`,
      '  const store = SqliteEventStore.open(options.path, options);',
      `  const projections = new SqliteProjections(store, [${projectionLists.join(', ')}]);`,
      '  projections.catchUp();',
      '  const pipeline = new CommandPipeline(store, {',
      '    ...options,',
      '    afterCommit: () => {',
      '      projections.catchUp();',
      '    },',
      '  });',
      '  return {',
      '    store,',
      '    pipeline,',
      '    projections,',
      '    newId: (): string => pipeline.newId(),',
      '    commands: {',
      ...functions,
      '    },',
      '    rows: {',
      ...rows,
      '    },',
      '    close: (): Promise<void> => store.close(),',
      '  };',
      '}',
    ].join('\n'),
    'export type App = ReturnType<typeof createApp>;',
  ];
  return { path, ownership: 'wiring', source: null, content: render('generated-module', { header: header(null), imports: imports(path, list), body: body.join('\n\n') }) };
}
