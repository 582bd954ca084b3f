/** The file-system edge of gen: reading the current files and applying changes, inside one folder. */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { Change, Disk } from './changes.js';

export class UnsafePathError extends Error {
  constructor(path: string) {
    super(`refusing to touch ${JSON.stringify(path)}: it is not a plain relative path inside the output folder`);
    this.name = 'UnsafePathError';
  }
}

/** The absolute path of `rel` inside `root`; throws for anything that could leave `root`. */
export function inside(root: string, rel: string): string {
  if (
    rel === '' ||
    isAbsolute(rel) ||
    rel.includes('\\') ||
    rel.includes('\u0000') ||
    rel.split('/').some((part) => part === '..' || part === '.' || part === '')
  ) {
    throw new UnsafePathError(rel);
  }
  const full = resolve(root, rel);
  const back = relative(resolve(root), full);
  if (back.startsWith('..') || isAbsolute(back)) throw new UnsafePathError(rel);
  return full;
}

export function diskAt(root: string): Disk {
  return {
    read(path) {
      try {
        return readFileSync(inside(root, path), 'utf8');
      } catch (error) {
        if (error instanceof UnsafePathError) throw error;
        return undefined;
      }
    },
  };
}

/** Writes creates and updates (atomically, through a temporary file) and removes deletions. */
export function applyChanges(root: string, changes: readonly Change[]): void {
  for (const change of changes) {
    const target = inside(root, change.path);
    if ((change.action === 'create' || change.action === 'update') && change.after !== undefined) {
      mkdirSync(dirname(target), { recursive: true });
      const temporary = `${target}.groundwork-tmp`;
      writeFileSync(temporary, change.after);
      renameSync(temporary, target);
    } else if (change.action === 'delete') {
      rmSync(target, { force: true });
      removeEmptyParents(root, dirname(target));
    }
  }
}

function removeEmptyParents(root: string, dir: string): void {
  const top = resolve(root);
  let current = dir;
  while (current !== top && current.startsWith(top + sep)) {
    if (readdirSync(current).length > 0) return;
    rmdirSync(current);
    current = dirname(current);
  }
}
