/** The manifest: which files gen made and who owns them, so the next run can find stale ones. */
import type { PlannedFile } from '../emit/plan.js';
import { MANIFEST_FILE } from '../emit/layout.js';
import type { ManifestEntry } from './changes.js';

export const MANIFEST_SCHEMA_VERSION = 1;

/**
 * `orphans` are files of yours that the spec no longer produces; they stay listed until you delete
 * them, so every later run keeps reporting them.
 */
export function manifestFile(planned: readonly PlannedFile[], version: string, orphans: readonly string[] = []): PlannedFile {
  const document = {
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    generator: { name: 'groundwork', version },
    files: planned.map((f) => ({ path: f.path, ownership: f.ownership, source: f.source })),
    orphans: [...orphans].sort(),
  };
  return { path: MANIFEST_FILE, ownership: 'generated', source: null, content: `${JSON.stringify(document, null, 2)}\n` };
}

/** The entries of a previous manifest; an unreadable or foreign one counts as none. */
export function readManifest(text: string | undefined): ManifestEntry[] {
  if (text === undefined) return [];
  try {
    const parsed = JSON.parse(text) as { files?: unknown; orphans?: unknown };
    if (!Array.isArray(parsed.files)) return [];
    const orphans: ManifestEntry[] = Array.isArray(parsed.orphans)
      ? parsed.orphans.filter((p): p is string => typeof p === 'string').map((path) => ({ path, ownership: 'scaffolded' }))
      : [];
    const files = parsed.files.flatMap((f: unknown): ManifestEntry[] => {
      if (f === null || typeof f !== 'object') return [];
      const { path, ownership } = f as { path?: unknown; ownership?: unknown };
      if (typeof path !== 'string' || (ownership !== 'generated' && ownership !== 'scaffolded' && ownership !== 'wiring')) return [];
      return [{ path, ownership }];
    });
    return [...orphans, ...files];
  } catch {
    return [];
  }
}
