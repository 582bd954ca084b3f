/**
 * Planning and writing gen: compile the specs, plan the project, compare the plan with the output
 * folder, and apply the changes. Prints nothing; reporting is the caller's.
 */
import { resolve } from 'node:path';
import { requiredExports, type RequiredExport } from '../emit/exports.js';
import { planProject } from '../emit/index.js';
import { MANIFEST_FILE } from '../emit/layout.js';
import type { PlannedFile } from '../emit/plan.js';
import { compileProject } from '../model/project.js';
import { countBySeverity, type Diagnostic } from '../spec/diagnostics.js';
import type { SpecSource } from '../spec/load.js';
import { findSpecFiles, readSources } from '../spec/sources.js';
import { CliError } from '../terminal/errors.js';
import { version } from '../version.js';
import { computeChanges, type Change, type Disk, type ManifestEntry } from './changes.js';
import { applyChanges, diskAt, inside } from './disk.js';
import { manifestFile, readManifest } from './manifest.js';
import { inputsFingerprint } from './fingerprint.js';
import { saveGenCache, unchangedPlan } from './gen-cache.js';
import type { Project } from '../model/model.js';

export interface PlanOptions {
  /** The project folder, relative to `cwd`. */
  readonly out: string;
  /** Scaffolded files to overwrite. */
  readonly force: readonly string[];
}

export interface GenPlan {
  readonly root: string;
  readonly changes: readonly Change[];
  /** The exports your files must have (computed on demand: a cached plan did not build the model). */
  required(): readonly RequiredExport[];
  /** Warnings in the specs (they do not stop gen). */
  readonly warnings: number;
  /** The inputs' fingerprint, recorded in gen's cache once the plan is written. */
  readonly fingerprint: string;
  /** Whether the cache vouched that nothing changed, so the specs were not compiled. */
  readonly fromCache: boolean;
}

/** The specs have errors: nothing can be planned. */
export class InvalidSpecsError extends Error {
  readonly diagnostics: readonly Diagnostic[];
  readonly sources: readonly SpecSource[];

  constructor(diagnostics: readonly Diagnostic[], sources: readonly SpecSource[]) {
    super(`the specs have ${countBySeverity(diagnostics).errors} error(s)`);
    this.name = 'InvalidSpecsError';
    this.diagnostics = diagnostics;
    this.sources = sources;
  }
}

/**
 * Compiles the specs under `cwd` (or `paths`) and compares the plan with the output folder. Writes
 * nothing. `edited` stands in for the file of the same name (what `gen slice --dry-run` previews).
 * Throws InvalidSpecsError when the specs have errors.
 */
export function planGen(where: { readonly cwd: string }, paths: readonly string[], options: PlanOptions, edited?: SpecSource): GenPlan {
  const sources = readSources(where.cwd, findSpecFiles(where.cwd, paths)).map((s) => (edited !== undefined && s.file === edited.file ? edited : s));
  const root = resolve(where.cwd, options.out);
  const disk = diskAt(root);
  const fingerprint = inputsFingerprint(sources, options.out);
  const cached = edited === undefined && options.force.length === 0 ? unchangedPlan(root, fingerprint, disk) : undefined;
  if (cached !== undefined) return { root, ...cached, required: () => requiredExports(compiled(sources)), fingerprint, fromCache: true };
  const { diagnostics, project } = compileProject(sources);
  if (project === undefined) throw new InvalidSpecsError(diagnostics, sources);
  const planned = planProject(project);
  const previous = readManifest(disk.read(MANIFEST_FILE));
  const all = [...planned, manifestFile(planned, version(), orphansOf(planned, previous, disk))];
  checkForced(root, all, options.force);
  const changes = computeChanges(all, previous, disk, new Set(options.force));
  return { root, changes, required: () => requiredExports(project), warnings: countBySeverity(diagnostics).warnings, fingerprint, fromCache: false };
}

/** Applies the plan's creates, updates and deletions to its folder, and records what it left in gen's cache. */
export function writePlan(plan: GenPlan): void {
  applyChanges(plan.root, plan.changes);
  const disk = diskAt(plan.root);
  saveGenCache(plan.root, plan.fingerprint, plan.warnings, plan.changes, (path) => disk.read(path));
}

function compiled(sources: readonly SpecSource[]): Project {
  const { diagnostics, project } = compileProject(sources);
  if (project === undefined) throw new InvalidSpecsError(diagnostics, sources);
  return project;
}

/** Scaffolded files of an earlier run that the plan no longer has and that are still on disk. */
function orphansOf(planned: readonly PlannedFile[], previous: readonly ManifestEntry[], disk: Disk): string[] {
  const plannedPaths = new Set(planned.map((f) => f.path));
  return previous.filter((e) => e.ownership === 'scaffolded' && !plannedPaths.has(e.path) && disk.read(e.path) !== undefined).map((e) => e.path);
}

function checkForced(root: string, all: readonly PlannedFile[], force: readonly string[]): void {
  for (const path of force) {
    inside(root, path);
    if (!all.some((f) => f.path === path && f.ownership === 'scaffolded')) {
      throw new CliError('GW9001', `--force ${path}: not a file gen scaffolds`, {
        hint: 'name a scaffolded file as listed by `groundwork gen --dry-run`, relative to --out',
      });
    }
  }
}
