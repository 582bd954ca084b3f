/**
 * Phase two: the meaning checks. They run over every file of a project that passed the shape
 * check and report all findings together. Each group of rules is a module of `rules/`; this file
 * only runs them, in an order that keeps the findings of one spot in a stable sequence.
 *
 * A new group of rules (event versions, sagas) is a new module of `rules/`, called from
 * `checkFile` where its declarations are visited, or from `checkMeaning` when it spans files.
 */
import type { Finding } from '../spec/diagnostics.js';
import { checkAccess, checkOperationsOnce } from './rules/access.js';
import { checkSubjectAndId } from './rules/aggregates.js';
import { checkCommand } from './rules/commands.js';
import { checkFieldMap, checkStructure, typesElsewhere, type FieldContext } from './rules/fields.js';
import { checkContexts, checkDeclarations } from './rules/names.js';
import { checkProjection } from './rules/projections.js';
import { checkTypeCycles, reportUnused } from './rules/references.js';
import { checkName, type SpecFile } from './rules/shared.js';
import { checkEventVersions } from './rules/versions.js';

export type { SpecFile } from './rules/shared.js';

export function checkMeaning(files: readonly SpecFile[]): Finding[] {
  const out: Finding[] = [];
  checkContexts(files, out);
  checkDeclarations(files, out);
  for (const f of files) checkFile(f, files, out);
  checkOperationsOnce(files, out);
  return out;
}

function checkFile(f: SpecFile, files: readonly SpecFile[], out: Finding[]): void {
  const { file, spec } = f;
  const typeNames = Object.keys(spec.types ?? {});
  const used = new Set<string>();
  const ctx: FieldContext = { file, out, typeNames, used, otherContextTypes: typesElsewhere(files, f) };

  for (const [name, type] of Object.entries(spec.types ?? {})) checkStructure(ctx, ['types', name], type);
  checkTypeCycles(f, out);
  for (const [a, aggregate] of Object.entries(spec.aggregates ?? {})) {
    const base = ['aggregates', a] as const;
    checkName(out, file, [...base, 'id'], aggregate.id, 'camel', 'value', 'aggregate id');
    checkFieldMap(ctx, [...base, 'state'], aggregate.state ?? {});
    for (const [e, event] of Object.entries(aggregate.events)) {
      checkStructure(ctx, [...base, 'events', e], event);
      checkEventVersions(ctx, a, e, event);
    }
    checkSubjectAndId(f, a, out);
    for (const [c, command] of Object.entries(aggregate.commands)) {
      checkFieldMap(ctx, [...base, 'commands', c, 'input'], command.input ?? {});
      checkCommand(f, files, a, c, out);
    }
  }
  for (const p of Object.keys(spec.projections ?? {})) checkProjection(f, files, p, ctx);
  checkAccess(f, out);
  // Last: the field checks above record which types are used.
  reportUnused(f, used, out);
}
