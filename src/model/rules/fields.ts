/** Field rules: field names, known types, constraints that fit the type, enums and lists. */
import { finding, type Finding, type Path } from '../../spec/diagnostics.js';
import { BUILTIN_TYPES, type FieldMapSpec, type FieldSpec } from '../../spec/schema.js';
import { didYouMean } from '../../spec/suggest.js';
import { quote } from '../names.js';
import { asObject, checkName, reportDuplicates, structureFieldsPath, typePath, type FieldObject, type SpecFile, type Structure } from './shared.js';

const BUILTINS: ReadonlySet<string> = new Set(BUILTIN_TYPES);

export interface FieldContext {
  readonly file: string;
  readonly out: Finding[];
  readonly typeNames: readonly string[];
  readonly used: Set<string>;
  readonly otherContextTypes: ReadonlyMap<string, string>;
}

export function typesElsewhere(files: readonly SpecFile[], self: SpecFile): Map<string, string> {
  const map = new Map<string, string>();
  for (const other of files) {
    if (other === self) continue;
    for (const t of Object.keys(other.spec.types ?? {})) map.set(t, other.spec.context);
  }
  return map;
}

export function checkStructure(ctx: FieldContext, path: Path, structure: Structure): void {
  checkFieldMap(ctx, structureFieldsPath(path, structure), structure.fields);
}

export function checkFieldMap(ctx: FieldContext, path: Path, fields: FieldMapSpec): void {
  const folded = new Map<string, string>();
  for (const [name, field] of Object.entries(fields)) {
    const fieldPath = [...path, name];
    if (checkName(ctx.out, ctx.file, fieldPath, name, 'camel', 'key', 'field')) {
      const twin = folded.get(name.toLowerCase());
      if (twin !== undefined) {
        ctx.out.push(
          finding('GW1035', ctx.file, fieldPath, `field ${quote(name)} differs only in letter case from field ${quote(twin)}`, {
            at: 'key',
            hint: 'rename one of them',
          }),
        );
      }
      folded.set(name.toLowerCase(), name);
    }
    checkField(ctx, fieldPath, field);
  }
}

const NUMERIC = new Set(['integer', 'number']);

const TEXT = new Set(['string', 'email']);

function checkField(ctx: FieldContext, path: Path, field: FieldSpec): void {
  const f = asObject(field);
  const { file, out } = ctx;
  const known = BUILTINS.has(f.type) || ctx.typeNames.includes(f.type);
  if (!known) {
    const elsewhere = ctx.otherContextTypes.get(f.type);
    const hint =
      elsewhere !== undefined
        ? `type ${quote(f.type)} is declared in context "${elsewhere}"; types are local to their context, so declare it here too`
        : (didYouMean(f.type, [...BUILTIN_TYPES, ...ctx.typeNames]) ?? `use a built-in type (${BUILTIN_TYPES.join(', ')}) or declare it under \`types\``);
    out.push(finding('GW1010', file, typePath(path, field), `unknown type ${quote(f.type)}`, { hint }));
  } else if (!BUILTINS.has(f.type)) {
    ctx.used.add(f.type);
  }
  const kind = BUILTINS.has(f.type) ? f.type : 'named';
  const notFor = (key: keyof FieldObject, allowed: string) =>
    out.push(
      finding('GW1076', file, [...path, key], `\`${key}\` does not apply to a field of type ${quote(f.type)}`, {
        at: 'key',
        hint: `\`${key}\` applies to ${allowed}; remove it`,
      }),
    );

  if ((f.min !== undefined || f.max !== undefined) && !NUMERIC.has(kind) && known) notFor(f.min !== undefined ? 'min' : 'max', 'integer and number fields');
  if ((f.minLength !== undefined || f.maxLength !== undefined) && !TEXT.has(kind) && kind !== 'list' && known) {
    notFor(f.minLength !== undefined ? 'minLength' : 'maxLength', 'string, email and list fields');
  }
  if (f.pattern !== undefined && kind !== 'string' && known) notFor('pattern', 'string fields');
  if (f.min !== undefined && f.max !== undefined && f.min > f.max) {
    out.push(finding('GW1074', file, [...path, 'min'], `min (${f.min}) is greater than max (${f.max})`, { hint: 'swap them or fix one bound' }));
  }
  if (f.minLength !== undefined && f.maxLength !== undefined && f.minLength > f.maxLength) {
    out.push(
      finding('GW1074', file, [...path, 'minLength'], `minLength (${f.minLength}) is greater than maxLength (${f.maxLength})`, {
        hint: 'swap them or fix one bound',
      }),
    );
  }
  if (kind === 'integer') {
    for (const key of ['min', 'max'] as const) {
      const bound = f[key];
      if (bound !== undefined && !Number.isInteger(bound)) {
        out.push(finding('GW1004', file, [...path, key], `${key} of an integer field must be a whole number, not ${bound}`));
      }
    }
  }
  if (f.pattern !== undefined) checkPattern(ctx, [...path, 'pattern'], f.pattern);
  checkEnum(ctx, path, field, kind);
  checkList(ctx, path, field, kind);
}

function checkPattern(ctx: FieldContext, path: Path, pattern: string): void {
  try {
    new RegExp(pattern, 'u');
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^Invalid regular expression: /, '') : String(error);
    ctx.out.push(
      finding('GW1075', ctx.file, path, `pattern is not a valid regular expression: ${reason}`, {
        hint: 'patterns use JavaScript syntax with the u flag; escape special characters with a backslash',
      }),
    );
  }
}

function checkEnum(ctx: FieldContext, path: Path, field: FieldSpec, kind: string): void {
  const f = asObject(field);
  if (kind === 'enum' && (f.values === undefined || f.values.length === 0)) {
    ctx.out.push(
      finding('GW1073', ctx.file, f.values === undefined ? typePath(path, field) : [...path, 'values'], 'an enum needs a non-empty list of `values`', {
        hint: 'for example `{ type: enum, values: [active, cancelled] }`',
      }),
    );
  } else if (kind !== 'enum' && f.values !== undefined) {
    ctx.out.push(
      finding('GW1073', ctx.file, [...path, 'values'], `\`values\` only applies to enum fields, not to ${quote(f.type)}`, {
        at: 'key',
        hint: 'write `type: enum` or remove `values`',
      }),
    );
  }
  reportDuplicates(ctx.out, ctx.file, [...path, 'values'], f.values ?? [], 'enum value');
}

function checkList(ctx: FieldContext, path: Path, field: FieldSpec, kind: string): void {
  const f = asObject(field);
  if (kind === 'list' && f.items === undefined) {
    ctx.out.push(
      finding('GW1077', ctx.file, typePath(path, field), 'a list needs `items`: the type of each item', {
        hint: 'for example `{ type: list, items: string }`',
      }),
    );
  } else if (kind !== 'list' && f.items !== undefined) {
    ctx.out.push(
      finding('GW1077', ctx.file, [...path, 'items'], `\`items\` only applies to list fields, not to ${quote(f.type)}`, {
        at: 'key',
        hint: 'write `type: list` or remove `items`',
      }),
    );
  }
  if (f.items !== undefined) checkField(ctx, [...path, 'items'], f.items);
}
