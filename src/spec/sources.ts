/** Finding and reading spec files: the file-system edge of `validate` and `gen`. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { SpecSource } from './load.js';
import { CliError } from '../terminal/errors.js';

export const SPEC_SUFFIX = '.groundwork.yaml';
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'build', 'coverage']);

/** The spec files named by `paths` (files, or folders searched recursively), sorted. */
export function findSpecFiles(cwd: string, paths: readonly string[]): string[] {
  const roots = paths.length === 0 ? [cwd] : paths.map((p) => (isAbsolute(p) ? p : resolve(cwd, p)));
  const found = new Set<string>();
  for (const root of roots) {
    let stats;
    try {
      stats = statSync(root);
    } catch {
      throw new CliError('GW9002', `cannot read ${displayPath(cwd, root)}: no such file or folder`, {
        hint: 'check the path, or run without paths to search the current folder',
      });
    }
    if (stats.isDirectory()) for (const file of walk(root)) found.add(file);
    else found.add(root);
  }
  const files = [...found].sort();
  if (files.length === 0) {
    const where = paths.length === 0 ? 'the current folder' : paths.join(', ');
    throw new CliError('GW9003', `no ${SPEC_SUFFIX} files found in ${where}`, { hint: `create one (see \`groundwork schema\`) or pass the spec paths` });
  }
  return files;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  const stack = [dir];
  while (stack.length > 0) {
    const current = stack.pop()!;
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || SKIPPED_DIRS.has(entry.name)) continue;
      const full = join(current, entry.name);
      if (entry.isDirectory()) stack.push(full);
      else if (entry.isFile() && entry.name.endsWith(SPEC_SUFFIX)) out.push(full);
    }
  }
  return out;
}

export function displayPath(cwd: string, file: string): string {
  const rel = relative(cwd, file);
  const shown = rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? file : rel;
  return shown.split(sep).join('/');
}

export function readSources(cwd: string, files: readonly string[]): SpecSource[] {
  return files.map((file) => {
    try {
      return { file: displayPath(cwd, file), text: readFileSync(file, 'utf8') };
    } catch (error) {
      const reason = error instanceof Error && 'code' in error ? String(error.code) : 'unreadable';
      throw new CliError('GW9002', `cannot read ${displayPath(cwd, file)} (${reason})`, { hint: 'check that the file exists and is readable' });
    }
  });
}
