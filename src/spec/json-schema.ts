/** The JSON Schema of the spec format, generated from the zod schema (draft-07, input types). */
import { z } from 'zod';
import { specSchema } from './schema.js';

export function specJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(specSchema, { target: 'draft-7', io: 'input', unrepresentable: 'throw' });
  const { $schema, ...rest } = generated as Record<string, unknown>;
  return { $schema, title: 'Groundwork spec, format 1', ...rest };
}

export function specJsonSchemaText(): string {
  return `${JSON.stringify(specJsonSchema(), null, 2)}\n`;
}
