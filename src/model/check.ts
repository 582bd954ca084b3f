/**
 * Phase two: the meaning checks. They run over every file of a project that passed the shape
 * check and report all findings together: names, references, authorization and PII rules.
 */
import { finding, type Finding, type Path } from '../spec/diagnostics.js';
import { BUILTIN_TYPES, type FieldMapSpec, type FieldSpec, type Spec } from '../spec/schema.js';
import { didYouMean } from '../spec/suggest.js';
import { DERIVED_SUFFIXES, nameProblem, quote, type NameKind } from './names.js';

export interface SpecFile {
  readonly file: string;
  readonly spec: Spec;
}

type Structure = { readonly fields: FieldMapSpec; readonly form: 'longhand' | 'shorthand' };

const BUILTINS: ReadonlySet<string> = new Set(BUILTIN_TYPES);

export function checkMeaning(files: readonly SpecFile[]): Finding[] {
  const out: Finding[] = [];
  checkContexts(files, out);
  checkDeclarations(files, out);
  for (const f of files) checkFile(f, files, out);
  return out;
}

/** Checks a name and reports its problem, if any. Returns whether the name is usable. */
function checkName(out: Finding[], file: string, path: Path, name: string, kind: NameKind, at: 'key' | 'value', what: string): boolean {
  const problem = nameProblem(name, kind);
  if (problem === undefined) return true;
  out.push(finding(problem.code, file, path, `${what} ${problem.message}`, { at, hint: problem.hint }));
  return false;
}

function checkContexts(files: readonly SpecFile[], out: Finding[]): void {
  const seen = new Map<string, string>();
  for (const { file, spec } of files) {
    checkName(out, file, ['context'], spec.context, 'context', 'value', 'context');
    const first = seen.get(spec.context);
    if (first === undefined) seen.set(spec.context, file);
    else out.push(finding('GW1037', file, ['context'], `context ${quote(spec.context)} is already declared in ${first}`, { hint: 'one file per bounded context: merge the two files or rename one context' }));
  }
}

interface Declaration {
  readonly name: string;
  /** What the name declares, such as `event`; `what` adds the quoted name. */
  readonly noun: string;
  readonly what: string;
  readonly file: string;
  readonly path: Path;
}

/** Every PascalCase name of a project, and the type names the generator derives from them. */
function declarations(files: readonly SpecFile[]): { declared: Declaration[]; derived: Declaration[] } {
  const declared: Declaration[] = [];
  const derived: Declaration[] = [];
  for (const { file, spec } of files) {
    const declare = (name: string, noun: string, path: Path) => declared.push({ name, noun, what: `${noun} ${quote(name)}`, file, path });
    const derive = (name: string, what: string, path: Path) => derived.push({ name, noun: 'generated type', what, file, path });
    for (const name of Object.keys(spec.types ?? {})) declare(name, 'type', ['types', name]);
    for (const [a, aggregate] of Object.entries(spec.aggregates ?? {})) {
      declare(a, 'aggregate', ['aggregates', a]);
      for (const suffix of DERIVED_SUFFIXES.aggregate) derive(a + suffix, `the type ${quote(a + suffix)} generated for aggregate ${quote(a)}`, ['aggregates', a]);
      for (const e of Object.keys(aggregate.events)) declare(e, 'event', ['aggregates', a, 'events', e]);
      for (const c of Object.keys(aggregate.commands)) {
        declare(c, 'command', ['aggregates', a, 'commands', c]);
        for (const suffix of DERIVED_SUFFIXES.command) derive(c + suffix, `the type ${quote(c + suffix)} generated for command ${quote(c)}`, ['aggregates', a, 'commands', c]);
      }
    }
    for (const p of Object.keys(spec.projections ?? {})) {
      declare(p, 'projection', ['projections', p]);
      for (const suffix of DERIVED_SUFFIXES.projection) derive(p + suffix, `the type ${quote(p + suffix)} generated for projection ${quote(p)}`, ['projections', p]);
    }
  }
  return { declared, derived };
}

function elsewhere(first: Declaration, second: Declaration): string {
  return first.file === second.file ? '' : ` in ${first.file}`;
}

function checkDeclarations(files: readonly SpecFile[], out: Finding[]): void {
  const { declared, derived } = declarations(files);
  const exact = new Map<string, Declaration>();
  const folded = new Map<string, Declaration>();
  for (const d of declared) {
    if (!checkName(out, d.file, d.path, d.name, 'pascal', 'key', d.noun)) continue;
    const same = exact.get(d.name);
    const twin = folded.get(d.name.toLowerCase());
    if (same !== undefined) {
      out.push(finding('GW1034', d.file, d.path, `${d.what} has the same name as ${same.what}${elsewhere(same, d)}`, { at: 'key', hint: 'names are unique across a project: rename one of them' }));
    } else if (twin !== undefined) {
      out.push(finding('GW1035', d.file, d.path, `${d.what} differs only in letter case from ${twin.what}${elsewhere(twin, d)}`, { at: 'key', hint: 'the two would collide as file names on macOS and Windows: rename one' }));
    } else {
      exact.set(d.name, d);
      folded.set(d.name.toLowerCase(), d);
    }
  }
  for (const g of derived) {
    const clash = exact.get(g.name);
    if (clash !== undefined) {
      out.push(finding('GW1034', clash.file, clash.path, `${clash.what} clashes with ${g.what}`, { at: 'key', hint: `rename ${clash.what}` }));
    }
  }
}

function checkFile(f: SpecFile, files: readonly SpecFile[], out: Finding[]): void {
  const { file, spec } = f;
  const typeNames = Object.keys(spec.types ?? {});
  const used = new Set<string>();
  const ctx: FieldContext = { file, out, typeNames, used, otherContextTypes: typesElsewhere(files, f) };

  for (const [name, type] of Object.entries(spec.types ?? {})) checkStructure(ctx, ['types', name], type);
  checkTypeCycles(f, out);
  for (const [a, aggregate] of Object.entries(spec.aggregates ?? {})) {
    const base = ['aggregates', a] as const;
    checkName(out, file, [...base, 'id'], aggregate.id, 'camel', 'value', 'aggregate id');
    checkFieldMap(ctx, [...base, 'state'], aggregate.state ?? {});
    for (const [e, event] of Object.entries(aggregate.events)) checkStructure(ctx, [...base, 'events', e], event);
    checkSubjectAndId(f, a, out);
    for (const [c, command] of Object.entries(aggregate.commands)) {
      checkFieldMap(ctx, [...base, 'commands', c, 'input'], command.input ?? {});
      checkCommand(f, files, a, c, out);
    }
  }
  for (const p of Object.keys(spec.projections ?? {})) checkProjection(f, files, p, ctx);
  reportUnused(f, used, out);
}

interface FieldContext {
  readonly file: string;
  readonly out: Finding[];
  readonly typeNames: readonly string[];
  readonly used: Set<string>;
  readonly otherContextTypes: ReadonlyMap<string, string>;
}

function typesElsewhere(files: readonly SpecFile[], self: SpecFile): Map<string, string> {
  const map = new Map<string, string>();
  for (const other of files) {
    if (other === self) continue;
    for (const t of Object.keys(other.spec.types ?? {})) map.set(t, other.spec.context);
  }
  return map;
}

function structureFieldsPath(path: Path, structure: Structure): Path {
  return structure.form === 'longhand' ? [...path, 'fields'] : path;
}

function checkStructure(ctx: FieldContext, path: Path, structure: Structure): void {
  checkFieldMap(ctx, structureFieldsPath(path, structure), structure.fields);
}

function checkFieldMap(ctx: FieldContext, path: Path, fields: FieldMapSpec): void {
  const folded = new Map<string, string>();
  for (const [name, field] of Object.entries(fields)) {
    const fieldPath = [...path, name];
    if (checkName(ctx.out, ctx.file, fieldPath, name, 'camel', 'key', 'field')) {
      const twin = folded.get(name.toLowerCase());
      if (twin !== undefined) {
        ctx.out.push(finding('GW1035', ctx.file, fieldPath, `field ${quote(name)} differs only in letter case from field ${quote(twin)}`, { at: 'key', hint: 'rename one of them' }));
      }
      folded.set(name.toLowerCase(), name);
    }
    checkField(ctx, fieldPath, field);
  }
}

type FieldObject = Exclude<FieldSpec, string>;

function asObject(field: FieldSpec): FieldObject {
  return typeof field === 'string' ? { type: field } : field;
}

/** Where a field's type name stands: the field itself in shorthand, its `type` key in longhand. */
function typePath(path: Path, field: FieldSpec): Path {
  return typeof field === 'string' ? path : [...path, 'type'];
}

const NUMERIC = new Set(['integer', 'number']);
const TEXT = new Set(['string', 'email']);

function checkField(ctx: FieldContext, path: Path, field: FieldSpec): void {
  const f = asObject(field);
  const { file, out } = ctx;
  const known = BUILTINS.has(f.type) || ctx.typeNames.includes(f.type);
  if (!known) {
    const elsewhere = ctx.otherContextTypes.get(f.type);
    const hint = elsewhere !== undefined
      ? `type ${quote(f.type)} is declared in context "${elsewhere}"; types are local to their context, so declare it here too`
      : didYouMean(f.type, [...BUILTIN_TYPES, ...ctx.typeNames]) ?? `use a built-in type (${BUILTIN_TYPES.join(', ')}) or declare it under \`types\``;
    out.push(finding('GW1010', file, typePath(path, field), `unknown type ${quote(f.type)}`, { hint }));
  } else if (!BUILTINS.has(f.type)) {
    ctx.used.add(f.type);
  }
  const kind = BUILTINS.has(f.type) ? f.type : 'named';
  const notFor = (key: keyof FieldObject, allowed: string) =>
    out.push(finding('GW1076', file, [...path, key], `\`${key}\` does not apply to a field of type ${quote(f.type)}`, { at: 'key', hint: `\`${key}\` applies to ${allowed}; remove it` }));

  if ((f.min !== undefined || f.max !== undefined) && !NUMERIC.has(kind) && known) notFor(f.min !== undefined ? 'min' : 'max', 'integer and number fields');
  if ((f.minLength !== undefined || f.maxLength !== undefined) && !TEXT.has(kind) && kind !== 'list' && known) {
    notFor(f.minLength !== undefined ? 'minLength' : 'maxLength', 'string, email and list fields');
  }
  if (f.pattern !== undefined && kind !== 'string' && known) notFor('pattern', 'string fields');
  if (f.min !== undefined && f.max !== undefined && f.min > f.max) {
    out.push(finding('GW1074', file, [...path, 'min'], `min (${f.min}) is greater than max (${f.max})`, { hint: 'swap them or fix one bound' }));
  }
  if (f.minLength !== undefined && f.maxLength !== undefined && f.minLength > f.maxLength) {
    out.push(finding('GW1074', file, [...path, 'minLength'], `minLength (${f.minLength}) is greater than maxLength (${f.maxLength})`, { hint: 'swap them or fix one bound' }));
  }
  if (kind === 'integer') {
    for (const key of ['min', 'max'] as const) {
      const bound = f[key];
      if (bound !== undefined && !Number.isInteger(bound)) {
        out.push(finding('GW1004', file, [...path, key], `${key} of an integer field must be a whole number, not ${bound}`));
      }
    }
  }
  if (f.pattern !== undefined) checkPattern(ctx, [...path, 'pattern'], f.pattern);
  checkEnum(ctx, path, field, kind);
  checkList(ctx, path, field, kind);
}

function checkPattern(ctx: FieldContext, path: Path, pattern: string): void {
  try {
    new RegExp(pattern, 'u');
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^Invalid regular expression: /, '') : String(error);
    ctx.out.push(finding('GW1075', ctx.file, path, `pattern is not a valid regular expression: ${reason}`, { hint: 'patterns use JavaScript syntax with the u flag; escape special characters with a backslash' }));
  }
}

function checkEnum(ctx: FieldContext, path: Path, field: FieldSpec, kind: string): void {
  const f = asObject(field);
  if (kind === 'enum' && (f.values === undefined || f.values.length === 0)) {
    ctx.out.push(finding('GW1073', ctx.file, f.values === undefined ? typePath(path, field) : [...path, 'values'], 'an enum needs a non-empty list of `values`', { hint: 'for example `{ type: enum, values: [active, cancelled] }`' }));
  } else if (kind !== 'enum' && f.values !== undefined) {
    ctx.out.push(finding('GW1073', ctx.file, [...path, 'values'], `\`values\` only applies to enum fields, not to ${quote(f.type)}`, { at: 'key', hint: 'write `type: enum` or remove `values`' }));
  }
  reportDuplicates(ctx.out, ctx.file, [...path, 'values'], f.values ?? [], 'enum value');
}

function checkList(ctx: FieldContext, path: Path, field: FieldSpec, kind: string): void {
  const f = asObject(field);
  if (kind === 'list' && f.items === undefined) {
    ctx.out.push(finding('GW1077', ctx.file, typePath(path, field), 'a list needs `items`: the type of each item', { hint: 'for example `{ type: list, items: string }`' }));
  } else if (kind !== 'list' && f.items !== undefined) {
    ctx.out.push(finding('GW1077', ctx.file, [...path, 'items'], `\`items\` only applies to list fields, not to ${quote(f.type)}`, { at: 'key', hint: 'write `type: list` or remove `items`' }));
  }
  if (f.items !== undefined) checkField(ctx, [...path, 'items'], f.items);
}

function reportDuplicates(out: Finding[], file: string, path: Path, items: readonly string[], what: string): void {
  const seen = new Set<string>();
  items.forEach((item, index) => {
    if (seen.has(item)) out.push(finding('GW1053', file, [...path, index], `${what} ${quote(item)} is listed twice`, { hint: 'remove the repeated entry' }));
    seen.add(item);
  });
}

/** Named types may nest, but never in a cycle. */
function checkTypeCycles(f: SpecFile, out: Finding[]): void {
  const types = f.spec.types ?? {};
  const refs = (name: string): string[] => {
    const names: string[] = [];
    const visit = (field: FieldSpec) => {
      const o = asObject(field);
      if (o.type in types) names.push(o.type);
      if (o.items !== undefined) visit(o.items);
    };
    for (const field of Object.values(types[name]?.fields ?? {})) visit(field);
    return names;
  };
  const state = new Map<string, 'visiting' | 'done'>();
  const reported = new Set<string>();
  const walk = (name: string, trail: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(name)), name];
      if (!reported.has(name)) {
        reported.add(name);
        out.push(finding('GW1011', f.file, ['types', name], `type ${quote(name)} contains itself: ${cycle.join(' → ')}`, { at: 'key', hint: 'break the cycle; a value of this type could never be written down' }));
      }
      return;
    }
    state.set(name, 'visiting');
    for (const next of refs(name)) walk(next, [...trail, name]);
    state.set(name, 'done');
  };
  for (const name of Object.keys(types)) walk(name, []);
}

function checkSubjectAndId(f: SpecFile, a: string, out: Finding[]): void {
  const aggregate = f.spec.aggregates![a]!;
  const base = ['aggregates', a];
  const state = aggregate.state ?? {};
  if (aggregate.subject !== undefined) {
    const subject = state[aggregate.subject];
    if (subject === undefined) {
      out.push(finding('GW1016', f.file, [...base, 'subject'], `subject ${quote(aggregate.subject)} is not a field of the state of aggregate ${quote(a)}`, {
        hint: didYouMean(aggregate.subject, Object.keys(state)) ?? `declare \`${aggregate.subject}\` under \`state\`, or name an existing state field`,
      }));
    } else if (asObject(subject).pii === true) {
      out.push(finding('GW1072', f.file, [...base, 'subject'], `subject ${quote(aggregate.subject)} is marked pii; the subject id is written to the audit log in clear`, {
        hint: 'use an opaque customer id as the subject and keep the personal data in other fields',
      }));
    }
  }
  if (aggregate.id in state) {
    out.push(finding('GW1018', f.file, [...base, 'state', aggregate.id], `state field ${quote(aggregate.id)} repeats the aggregate id`, { at: 'key', hint: 'the id is part of every aggregate already: remove the field' }));
  }
  for (const [c, command] of Object.entries(aggregate.commands)) {
    if (command.input !== undefined && aggregate.id in command.input) {
      out.push(finding('GW1018', f.file, [...base, 'commands', c, 'input', aggregate.id], `input field ${quote(aggregate.id)} repeats the aggregate id`, { at: 'key', hint: 'every command carries the aggregate id already: remove the field' }));
    }
  }
  for (const [e, event] of Object.entries(aggregate.events)) {
    const field = event.fields[aggregate.id];
    if (field !== undefined && asObject(field).pii === true) {
      out.push(finding('GW1070', f.file, [...structureFieldsPath([...base, 'events', e], event), aggregate.id, 'pii'], `field ${quote(aggregate.id)} is the aggregate id and cannot be pii`, { at: 'key', hint: 'ids are stored in clear and can never be erased; use an opaque id' }));
    }
  }
}

function checkCommand(f: SpecFile, files: readonly SpecFile[], a: string, c: string, out: Finding[]): void {
  const aggregate = f.spec.aggregates![a]!;
  const command = aggregate.commands[c]!;
  const path = ['aggregates', a, 'commands', c];
  const events = Object.keys(aggregate.events);
  if (command.emits.length === 0) {
    out.push(finding('GW1050', f.file, [...path, 'emits'], `command ${quote(c)} emits no event`, { hint: 'every accepted command records at least one event: list it under `emits`' }));
  }
  command.emits.forEach((e, i) => {
    if (events.includes(e)) return;
    const owner = ownerOf(files, 'events', e);
    const hint = owner !== undefined
      ? `event ${quote(e)} belongs to aggregate ${quote(owner)}; a command records only its own aggregate's events`
      : didYouMean(e, events) ?? (events.length > 0 ? `declare it under \`events\` of aggregate ${quote(a)}` : 'declare the event first');
    out.push(finding('GW1012', f.file, [...path, 'emits', i], `command ${quote(c)} emits unknown event ${quote(e)}`, { hint }));
  });
  reportDuplicates(out, f.file, [...path, 'emits'], command.emits, 'event');

  if (command.allow === undefined) {
    out.push(finding('GW1051', f.file, path, `command ${quote(c)} has no \`allow\`; access is denied by default`, { at: 'key', hint: 'list the roles that may run it (`allow: [support]`) or write `allow: public`' }));
  } else if (command.allow !== 'public') {
    if (command.allow.length === 0) {
      out.push(finding('GW1051', f.file, [...path, 'allow'], `command ${quote(c)} allows no role, so nobody could run it`, { hint: 'list at least one role, or write `allow: public`' }));
    }
    command.allow.forEach((role, i) => checkName(out, f.file, [...path, 'allow', i], role, 'role', 'value', 'role'));
    reportDuplicates(out, f.file, [...path, 'allow'], command.allow, 'role');
  }
  reportDuplicates(out, f.file, [...path, 'actors'], command.actors ?? [], 'actor kind');

  if (command.undo !== undefined) {
    const target = aggregate.commands[command.undo];
    if (target === undefined) {
      const owner = ownerOf(files, 'commands', command.undo);
      const hint = owner !== undefined
        ? `command ${quote(command.undo)} belongs to aggregate ${quote(owner)}; an undo must act on the same aggregate`
        : didYouMean(command.undo, Object.keys(aggregate.commands)) ?? `declare command ${quote(command.undo)} in aggregate ${quote(a)}`;
      out.push(finding('GW1013', f.file, [...path, 'undo'], `undo names unknown command ${quote(command.undo)}`, { hint }));
    } else if (target.creates === true) {
      out.push(finding('GW1014', f.file, [...path, 'undo'], `undo names ${quote(command.undo)}, which creates a new aggregate`, { hint: 'the undo of a command acts on the aggregate it changed: name a command without `creates: true`' }));
    }
  }
}

/** The aggregate, in any file of the project, that declares this event or command. */
function ownerOf(files: readonly SpecFile[], section: 'events' | 'commands', name: string): string | undefined {
  for (const { spec } of files) {
    for (const [a, aggregate] of Object.entries(spec.aggregates ?? {})) if (name in aggregate[section]) return a;
  }
  return undefined;
}

function checkProjection(f: SpecFile, files: readonly SpecFile[], p: string, ctx: FieldContext): void {
  const projection = f.spec.projections![p]!;
  const path = ['projections', p];
  const out = ctx.out;
  checkName(out, f.file, [...path, 'key'], projection.key, 'camel', 'value', 'projection key');
  checkFieldMap(ctx, [...path, 'columns'], projection.columns);
  const local = new Map<string, { aggregateId: string; fields: FieldMapSpec }>();
  for (const aggregate of Object.values(f.spec.aggregates ?? {})) {
    for (const [e, event] of Object.entries(aggregate.events)) local.set(e, { aggregateId: aggregate.id, fields: event.fields });
  }
  const handled: Array<{ aggregateId: string; fields: FieldMapSpec }> = [];
  projection.on.forEach((e, i) => {
    const event = local.get(e);
    if (event !== undefined) {
      handled.push(event);
      return;
    }
    const owner = ownerOf(files, 'events', e);
    const hint = owner !== undefined
      ? `event ${quote(e)} is declared in another context; a projection listens to the events of its own context`
      : didYouMean(e, local.keys()) ?? 'declare the event in an aggregate of this context';
    out.push(finding('GW1015', f.file, [...path, 'on', i], `projection ${quote(p)} listens to unknown event ${quote(e)}`, { hint }));
  });
  reportDuplicates(out, f.file, [...path, 'on'], projection.on, 'event');

  const key = projection.key;
  const resolves = handled.some((h) => h.aggregateId === key || key in h.fields);
  if (!resolves && handled.length === projection.on.length) {
    const candidates = new Set<string>(handled.flatMap((h) => [h.aggregateId, ...Object.keys(h.fields)]));
    out.push(finding('GW1017', f.file, [...path, 'key'], `key ${quote(key)} is neither an aggregate id nor a field of the events projection ${quote(p)} listens to`, {
      hint: didYouMean(key, candidates) ?? `use one of ${[...candidates].sort().join(', ')}`,
    }));
  }
  const column = projection.columns[key];
  const piiEventField = handled.some((h) => { const field = h.fields[key]; return field !== undefined && asObject(field).pii === true; });
  if ((column !== undefined && asObject(column).pii === true) || piiEventField) {
    out.push(finding('GW1071', f.file, [...path, 'key'], `key ${quote(key)} of projection ${quote(p)} is personal data (pii)`, { hint: 'keys are stored in clear and can never be erased: key the projection by an opaque id' }));
  }
}

function reportUnused(f: SpecFile, usedTypes: ReadonlySet<string>, out: Finding[]): void {
  for (const name of Object.keys(f.spec.types ?? {})) {
    if (!usedTypes.has(name)) out.push(finding('GW1091', f.file, ['types', name], `type ${quote(name)} is never used`, { at: 'key', hint: 'use it in a field or remove it' }));
  }
  for (const [a, aggregate] of Object.entries(f.spec.aggregates ?? {})) {
    const emitted = new Set(Object.values(aggregate.commands).flatMap((c) => c.emits));
    for (const e of Object.keys(aggregate.events)) {
      if (!emitted.has(e)) out.push(finding('GW1090', f.file, ['aggregates', a, 'events', e], `event ${quote(e)} is never emitted by a command of aggregate ${quote(a)}`, { at: 'key', hint: 'add it to the `emits` of a command, or remove it' }));
    }
  }
}
