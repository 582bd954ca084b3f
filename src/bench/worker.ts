/**
 * The benchmark process (started by `groundwork bench` with --expose-gc). It loads a built
 * generated project, runs the suites, prints the table, and writes or compares JSON.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, symlinkSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execFileSync } from 'node:child_process';
import { findSpecFiles, readSources } from '../spec/sources.js';
import { stdoutColors } from '../terminal/color.js';
import { processIo, type Io } from '../terminal/io.js';
import { version } from '../version.js';
import { runCreate } from '../create/main.js';
import { compileProject } from '../model/project.js';
import type * as Runtime from '../runtime/index.js';
import { regressions, table, type BenchDocument } from './report.js';
import { postgres } from './postgres.js';
import { bus } from './bus.js';
import { SUITES, type BenchContext, type Row } from './suites.js';
import { surface } from './surface.js';

export interface BenchArgs {
  readonly cwd: string;
  readonly fixture?: string | undefined;
  readonly quick: boolean;
  readonly filter?: string | undefined;
  readonly json?: string | undefined;
  readonly compare?: string | undefined;
  readonly threshold: number;
  /** `postgres`: run the PostgreSQL suite (against GROUNDWORK_DATABASE_URL) instead of the embedded ones. */
  readonly store?: 'sqlite' | 'postgres' | 'bus' | undefined;
}

const REPO = new URL('../../', import.meta.url);

/** Scaffolds a template into a temporary folder, with this repository's dependencies, and builds it. */
async function fixtureProject(name: string, scratch: string, io: Io): Promise<string> {
  const dir = join(scratch, name);
  const quiet: Io = { ...io, stdout: () => undefined };
  const code = await runCreate([dir, '--template', name, '--no-install', '--no-git', '--no-interactive'], quiet, undefined, false);
  if (code !== 0) throw new Error(`cannot scaffold the ${name} fixture`);
  symlinkSync(new URL('node_modules', REPO).pathname, join(dir, 'node_modules'), 'dir');
  execFileSync(process.execPath, [new URL('node_modules/typescript/bin/tsc', REPO).pathname, '-p', dir], { stdio: 'inherit' });
  return dir;
}

export async function runBench(args: BenchArgs, io: Io = processIo()): Promise<number> {
  const c = stdoutColors(io);
  const scratch = mkdtempSync(join(tmpdir(), 'groundwork-bench-'));
  try {
    const dir = args.fixture !== undefined ? await fixtureProject(args.fixture, scratch, io) : resolve(args.cwd);
    const app = join(dir, 'dist/src/app.js');
    if (!existsSync(app)) {
      io.stderr(`error GW9002 ${app} is missing: build the project first (npm run build), or pass --fixture bank\n`);
      return 2;
    }
    const runtime = (await import(pathToFileURL(join(dir, 'dist/src/groundwork/runtime/index.js')).href)) as typeof Runtime;
    const appModule = (await import(pathToFileURL(app).href)) as { definition: Runtime.AppDefinition };
    const { project } = compileProject(readSources(dir, findSpecFiles(dir, [])));
    if (project === undefined) throw new Error('the project specs do not validate: run groundwork validate');
    const nodeModules = existsSync(join(dir, 'node_modules/typescript')) ? join(dir, 'node_modules') : new URL('node_modules', REPO).pathname;
    const ctx: BenchContext = {
      dir,
      quick: args.quick,
      runtime,
      definition: appModule.definition,
      aggregates: appModule.definition.aggregates,
      commands: appModule.definition.commands,
      project,
      scratch,
      nodeModules,
      databaseUrl:
        args.store === 'postgres' || args.store === 'bus' ? (process.env['GROUNDWORK_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test') : undefined,
      busUrl: args.store === 'bus' ? (process.env['GROUNDWORK_BUS_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672') : undefined,
      progress: (text) => {
        if (io.stderrIsTTY) io.stderr(`\r\u001b[2K${c.dim(`… ${text}`)}`);
      },
    };
    const filter = args.filter === undefined ? undefined : new RegExp(args.filter, 'i');
    const rows: Row[] = [];
    for (const [name, suite] of Object.entries(args.store === 'postgres' ? { postgres } : args.store === 'bus' ? { bus } : { ...SUITES, surface })) {
      if (filter !== undefined && !filter.test(name)) continue;
      rows.push(...(await suite(ctx)));
    }
    if (io.stderrIsTTY) io.stderr('\r\u001b[2K');
    io.stdout(table(rows, c));
    const document: BenchDocument = { schemaVersion: 1, quick: args.quick, environment: environment(runtime, dir), results: rows };
    if (args.json !== undefined) {
      writeFileSync(resolve(args.cwd, args.json), `${JSON.stringify(document, null, 2)}\n`);
      io.stderr(`wrote ${args.json}\n`);
    }
    if (args.compare !== undefined) {
      const previous = JSON.parse(readFileSync(resolve(args.cwd, args.compare), 'utf8')) as BenchDocument;
      const worse = regressions(rows, previous.results, args.threshold);
      if (worse.length > 0) {
        io.stdout(`\n${c.red(`${worse.length} regression(s) beyond ${args.threshold}%`)} against ${args.compare}:\n${worse.map((w) => `  ${w}`).join('\n')}\n`);
        return 1;
      }
      io.stdout(`\nno regression beyond ${args.threshold}% against ${args.compare}\n`);
    }
    return 0;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function environment(runtime: typeof Runtime, dir: string): Record<string, string | number> {
  const db = runtime.openDatabase(':memory:');
  const sqlite = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  db.close();
  const betterSqlite3 = (() => {
    try {
      return (JSON.parse(readFileSync(join(dir, 'node_modules/better-sqlite3/package.json'), 'utf8')) as { version: string }).version;
    } catch {
      return 'unknown';
    }
  })();
  return {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    groundwork: version(),
    betterSqlite3,
    sqlite,
  };
}

// Started as a process of its own: arguments arrive as one JSON document.
if (process.argv[2] !== undefined && import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    process.exitCode = await runBench(JSON.parse(process.argv[2]) as BenchArgs);
  } catch (error) {
    process.stderr.write(`error GW9999 the benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 2;
  }
}
