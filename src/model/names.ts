/**
 * The rules every name from a spec must pass before it can become a TypeScript identifier, an
 * object key or a file name. The generator's identifier path uses the same function, so a name
 * that validates is a name that is safe to emit.
 */
export type NameKind = 'pascal' | 'camel' | 'context' | 'role';

export type NameCode = 'GW1030' | 'GW1031' | 'GW1032' | 'GW1033' | 'GW1036';

export interface NameProblem {
  readonly code: NameCode;
  readonly message: string;
  readonly hint?: string;
}

export const MAX_NAME_LENGTH = 64;

const PATTERNS: Record<NameKind, { regex: RegExp; style: string; example: string }> = {
  pascal: { regex: /^[A-Z][A-Za-z0-9]*$/, style: 'PascalCase', example: 'OrderPlaced' },
  camel: { regex: /^[a-z][A-Za-z0-9]*$/, style: 'camelCase', example: 'orderId' },
  context: { regex: /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/, style: 'kebab-case', example: 'order-billing' },
  role: { regex: /^[a-z][a-z0-9]*(?:[-_.:][a-z0-9]+)*$/, style: 'lower-case (letters, digits and - _ . :)', example: 'support-agent' },
};

/** ECMAScript reserved words, strict-mode reserved words and TypeScript's predefined type names. */
const RESERVED_WORDS = new Set([
  'break',
  'case',
  'catch',
  'class',
  'const',
  'continue',
  'debugger',
  'default',
  'delete',
  'do',
  'else',
  'enum',
  'export',
  'extends',
  'false',
  'finally',
  'for',
  'function',
  'if',
  'import',
  'in',
  'instanceof',
  'new',
  'null',
  'return',
  'super',
  'switch',
  'this',
  'throw',
  'true',
  'try',
  'typeof',
  'var',
  'void',
  'while',
  'with',
  'yield',
  'let',
  'static',
  'implements',
  'interface',
  'package',
  'private',
  'protected',
  'public',
  'await',
  'arguments',
  'eval',
  'any',
  'unknown',
  'never',
  'undefined',
  'object',
  'string',
  'number',
  'boolean',
  'symbol',
  'bigint',
]);

/** Members of Object.prototype and names with special meaning to the runtime (then, toJSON). */
const OBJECT_MEMBERS = new Set([
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
  'toString',
  'valueOf',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
  'toJSON',
  'then',
]);

/** Globals of JavaScript, Node.js and TypeScript's standard library that generated code relies on. */
const GLOBALS = new Set([
  'Object',
  'Function',
  'Array',
  'Number',
  'String',
  'Boolean',
  'Symbol',
  'BigInt',
  'Math',
  'JSON',
  'Date',
  'RegExp',
  'Error',
  'TypeError',
  'RangeError',
  'SyntaxError',
  'ReferenceError',
  'EvalError',
  'URIError',
  'AggregateError',
  'Promise',
  'Proxy',
  'Reflect',
  'Map',
  'Set',
  'WeakMap',
  'WeakSet',
  'WeakRef',
  'ArrayBuffer',
  'SharedArrayBuffer',
  'DataView',
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
  'Intl',
  'Atomics',
  'Iterator',
  'Event',
  'EventTarget',
  'URL',
  'URLSearchParams',
  'TextEncoder',
  'TextDecoder',
  'AbortController',
  'AbortSignal',
  'Buffer',
  'Blob',
  'Headers',
  'Request',
  'Response',
  'Record',
  'Partial',
  'Readonly',
  'Required',
  'Pick',
  'Omit',
  'Exclude',
  'Extract',
  'NonNullable',
  'ReturnType',
  'Parameters',
  'InstanceType',
  'Awaited',
  'Uppercase',
  'Lowercase',
  'Capitalize',
  'Uncapitalize',
  'Iterable',
  'PromiseLike',
  'ArrayLike',
  'ReadonlyArray',
  'PropertyKey',
  'globalThis',
  'process',
  'console',
  'require',
  'module',
  'exports',
  'global',
  'window',
  'document',
  'setTimeout',
  'setInterval',
  'setImmediate',
  'clearTimeout',
  'clearInterval',
  'queueMicrotask',
  'structuredClone',
  'fetch',
  'crypto',
  'performance',
  'isNaN',
  'isFinite',
  'parseInt',
  'parseFloat',
  'NaN',
  'Infinity',
  '__dirname',
  '__filename',
]);

/** Names the generated runtime itself declares in every project. */
const GENERATED = new Set([
  'Command',
  'CommandContext',
  'CommandResult',
  'DomainError',
  'EventStore',
  'StoredEvent',
  'Runtime',
  'Projection',
  'Snapshot',
  'Actor',
  'ActorKind',
  'Outbox',
]);

const WINDOWS_DEVICES = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i;

/** Zero-width, bidi-control and other format characters, plus anything outside printable ASCII. */
const INVISIBLE =
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]/u;

export function nameProblem(name: string, kind: NameKind): NameProblem | undefined {
  const { regex, style, example } = PATTERNS[kind];
  if (name.length === 0) return { code: 'GW1033', message: 'name is empty', hint: `write a ${style} name such as "${example}"` };
  const hidden = describeHidden(name);
  if (hidden !== undefined) {
    return { code: 'GW1032', message: `${quote(name)} contains ${hidden}`, hint: `retype the name using only ASCII letters and digits` };
  }
  if (name.length > MAX_NAME_LENGTH) {
    return { code: 'GW1033', message: `${quote(name)} is ${name.length} characters long; the limit is ${MAX_NAME_LENGTH}`, hint: 'choose a shorter name' };
  }
  if (OBJECT_MEMBERS.has(name)) {
    return { code: 'GW1031', message: `${quote(name)} is reserved: it is a member every JavaScript object has`, hint: 'choose another name' };
  }
  if (!regex.test(name)) {
    const fixed = convert(name, kind);
    const hint = fixed !== undefined && fixed !== name && regex.test(fixed) ? `did you mean "${fixed}"?` : `write a ${style} name such as "${example}"`;
    const message = /^[0-9]/.test(name) ? `${quote(name)} starts with a digit; names start with a letter` : `${quote(name)} is not ${style}`;
    return { code: 'GW1030', message, hint };
  }
  if (RESERVED_WORDS.has(name)) {
    return { code: 'GW1031', message: `${quote(name)} is a reserved word in JavaScript or TypeScript`, hint: 'choose another name' };
  }
  if (GLOBALS.has(name)) {
    return { code: 'GW1031', message: `${quote(name)} is a JavaScript or Node.js global; generated code would shadow it`, hint: 'choose another name' };
  }
  if (kind === 'pascal' && GENERATED.has(name)) {
    return { code: 'GW1031', message: `${quote(name)} is a name the generated runtime declares itself`, hint: 'choose a more specific name' };
  }
  if ((kind === 'pascal' || kind === 'context') && WINDOWS_DEVICES.test(name)) {
    return { code: 'GW1036', message: `${quote(name)} is a reserved device name on Windows and cannot be a file name`, hint: 'choose another name' };
  }
  return undefined;
}

/** Quotes a name for a message with every non-printable character escaped. */
export function quote(name: string): string {
  const shown = name.length > 80 ? `${name.slice(0, 40)}…` : name;
  return JSON.stringify(shown).replace(/[\u007f-\uffff]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function describeHidden(name: string): string | undefined {
  for (let i = 0; i < name.length; i++) {
    const char = name[i]!;
    const code = char.codePointAt(0)!;
    if (INVISIBLE.test(char)) return `an invisible or control character U+${hex(code)} at position ${i + 1}`;
    if (code > 0x7e) return `the non-ASCII character U+${hex(code)} at position ${i + 1}`;
  }
  return undefined;
}

function hex(code: number): string {
  return code.toString(16).toUpperCase().padStart(4, '0');
}

function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w.length > 0);
}

function convert(name: string, kind: NameKind): string | undefined {
  const parts = words(name).map((w) => w.toLowerCase());
  if (parts.length === 0) return undefined;
  const cap = (w: string) => w[0]!.toUpperCase() + w.slice(1);
  switch (kind) {
    case 'pascal':
      return parts.map(cap).join('');
    case 'camel':
      return parts[0] + parts.slice(1).map(cap).join('');
    case 'context':
      return parts.join('-');
    case 'role':
      return parts.join('-');
  }
}

/**
 * Type names the generator derives from declared names (see emit/layout.ts); the checker rejects
 * declarations that clash with them.
 */
export const DERIVED_SUFFIXES = {
  aggregate: ['Id', 'State', 'Event', 'Evolvers'],
  command: ['Input'],
  projection: ['Row', 'Event', 'Handlers'],
} as const;
