/** The files of a new project: shared ones, then the template's own (spec, your code, tests). */
import Handlebars from 'handlebars';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CreateOptions, PackageManager } from './options.js';

const ROOT = fileURLToPath(new URL('../../templates/project/', import.meta.url));

/** npm drops files named .gitignore from packages, so templates keep them without the dot. */
const RENAMES: Record<string, string> = {
  gitignore: '.gitignore',
  gitattributes: '.gitattributes',
  'vscode/settings.json': '.vscode/settings.json',
  'vscode/extensions.json': '.vscode/extensions.json',
};

export interface ProjectFile {
  readonly path: string;
  readonly content: string;
}

function walk(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as Array<{ isFile(): boolean; parentPath: string; name: string }>)
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

export function runCommand(pm: PackageManager): string {
  return pm === 'npm' ? 'npm run' : pm;
}

/**
 * better-sqlite3 13 (N-API, prebuilt in the package) fixes an abort at process exit on Node 24
 * but needs Node 22; on Node 20 the project keeps 12, which builds from source. Projects follow
 * the Node that created them.
 */
export function sqliteDependency(nodeVersion: string): { betterSqlite3: string; nodeEngines: string } {
  const major = Number(nodeVersion.replace(/^v/, '').split('.')[0]);
  return major >= 22 ? { betterSqlite3: '^13.0.3', nodeEngines: '>=22.12.0' } : { betterSqlite3: '^12.4.1', nodeEngines: '^20.19.0 || >=22.12.0' };
}

export function projectFiles(options: CreateOptions): ProjectFile[] {
  const spec = walk(join(ROOT, options.template)).find((f) => f.endsWith('.groundwork.yaml'))!;
  const run = runCommand(options.packageManager);
  const slots: Record<string, string> = {
    ...sqliteDependency(process.version),
    name: options.name,
    groundworkSpec: options.groundworkSpec,
    specFile: spec,
    run,
    extraScripts: options.template === 'subscriptions' ? '    "dispute": "tsc && node dist/src/dispute.js",\n' : '',
    extraReadme:
      options.template === 'subscriptions'
        ? `| \`${run} dispute\` | play the dispute story: an AI agent acts for a customer, who disputes it the next day |\n`
        : '',
  };
  const out: ProjectFile[] = [];
  for (const file of walk(join(ROOT, 'common'))) {
    const text = readFileSync(join(ROOT, 'common', file), 'utf8');
    const path = file.endsWith('.hbs') ? file.slice(0, -4) : (RENAMES[file] ?? file);
    const content = file.endsWith('.hbs') ? Handlebars.compile(text, { noEscape: true, strict: true })(slots) : text;
    out.push({ path, content: path === 'package.json' ? `${JSON.stringify(JSON.parse(content), null, 2)}\n` : content });
  }
  for (const file of walk(join(ROOT, options.template))) out.push({ path: file, content: readFileSync(join(ROOT, options.template, file), 'utf8') });
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
