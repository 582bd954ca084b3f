/**
 * docs/architecture.md, enforced: which folder may import which, who may talk to SQLite, and
 * that the runtime (copied into every generated project) stands alone.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly typeOnly: boolean;
}

function sources(): string[] {
  return readdirSync(SRC, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.split(sep).join('/'));
}

/** The relative imports of a file, resolved to paths under src/, and the packages it imports. */
function imports(file: string): { edges: Edge[]; packages: string[] } {
  const text = readFileSync(join(SRC, file), 'utf8');
  const edges: Edge[] = [];
  const packages: string[] = [];
  for (const match of text.matchAll(/^(?:import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm)) {
    const [, typeKeyword, specifier] = match;
    if (specifier!.startsWith('.')) {
      const target = relative(SRC, resolve(dirname(join(SRC, file)), specifier!))
        .split(sep)
        .join('/')
        .replace(/\.js$/, '.ts');
      edges.push({ from: file, to: target, typeOnly: typeKeyword !== undefined || onlyTypes(match[0]) });
    } else packages.push(specifier!);
  }
  return { edges, packages };
}

/** Whether every name in `{ ... }` of an import or export is marked `type`. */
function onlyTypes(statement: string): boolean {
  const names = /\{([^}]*)\}/.exec(statement)?.[1];
  if (names === undefined) return false;
  const list = names
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  return list.length > 0 && list.every((n) => n.startsWith('type '));
}

/** The layer a file belongs to: `runtime/core`, `runtime/adapters/sqlite`, `model`, ... */
function layer(file: string): string {
  if (BASE.has(file)) return 'base';
  const parts = file.split('/');
  if (parts[0] === 'runtime') {
    if (parts.length === 2) return 'runtime';
    return parts[1] === 'adapters' ? `runtime/adapters/${parts[2]}` : `runtime/${parts[1]}`;
  }
  return parts[0]!;
}

/** Files every layer of the compiler may use: the tool's version and the table of stable codes. */
const BASE: ReadonlySet<string> = new Set(['version.ts', 'spec/codes.ts']);

/** What each layer may import, value or type (see docs/architecture.md). */
const ALLOWED: Record<string, readonly string[]> = {
  base: [],
  terminal: ['base', 'terminal'],
  spec: ['base', 'terminal', 'spec'],
  model: ['base', 'spec', 'model'],
  emit: ['base', 'spec', 'model', 'emit'],
  write: ['base', 'terminal', 'spec', 'model', 'emit', 'write'],
  cli: ['base', 'terminal', 'spec', 'model', 'emit', 'write', 'bench', 'cli'],
  create: ['base', 'terminal', 'spec', 'model', 'emit', 'write', 'create'],
  bench: ['base', 'terminal', 'spec', 'model', 'emit', 'write', 'create', 'bench', 'runtime'],
  demo: ['base', 'terminal', 'create', 'demo'],
  'runtime/core': ['runtime/core'],
  'runtime/ports': [],
  'runtime/trust': ['runtime/core', 'runtime/ports', 'runtime/trust'],
  'runtime/app': [
    'runtime/core',
    'runtime/ports',
    'runtime/trust',
    'runtime/app',
    'runtime/adapters/sqlite',
    'runtime/adapters/postgres',
    'runtime/adapters/rabbitmq',
    'runtime/adapters/file',
  ],
  'runtime/surface': ['runtime/core', 'runtime/ports', 'runtime/trust', 'runtime/app', 'runtime/surface', 'runtime/adapters/jwt'],
  runtime: [
    'runtime/core',
    'runtime/ports',
    'runtime/trust',
    'runtime/app',
    'runtime/surface',
    'runtime/adapters/sqlite',
    'runtime/adapters/postgres',
    'runtime/adapters/rabbitmq',
    'runtime/adapters/file',
    'runtime/adapters/jwt',
  ],
};

/** Imports allowed for types only: a port describes shapes, it never runs code of another layer. */
const TYPE_ONLY: Record<string, readonly string[]> = {
  'runtime/core': ['runtime/ports'],
  'runtime/ports': ['runtime/core', 'runtime/ports'],
};

function allowed(from: string, to: string, typeOnly: boolean): boolean {
  if (from.startsWith('runtime/adapters/')) return to === from || to === 'runtime/core' || to === 'runtime/ports';
  if ((ALLOWED[from] ?? []).includes(to)) return true;
  return typeOnly && (TYPE_ONLY[from] ?? []).includes(to);
}

const SQL = /\b(?:SELECT\s[\s\S]*?\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(?:TABLE|INDEX|UNIQUE))\b/;

describe('architecture', () => {
  const files = sources();

  it('every import follows the layering of docs/architecture.md', () => {
    const broken: string[] = [];
    for (const file of files) {
      for (const edge of imports(file).edges) {
        const [from, to] = [layer(edge.from), layer(edge.to)];
        if (!allowed(from, to, edge.typeOnly)) broken.push(`${edge.from} imports ${edge.to}${edge.typeOnly ? ' (type)' : ''}`);
      }
    }
    expect(broken).toEqual([]);
    // Positive controls: the rules do refuse what the page forbids.
    expect(allowed('runtime/core', 'runtime/adapters/sqlite', false)).toBe(false);
    expect(allowed('runtime/core', 'runtime/ports', false)).toBe(false);
    expect(allowed('runtime/adapters/sqlite', 'runtime/trust', true)).toBe(false);
    expect(allowed('model', 'emit', true)).toBe(false);
  });

  it('the runtime imports nothing from outside src/runtime', () => {
    const outside = files
      .filter((f) => f.startsWith('runtime/'))
      .flatMap((f) =>
        imports(f)
          .edges.filter((e) => !e.to.startsWith('runtime/'))
          .map((e) => `${e.from} imports ${e.to}`),
      );
    expect(outside).toEqual([]);
  });

  it('only the store adapters import a database driver or hold SQL (and the raw bench baselines)', () => {
    const adapter = (f: string) => f.startsWith('runtime/adapters/sqlite/') || f.startsWith('runtime/adapters/postgres/');
    const exempt = (f: string) => adapter(f) || f === 'bench/baselines.ts';
    const driver = files.filter((f) => !exempt(f) && imports(f).packages.some((p) => p === 'better-sqlite3' || p === 'pg'));
    const sql = files.filter((f) => !exempt(f) && SQL.test(readFileSync(join(SRC, f), 'utf8')));
    expect(driver).toEqual([]);
    expect(sql).toEqual([]);
    // Each adapter uses only its own driver.
    expect(files.filter((f) => f.startsWith('runtime/adapters/sqlite/') && imports(f).packages.includes('pg'))).toEqual([]);
    expect(files.filter((f) => f.startsWith('runtime/adapters/postgres/') && imports(f).packages.includes('better-sqlite3'))).toEqual([]);
    // Only the RabbitMQ adapter speaks AMQP.
    expect(files.filter((f) => !f.startsWith('runtime/adapters/rabbitmq/') && imports(f).packages.includes('rabbitmq-client'))).toEqual([]);
    // Only the JWT adapter checks tokens; only the HTTP server speaks Fastify; only mcp.ts calls the MCP SDK.
    expect(files.filter((f) => !f.startsWith('runtime/adapters/jwt/') && imports(f).packages.includes('jose'))).toEqual([]);
    expect(files.filter((f) => f !== 'runtime/surface/http.ts' && imports(f).packages.includes('fastify'))).toEqual([]);
    expect(files.filter((f) => f !== 'runtime/surface/mcp.ts' && imports(f).packages.some((p) => p.startsWith('@modelcontextprotocol/')))).toEqual([]);
    // Positive control: the checks do see the adapters.
    expect(files.filter((f) => f.startsWith('runtime/adapters/sqlite/') && SQL.test(readFileSync(join(SRC, f), 'utf8'))).length).toBeGreaterThan(2);
    expect(files.filter((f) => f.startsWith('runtime/adapters/postgres/') && SQL.test(readFileSync(join(SRC, f), 'utf8'))).length).toBeGreaterThan(2);
  });
});
