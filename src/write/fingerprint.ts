/**
 * What gen's output depends on, as one hash: the spec files (names and bytes), the output folder,
 * and this generator itself (its version, and the code, templates and runtime it emits from). Two
 * runs with the same fingerprint plan the same files. Kept in a local cache, never in the project:
 * it names this machine's paths.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SpecSource } from '../spec/load.js';
import { version } from '../version.js';

/** The generator's own folders (in src/ or dist/, whichever runs), its templates and the runtime it copies. */
const GENERATOR_DIRS = [
  fileURLToPath(new URL('../spec/', import.meta.url)),
  fileURLToPath(new URL('../model/', import.meta.url)),
  fileURLToPath(new URL('../emit/', import.meta.url)),
  fileURLToPath(new URL('../../templates/', import.meta.url)),
  fileURLToPath(new URL('../../src/runtime/', import.meta.url)),
];

let generator: string | undefined;

function generatorHash(): string {
  if (generator !== undefined) return generator;
  const hash = createHash('sha256').update(`groundwork ${version()}\n`);
  for (const dir of GENERATOR_DIRS) {
    let names: string[];
    try {
      names = readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      let bytes: Buffer;
      try {
        bytes = readFileSync(`${dir}${name}`);
      } catch {
        continue; // a folder
      }
      hash.update(`${dir}${name}\n${bytes.length}\n`).update(bytes);
    }
  }
  generator = hash.digest('hex');
  return generator;
}

export function inputsFingerprint(sources: readonly SpecSource[], out: string): string {
  const hash = createHash('sha256').update(`${generatorHash()}\n${out}\n`);
  for (const { file, text } of [...sources].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))) {
    hash.update(`${file}\n${Buffer.byteLength(text)}\n`).update(text);
  }
  return hash.digest('hex');
}

export function contentHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}
