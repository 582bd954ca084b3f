/**
 * One of the processes of the two-process PostgreSQL measurement: opens the generated project's
 * app on the shared store and runs the commands it is given, several in flight, then prints when
 * it started and ended its loop. Started by the postgres suite, never by people.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type * as Runtime from '../runtime/index.js';

interface ChildArgs {
  readonly projectDir: string;
  readonly url: string;
  readonly schema: string;
  readonly inFlight: number;
  /** A JSON file of the commands to run, in order. */
  readonly commandsFile: string;
}

interface Planned {
  readonly command: string;
  readonly input: Record<string, unknown>;
  readonly context: Runtime.CommandContext;
}

const args = JSON.parse(process.argv[2]!) as ChildArgs;
const { openApp } = (await import(pathToFileURL(`${args.projectDir}/dist/src/groundwork/runtime/index.js`).href)) as typeof Runtime;
const { definition } = (await import(pathToFileURL(`${args.projectDir}/dist/src/app.js`).href)) as { definition: Runtime.AppDefinition };
const planned = JSON.parse(readFileSync(args.commandsFile, 'utf8')) as Planned[];
const app = await openApp({ ...definition, projections: [] }, { databaseUrl: args.url, databaseSchema: args.schema, kek: Buffer.alloc(32, 1), env: {} });
let next = 0;
const started = Date.now();
await Promise.all(
  Array.from({ length: args.inFlight }, async () => {
    for (;;) {
      const i = next++;
      if (i >= planned.length) return;
      const { command, input, context } = planned[i]!;
      const result = await app.pipeline.execute(definition.commands[command]!, input, context);
      if (!result.ok) throw new Error(`${command} failed: ${result.error.message}`);
    }
  }),
);
const ended = Date.now();
await app.close();
process.stdout.write(`${JSON.stringify({ started, ended, count: planned.length })}\n`);
