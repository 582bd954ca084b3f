/** The manifest: which files gen made and who owns them, so the next run can find stale ones. */
import type { PlannedFile } from '../emit/plan.js';
import { MANIFEST_FILE } from '../emit/layout.js';
import type { ManifestEntry } from './changes.js';

export const MANIFEST_SCHEMA_VERSION = 1;

export function manifestFile(planned: readonly PlannedFile[], version: string): PlannedFile {
  const document = {
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    generator: { name: 'groundwork', version },
    files: planned.map((f) => ({ path: f.path, ownership: f.ownership, source: f.source })),
  };
  return { path: MANIFEST_FILE, ownership: 'generated', source: null, content: `${JSON.stringify(document, null, 2)}\n` };
}

/** The entries of a previous manifest; an unreadable or foreign one counts as none. */
export function readManifest(text: string | undefined): ManifestEntry[] {
  if (text === undefined) return [];
  try {
    const parsed = JSON.parse(text) as { files?: unknown };
    if (!Array.isArray(parsed.files)) return [];
    return parsed.files.flatMap((f: unknown) => {
      if (f === null || typeof f !== 'object') return [];
      const { path, ownership } = f as { path?: unknown; ownership?: unknown };
      if (typeof path !== 'string' || (ownership !== 'generated' && ownership !== 'scaffolded' && ownership !== 'wiring')) return [];
      return [{ path, ownership }];
    });
  } catch {
    return [];
  }
}
