/** The runtime a generated project runs on: this repository's src/runtime, copied verbatim. */
import { readdirSync, readFileSync } from 'node:fs';
import { RUNTIME_DIR } from './layout.js';
import { header, type PlannedFile } from './plan.js';

const SOURCE = new URL('../../src/runtime/', import.meta.url);

export function planRuntime(): PlannedFile[] {
  return readdirSync(SOURCE)
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
    .sort()
    .map((name) => ({
      path: `${RUNTIME_DIR}/${name}`,
      ownership: 'generated' as const,
      source: null,
      content: header(null) + readFileSync(new URL(name, SOURCE), 'utf8'),
    }));
}
