/**
 * A worker process of the bus suite: opens the generated project's app on the shared store and the
 * bus, runs its share of the partitions, and prints `ready`, then `s <command id> <epoch ms>` as it
 * settles each command (after the commit and this process's projections). Stops on `stop` on stdin.
 * Started by the bus suite, never by people.
 */
import { writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import type * as Runtime from '../runtime/index.js';

interface ChildArgs {
  readonly projectDir: string;
  readonly url: string;
  readonly schema: string;
  readonly busUrl: string;
}

const args = JSON.parse(process.argv[2]!) as ChildArgs;
const { openApp } = (await import(pathToFileURL(`${args.projectDir}/dist/src/groundwork/runtime/index.js`).href)) as typeof Runtime;
const { definition } = (await import(pathToFileURL(`${args.projectDir}/dist/src/app.js`).href)) as { definition: Runtime.AppDefinition };
const app = await openApp(definition, { databaseUrl: args.url, databaseSchema: args.schema, busUrl: args.busUrl, kek: Buffer.alloc(32, 1), env: {} });
const worker = await app.startWorker({ pollMs: 100, onSettled: (message) => writeSync(1, `s ${message.commandId} ${Date.now()}\n`) });
await worker.ready;
writeSync(1, 'ready\n');
const stdin = createInterface({ input: process.stdin });
await new Promise<void>((resolve) => stdin.once('line', () => resolve()));
stdin.close();
await worker.stop();
await app.close();
