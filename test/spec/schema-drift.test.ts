import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { specJsonSchema, specJsonSchemaText } from '../../src/spec/json-schema.js';

const committed = join(import.meta.dirname, '../../schemas/groundwork.schema.json');

/** Every schema node that declares properties, with its path. */
function propertyNodes(node: unknown, path: string, out: Array<[string, Record<string, unknown>]>): void {
  if (node === null || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  const properties = record['properties'];
  if (properties !== null && typeof properties === 'object') {
    for (const [key, value] of Object.entries(properties)) out.push([`${path}.${key}`, value as Record<string, unknown>]);
  }
  for (const [key, value] of Object.entries(record)) propertyNodes(value, `${path}/${key}`, out);
}

describe('the JSON Schema of the spec format', () => {
  it('committed copy equals the one generated from the zod schema (run `npm run schema` to update)', () => {
    expect(readFileSync(committed, 'utf8')).toBe(specJsonSchemaText());
  });

  it('is draft-07 and describes every key', () => {
    const schema = specJsonSchema();
    expect(schema['$schema']).toBe('http://json-schema.org/draft-07/schema#');
    const nodes: Array<[string, Record<string, unknown>]> = [];
    propertyNodes(schema, '#', nodes);
    expect(nodes.length).toBeGreaterThan(30);
    const undescribed = nodes.filter(([, node]) => typeof node['description'] !== 'string' || (node['description'] as string).length < 10).map(([p]) => p);
    expect(undescribed).toEqual([]);
  });

  it('rejects unknown keys on every object, so editors flag typos', () => {
    const text = specJsonSchemaText();
    expect(text).toContain('"additionalProperties": false');
    expect(text).not.toContain('"additionalProperties": true');
  });
});
