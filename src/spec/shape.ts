/** Phase one: the shape check. Runs the zod schema and turns its issues into findings. */
import type { z } from 'zod';
import { finding, type Finding, type Path, type PathSegment } from './diagnostics.js';
import { describePath } from './paths.js';
import { ACTOR_KINDS, FORMAT_VERSION, KNOWN_KEYS, specSchema, type Spec } from './schema.js';
import { didYouMean } from './suggest.js';

type Issue = z.core.$ZodIssue;

export interface ShapeResult {
  readonly spec?: Spec;
  readonly findings: Finding[];
}

export function checkShape(file: string, value: unknown): ShapeResult {
  const result = specSchema.safeParse(value, { reportInput: true });
  if (result.success) return { spec: result.data, findings: [] };
  const findings = result.error.issues.flatMap((issue) => translate(file, value, issue, []));
  return { findings };
}

function translate(file: string, root: unknown, issue: Issue, prefix: Path): Finding[] {
  const path: PathSegment[] = [...prefix, ...(issue.path as PathSegment[])];
  const where = describePath(root, path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => unknownKey(file, root, path, key));
    case 'invalid_union':
      return translateUnion(file, root, issue, path);
    case 'invalid_type':
      if (issue.input === undefined) return [missingKey(file, root, path)];
      return [
        finding('GW1003', file, path, `${where.label} must be ${expectedText(issue.expected)}, not ${received(issue.input)}`, {
          hint: typeHint(path, issue.expected),
        }),
      ];
    case 'invalid_value':
      return [invalidValue(file, path, where.label, issue.values, issue.input)];
    case 'too_small':
    case 'too_big':
      return [finding('GW1004', file, path, `${where.label} ${boundText(issue)}`)];
    default:
      return [finding('GW1004', file, path, `${where.label}: ${issue.message}`)];
  }
}

function unknownKey(file: string, root: unknown, objectPath: Path, key: string): Finding {
  const { kind, label } = describePath(root, objectPath);
  const known: readonly string[] = kind in KNOWN_KEYS ? KNOWN_KEYS[kind as keyof typeof KNOWN_KEYS] : [];
  const hint = didYouMean(key, known) ?? (known.length > 0 ? `allowed keys are ${known.join(', ')}` : undefined);
  return finding('GW1001', file, [...objectPath, key], `unknown key "${key}" in ${label}`, { at: 'key', hint });
}

function missingKey(file: string, root: unknown, path: Path): Finding {
  const key = String(path[path.length - 1]);
  const owner = describePath(root, path.slice(0, -1)).label;
  return finding('GW1002', file, path, `${owner} is missing the required key "${key}"`, { at: 'key', hint: missingHint(key) });
}

function missingHint(key: string): string | undefined {
  switch (key) {
    case 'groundwork':
      return `add \`groundwork: ${FORMAT_VERSION}\` at the top of the file`;
    case 'emits':
      return 'list the events this command records, for example `emits: [OrderPlaced]`';
    case 'id':
      return 'name the aggregate id, for example `id: orderId`';
    default:
      return undefined;
  }
}

function invalidValue(file: string, path: Path, label: string, values: readonly unknown[], input: unknown): Finding {
  if (path.length === 1 && path[0] === 'groundwork') {
    return finding('GW1005', file, path, `spec format version ${received(input)} is not supported; this release reads version ${FORMAT_VERSION}`, {
      hint: `write \`groundwork: ${FORMAT_VERSION}\`, or upgrade groundwork`,
    });
  }
  const strings = values.map(String);
  const actors = path.length >= 2 && path[path.length - 2] === 'actors';
  const code = actors ? 'GW1052' : 'GW1004';
  const hint = (typeof input === 'string' ? didYouMean(input, actors ? ACTOR_KINDS : strings) : undefined) ?? `use one of ${strings.join(', ')}`;
  return finding(code, file, path, `${label} is ${received(input)}, which is not one of ${strings.join(', ')}`, { hint });
}

/**
 * A union failed. Branches that rejected the value's own type are ruled out; of the rest, the
 * one with the fewest issues is what the author most likely meant.
 */
function translateUnion(file: string, root: unknown, issue: Extract<Issue, { code: 'invalid_union' }>, path: Path): Finding[] {
  const candidates = issue.errors.filter((branch) => !branch.some((i) => i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_value')));
  if (candidates.length === 0) {
    const expected = issue.errors.flatMap((branch) =>
      branch
        .filter((i) => i.path.length === 0)
        .map((i) =>
          i.code === 'invalid_type' ? expectedText(i.expected) : i.code === 'invalid_value' ? i.values.map((v) => `"${String(v)}"`).join(' or ') : i.message,
        ),
    );
    const label = describePath(root, path).label;
    return [
      finding('GW1003', file, path, `${label} must be ${unique(expected).join(' or ')}, not ${received(issue.input)}`, { hint: typeHint(path, 'union') }),
    ];
  }
  const best = candidates.reduce((a, b) => (b.length < a.length ? b : a));
  return best.flatMap((inner) => translate(file, root, inner, path));
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
}

function expectedText(expected: string): string {
  switch (expected) {
    case 'object':
      return 'a mapping';
    case 'array':
      return 'a list';
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'int':
      return 'a whole number';
    case 'boolean':
      return 'true or false';
    default:
      return expected;
  }
}

function received(input: unknown): string {
  if (input === null || input === undefined) return 'empty';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'object') return 'a mapping';
  if (typeof input === 'string') return JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}…` : input);
  return String(input);
}

function typeHint(path: Path, expected: string): string | undefined {
  const last = path[path.length - 1];
  if (last === 'allow') return 'list the roles, for example `allow: [support]`, or write `allow: public`';
  if (last === 'emits' || last === 'on') return `write a list, for example \`${last}: [OrderPlaced]\``;
  if (expected === 'union') return 'write a type name (`amount: integer`) or a mapping (`amount: { type: integer, min: 0 }`)';
  return undefined;
}

function boundText(issue: Extract<Issue, { code: 'too_small' | 'too_big' }>): string {
  const small = issue.code === 'too_small';
  const limit = small ? (issue as { minimum: number | bigint }).minimum : (issue as { maximum: number | bigint }).maximum;
  const bound = Number(limit);
  if (issue.origin === 'array') return small ? `must have at least ${bound} item${bound === 1 ? '' : 's'}` : `must have at most ${bound} items`;
  if (issue.origin === 'string') return small ? `must be at least ${bound} characters long` : `must be at most ${bound} characters long`;
  return small ? `must be at least ${bound}` : `must be at most ${bound}`;
}
