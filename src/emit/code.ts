/**
 * The one path from spec text to TypeScript source. Identifiers are checked against the name rules
 * again (a bug upstream must not become an injection), strings are emitted as escaped literals,
 * and free text only ever lands inside doc comments that it cannot close.
 */
import { nameProblem, type NameKind } from '../model/names.js';

export class UnsafeNameError extends Error {
  constructor(name: string, kind: NameKind, reason: string) {
    super(`refusing to emit ${JSON.stringify(name)} as a ${kind} identifier: ${reason}`);
    this.name = 'UnsafeNameError';
  }
}

const STRICT: Record<'pascal' | 'camel', RegExp> = { pascal: /^[A-Z][A-Za-z0-9]*$/, camel: /^[a-z][A-Za-z0-9]*$/ };

/** A name from the spec, verified to be a safe identifier of the given case style. */
export function ident(name: string, kind: 'pascal' | 'camel'): string {
  const problem = nameProblem(name, kind);
  if (problem !== undefined) throw new UnsafeNameError(name, kind, problem.message);
  if (!STRICT[kind].test(name)) throw new UnsafeNameError(name, kind, 'not a plain identifier');
  return name;
}

const ESCAPES: Record<string, string> = { '\\': '\\\\', "'": "\\'", '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const NEEDS_ESCAPE = /[\\'\u0000-\u001f\u007f-\u009f\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * A single-quoted JavaScript string literal for any text: quotes, backslashes, line terminators,
 * control characters and lone surrogates are escaped, so the literal evaluates to exactly `value`.
 */
export function str(value: string): string {
  return `'${value.replace(NEEDS_ESCAPE, (ch) => ESCAPES[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)}'`;
}

/** A doc comment whose text cannot end the comment or smuggle control characters. */
export function docComment(text: string | undefined, indent = ''): string {
  if (text === undefined || text.trim() === '') return '';
  const lines = text
    .replace(/\r\n?|[\u2028\u2029]/g, '\n')
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/\*\//g, '*\\/')
    .trim()
    .split('\n')
    .map((line) => line.trimEnd());
  if (lines.length === 1) return `${indent}/** ${lines[0]} */\n`;
  return `${indent}/**\n${lines.map((line) => `${indent} *${line === '' ? '' : ` ${line}`}`).join('\n')}\n${indent} */\n`;
}

export function lowerFirst(name: string): string {
  return name[0]!.toLowerCase() + name.slice(1);
}

/** `OrderPlaced` -> `order-placed`, for file names. */
export function kebab(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

/**
 * A braced block over lines that carry their own indentation, the closing brace at `indent`;
 * `{}` when there are no lines.
 */
export function block(lines: readonly string[], indent = ''): string {
  return lines.length === 0 ? '{}' : `{\n${lines.join('\n')}\n${indent}}`;
}

/** An object literal on one line, `{ a, b }`; `{}` when there are no entries. */
export function inlineObject(entries: readonly string[]): string {
  return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
}

/** `IssueRefund` -> `issue_refund`, for MCP tool names. */
export function snake(name: string): string {
  return kebab(name).replace(/-/g, '_');
}

/** `IssueRefund` -> `Issue refund`, for titles. */
export function title(name: string): string {
  const spaced = kebab(name).replace(/-/g, ' ');
  return spaced[0]!.toUpperCase() + spaced.slice(1);
}

/**
 * Data as a TypeScript expression: JSON, which since ES2019 is a subset of JavaScript, so any
 * text inside it (descriptions from the spec included) stays inside its string literal.
 */
export function jsonLiteral(value: unknown, indent = ''): string {
  return JSON.stringify(value, null, 2).replace(/\n/g, `\n${indent}`);
}
