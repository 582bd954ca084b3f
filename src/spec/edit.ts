/**
 * Editing a spec in place for `groundwork gen slice`: the new command (and any new events) are
 * inserted as text after the last entry of their block, found with the yaml Document API, so
 * every other byte of the file, comments and formatting included, stays as it was.
 */
import { isMap, isScalar, parseDocument, stringify, type Pair, type YAMLMap } from 'yaml';

export interface SliceField {
  readonly name: string;
  readonly type: string;
  readonly optional: boolean;
}

export interface SliceRequest {
  readonly aggregate: string;
  readonly command: string;
  readonly input: readonly SliceField[];
  readonly emits: readonly string[];
  readonly allow: readonly string[] | 'public';
  readonly actors?: readonly string[] | undefined;
  readonly creates?: boolean | undefined;
  readonly undo?: string | undefined;
  readonly description?: string | undefined;
}

export type SliceEdit =
  | { readonly ok: true; readonly text: string; readonly newEvents: readonly string[] }
  | { readonly ok: false; readonly reason: 'no-aggregate' | 'exists' | 'layout'; readonly message: string };

/** `amount:integer,reason:string?` -> fields; the types are checked later by validate. */
export function parseFields(text: string): SliceField[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const [name = '', type = 'string'] = part.split(':').map((s) => s.trim());
      const optional = type.endsWith('?');
      return { name, type: optional ? type.slice(0, -1) : type, optional };
    });
}

/** `RenameTask` -> `TaskRenamed`: the event a command's name suggests. */
export function suggestedEvent(command: string): string {
  const words = command.match(/[A-Z][a-z0-9]*/g) ?? [command];
  const [verb = command, ...rest] = words;
  const past = verb.endsWith('e') ? `${verb}d` : verb.endsWith('y') ? `${verb.slice(0, -1)}ied` : `${verb}ed`;
  return `${rest.join('')}${past}`;
}

export function addSlice(text: string, request: SliceRequest): SliceEdit {
  const doc = parseDocument(text);
  const aggregate = doc.getIn(['aggregates', request.aggregate], true);
  if (!isMap(aggregate)) return { ok: false, reason: 'no-aggregate', message: `aggregate ${request.aggregate} is not declared in this file` };
  if (doc.hasIn(['aggregates', request.aggregate, 'commands', request.command])) {
    return { ok: false, reason: 'exists', message: `aggregate ${request.aggregate} already has a command ${request.command}` };
  }
  const newEvents = request.emits.filter((e) => !doc.hasIn(['aggregates', request.aggregate, 'events', e]));
  const lines = text.split('\n');
  const inserts: Array<{ after: number; block: string[] }> = [];
  for (const [section, entries] of [
    ['events', newEvents.map((e) => eventLines(e, request.input))],
    ['commands', [commandLines(request)]],
  ] as const) {
    if (entries.length === 0) continue;
    const place = blockEnd(aggregate as YAMLMap, section, lines);
    if (place === undefined)
      return {
        ok: false,
        reason: 'layout',
        message: `the ${section} of ${request.aggregate} are not a block mapping, so gen slice cannot add to them; add the command by hand`,
      };
    inserts.push({ after: place.lastLine, block: entries.flatMap((entry) => entry.map((l) => (l === '' ? l : place.indent + l))) });
  }
  for (const { after, block } of inserts.sort((a, b) => b.after - a.after)) lines.splice(after + 1, 0, ...block);
  return { ok: true, text: lines.join('\n'), newEvents };
}

/** The last line of a block mapping's entries, and the indentation of its keys. */
function blockEnd(aggregate: YAMLMap, section: string, lines: readonly string[]): { lastLine: number; indent: string } | undefined {
  const pair = aggregate.items.find((p) => isScalar(p.key) && p.key.value === section) as Pair | undefined;
  if (pair === undefined || !isMap(pair.value) || (pair.value as YAMLMap).flow === true || !isScalar(pair.key)) return undefined;
  const map = pair.value as YAMLMap;
  const first = map.items[0];
  if (first === undefined || !isScalar(first.key) || !first.key.range || !pair.key.range) return undefined;
  const keyLine = lineAt(lines, pair.key.range[0]);
  const keyIndent = indentOf(lines[keyLine] ?? '');
  const entryIndent = ' '.repeat(indentOf(lines[lineAt(lines, first.key.range[0])] ?? ''));
  let last = keyLine;
  for (let i = keyLine + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    if (indentOf(line) <= keyIndent) break;
    last = i;
  }
  return { lastLine: last, indent: entryIndent };
}

/** The index of the line that holds a character offset. */
function lineAt(lines: readonly string[], offset: number): number {
  let seen = 0;
  for (let i = 0; i < lines.length; i++) {
    seen += lines[i]!.length + 1;
    if (offset < seen) return i;
  }
  return lines.length - 1;
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

/** A YAML scalar as it would be written by hand: plain when safe, quoted otherwise. */
function scalar(value: string): string {
  return stringify(value).trimEnd();
}

function flowList(items: readonly string[]): string {
  return `[${items.map(scalar).join(', ')}]`;
}

function fieldLine(f: SliceField): string {
  return f.optional ? `${f.name}: { type: ${scalar(f.type)}, optional: true }` : `${f.name}: ${scalar(f.type)}`;
}

function eventLines(name: string, input: readonly SliceField[]): string[] {
  return input.length === 0 ? [`${name}: {}`] : [`${name}:`, ...input.map((f) => `  ${fieldLine(f)}`)];
}

function commandLines(r: SliceRequest): string[] {
  const out = [`${r.command}:`];
  if (r.description !== undefined) out.push(`  description: ${scalar(r.description)}`);
  if (r.creates === true) out.push('  creates: true');
  if (r.input.length > 0) out.push('  input:', ...r.input.map((f) => `    ${fieldLine(f)}`));
  out.push(`  emits: ${flowList(r.emits)}`);
  out.push(`  allow: ${r.allow === 'public' ? 'public' : flowList(r.allow)}`);
  if (r.actors !== undefined) out.push(`  actors: ${flowList(r.actors)}`);
  if (r.undo !== undefined) out.push(`  undo: ${scalar(r.undo)}`);
  return out;
}
