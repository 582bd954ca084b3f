/** Turns findings (addressed by document path) into diagnostics (addressed by line and column). */
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair } from 'yaml';
import { severityOf, type Diagnostic, type Finding, type Path, type Position } from './diagnostics.js';

type Range = readonly [number, number];

/**
 * The source range of the node at `path`, or of its key when `at` is 'key'. A path that leaves the
 * document (a missing key) resolves to the key of the deepest mapping entry that exists.
 */
export function rangeOf(doc: Document.Parsed, path: Path, at: 'key' | 'value'): Range {
  let node: unknown = doc.contents;
  let pair: Pair | undefined;
  let complete = true;
  for (const segment of path) {
    const resolved = isAlias(node) ? node.resolve(doc) : node;
    const next = step(resolved, segment);
    if (next === undefined) {
      complete = false;
      break;
    }
    node = next.node;
    pair = next.pair;
  }
  const keyNode = pair !== undefined && isScalar(pair.key) ? pair.key : undefined;
  if ((at === 'key' || !complete) && keyNode?.range) return [keyNode.range[0], keyNode.range[1]];
  const valueRange = (node as Node | null | undefined)?.range;
  if (valueRange) return [valueRange[0], valueRange[1]];
  if (keyNode?.range) return [keyNode.range[0], keyNode.range[1]];
  const start = doc.contents?.range[0] ?? 0;
  return [start, start];
}

function step(node: unknown, segment: string | number): { node: unknown; pair?: Pair } | undefined {
  if (isMap(node)) {
    const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
    return pair === undefined ? undefined : { node: pair.value, pair: pair as Pair };
  }
  if (isSeq(node) && typeof segment === 'number') {
    const item: unknown = node.items[segment];
    return item === undefined ? undefined : { node: item };
  }
  return undefined;
}

export interface Located {
  readonly doc?: Document.Parsed;
  readonly lines?: LineCounter;
  readonly text: string;
}

export function toDiagnostic(f: Finding, source: Located): Diagnostic {
  const [start, end] = f.offsets ?? (source.doc ? rangeOf(source.doc, f.path, f.at) : [0, 0]);
  const from = position(source, start);
  const to = position(source, Math.max(end, start));
  const base: Diagnostic = {
    code: f.code,
    severity: severityOf(f.code),
    message: f.message,
    file: f.file,
    line: from.line,
    column: from.column,
    end: to,
    path: [...f.path],
  };
  return f.hint === undefined ? base : { ...base, hint: f.hint };
}

function position(source: Located, offset: number): Position {
  const clamped = Math.max(0, Math.min(offset, source.text.length));
  if (source.lines) {
    const { line, col } = source.lines.linePos(clamped);
    return { line: Math.max(1, line), column: Math.max(1, col) };
  }
  const before = source.text.slice(0, clamped);
  const line = before.split('\n').length;
  return { line, column: clamped - before.lastIndexOf('\n') };
}
