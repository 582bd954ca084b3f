import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { specJsonSchemaText } from '../../spec/json-schema.js';
import { displayPath } from '../../spec/sources.js';
import { CliError } from '../../terminal/errors.js';
import type { Io } from '../../terminal/io.js';

/** `groundwork schema [--out file]`: print the JSON Schema, or write it when it changed. */
export function schemaCommand(io: Io, options: { out?: string }): number {
  const text = specJsonSchemaText();
  if (options.out === undefined) {
    io.stdout(text);
    return 0;
  }
  const target = resolve(io.cwd, options.out);
  const shown = displayPath(io.cwd, target);
  if (readIfExists(target) === text) {
    io.stderr(`${shown} is up to date\n`);
    return 0;
  }
  try {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : 'error';
    throw new CliError('GW9004', `cannot write ${shown} (${reason})`, { hint: 'choose a writable path with --out' });
  }
  io.stderr(`wrote ${shown}\n`);
  return 0;
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
