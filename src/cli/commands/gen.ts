import { resolve } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { requiredExports, type RequiredExport } from '../../emit/exports.js';
import { planProject } from '../../emit/index.js';
import { MANIFEST_FILE } from '../../emit/layout.js';
import { compileProject } from '../../model/project.js';
import { countBySeverity } from '../../spec/diagnostics.js';
import { formatGithub, formatJson, formatText, summarize, summaryLine } from '../../spec/format.js';
import { computeChanges, isDrift, type Change } from '../../write/changes.js';
import { findMissingExports, type MissingExport } from '../../write/deep.js';
import { applyChanges, diskAt, inside } from '../../write/disk.js';
import { manifestFile, readManifest } from '../../write/manifest.js';
import { colorEnabled, createColors, type Colors } from '../color.js';
import { CliError } from '../errors.js';
import type { Io } from '../io.js';
import type { SpecSource } from '../../spec/load.js';
import { findSpecFiles, readSources } from '../sources.js';
import { version } from '../version.js';
import type { DiagnosticFormat } from './validate.js';

export interface GenOptions {
  readonly out: string;
  readonly dryRun: boolean;
  readonly diff: boolean;
  readonly check: boolean;
  readonly deep: boolean;
  readonly force: readonly string[];
  readonly format: DiagnosticFormat;
}

export interface GenPlan {
  readonly root: string;
  readonly changes: readonly Change[];
  readonly required: readonly RequiredExport[];
}

/**
 * Compiles the specs and compares the plan with the output folder. Writes nothing. `edited`
 * stands in for the file of the same name (what `gen slice --dry-run` previews).
 */
export function planGen(io: Io, paths: readonly string[], options: Pick<GenOptions, 'out' | 'force' | 'format'>, edited?: SpecSource): GenPlan | number {
  const sources = readSources(io.cwd, findSpecFiles(io.cwd, paths)).map((s) => (edited !== undefined && s.file === edited.file ? edited : s));
  const { diagnostics, project } = compileProject(sources);
  if (project === undefined) {
    const files = sources.map((s) => s.file);
    if (options.format === 'json') io.stdout(formatJson(diagnostics, files, false));
    else if (options.format === 'github') io.stdout(formatGithub(diagnostics));
    else {
      const colors = createColors(colorEnabled(io.env, io.stdoutIsTTY));
      io.stdout(`${formatText(diagnostics, new Map(sources.map((s) => [s.file, s.text])), colors)}\n${summaryLine(summarize(diagnostics, files.length), colors)}\n`);
      io.stderr('Nothing was generated: fix the spec errors above and run `groundwork gen` again.\n');
    }
    return 1;
  }
  if (countBySeverity(diagnostics).warnings > 0 && options.format === 'text') {
    io.stderr(`${countBySeverity(diagnostics).warnings} warning(s) in the specs: run \`groundwork validate\` to see them.\n`);
  }
  const root = resolve(io.cwd, options.out);
  const planned = planProject(project);
  const disk = diskAt(root);
  const previous = readManifest(disk.read(MANIFEST_FILE));
  const plannedPaths = new Set(planned.map((f) => f.path));
  const orphans = previous.filter((e) => e.ownership === 'scaffolded' && !plannedPaths.has(e.path) && disk.read(e.path) !== undefined).map((e) => e.path);
  const all = [...planned, manifestFile(planned, version(), orphans)];
  for (const path of options.force) {
    inside(root, path);
    if (!all.some((f) => f.path === path && f.ownership === 'scaffolded')) {
      throw new CliError('GW9001', `--force ${path}: not a file gen scaffolds`, { hint: 'name a scaffolded file as listed by `groundwork gen --dry-run`, relative to --out' });
    }
  }
  const changes = computeChanges(all, previous, disk, new Set(options.force));
  return { root, changes, required: requiredExports(project) };
}

/** Prints the plan's changes and a summary; writes them unless `dry`. */
export function writePlan(io: Io, plan: GenPlan, dry: boolean): void {
  const colors = createColors(colorEnabled(io.env, io.stdoutIsTTY));
  io.stdout(listing(plan.changes, colors));
  if (!dry) applyChanges(plan.root, plan.changes);
  io.stdout(`${summary(plan.changes, dry, colors)}\n`);
}

export function genCommand(io: Io, paths: readonly string[], options: GenOptions): number {
  const plan = planGen(io, paths, options);
  if (typeof plan === 'number') return plan;
  if (options.check) return reportCheck(io, plan, options, createColors(colorEnabled(io.env, io.stdoutIsTTY)));
  const dry = options.dryRun || options.diff;
  if (options.format === 'json') {
    io.stdout(`${JSON.stringify(jsonReport(plan, dry), null, 2)}\n`);
    if (!dry) applyChanges(plan.root, plan.changes);
    return 0;
  }
  if (options.diff) io.stdout(diffs(plan.changes.filter(isDrift)));
  writePlan(io, plan, dry);
  return 0;
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

function counts(changes: readonly Change[]): Record<Change['action'], number> {
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
  return dry ? `dry run, nothing written: ${parts}; ${kept}` : `${c.green('✓')} ${parts.replace(/to (create|update|delete)/g, (_, v: string) => `${v}d`)}; ${kept}`;
}

function diffs(changes: readonly Change[]): string {
  return changes.map((ch) => createTwoFilesPatch(`a/${ch.path}`, `b/${ch.path}`, ch.before ?? '', ch.after ?? '', undefined, undefined, { context: 3 })).join('');
}

function jsonReport(plan: GenPlan, dry: boolean) {
  return {
    schemaVersion: 1,
    ok: true,
    written: !dry,
    changes: plan.changes.map((ch) => ({ path: ch.path, action: ch.action, ownership: ch.ownership })),
    summary: counts(plan.changes),
  };
}

function reportCheck(io: Io, plan: GenPlan, options: GenOptions, c: Colors): number {
  const missing = options.deep ? findMissingExports(plan.root, plan.required.filter((r) => plan.changes.some((ch) => ch.path === r.path && ch.action === 'user'))) : [];
  const drifted = reportDrift(io, plan, options, c, missing);
  for (const m of missing) {
    if (options.format === 'github') io.stdout(`::error file=${m.file},line=${m.line},col=${m.column},title=GW2001::GW2001 missing export "${m.name}" imported by ${m.importedBy} (${m.hint})\n`);
    else if (options.format === 'text') io.stdout(`${c.bold(`${m.file}:${m.line}:${m.column}`)} ${c.red('error')} ${c.dim('GW2001')} missing export "${m.name}", imported by ${m.importedBy}\n  ${c.cyan('hint:')} ${m.hint}\n`);
  }
  if (missing.length > 0) io.stderr(`${missing.length} export(s) missing from your files: fix them so the generated wiring compiles.\n`);
  if (drifted || missing.length > 0) return 1;
  if (options.format === 'text') io.stdout(`${c.green('✓')} generated code is up to date (${plan.changes.length} files)${options.deep ? ', and your files export what the wiring imports' : ''}\n`);
  return 0;
}

function reportDrift(io: Io, plan: GenPlan, options: GenOptions, c: Colors, missing: readonly MissingExport[]): boolean {
  const drift = plan.changes.filter(isDrift);
  const orphans = plan.changes.filter((ch) => ch.action === 'orphan');
  const describe = (ch: Change) =>
    ch.action === 'create'
      ? ch.ownership === 'scaffolded' ? 'is missing (the wiring imports it)' : 'is missing'
      : ch.action === 'delete' ? 'is stale: the spec no longer produces it' : 'differs from what `groundwork gen` writes (generated files are not edited by hand)';
  if (options.format === 'json') {
    const document = {
      schemaVersion: 1,
      ok: drift.length === 0 && missing.length === 0,
      drift: drift.map((ch) => ({ path: ch.path, action: ch.action, ownership: ch.ownership, message: describe(ch) })),
      orphans: orphans.map((ch) => ch.path),
      missingExports: missing.map((m) => ({ code: 'GW2001', file: m.file, line: m.line, column: m.column, name: m.name, importedBy: m.importedBy, hint: m.hint })),
    };
    io.stdout(`${JSON.stringify(document, null, 2)}\n`);
  } else if (options.format === 'github') {
    for (const ch of drift) io.stdout(`::error file=${ch.path},line=1,col=1::${ch.path} ${describe(ch)}. Run groundwork gen and commit the result.\n`);
    for (const ch of orphans) io.stdout(`::warning file=${ch.path},line=1,col=1::${ch.path} is no longer produced by the spec\n`);
  } else {
    for (const ch of drift) io.stdout(`${c.red('drift')}  ${ch.path} ${describe(ch)}\n`);
    for (const ch of orphans) io.stdout(`${c.yellow('orphan')} ${ch.path} is no longer produced by the spec; it is yours to delete\n`);
    if (drift.length > 0) io.stdout(`\n${diffs(drift)}`);
  }
  if (drift.length > 0) io.stderr(`${drift.length} file(s) out of date. Run \`groundwork gen\` and commit the result.\n`);
  return drift.length > 0;
}
