/** How a field of the model becomes TypeScript: its type, its zod schema, its initial value. */
import type { Field, NamedType, TypeRef } from '../model/model.js';
import { block, docComment, ident, lowerFirst, str } from './code.js';

export function tsType(type: TypeRef): string {
  switch (type.kind) {
    case 'string':
    case 'datetime':
    case 'date':
    case 'uuid':
    case 'ulid':
    case 'email':
      return 'string';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'enum':
      return type.values.map(str).join(' | ');
    case 'list': {
      const item = tsType(type.items);
      return `readonly ${type.items.kind === 'enum' ? `(${item})` : item}[]`;
    }
    case 'named':
      return ident(type.name, 'pascal');
  }
}

export interface MemberOptions {
  readonly readonly: boolean;
  readonly indent: string;
  readonly optionalAsUndefined?: boolean;
  /** Types encrypted fields as `| Erased`: they read back as ERASED once their subject is forgotten. */
  readonly erasable?: boolean;
}

/** Interface members, one per field with its doc comment. `readonly` for events, inputs and values; not for state. */
export function members(fields: readonly Field[], options: MemberOptions): string[] {
  const prefix = options.readonly ? 'readonly ' : '';
  return fields.map((f) => {
    const name = ident(f.name, 'camel');
    const type = options.erasable === true && f.encrypted ? `${tsType(f.type)} | Erased` : tsType(f.type);
    const declaration = !f.optional
      ? `${name}: ${type}`
      : options.optionalAsUndefined === true
        ? `${name}: ${type} | undefined`
        : `${name}?: ${type} | undefined`;
    return `${docComment(f.description, options.indent)}${options.indent}${prefix}${declaration};`;
  });
}

export function namedSchemaName(name: string): string {
  return `${lowerFirst(ident(name, 'pascal'))}Schema`;
}

/** The longest string a field without `maxLength` accepts; checked before any pattern runs. */
export const MAX_STRING = 10_000;
/** The longest email address (RFC 5321's path limit), checked before the email pattern runs. */
export const MAX_EMAIL = 320;
/** A ULID: its length is checked before the pattern. */
export const ULID_SCHEMA = 'z.string().max(26, { abort: true }).regex(ULID_PATTERN)';

/** A string whose length is checked first: a huge input stops there, before any pattern sees it. */
function boundedString(max: number): string {
  return `z.string().max(${max}, { abort: true })`;
}

export function zodType(type: TypeRef): string {
  const c = 'constraints' in type ? type.constraints : {};
  const bounds = (lengthy: boolean) =>
    lengthy
      ? `${c.minLength === undefined ? '' : `.min(${c.minLength})`}${c.maxLength === undefined ? '' : `.max(${c.maxLength})`}`
      : `${c.min === undefined ? '' : `.min(${c.min})`}${c.max === undefined ? '' : `.max(${c.max})`}`;
  switch (type.kind) {
    case 'string':
      return `${boundedString(c.maxLength ?? MAX_STRING)}${c.minLength === undefined ? '' : `.min(${c.minLength})`}${c.pattern === undefined ? '' : `.regex(new RegExp(${str(`^(?:${c.pattern})$`)}, 'u'))`}`;
    case 'email':
      return `${boundedString(c.maxLength ?? MAX_EMAIL)}.pipe(z.email()${c.minLength === undefined ? '' : `.min(${c.minLength})`})`;
    case 'integer':
      return `z.int()${bounds(false)}`;
    case 'number':
      return `z.number()${bounds(false)}`;
    case 'boolean':
      return 'z.boolean()';
    case 'datetime':
      return 'z.iso.datetime({ offset: true })';
    case 'date':
      return 'z.iso.date()';
    case 'uuid':
      return 'z.uuid()';
    case 'ulid':
      return ULID_SCHEMA;
    case 'enum':
      return `z.enum([${type.values.map(str).join(', ')}])`;
    case 'list':
      return `z.array(${zodType(type.items)})${bounds(true)}`;
    case 'named':
      return namedSchemaName(type.name);
  }
}

export function zodObject(fields: readonly Field[], indent: string, extra: readonly string[] = []): string {
  const lines = [...extra, ...fields.map((f) => `${ident(f.name, 'camel')}: ${zodType(f.type)}${f.optional ? '.optional()' : ''},`)];
  return `z.strictObject(${block(
    lines.map((l) => `${indent}  ${l}`),
    indent,
  )})`;
}

/** The value a state field has before the first event. */
export function initialValue(field: Field): string {
  if (field.optional) return 'undefined';
  return initialOf(field.type);
}

function initialOf(type: TypeRef): string {
  switch (type.kind) {
    case 'integer':
    case 'number':
      return '0';
    case 'boolean':
      return 'false';
    case 'enum':
      return str(type.values[0]!);
    case 'list':
      return '[]';
    case 'named':
      return `initial${ident(type.name, 'pascal')}()`;
    default:
      return "''";
  }
}

export function namedTypesUsed(fields: readonly Field[]): string[] {
  const out = new Set<string>();
  const visit = (t: TypeRef) => {
    if (t.kind === 'named') out.add(t.name);
    if (t.kind === 'list') visit(t.items);
  };
  for (const f of fields) visit(f.type);
  return [...out].sort();
}

/** Named types in an order where each comes after the types it uses (the model has no cycles). */
export function dependencyOrder(types: readonly NamedType[]): NamedType[] {
  const byName = new Map(types.map((t) => [t.name, t]));
  const done = new Set<string>();
  const out: NamedType[] = [];
  const visit = (t: NamedType) => {
    if (done.has(t.name)) return;
    done.add(t.name);
    for (const used of namedTypesUsed(t.fields)) {
      const dep = byName.get(used);
      if (dep !== undefined) visit(dep);
    }
    out.push(t);
  };
  for (const t of types) visit(t);
  return out;
}
