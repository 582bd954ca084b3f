/**
 * Breaking changes: compares the current specs with older ones and reports what would break the
 * events already stored or the callers already written, unless it was made with a new version.
 * Declarations are matched by name across the project (names are global); findings point into
 * the current file, and at the nearest surviving parent for something that was removed.
 */
import { finding, type Finding, type Path } from '../../spec/diagnostics.js';
import type { AggregateSpec, CommandSpec, EventSpec, FieldMapSpec, FieldSpec } from '../../spec/schema.js';
import { quote } from '../names.js';
import { asObject, structureFieldsPath, type FieldObject, type SpecFile } from '../rules/shared.js';

/** A declaration of one spec, with where it stands. */
interface Located<T> {
  readonly file: string;
  readonly context: string;
  readonly aggregate: string;
  readonly spec: T;
}

interface Declarations {
  readonly aggregates: ReadonlyMap<string, Located<AggregateSpec>>;
  readonly events: ReadonlyMap<string, Located<EventSpec>>;
  readonly commands: ReadonlyMap<string, Located<CommandSpec>>;
  /** The file of each context, for what has no surviving parent. */
  readonly contexts: ReadonlyMap<string, string>;
}

/** Whether the code is one of the breaking changes `--against` reports. */
export function isBreakingChange(code: string): boolean {
  return code >= 'GW1120' && code <= 'GW1199';
}

export function checkBreakingChanges(older: readonly SpecFile[], current: readonly SpecFile[]): Finding[] {
  if (current.length === 0) return [];
  const before = declarations(older);
  const now = declarations(current);
  const out: Finding[] = [];
  for (const [name, old] of before.aggregates) {
    const kept = now.aggregates.get(name);
    if (kept !== undefined) checkIdentity(old.spec, kept, out);
  }
  checkNamedTypes(older, current, out);
  for (const [name, old] of before.events) {
    const kept = now.events.get(name);
    if (kept === undefined) out.push(removed('GW1120', now, old, 'events', `event ${quote(name)}`, eventRemovedHint(old.spec)));
    else checkEvent(name, old.spec, kept, out);
  }
  for (const [name, old] of before.commands) {
    const kept = now.commands.get(name);
    if (kept === undefined)
      out.push(removed('GW1125', now, old, 'commands', `command ${quote(name)}`, 'keep the command: callers and recorded commands name it'));
    else checkCommand(name, old.spec, kept, out);
  }
  return out;
}

function declarations(files: readonly SpecFile[]): Declarations {
  const aggregates = new Map<string, Located<AggregateSpec>>();
  const events = new Map<string, Located<EventSpec>>();
  const commands = new Map<string, Located<CommandSpec>>();
  const contexts = new Map<string, string>();
  for (const { file, spec } of files) {
    contexts.set(spec.context, file);
    for (const [a, aggregate] of Object.entries(spec.aggregates ?? {})) {
      const at = { file, context: spec.context, aggregate: a };
      aggregates.set(a, { ...at, spec: aggregate });
      for (const [e, event] of Object.entries(aggregate.events)) events.set(e, { ...at, spec: event });
      for (const [c, command] of Object.entries(aggregate.commands)) commands.set(c, { ...at, spec: command });
    }
  }
  return { aggregates, events, commands, contexts };
}

/** Reported at the same section of the aggregate in the current specs, or at the nearest parent that survived. */
function removed(code: 'GW1120' | 'GW1125', now: Declarations, old: Located<unknown>, section: 'events' | 'commands', what: string, hint: string): Finding {
  const aggregate = now.aggregates.get(old.aggregate);
  const message = `${what} of aggregate ${quote(old.aggregate)} is gone (removed or renamed)`;
  if (aggregate !== undefined) return finding(code, aggregate.file, ['aggregates', old.aggregate, section], message, { at: 'key', hint });
  const file = now.contexts.get(old.context);
  if (file !== undefined) return finding(code, file, ['aggregates'], message, { at: 'key', hint });
  const first = [...now.contexts.values()].sort()[0]!;
  return finding(code, first, ['context'], `${message}, with its context ${quote(old.context)}`, { hint });
}

function eventRemovedHint(old: EventSpec): string {
  const version = old.version ?? 1;
  return `keep the event: its stored events are read through its declaration; to change its fields, add \`version: ${version + 1}\` with the old fields under \`previous\``;
}

function checkIdentity(old: AggregateSpec, now: Located<AggregateSpec>, out: Finding[]): void {
  const base = ['aggregates', now.aggregate];
  if (old.id !== now.spec.id) {
    out.push(
      finding('GW1129', now.file, [...base, 'id'], `the id of aggregate ${quote(now.aggregate)} changed from ${quote(old.id)} to ${quote(now.spec.id)}`, {
        hint: `keep \`id: ${old.id}\`: stored streams and callers use it`,
      }),
    );
  }
  if (old.subject !== now.spec.subject) {
    const was = old.subject === undefined ? 'none' : quote(old.subject);
    out.push(
      finding(
        'GW1129',
        now.file,
        now.spec.subject === undefined ? base : [...base, 'subject'],
        `the subject of aggregate ${quote(now.aggregate)} changed from ${was} to ${now.spec.subject === undefined ? 'none' : quote(now.spec.subject)}`,
        {
          at: now.spec.subject === undefined ? 'key' : 'value',
          hint:
            old.subject === undefined
              ? 'remove `subject`: stored data was not recorded under one'
              : `keep \`subject: ${old.subject}\`: stored pii is encrypted under its keys`,
        },
      ),
    );
  }
}

function checkEvent(name: string, old: EventSpec, now: Located<EventSpec>, out: Finding[]): void {
  const base = ['aggregates', now.aggregate, 'events', name];
  const oldVersion = old.version ?? 1;
  const newVersion = now.spec.version ?? 1;
  if (newVersion < oldVersion) {
    out.push(
      finding(
        'GW1130',
        now.file,
        now.spec.version === undefined ? base : [...base, 'version'],
        `event ${quote(name)} went from version ${oldVersion} down to ${newVersion}`,
        {
          at: now.spec.version === undefined ? 'key' : 'value',
          hint: `keep \`version: ${oldVersion}\` or higher: events were stored with it`,
        },
      ),
    );
  }
  const bumped = newVersion > oldVersion;
  for (let version = 1; version <= Math.min(oldVersion, newVersion); version++) {
    const was = shapeAt(old, version);
    const is = shapeAt(now.spec, version);
    if (was === undefined || is === undefined) continue;
    const path = version === newVersion ? structureFieldsPath(base, now.spec) : [...base, 'previous', String(version)];
    const hint =
      version === newVersion ? `add \`version: ${newVersion + 1}\` with the old fields under \`previous\`` : `restore version ${version} as it was stored`;
    compareStoredFields(`event ${quote(name)}`, was, is, { file: now.file, path, hint, addedFieldsBreak: !bumped || version < newVersion }, out);
  }
}

function shapeAt(event: EventSpec, version: number): FieldMapSpec | undefined {
  if (version === (event.version ?? 1)) return event.fields;
  return event.previous?.[String(version)];
}

interface Where {
  readonly file: string;
  /** The field map in the current spec. */
  readonly path: Path;
  readonly hint: string;
  readonly addedFieldsBreak: boolean;
}

/** The fields of one version of an event as stored then and as declared now. */
function compareStoredFields(owner: string, was: FieldMapSpec, is: FieldMapSpec, where: Where, out: Finding[]): void {
  for (const [field, before] of Object.entries(was)) {
    const after = is[field];
    if (after === undefined) {
      out.push(finding('GW1121', where.file, where.path, `field ${quote(field)} of ${owner} is gone (removed or renamed)`, { at: 'key', hint: where.hint }));
      continue;
    }
    const at = [...where.path, field];
    const b = asObject(before);
    const a = asObject(after);
    if (typeText(before) !== typeText(after)) {
      out.push(
        finding('GW1122', where.file, at, `field ${quote(field)} of ${owner} changed type from ${typeText(before)} to ${typeText(after)}`, {
          at: 'key',
          hint: where.hint,
        }),
      );
    } else reportRemovedValues(owner, field, b, a, where.file, at, out);
    if (b.optional === true && a.optional !== true) {
      out.push(finding('GW1123', where.file, at, `field ${quote(field)} of ${owner} is now required`, { at: 'key', hint: where.hint }));
    }
    if (b.pii === true && a.pii !== true) {
      out.push(
        finding('GW1128', where.file, at, `field ${quote(field)} of ${owner} is no longer pii`, {
          at: 'key',
          hint: 'keep `pii: true`: stored values are encrypted under the subject key',
        }),
      );
    }
  }
  if (!where.addedFieldsBreak) return;
  for (const [field, after] of Object.entries(is)) {
    if (field in was || asObject(after).optional === true) continue;
    out.push(
      finding('GW1123', where.file, [...where.path, field], `required field ${quote(field)} was added to ${owner}; stored events lack it`, {
        at: 'key',
        hint: where.addedFieldsBreak && where.path.includes('previous') ? where.hint : `make it \`optional: true\`, or ${where.hint}`,
      }),
    );
  }
}

/** A field's type as a comparable text: its type name, and its items for a list. */
function typeText(field: FieldSpec): string {
  const f = asObject(field);
  return f.type === 'list' && f.items !== undefined ? `list of ${typeText(f.items)}` : f.type;
}

function reportRemovedValues(owner: string, field: string, before: FieldObject, after: FieldObject, file: string, at: Path, out: Finding[]): void {
  const kept = new Set(after.values ?? []);
  const gone = (before.values ?? []).filter((v) => !kept.has(v));
  if (gone.length === 0) return;
  out.push(
    finding(
      'GW1124',
      file,
      after.values === undefined ? at : [...at, 'values'],
      `enum value${gone.length === 1 ? '' : 's'} ${gone.map(quote).join(', ')} of field ${quote(field)} of ${owner} ${gone.length === 1 ? 'was' : 'were'} removed`,
      {
        hint: 'keep the enum value: stored data and callers still use it',
      },
    ),
  );
}

function checkCommand(name: string, old: CommandSpec, now: Located<CommandSpec>, out: Finding[]): void {
  const base = ['aggregates', now.aggregate, 'commands', name];
  const owner = `command ${quote(name)}`;
  const was = old.input ?? {};
  const is = now.spec.input ?? {};
  const inputPath = now.spec.input === undefined ? base : [...base, 'input'];
  const hint = 'callers written against the older spec would be refused: add a new command instead, or keep the input as it was';
  for (const [field, before] of Object.entries(was)) {
    const after = is[field];
    if (after === undefined) {
      out.push(
        finding('GW1126', now.file, inputPath, `input field ${quote(field)} of ${owner} is gone; callers that send it are refused`, { at: 'key', hint }),
      );
      continue;
    }
    const at = [...inputPath, field];
    const b = asObject(before);
    const a = asObject(after);
    if (typeText(before) !== typeText(after)) {
      out.push(
        finding('GW1126', now.file, at, `input field ${quote(field)} of ${owner} changed type from ${typeText(before)} to ${typeText(after)}`, {
          at: 'key',
          hint,
        }),
      );
      continue;
    }
    reportRemovedValues(owner, field, b, a, now.file, at, out);
    if (b.optional === true && a.optional !== true)
      out.push(finding('GW1126', now.file, at, `input field ${quote(field)} of ${owner} is now required`, { at: 'key', hint }));
    const tightened = tighterConstraint(b, a);
    if (tightened !== undefined)
      out.push(
        finding('GW1126', now.file, [...at, tightened], `\`${tightened}\` of input field ${quote(field)} of ${owner} is stricter than before`, {
          at: 'key',
          hint,
        }),
      );
  }
  for (const [field, after] of Object.entries(is)) {
    if (field in was || asObject(after).optional === true) continue;
    out.push(
      finding('GW1126', now.file, [...inputPath, field], `required input field ${quote(field)} was added to ${owner}`, {
        at: 'key',
        hint: `make it \`optional: true\`; ${hint}`,
      }),
    );
  }
  if (old.undo !== undefined && now.spec.undo !== old.undo) {
    out.push(
      finding('GW1127', now.file, now.spec.undo === undefined ? base : [...base, 'undo'], `${owner} no longer names ${quote(old.undo)} as its undo`, {
        at: now.spec.undo === undefined ? 'key' : 'value',
        hint: `keep \`undo: ${old.undo}\`: commands already recorded are undone through it`,
      }),
    );
  }
}

/** The first constraint that accepts less than before, if any. */
function tighterConstraint(before: FieldObject, after: FieldObject): keyof FieldObject | undefined {
  const raised = (key: 'min' | 'minLength') => after[key] !== undefined && (before[key] === undefined || after[key] > before[key]);
  const lowered = (key: 'max' | 'maxLength') => after[key] !== undefined && (before[key] === undefined || after[key] < before[key]);
  if (raised('min')) return 'min';
  if (lowered('max')) return 'max';
  if (raised('minLength')) return 'minLength';
  if (lowered('maxLength')) return 'maxLength';
  if (after.pattern !== undefined && after.pattern !== before.pattern) return 'pattern';
  return undefined;
}

/**
 * A named type of the same context, compared like the fields of an event: stored events that use
 * it hold its old shape in every version, so a new shape needs a new type.
 */
function checkNamedTypes(older: readonly SpecFile[], current: readonly SpecFile[], out: Finding[]): void {
  for (const { file, spec } of current) {
    const before = older.find((o) => o.spec.context === spec.context)?.spec.types ?? {};
    for (const [name, type] of Object.entries(spec.types ?? {})) {
      const old = before[name];
      if (old === undefined) continue;
      const hint = `keep type ${quote(name)} as it was; declare a new type for the new shape and use it in a new version of the events`;
      compareStoredFields(
        `type ${quote(name)}`,
        old.fields,
        type.fields,
        { file, path: structureFieldsPath(['types', name], type), hint, addedFieldsBreak: true },
        out,
      );
    }
  }
}
