/**
 * The front end of the compiler: spec sources in, positioned diagnostics and (when there are no
 * errors) the normalized model out. Pure: no file system access.
 */
import { compareDiagnostics, severityOf, type Diagnostic, type Finding } from '../spec/diagnostics.js';
import { parseSpec, type ParsedSpec, type SpecSource } from '../spec/load.js';
import { toDiagnostic } from '../spec/locate.js';
import { checkShape } from '../spec/shape.js';
import { buildProject } from './build.js';
import { checkBreakingChanges } from './compat/breaking.js';
import { checkMeaning, type SpecFile } from './check.js';
import type { Project } from './model.js';

export interface CompileResult {
  /** Sorted by file, line and column. */
  readonly diagnostics: readonly Diagnostic[];
  /** Present when no diagnostic is an error. */
  readonly project?: Project;
  /** The files that passed the shape check: what `--against` compares. */
  readonly specs: readonly SpecFile[];
}

export interface CompileOptions {
  /** Older specs to compare with: breaking changes are reported when the current specs have no errors. */
  readonly against?: readonly SpecFile[];
}

export function compileProject(sources: readonly SpecSource[], options: CompileOptions = {}): CompileResult {
  const findings: Finding[] = [];
  const parsedByFile = new Map<string, ParsedSpec>();
  const shaped: SpecFile[] = [];
  for (const source of sources) {
    const { parsed, findings: parseFindings } = parseSpec(source);
    findings.push(...parseFindings);
    if (parsed === undefined) continue;
    parsedByFile.set(source.file, parsed);
    if (parsed.value === undefined) continue;
    const { spec, findings: shapeFindings } = checkShape(source.file, parsed.value);
    findings.push(...shapeFindings);
    if (spec !== undefined) shaped.push({ file: source.file, spec });
  }
  findings.push(...checkMeaning(shaped));
  if (options.against !== undefined && !findings.some((f) => severityOf(f.code) === 'error')) findings.push(...checkBreakingChanges(options.against, shaped));

  const textByFile = new Map(sources.map((s) => [s.file, s.text]));
  const diagnostics = findings
    .map((f) => {
      const parsed = parsedByFile.get(f.file);
      return toDiagnostic(f, parsed ? { doc: parsed.doc, lines: parsed.lines, text: parsed.source.text } : { text: textByFile.get(f.file) ?? '' });
    })
    .sort(compareDiagnostics);
  const hasErrors = diagnostics.some((d) => d.severity === 'error');
  return hasErrors ? { diagnostics, specs: shaped } : { diagnostics, project: buildProject(shaped), specs: shaped };
}
