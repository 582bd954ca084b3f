/**
 * gen's cache, so that a gen with nothing to do does not compile and emit the whole project: what
 * the last gen wrote (each file's ownership and content hash) under the fingerprint of its inputs.
 * It lives in node_modules/.cache/groundwork (never committed); a missing or unreadable cache, or
 * none at all without node_modules, only means the full plan runs.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Ownership } from '../emit/plan.js';
import type { Change, Disk } from './changes.js';
import { contentHash } from './fingerprint.js';

interface CachedFile {
  readonly path: string;
  readonly ownership: Ownership;
  /** The content hash of a generated or wiring file; scaffolded files are yours. */
  readonly hash?: string;
}

interface GenCache {
  readonly fingerprint: string;
  /** Warnings the specs had: a cached run reports them like a full one. */
  readonly warnings: number;
  readonly files: readonly CachedFile[];
  readonly orphans: readonly string[];
}

function cachePath(root: string): string | undefined {
  const modules = join(root, 'node_modules');
  if (!existsSync(modules)) return undefined;
  const key = createHash('sha256').update(root).digest('hex').slice(0, 16);
  return join(modules, '.cache', 'groundwork', `gen-${key}.json`);
}

/** Records what a gen left on disk: every planned file, and the orphans it reported. */
export function saveGenCache(
  root: string,
  fingerprint: string,
  warnings: number,
  changes: readonly Change[],
  contentOf: (path: string) => string | undefined,
): void {
  const path = cachePath(root);
  if (path === undefined) return;
  const files: CachedFile[] = [];
  const orphans: string[] = [];
  for (const change of changes) {
    if (change.action === 'delete') continue;
    if (change.action === 'orphan') {
      orphans.push(change.path);
      continue;
    }
    if (change.ownership === 'scaffolded') files.push({ path: change.path, ownership: change.ownership });
    else {
      const content = contentOf(change.path);
      if (content === undefined) return;
      files.push({ path: change.path, ownership: change.ownership, hash: contentHash(content) });
    }
  }
  try {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, JSON.stringify({ fingerprint, warnings, files, orphans } satisfies GenCache));
  } catch {
    // A cache that cannot be written only costs the next run its shortcut.
  }
}

/**
 * The changes of a gen with nothing to do, when the cache vouches for it: same inputs, and every
 * file on disk as the last gen left it. Undefined whenever anything differs: then plan in full.
 */
export function unchangedPlan(root: string, fingerprint: string, disk: Disk): { changes: Change[]; warnings: number } | undefined {
  try {
    return fromCache(root, fingerprint, disk);
  } catch {
    return undefined;
  }
}

function fromCache(root: string, fingerprint: string, disk: Disk): { changes: Change[]; warnings: number } | undefined {
  const path = cachePath(root);
  if (path === undefined) return undefined;
  let cache: GenCache;
  try {
    cache = JSON.parse(readFileSync(path, 'utf8')) as GenCache;
  } catch {
    return undefined;
  }
  if (cache.fingerprint !== fingerprint || !Array.isArray(cache.files) || !Array.isArray(cache.orphans) || typeof cache.warnings !== 'number') return undefined;
  const changes: Change[] = [];
  for (const file of cache.files) {
    const before = disk.read(file.path);
    if (before === undefined) return undefined;
    if (file.ownership === 'scaffolded') changes.push({ path: file.path, ownership: file.ownership, action: 'user', before });
    else if (file.hash === contentHash(before)) changes.push({ path: file.path, ownership: file.ownership, action: 'keep' });
    else return undefined;
  }
  for (const orphan of cache.orphans) {
    const before = disk.read(orphan);
    if (before === undefined) return undefined;
    changes.push({ path: orphan, ownership: 'scaffolded', action: 'orphan', before });
  }
  return { changes: changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)), warnings: cache.warnings };
}
