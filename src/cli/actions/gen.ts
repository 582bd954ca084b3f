/** `groundwork gen`: plan, then write, list, diff or check; loaded when gen runs. */
import { stdoutColors, type Colors } from '../../terminal/color.js';
import type { Io } from '../../terminal/io.js';
import { isDrift, type Change } from '../../write/changes.js';
import type { MissingExport } from '../../write/deep.js';
import { writePlan, type GenPlan } from '../../write/gen-plan.js';
import type { DiagnosticFormat } from '../command.js';
import { counts, diffs, listAndWrite, planOrReport } from '../gen-report.js';

export interface GenOptions {
  readonly out: string;
  readonly dryRun: boolean;
  readonly diff: boolean;
  readonly check: boolean;
  readonly deep: boolean;
  readonly force: readonly string[];
  readonly format: DiagnosticFormat;
}

export async function genCommand(io: Io, paths: readonly string[], options: GenOptions): Promise<number> {
  const plan = planOrReport(io, paths, options, options.format);
  if (plan === undefined) return 1;
  if (options.check) return reportCheck(io, plan, options, stdoutColors(io));
  const dry = options.dryRun || options.diff;
  if (options.format === 'json') {
    io.stdout(`${JSON.stringify(jsonReport(plan, dry), null, 2)}\n`);
    if (!dry) writePlan(plan);
    return 0;
  }
  if (options.diff) io.stdout(diffs(plan.changes.filter(isDrift)));
  listAndWrite(io, plan, dry);
  return 0;
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

/** Your files' missing exports; ts-morph is loaded only here, for --deep. */
async function missingExports(plan: GenPlan): Promise<MissingExport[]> {
  const { findMissingExports } = await import('../../write/deep.js');
  return findMissingExports(
    plan.root,
    plan.required().filter((r) => plan.changes.some((ch) => ch.path === r.path && ch.action === 'user')),
  );
}

async function reportCheck(io: Io, plan: GenPlan, options: GenOptions, c: Colors): Promise<number> {
  const missing = options.deep ? await missingExports(plan) : [];
  const drifted = reportDrift(io, plan, options, c, missing);
  for (const m of missing) {
    if (options.format === 'github')
      io.stdout(
        `::error file=${m.file},line=${m.line},col=${m.column},title=GW2001::GW2001 missing export "${m.name}" imported by ${m.importedBy} (${m.hint})\n`,
      );
    else if (options.format === 'text')
      io.stdout(
        `${c.bold(`${m.file}:${m.line}:${m.column}`)} ${c.red('error')} ${c.dim('GW2001')} missing export "${m.name}", imported by ${m.importedBy}\n  ${c.cyan('hint:')} ${m.hint}\n`,
      );
  }
  if (missing.length > 0) io.stderr(`${missing.length} export(s) missing from your files: fix them so the generated wiring compiles.\n`);
  if (drifted || missing.length > 0) return 1;
  if (options.format === 'text')
    io.stdout(
      `${c.green('✓')} generated code is up to date (${plan.changes.length} files)${options.deep ? ', and your files export what the wiring imports' : ''}\n`,
    );
  return 0;
}

function describeDrift(ch: Change): string {
  if (ch.action === 'create') return ch.ownership === 'scaffolded' ? 'is missing (the wiring imports it)' : 'is missing';
  if (ch.action === 'delete') return 'is stale: the spec no longer produces it';
  return 'differs from what `groundwork gen` writes (generated files are not edited by hand)';
}

function reportDrift(io: Io, plan: GenPlan, options: GenOptions, c: Colors, missing: readonly MissingExport[]): boolean {
  const drift = plan.changes.filter(isDrift);
  const orphans = plan.changes.filter((ch) => ch.action === 'orphan');
  if (options.format === 'json') {
    const document = {
      schemaVersion: 1,
      ok: drift.length === 0 && missing.length === 0,
      drift: drift.map((ch) => ({ path: ch.path, action: ch.action, ownership: ch.ownership, message: describeDrift(ch) })),
      orphans: orphans.map((ch) => ch.path),
      missingExports: missing.map((m) => ({
        code: 'GW2001',
        file: m.file,
        line: m.line,
        column: m.column,
        name: m.name,
        importedBy: m.importedBy,
        hint: m.hint,
      })),
    };
    io.stdout(`${JSON.stringify(document, null, 2)}\n`);
  } else if (options.format === 'github') {
    for (const ch of drift) io.stdout(`::error file=${ch.path},line=1,col=1::${ch.path} ${describeDrift(ch)}. Run groundwork gen and commit the result.\n`);
    for (const ch of orphans) io.stdout(`::warning file=${ch.path},line=1,col=1::${ch.path} is no longer produced by the spec\n`);
  } else {
    for (const ch of drift) io.stdout(`${c.red('drift')}  ${ch.path} ${describeDrift(ch)}\n`);
    for (const ch of orphans) io.stdout(`${c.yellow('orphan')} ${ch.path} is no longer produced by the spec; it is yours to delete\n`);
    if (drift.length > 0) io.stdout(`\n${diffs(drift)}`);
  }
  if (drift.length > 0) io.stderr(`${drift.length} file(s) out of date. Run \`groundwork gen\` and commit the result.\n`);
  return drift.length > 0;
}
