/**
 * Reading one spec file: YAML with positions, plus the safety limits that keep hostile input
 * from hanging the tool or polluting objects.
 */
import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseAllDocuments, type Document, type Node } from 'yaml';
import { finding, type Finding, type PathSegment } from './diagnostics.js';

export const MAX_FILE_BYTES = 1024 * 1024;
export const MAX_DEPTH = 64;
export const MAX_ALIAS_COUNT = 100;

/** The one key that changes an object's prototype when plain data becomes JS objects. */
const PROTO_KEY = '__proto__';

export interface SpecSource {
  /** The path shown to people: relative to the working folder, with `/` separators. */
  readonly file: string;
  readonly text: string;
}

export interface ParsedSpec {
  readonly source: SpecSource;
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
  /** The document as plain data, or undefined when it could not be converted safely. */
  readonly value: unknown;
}

export interface ParseResult {
  readonly parsed?: ParsedSpec;
  readonly findings: Finding[];
}

export function parseSpec(source: SpecSource): ParseResult {
  const { file, text } = source;
  if (Buffer.byteLength(text, 'utf8') > MAX_FILE_BYTES) {
    return {
      findings: [
        {
          ...finding('GW0003', file, [], `file is larger than ${MAX_FILE_BYTES} bytes`, { hint: 'split the context into several spec files' }),
          offsets: [0, 0],
        },
      ],
    };
  }
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, schema: 'core', merge: false, strict: true });
  const all = Array.isArray(docs) ? docs : [];
  const doc = all[0];
  if (doc === undefined) {
    return {
      findings: [{ ...finding('GW0006', file, [], 'the file holds no YAML document', { hint: 'start the file with `groundwork: 1`' }), offsets: [0, 0] }],
    };
  }
  const findings: Finding[] = [];
  for (const extra of all.slice(1)) {
    const start = extra.range[0];
    findings.push({
      ...finding('GW0007', file, [], 'a spec file holds exactly one YAML document', {
        hint: 'remove the `---` separator and move the second document to its own file',
      }),
      offsets: [start, start + 3],
    });
  }
  for (const error of doc.errors) findings.push(yamlErrorFinding(file, text, error.code, error.message, error.pos));
  if (doc.errors.length > 0) return { parsed: { source, doc, lines, value: undefined }, findings };

  const deep = firstTooDeep(doc.contents);
  if (deep !== undefined) {
    const start = deep.range?.[0] ?? 0;
    findings.push({
      ...finding('GW0004', file, [], `the YAML nests deeper than ${MAX_DEPTH} levels`, { hint: 'flatten the structure; no valid spec nests this deep' }),
      offsets: [start, start + 1],
    });
    return { parsed: { source, doc, lines, value: undefined }, findings };
  }
  findings.push(...prototypeKeyFindings(file, doc));

  let value: unknown;
  try {
    value = stripPrototypeKeys(doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }));
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    findings.push({
      ...finding('GW0005', file, [], 'anchors and aliases expand past the safety limit', { hint: `use fewer aliases (at most ${MAX_ALIAS_COUNT} expansions)` }),
      offsets: [0, 0],
    });
    return { parsed: { source, doc, lines, value: undefined }, findings };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const start = doc.contents?.range[0] ?? 0;
    findings.push({
      ...finding('GW0006', file, [], 'the top level of a spec must be a mapping', { hint: 'start the file with `groundwork: 1` and `context: <name>`' }),
      offsets: [start, start + 1],
    });
    return { parsed: { source, doc, lines, value: undefined }, findings };
  }
  return { parsed: { source, doc, lines, value }, findings };
}

function yamlErrorFinding(file: string, source: string, code: string, message: string, pos: [number, number]): Finding {
  const text = (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
  if (code === 'DUPLICATE_KEY') {
    const key = /^[^:\n]*/.exec(source.slice(pos[0]))![0].trimEnd();
    return {
      ...finding('GW0002', file, [], `duplicate key ${JSON.stringify(key)}: a mapping may hold each key only once`, {
        hint: 'remove or rename one of the two keys',
      }),
      offsets: [pos[0], pos[0] + Math.max(1, key.length)],
    };
  }
  if (/call stack/i.test(text)) {
    return {
      ...finding('GW0004', file, [], `the YAML nests deeper than ${MAX_DEPTH} levels`, { hint: 'flatten the structure; no valid spec nests this deep' }),
      offsets: pos,
    };
  }
  return { ...finding('GW0001', file, [], `YAML syntax: ${lowerFirst(text)}`, { hint: yamlHint(code) }), offsets: pos };
}

function yamlHint(code: string): string {
  switch (code) {
    case 'TAB_AS_INDENT':
      return 'indent with spaces, never tabs';
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
    case 'UNEXPECTED_TOKEN':
      return 'check the indentation: items of one mapping start in the same column';
    case 'MISSING_CLOSE':
      return 'close the quote or bracket that was opened';
    default:
      return 'fix the YAML syntax at this position';
  }
}

function lowerFirst(text: string): string {
  return text.length === 0 ? text : text[0]!.toLowerCase() + text.slice(1);
}

/** The first node nested deeper than MAX_DEPTH, found without recursion. */
function firstTooDeep(root: Node | null): Node | undefined {
  if (root === null) return undefined;
  const stack: Array<{ node: Node; depth: number }> = [{ node: root, depth: 1 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (depth > MAX_DEPTH) return node;
    for (const child of childrenOf(node)) stack.push({ node: child, depth: depth + 1 });
  }
  return undefined;
}

function childrenOf(node: Node): Node[] {
  if (isMap(node)) {
    const out: Node[] = [];
    for (const pair of node.items) {
      if (isPair(pair) && pair.value !== null && typeof pair.value === 'object') out.push(pair.value as Node);
    }
    return out;
  }
  if (isSeq(node)) return node.items.filter((item): item is Node => item !== null && typeof item === 'object');
  return [];
}

/** Reports every `__proto__` key, wherever it stands. */
function prototypeKeyFindings(file: string, doc: Document.Parsed): Finding[] {
  const out: Finding[] = [];
  const stack: Array<{ node: Node; path: PathSegment[] }> = doc.contents === null ? [] : [{ node: doc.contents, path: [] }];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
        if (key !== undefined && key === PROTO_KEY) {
          const range = isScalar(pair.key) ? pair.key.range : undefined;
          out.push({
            ...finding('GW1031', file, [...path, key], `"${PROTO_KEY}" is reserved: it would change the prototype of the objects built from this spec`, {
              at: 'key',
              hint: 'choose another name',
            }),
            ...(range ? { offsets: [range[0], range[1]] as const } : {}),
          });
        } else if (key !== undefined && pair.value !== null && typeof pair.value === 'object' && !isAlias(pair.value)) {
          stack.push({ node: pair.value as Node, path: [...path, key] });
        }
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => {
        if (item !== null && typeof item === 'object' && !isAlias(item)) stack.push({ node: item as Node, path: [...path, index] });
      });
    }
  }
  return out;
}

/** Drops `__proto__` keys (already reported) so no later stage can be tricked by them. */
function stripPrototypeKeys(value: unknown): unknown {
  const stack: unknown[] = [value];
  const seen = new Set<unknown>();
  while (stack.length > 0) {
    const current = stack.pop();
    if (current === null || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    if (Object.prototype.hasOwnProperty.call(current, PROTO_KEY)) {
      delete (current as Record<string, unknown>)[PROTO_KEY];
    }
    for (const child of Object.values(current)) stack.push(child);
  }
  return value;
}
