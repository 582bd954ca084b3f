import { severityOf, type Code, type Severity } from './codes.js';

export type PathSegment = string | number;
export type Path = readonly PathSegment[];

/** A problem found in a spec, addressed by its path in the document; positions come later. */
export interface Finding {
  readonly code: Code;
  readonly message: string;
  readonly file: string;
  readonly path: Path;
  /** Point at the mapping key of the node at `path` rather than at its value. */
  readonly at: 'key' | 'value';
  readonly hint?: string;
  /** Byte offsets, when the finding is known by position rather than by path (YAML syntax). */
  readonly offsets?: readonly [number, number];
}

export interface Position {
  readonly line: number;
  readonly column: number;
}

/** A finding placed in its file: what every output format prints. */
export interface Diagnostic {
  readonly code: Code;
  readonly severity: Severity;
  readonly message: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly end: Position;
  readonly path: PathSegment[];
  readonly hint?: string;
}

export function finding(code: Code, file: string, path: Path, message: string, options: { at?: 'key' | 'value'; hint?: string | undefined } = {}): Finding {
  const base = { code, file, path, message, at: options.at ?? 'value' };
  return options.hint === undefined ? base : { ...base, hint: options.hint };
}

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return (
    a.line - b.line || a.column - b.column || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0) || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0)
  );
}

export function countBySeverity(diagnostics: readonly Diagnostic[]): { errors: number; warnings: number } {
  let errors = 0;
  for (const d of diagnostics) if (d.severity === 'error') errors++;
  return { errors, warnings: diagnostics.length - errors };
}

export { severityOf };
