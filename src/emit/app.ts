/**
 * The project entry points: `app.ts` opens one store and returns every command as a typed
 * function, every projection, and the trust operations; `cli.ts` runs those operations for people.
 */
import type { Project } from '../model/model.js';
import { docComment, ident, str } from './code.js';
import { encryptedFields } from './fields.js';
import { APP_FILE, CLI_FILE, RUNTIME_INDEX, files, names } from './layout.js';
import { header, type PlannedFile } from './plan.js';
import { imports, render, type Import } from './render.js';

export function planApp(project: Project): PlannedFile[] {
  return [appFile(project), cliFile()];
}

const RUNTIME_VALUES = ['Checkpointer', 'CommandPipeline', 'FileCheckpointSink', 'KeyStore', 'MemoryCheckpointSink', 'PiiCodec', 'SqliteEventStore', 'SqliteProjections', 'Trust', 'decodeEvent', 'kekFromEnvironment', 'privateKeyFrom', 'publicKeyFrom', 'verifyStore'];
const RUNTIME_TYPES = ['AnyAggregate', 'AnyCommand', 'CommandContext', 'CommandResult', 'PiiFields', 'PipelineOptions', 'SqliteOptions'];

function appFile(project: Project): PlannedFile {
  const path = APP_FILE;
  const list: Import[] = [{ from: 'zod', names: [], types: ['z'] }, { from: RUNTIME_INDEX, names: RUNTIME_VALUES, types: RUNTIME_TYPES }];
  const commandEntries: string[] = [];
  const aggregateEntries: string[] = [];
  const piiEntries: string[] = [];
  const functions: string[] = [];
  const projectionLists: string[] = [];
  const rows: string[] = [];
  for (const context of project.contexts) {
    for (const a of context.aggregates) {
      list.push({ from: files.aggregateCommands(context, a), names: a.commands.map(names.command) });
      list.push({ from: files.aggregateFold(context, a), names: [names.aggregate(a)] });
      list.push({ from: files.aggregateSchemas(context, a), names: [], types: a.commands.map(names.schema) });
      list.push({ from: files.aggregateTypes(context, a), names: [], types: [names.event(a)] });
      aggregateEntries.push(`  ${ident(a.name, 'pascal')}: ${names.aggregate(a)},`);
      for (const e of a.events) {
        const fields = encryptedFields(e.fields, context.types);
        if (fields.length > 0) piiEntries.push(`  ${ident(e.name, 'pascal')}: [${fields.map(str).join(', ')}],`);
      }
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
  const table = (entries: string[]) => (entries.length === 0 ? '{}' : `{\n${entries.join('\n')}\n}`);
  const body = [
    `${docComment('Every command of the project, by name: what undo dispatches from.')}export const commands: Readonly<Record<string, AnyCommand>> = ${table(commandEntries)};`,
    `export const aggregates: Readonly<Record<string, AnyAggregate>> = ${table(aggregateEntries)};`,
    `${docComment('The encrypted (pii) fields of every event type.')}export const piiFields: PiiFields = ${table(piiEntries)};`,
    APP_OPTIONS,
    [
      `${docComment('Opens the store and its key store, brings projections up to date, and returns the typed command functions and the trust operations.')}export function createApp(options: AppOptions) {`,
      '  const clock = options.clock ?? ((): Date => new Date());',
      '  const store = SqliteEventStore.open(options.path, options);',
      '  const memory = options.path === \':memory:\';',
      '  const kek = options.kek ?? kekFromEnvironment();',
      '  const keys = kek === undefined ? undefined : new KeyStore(options.keysPath ?? (memory ? \':memory:\' : `${options.path}.keys`), kek);',
      '  const codec = new PiiCodec(keys);',
      `  const projections = new SqliteProjections(store, [${projectionLists.join(', ')}], (event) => decodeEvent(codec, piiFields, event));`,
      '  projections.catchUp();',
      '  const sink = options.checkpointSink ?? (memory ? new MemoryCheckpointSink() : new FileCheckpointSink(`${options.path}.checkpoints.jsonl`));',
      "  const signingKey = options.signingKey ?? process.env['GROUNDWORK_SIGNING_KEY'];",
      "  const verifyKey = options.verifyKey ?? process.env['GROUNDWORK_VERIFY_KEY'];",
      '  const checkpointer = signingKey === undefined || signingKey === \'\'',
      '    ? undefined',
      '    : new Checkpointer(store.db, store.storeId, { signingKey: privateKeyFrom(signingKey), sink, everyEvents: options.checkpointEvery?.events, everySeconds: options.checkpointEvery?.seconds });',
      '  const pipeline = new CommandPipeline(store, {',
      '    ...options,',
      '    clock,',
      '    codec,',
      '    afterCommit: () => {',
      '      projections.catchUp();',
      '      checkpointer?.maybe(clock());',
      '    },',
      '  });',
      '  const trust = new Trust({ store, pipeline, projections, keys, commands, pii: piiFields, clock });',
      '  return {',
      '    store,',
      '    pipeline,',
      '    projections,',
      '    trust,',
      '    aggregates,',
      '    newId: (): string => pipeline.newId(),',
      '    commands: {',
      ...functions,
      '    },',
      '    rows: {',
      ...rows,
      '    },',
      '    verify: (verifyOptions: { readonly incremental?: boolean } = {}) =>',
      '      verifyStore(store.db, {',
      '        storeId: store.storeId,',
      "        publicKey: verifyKey === undefined || verifyKey === '' ? undefined : publicKeyFrom(verifyKey),",
      '        sink,',
      '        statePath: verifyOptions.incremental === true && !memory ? `${options.path}.verify-state.json` : undefined,',
      '      }),',
      '    checkpoint: () => checkpointer?.take(clock()),',
      '    close: async (): Promise<void> => {',
      '      keys?.close();',
      '      await store.close();',
      '    },',
      '  };',
      '}',
    ].join('\n'),
    'export type App = ReturnType<typeof createApp>;',
  ];
  return { path, ownership: 'wiring', source: null, content: render('generated-module', { header: header(null), imports: imports(path, list), body: body.join('\n\n') }) };
}

const APP_OPTIONS = `export interface AppOptions extends SqliteOptions, Omit<PipelineOptions, 'afterCommit' | 'codec'> {
  /** The SQLite database file, or ':memory:'. */
  readonly path: string;
  /** The key-encryption key for personal data (32 bytes); default GROUNDWORK_KEK. */
  readonly kek?: Uint8Array;
  /** Where the data keys are kept, apart from the events; default \`<path>.keys\`. */
  readonly keysPath?: string;
  /** Ed25519 private key that signs checkpoints (PEM or base64 DER); default GROUNDWORK_SIGNING_KEY. */
  readonly signingKey?: string;
  /** The pinned public key verify checks checkpoints with; default GROUNDWORK_VERIFY_KEY. */
  readonly verifyKey?: string;
  /** The append-only sink checkpoints are copied to; default \`<path>.checkpoints.jsonl\`. */
  readonly checkpointSink?: FileCheckpointSink | MemoryCheckpointSink;
  /** Take a checkpoint after this many events or seconds (defaults 1000 and 60). */
  readonly checkpointEvery?: { readonly events?: number; readonly seconds?: number };
}`;

function cliFile(): PlannedFile {
  const path = CLI_FILE;
  const list: Import[] = [{ from: APP_FILE, names: ['createApp'] }, { from: RUNTIME_INDEX, names: ['runTrustCli'] }];
  const body = `${docComment('The trust operations for people: node dist/cli.js history | verify | checkpoint | state-at | undo | forget | keys.')}process.exitCode = await runTrustCli(process.argv.slice(2), (path) => createApp({ path }));`;
  return { path, ownership: 'wiring', source: null, content: render('generated-module', { header: header(null), imports: imports(path, list), body }) };
}
