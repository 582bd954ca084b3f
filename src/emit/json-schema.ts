/**
 * JSON Schema (2020-12, as OpenAPI 3.1 and MCP use it) of command inputs and projection rows,
 * written from the model with the same bounds as the generated zod schemas. Named types are
 * written inline: no `$ref`, so every tool's schema stands alone.
 */
import type { Field, NamedType, TypeRef } from '../model/model.js';
import { ident } from './code.js';
import { MAX_EMAIL, MAX_STRING } from './fields.js';

export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };
export type JsonSchema = { readonly [key: string]: JsonValue };

const ULID = '^[0-7][0-9A-HJKMNP-TV-Z]{25}$';
const UUID =
  '^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}|00000000-0000-0000-0000-000000000000|ffffffff-ffff-ffff-ffff-ffffffffffff)$';

/** The schema of an object with these fields; `first` fields (such as the aggregate id) come before them. */
export function objectSchema(
  fields: readonly Field[],
  types: readonly NamedType[],
  first: Readonly<Record<string, JsonSchema>> = {},
  options: { readonly optionalPii?: boolean } = {},
): JsonSchema {
  const properties: Record<string, JsonValue> = { ...first };
  const required: string[] = Object.keys(first);
  for (const f of fields) {
    const name = ident(f.name, 'camel');
    properties[name] = withDescription(typeSchema(f.type, types), f.description);
    if (!f.optional && !(options.optionalPii === true && f.encrypted)) required.push(name);
  }
  return { type: 'object', properties, required, additionalProperties: false };
}

/** The schema of an aggregate id. */
export function idSchema(description: string): JsonSchema {
  return { type: 'string', pattern: ULID, description };
}

function typeSchema(type: TypeRef, types: readonly NamedType[]): JsonSchema {
  const c = 'constraints' in type ? type.constraints : {};
  switch (type.kind) {
    case 'string':
      return compact({
        type: 'string',
        minLength: c.minLength,
        maxLength: c.maxLength ?? MAX_STRING,
        pattern: c.pattern === undefined ? undefined : `^(?:${c.pattern})$`,
      });
    case 'email':
      return compact({ type: 'string', format: 'email', minLength: c.minLength, maxLength: c.maxLength ?? MAX_EMAIL });
    case 'integer':
      return compact({ type: 'integer', minimum: c.min, maximum: c.max });
    case 'number':
      return compact({ type: 'number', minimum: c.min, maximum: c.max });
    case 'boolean':
      return { type: 'boolean' };
    case 'datetime':
      return { type: 'string', format: 'date-time' };
    case 'date':
      return { type: 'string', format: 'date' };
    case 'uuid':
      // As zod checks it: an RFC 9562 version and variant, or the nil and max UUIDs.
      return { type: 'string', format: 'uuid', pattern: UUID };
    case 'ulid':
      return { type: 'string', pattern: ULID };
    case 'enum':
      return { type: 'string', enum: [...type.values] };
    case 'list':
      return compact({ type: 'array', items: typeSchema(type.items, types), minItems: c.minLength, maxItems: c.maxLength });
    case 'named': {
      const named = types.find((t) => t.name === type.name);
      if (named === undefined) throw new Error(`unknown type ${type.name}`);
      return withDescription(objectSchema(named.fields, types), named.description);
    }
  }
}

function withDescription(schema: JsonSchema, description: string | undefined): JsonSchema {
  return description === undefined ? schema : { ...schema, description };
}

function compact(entries: Readonly<Record<string, JsonValue | undefined>>): JsonSchema {
  return Object.fromEntries(Object.entries(entries).filter((entry): entry is [string, JsonValue] => entry[1] !== undefined));
}
