/**
 * `gen --check --deep`: reads the user-owned files with ts-morph and reports each export the wiring
 * imports but cannot find, at the place a misnamed one stands, instead of leaving the user to
 * decode a compiler error in a generated file.
 */
import { Project as TsProject } from 'ts-morph';
import type { RequiredExport } from '../emit/exports.js';
import { closest } from '../spec/suggest.js';
import { inside } from './disk.js';

export interface MissingExport {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly name: string;
  readonly importedBy: string;
  readonly hint: string;
}

export function findMissingExports(root: string, required: readonly RequiredExport[]): MissingExport[] {
  const project = new TsProject({ skipAddingFilesFromTsConfig: true, skipFileDependencyResolution: true, compilerOptions: { allowJs: false } });
  const missing: MissingExport[] = [];
  for (const { path, name, importedBy } of required) {
    const source = project.addSourceFileAtPathIfExists(inside(root, path));
    if (source === undefined) {
      missing.push({ file: path, line: 1, column: 1, name, importedBy, hint: 'the file is missing: run `groundwork gen` to scaffold it again' });
      continue;
    }
    const exported = source.getExportedDeclarations();
    if (exported.has(name)) continue;
    // A user file exists for one export, so a lone export is the misnamed one even when far off.
    const near = closest(name, exported.keys()) ?? (exported.size === 1 ? [...exported.keys()][0] : undefined);
    const node = near === undefined ? undefined : exported.get(near)?.[0];
    const position = node === undefined ? { line: 1, column: 1 } : source.getLineAndColumnAtPos(node.getStart());
    const hint = near !== undefined ? `rename "${near}" to "${name}"` : `export a declaration named "${name}"`;
    missing.push({ file: path, line: position.line, column: position.column, name, importedBy, hint });
  }
  return missing;
}
