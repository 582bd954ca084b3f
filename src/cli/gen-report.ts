/** How gen tells what it did: spec errors, the list of changes, diffs and the summary line. */
import { createTwoFilesPatch } from 'diff';
import type { SpecSource } from '../spec/load.js';
import { formatGithub, formatJson, formatText, summarize, summaryLine } from '../spec/format.js';
import { stdoutColors, type Colors } from '../terminal/color.js';
import type { Io } from '../terminal/io.js';
import type { Change } from '../write/changes.js';
import { InvalidSpecsError, planGen, writePlan, type GenPlan, type PlanOptions } from '../write/gen-plan.js';
import type { DiagnosticFormat } from './command.js';

/** Plans gen; when the specs have errors, prints them and returns undefined (the command exits 1). */
export function planOrReport(io: Io, paths: readonly string[], options: PlanOptions, format: DiagnosticFormat, edited?: SpecSource): GenPlan | undefined {
  try {
    const plan = planGen(io, paths, options, edited);
    if (plan.warnings > 0 && format === 'text') io.stderr(`${plan.warnings} warning(s) in the specs: run \`groundwork validate\` to see them.\n`);
    return plan;
  } catch (error) {
    if (!(error instanceof InvalidSpecsError)) throw error;
    reportInvalidSpecs(io, error, format);
    return undefined;
  }
}

function reportInvalidSpecs(io: Io, error: InvalidSpecsError, format: DiagnosticFormat): void {
  const files = error.sources.map((s) => s.file);
  if (format === 'json') io.stdout(formatJson(error.diagnostics, files, false));
  else if (format === 'github') io.stdout(formatGithub(error.diagnostics));
  else {
    const colors = stdoutColors(io);
    io.stdout(
      `${formatText(error.diagnostics, new Map(error.sources.map((s) => [s.file, s.text])), colors)}\n${summaryLine(summarize(error.diagnostics, files.length), colors)}\n`,
    );
    io.stderr('Nothing was generated: fix the spec errors above and run `groundwork gen` again.\n');
  }
}

/** Prints the plan's changes and a summary; writes them unless `dry`. */
export function listAndWrite(io: Io, plan: GenPlan, dry: boolean): void {
  const colors = stdoutColors(io);
  io.stdout(listing(plan.changes, colors));
  if (!dry) writePlan(plan);
  io.stdout(`${summary(plan.changes, dry, colors)}\n`);
}

const LABELS: Record<Change['action'], string> = { create: 'create', update: 'update', delete: 'delete', keep: 'keep', user: 'yours', orphan: 'orphan' };

function listing(changes: readonly Change[], c: Colors): string {
  const lines = changes
    .filter((ch) => ch.action !== 'keep' && ch.action !== 'user')
    .map((ch) => {
      const label = LABELS[ch.action].padEnd(7);
      const painted = ch.action === 'delete' ? c.red(label) : ch.action === 'orphan' ? c.yellow(label) : c.green(label);
      const note = ch.action === 'orphan' ? c.dim('  no longer in the spec; yours to delete or keep') : '';
      return `${painted} ${ch.path}${note}\n`;
    });
  return lines.join('');
}

export function counts(changes: readonly Change[]): Record<Change['action'], number> {
  const out: Record<Change['action'], number> = { create: 0, update: 0, delete: 0, keep: 0, user: 0, orphan: 0 };
  for (const ch of changes) out[ch.action]++;
  return out;
}

function summary(changes: readonly Change[], dry: boolean, c: Colors): string {
  const n = counts(changes);
  const written = n.create + n.update + n.delete;
  const kept = `${n.keep} unchanged, ${n.user} of yours kept`;
  if (written === 0) return `${c.green('✓')} nothing to write: ${kept}`;
  const parts = `${n.create} to create, ${n.update} to update, ${n.delete} to delete`;
  return dry
    ? `dry run, nothing written: ${parts}; ${kept}`
    : `${c.green('✓')} ${parts.replace(/to (create|update|delete)/g, (_, v: string) => `${v}d`)}; ${kept}`;
}

export function diffs(changes: readonly Change[]): string {
  return changes
    .map((ch) => createTwoFilesPatch(`a/${ch.path}`, `b/${ch.path}`, ch.before ?? '', ch.after ?? '', undefined, undefined, { context: 3 }))
    .join('');
}
