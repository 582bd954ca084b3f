/** The runtime a generated project runs on: this repository's src/runtime, copied verbatim. */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RUNTIME_DIR } from './layout.js';
import { header, type PlannedFile } from './plan.js';

const SOURCE = fileURLToPath(new URL('../../src/runtime/', import.meta.url));

/** The runtime's TypeScript files, relative to its folder, with `/` separators, sorted. */
function runtimeFiles(): string[] {
  return readdirSync(SOURCE, { recursive: true, encoding: 'utf8' })
    .map((name) => name.split('\\').join('/'))
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
    .sort();
}

export function planRuntime(): PlannedFile[] {
  return runtimeFiles().map((name) => ({
    path: `${RUNTIME_DIR}/${name}`,
    ownership: 'generated' as const,
    source: null,
    content: header(null) + readFileSync(`${SOURCE}${name}`, 'utf8'),
  }));
}
