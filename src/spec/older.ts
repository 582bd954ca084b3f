/**
 * The older specs `validate --against` compares with: spec files or folders on disk, or every
 * spec file of a git revision (read with `git show`, never checked out).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { CliError } from '../terminal/errors.js';
import type { SpecSource } from './load.js';
import { SPEC_SUFFIX, findSpecFiles, readSources } from './sources.js';

/** Files or folders when `against` names paths that exist; otherwise a git revision, such as `main` or `v1.2.0`. */
export function readOlderSpecs(cwd: string, against: readonly string[]): SpecSource[] {
  const onDisk = against.every((p) => existsSync(isAbsolute(p) ? p : resolve(cwd, p)));
  if (onDisk) return readSources(cwd, findSpecFiles(cwd, against));
  if (against.length !== 1)
    throw new CliError('GW9002', `cannot read ${against.join(', ')}: not files or folders`, { hint: 'pass older spec files, a folder, or one git revision' });
  return readAtRevision(cwd, against[0]!);
}

function readAtRevision(cwd: string, revision: string): SpecSource[] {
  if (revision.startsWith('-')) throw new CliError('GW9001', `${JSON.stringify(revision)} is not a git revision`, { hint: 'name a branch, tag or commit' });
  const listing = git(cwd, ['ls-tree', '-r', '--name-only', '--full-tree', revision, '--'], revision);
  const prefix = git(cwd, ['rev-parse', '--show-prefix'], revision).trim();
  const files = listing
    .split('\n')
    .filter((path) => path.endsWith(SPEC_SUFFIX) && path.startsWith(prefix))
    .sort();
  if (files.length === 0)
    throw new CliError('GW9003', `no ${SPEC_SUFFIX} files found at git revision ${revision}`, { hint: 'name a revision that has spec files' });
  return files.map((path) => ({ file: `${revision}:${path.slice(prefix.length)}`, text: git(cwd, ['show', `${revision}:${path}`], revision) }));
}

function git(cwd: string, args: readonly string[], revision: string): string {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = error instanceof Error && 'stderr' in error ? String(error.stderr).trim() : '';
    throw new CliError('GW9002', `cannot read the specs at git revision ${revision}${stderr === '' ? '' : `: ${stderr.split('\n')[0]}`}`, {
      hint: 'pass older spec files or a folder, or a branch, tag or commit of this repository',
    });
  }
}
