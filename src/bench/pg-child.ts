/**
 * One of the processes of the one-against-two-processes PostgreSQL measurement: opens the
 * generated project's app on the shared store, warms up, prints `ready`, waits for `go` on stdin,
 * then runs its commands (cycling through them, several in flight) for a fixed time and prints how
 * many completed. Started by the postgres suite, never by people.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import type * as Runtime from '../runtime/index.js';

interface ChildArgs {
  readonly projectDir: string;
  readonly url: string;
  readonly schema: string;
  readonly inFlight: number;
  /** A JSON file of the commands to cycle through. */
  readonly commandsFile: string;
  readonly warmup: number;
  readonly durationMs: number;
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

async function run(until: (done: number) => boolean): Promise<number> {
  let done = 0;
  await Promise.all(
    Array.from({ length: args.inFlight }, async () => {
      while (!until(done)) {
        const { command, input, context } = planned[next++ % planned.length]!;
        const result = await app.pipeline.execute(definition.commands[command]!, input, context);
        if (!result.ok) throw new Error(`${command} failed: ${result.error.message}`);
        done++;
      }
    }),
  );
  return done;
}

await run((done) => done >= args.warmup);
process.stdout.write('ready\n');
const stdin = createInterface({ input: process.stdin });
await new Promise<void>((resolve) => stdin.once('line', () => resolve()));
stdin.close();
const started = performance.now();
const count = await run(() => performance.now() - started >= args.durationMs);
const seconds = (performance.now() - started) / 1000;
await app.close();
process.stdout.write(`${JSON.stringify({ count, seconds })}\n`);
