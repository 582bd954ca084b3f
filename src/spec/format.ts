/** Printing diagnostics: a human format with code frames, JSON, and GitHub annotations. */
import type { Colors } from '../terminal/color.js';
import { countBySeverity, type Diagnostic } from './diagnostics.js';

export const JSON_SCHEMA_VERSION = 1;

export function formatText(diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, string>, c: Colors): string {
  return diagnostics.map((d) => formatOne(d, sources.get(d.file), c)).join('\n');
}

function formatOne(d: Diagnostic, text: string | undefined, c: Colors): string {
  const severity = d.severity === 'error' ? c.red('error') : c.yellow('warning');
  const head = `${c.bold(`${d.file}:${d.line}:${d.column}`)} ${severity} ${c.dim(d.code)} ${d.message}`;
  const lines = [head];
  if (text !== undefined) lines.push(...codeFrame(d, text, c));
  if (d.hint !== undefined) lines.push(`  ${c.cyan('hint:')} ${d.hint}`);
  return `${lines.join('\n')}\n`;
}

const MAX_FRAME_WIDTH = 160;

/** The line before the finding, its own line, and carets under the span (one line of it). */
function codeFrame(d: Diagnostic, text: string, c: Colors): string[] {
  const all = text.split(/\r?\n/);
  const first = Math.max(1, d.line - 1);
  const last = Math.min(all.length, d.line);
  const gutter = String(last).length + 3;
  const out: string[] = [];
  for (let n = first; n <= last; n++) {
    const content = printable(all[n - 1] ?? '');
    out.push(`${String(n).padStart(gutter)} | ${content.slice(0, MAX_FRAME_WIDTH)}`);
  }
  const lineText = all[d.line - 1] ?? '';
  const endColumn = d.end.line === d.line ? d.end.column : lineText.length + 1;
  const start = Math.min(d.column, MAX_FRAME_WIDTH);
  const width = Math.max(1, Math.min(endColumn, MAX_FRAME_WIDTH + 1) - start);
  out.push(`${' '.repeat(gutter)} | ${' '.repeat(start - 1)}${c.red('^'.repeat(width))}`);
  return out;
}

/** Shows control and invisible characters as escapes so the frame lines up and cannot be spoofed. */
function printable(line: string): string {
  return line
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]/gu, (ch) => `\\u{${ch.codePointAt(0)!.toString(16)}}`)
    .replace(/\t/g, ' ');
}

export interface Summary {
  readonly files: number;
  readonly errors: number;
  readonly warnings: number;
}

export function summarize(diagnostics: readonly Diagnostic[], files: number): Summary {
  return { files, ...countBySeverity(diagnostics) };
}

export function summaryLine(s: Summary, c: Colors): string {
  const files = `${s.files} spec file${s.files === 1 ? '' : 's'}`;
  if (s.errors === 0 && s.warnings === 0) return `${c.green('✓')} ${files} valid`;
  const parts = [];
  if (s.errors > 0) parts.push(c.red(`${s.errors} error${s.errors === 1 ? '' : 's'}`));
  if (s.warnings > 0) parts.push(c.yellow(`${s.warnings} warning${s.warnings === 1 ? '' : 's'}`));
  return `${parts.join(', ')} in ${files}`;
}

export function formatJson(diagnostics: readonly Diagnostic[], files: readonly string[], ok: boolean): string {
  const document = {
    schemaVersion: JSON_SCHEMA_VERSION,
    ok,
    summary: summarize(diagnostics, files.length),
    files,
    diagnostics: diagnostics.map((d) => ({
      code: d.code,
      severity: d.severity,
      message: d.message,
      file: d.file,
      line: d.line,
      column: d.column,
      end: d.end,
      path: d.path,
      ...(d.hint === undefined ? {} : { hint: d.hint }),
    })),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** GitHub Actions workflow commands: one annotation per diagnostic. */
export function formatGithub(diagnostics: readonly Diagnostic[]): string {
  return diagnostics
    .map((d) => {
      const kind = d.severity === 'error' ? 'error' : 'warning';
      const props = [
        `file=${escapeProperty(d.file)}`,
        `line=${d.line}`,
        `col=${d.column}`,
        `endLine=${d.end.line}`,
        `endColumn=${d.end.column}`,
        `title=${escapeProperty(d.code)}`,
      ].join(',');
      const message = d.hint === undefined ? d.message : `${d.message} (${d.hint})`;
      return `::${kind} ${props}::${escapeData(`${d.code} ${message}`)}\n`;
    })
    .join('');
}

function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
