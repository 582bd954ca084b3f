/** Projection rules: the key, the columns, the events listened to, and a key that is never pii. */
import { finding } from '../../spec/diagnostics.js';
import type { FieldMapSpec } from '../../spec/schema.js';
import { didYouMean } from '../../spec/suggest.js';
import { quote } from '../names.js';
import { checkFieldMap, type FieldContext } from './fields.js';
import { asObject, checkName, ownerOf, reportDuplicates, type SpecFile } from './shared.js';

export function checkProjection(f: SpecFile, files: readonly SpecFile[], p: string, ctx: FieldContext): void {
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
    const hint =
      owner !== undefined
        ? `event ${quote(e)} is declared in another context; a projection listens to the events of its own context`
        : (didYouMean(e, local.keys()) ?? 'declare the event in an aggregate of this context');
    out.push(finding('GW1015', f.file, [...path, 'on', i], `projection ${quote(p)} listens to unknown event ${quote(e)}`, { hint }));
  });
  reportDuplicates(out, f.file, [...path, 'on'], projection.on, 'event');

  const key = projection.key;
  const resolves = handled.some((h) => h.aggregateId === key || key in h.fields);
  if (!resolves && handled.length === projection.on.length) {
    const candidates = new Set<string>(handled.flatMap((h) => [h.aggregateId, ...Object.keys(h.fields)]));
    out.push(
      finding('GW1017', f.file, [...path, 'key'], `key ${quote(key)} is neither an aggregate id nor a field of the events projection ${quote(p)} listens to`, {
        hint: didYouMean(key, candidates) ?? `use one of ${[...candidates].sort().join(', ')}`,
      }),
    );
  }
  const column = projection.columns[key];
  const piiEventField = handled.some((h) => {
    const field = h.fields[key];
    return field !== undefined && asObject(field).pii === true;
  });
  if ((column !== undefined && asObject(column).pii === true) || piiEventField) {
    out.push(
      finding('GW1071', f.file, [...path, 'key'], `key ${quote(key)} of projection ${quote(p)} is personal data (pii)`, {
        hint: 'keys are stored in clear and can never be erased: key the projection by an opaque id',
      }),
    );
  }
}
