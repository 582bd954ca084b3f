/** What every rule group shares: the spec file type, how names and duplicates are reported, and field-spec helpers. */
import { finding, type Finding, type Path } from '../../spec/diagnostics.js';
import type { FieldMapSpec, FieldSpec, Spec } from '../../spec/schema.js';
import { nameProblem, quote, type NameKind } from '../names.js';

export interface SpecFile {
  readonly file: string;
  readonly spec: Spec;
}

export type Structure = { readonly fields: FieldMapSpec; readonly form: 'longhand' | 'shorthand' };

export type FieldObject = Exclude<FieldSpec, string>;

export function asObject(field: FieldSpec): FieldObject {
  return typeof field === 'string' ? { type: field } : field;
}

/** Checks a name and reports its problem, if any. Returns whether the name is usable. */
export function checkName(out: Finding[], file: string, path: Path, name: string, kind: NameKind, at: 'key' | 'value', what: string): boolean {
  const problem = nameProblem(name, kind);
  if (problem === undefined) return true;
  out.push(finding(problem.code, file, path, `${what} ${problem.message}`, { at, hint: problem.hint }));
  return false;
}

export function reportDuplicates(out: Finding[], file: string, path: Path, items: readonly string[], what: string): void {
  const seen = new Set<string>();
  items.forEach((item, index) => {
    if (seen.has(item)) out.push(finding('GW1053', file, [...path, index], `${what} ${quote(item)} is listed twice`, { hint: 'remove the repeated entry' }));
    seen.add(item);
  });
}

/** The aggregate, in any file of the project, that declares this event or command. */
export function ownerOf(files: readonly SpecFile[], section: 'events' | 'commands', name: string): string | undefined {
  for (const { spec } of files) {
    for (const [a, aggregate] of Object.entries(spec.aggregates ?? {})) if (name in aggregate[section]) return a;
  }
  return undefined;
}

export function structureFieldsPath(path: Path, structure: Structure): Path {
  return structure.form === 'longhand' ? [...path, 'fields'] : path;
}

/** Where a field's type name stands: the field itself in shorthand, its `type` key in longhand. */
export function typePath(path: Path, field: FieldSpec): Path {
  return typeof field === 'string' ? path : [...path, 'type'];
}
