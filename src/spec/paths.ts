/** What a path inside a spec document points at, in words people use. */
import type { Path } from './diagnostics.js';

export type NodeKind = 'root' | 'aggregate' | 'command' | 'projection' | 'field' | 'structure' | 'event' | 'role' | 'operations' | 'accessRule' | 'other';

export interface Described {
  readonly kind: NodeKind;
  /** For example `input field "reason" of command "CancelSubscription"`. */
  readonly label: string;
}

const isMapping = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** `{description, fields}` rather than a plain field map: decided by a `fields` mapping. */
export function isLonghandStructure(value: unknown): boolean {
  return isMapping(value) && isMapping(value['fields']);
}

function at(root: unknown, path: Path): unknown {
  let node = root;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

/** Describes the node at `path` of the spec `root` (the raw document data). */
export function describePath(root: unknown, path: Path): Described {
  const [section, name, part, ...rest] = path;
  if (section === undefined) return { kind: 'root', label: 'the spec' };
  if (name === undefined) return { kind: section === 'operations' ? 'operations' : 'other', label: `\`${String(section)}\`` };
  const n = String(name);
  switch (section) {
    case 'types':
      return structureMember(root, path.slice(0, 2), path.slice(2), `type "${n}"`);
    case 'projections':
      if (part === undefined) return { kind: 'projection', label: `projection "${n}"` };
      if (part === 'columns' && rest.length > 0) return fieldPath(rest, `column`, `of projection "${n}"`);
      return { kind: 'other', label: `\`${String(part)}\` of projection "${n}"` };
    case 'aggregates':
      return aggregateMember(root, n, path.slice(2));
    case 'roles':
      return part === undefined ? { kind: 'role', label: `role "${n}"` } : { kind: 'other', label: `\`${String(part)}\` of role "${n}"` };
    case 'operations':
      return part === undefined ? { kind: 'accessRule', label: `operation "${n}"` } : { kind: 'other', label: `\`${String(part)}\` of operation "${n}"` };
    default:
      return { kind: 'other', label: `\`${path.map(String).join('.')}\`` };
  }
}

function aggregateMember(root: unknown, aggregate: string, path: Path): Described {
  const [part, name, sub, ...rest] = path;
  const owner = `of aggregate "${aggregate}"`;
  if (part === undefined) return { kind: 'aggregate', label: `aggregate "${aggregate}"` };
  if (part === 'state' && name !== undefined) return fieldPath(path.slice(1), 'state field', owner);
  if (part === 'events' && name !== undefined) {
    return structureMember(root, ['aggregates', aggregate, 'events', name], path.slice(2), `event "${String(name)}"`, 'event');
  }
  if (part === 'commands' && name !== undefined) {
    const command = `command "${String(name)}"`;
    if (sub === undefined) return { kind: 'command', label: command };
    if (sub === 'input' && rest.length > 0) return fieldPath(rest, 'input field', `of ${command}`);
    return { kind: 'other', label: `\`${String(sub)}\` of ${command}` };
  }
  return { kind: 'other', label: `\`${String(part)}\` ${owner}` };
}

function structureMember(root: unknown, structurePath: Path, rest: Path, label: string, kind: 'structure' | 'event' = 'structure'): Described {
  if (rest.length === 0) return { kind, label };
  const longhand = isLonghandStructure(at(root, structurePath));
  if (longhand) {
    if (rest[0] === 'fields' && rest.length > 1) return fieldPath(rest.slice(1), 'field', `of ${label}`);
    if (rest[0] === 'previous' && rest.length > 2) return fieldPath(rest.slice(2), 'field', `of version ${String(rest[1])} of ${label}`);
    return { kind: 'other', label: `\`${String(rest[0])}\` of ${label}` };
  }
  return fieldPath(rest, 'field', `of ${label}`);
}

function fieldPath(path: Path, noun: string, owner: string): Described {
  const [name, ...rest] = path;
  let label = `${noun} "${String(name)}" ${owner}`;
  let kind: NodeKind = 'field';
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === 'items') {
      label = `the items of ${label}`;
    } else {
      kind = 'other';
      label = `\`${String(rest[i])}\` of ${label}`;
    }
  }
  return { kind, label };
}
