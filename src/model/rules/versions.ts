/**
 * Event version rules: an event at `version: N` declares every earlier shape, 1 to N-1, under
 * `previous`, and a field that was pii in one version stays pii in the later ones that keep it.
 */
import { finding, type Finding } from '../../spec/diagnostics.js';
import type { EventSpec, FieldMapSpec } from '../../spec/schema.js';
import { quote } from '../names.js';
import type { FieldContext } from './fields.js';
import { checkFieldMap } from './fields.js';
import { asObject } from './shared.js';

/** Checks the versions of one event, and its earlier shapes with the usual field rules. */
export function checkEventVersions(ctx: FieldContext, a: string, e: string, event: EventSpec): void {
  const base = ['aggregates', a, 'events', e];
  const current = event.version ?? 1;
  const shapes = new Map<number, FieldMapSpec>();
  for (const [key, fields] of Object.entries(event.previous ?? {})) {
    checkFieldMap(ctx, [...base, 'previous', key], fields);
    const version = /^[1-9][0-9]*$/.test(key) ? Number(key) : Number.NaN;
    if (Number.isInteger(version) && version < current) shapes.set(version, fields);
    else ctx.out.push(misplacedVersion(ctx.file, [...base, 'previous', key], e, key, current, event.version !== undefined));
  }
  for (let version = 1; version < current; version++) {
    if (shapes.has(version)) continue;
    ctx.out.push(
      finding('GW1100', ctx.file, [...base, 'version'], `event ${quote(e)} is at version ${current} but declares no shape for version ${version}`, {
        hint: `add the fields events of version ${version} were stored with under \`previous: { ${version}: ... }\``,
      }),
    );
  }
  checkPiiKept(ctx, base, e, [...[...shapes.entries()].sort(([x], [y]) => x - y), [current, event.fields]]);
}

function misplacedVersion(file: string, path: readonly string[], e: string, key: string, current: number, declared: boolean): Finding {
  const hint = declared
    ? `earlier versions are whole numbers from 1 to ${current - 1}; raise \`version\` when the current fields change`
    : `declare the current version, for example \`version: ${Number(key) >= 1 ? Number(key) + 1 : 2}\`, next to \`fields\``;
  return finding('GW1101', file, path, `version ${quote(key)} under \`previous\` of event ${quote(e)} is not below its current version ${current}`, {
    at: 'key',
    hint,
  });
}

/** Each field that is pii in a version stays pii in every later version that has a field of that name. */
function checkPiiKept(ctx: FieldContext, base: readonly string[], e: string, versions: ReadonlyArray<readonly [number, FieldMapSpec]>): void {
  const personal = new Map<string, number>();
  for (const [index, [version, fields]] of versions.entries()) {
    const isCurrent = index === versions.length - 1;
    for (const [name, field] of Object.entries(fields)) {
      const since = personal.get(name);
      if (since !== undefined && asObject(field).pii !== true) {
        const path = isCurrent ? [...base, 'fields', name] : [...base, 'previous', String(version), name];
        ctx.out.push(
          finding('GW1102', ctx.file, path, `field ${quote(name)} of event ${quote(e)} was pii in version ${since} and is not in version ${version}`, {
            at: 'key',
            hint: `keep \`pii: true\`: events of version ${since} hold this field encrypted under the subject's key`,
          }),
        );
      }
      if (asObject(field).pii === true && since === undefined) personal.set(name, version);
    }
  }
}
