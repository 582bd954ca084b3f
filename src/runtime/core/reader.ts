/**
 * Reading a stored event as code sees it: pii fields decrypted (or ERASED once the subject is
 * forgotten) with the fields of the schema version the event was written with, then brought up to
 * the current shape through its aggregate's generated upcasters. Every path that hands events to
 * code (projections, history, state-at, replays) reads through here; stored bytes never change.
 */
import type { AnyAggregate } from './definitions.js';
import { type PiiCodec, decryptFields } from './pii.js';
import type { StoredEvent } from './types.js';

/** The current schema version of an event type of this aggregate. */
export function currentVersion(aggregate: Pick<AnyAggregate, 'eventVersions'>, type: string): number {
  return aggregate.eventVersions?.[type] ?? 1;
}

/** The encrypted fields of an event type at the schema version it was written with. */
export function encryptedAt(
  aggregate: Pick<AnyAggregate, 'pii' | 'piiBefore' | 'eventVersions'>,
  type: string,
  schemaVersion: number,
): readonly string[] | undefined {
  return schemaVersion === currentVersion(aggregate, type) ? aggregate.pii[type] : aggregate.piiBefore?.[type]?.[schemaVersion];
}

/** The event, decrypted and upcast with its own aggregate's tables. */
export async function readEvent(codec: PiiCodec, aggregate: AnyAggregate, event: StoredEvent): Promise<StoredEvent> {
  const fields = encryptedAt(aggregate, event.type, event.schemaVersion);
  const at = { subject: event.metadata.subject ?? event.streamId, streamId: event.streamId, version: event.version, type: event.type };
  const data = fields === undefined || fields.length === 0 ? event.data : decryptFields(await codec.key(at.subject), fields, event.data, at);
  const current = currentVersion(aggregate, event.type);
  if (event.schemaVersion === current || aggregate.upcast === undefined) return data === event.data ? event : { ...event, data };
  const upcast = aggregate.upcast(
    { type: event.type, schemaVersion: event.schemaVersion, data },
    { streamId: event.streamId, version: event.version, recordedAt: event.recordedAt },
  );
  return { ...event, schemaVersion: current, data: upcast.data };
}

/** Reads events of any aggregate of a project: each through its own aggregate's tables. */
export class EventReader {
  readonly #codec: PiiCodec;
  readonly #byType: ReadonlyMap<string, AnyAggregate>;

  constructor(codec: PiiCodec, aggregates: Readonly<Record<string, AnyAggregate>>) {
    this.#codec = codec;
    const byType = new Map<string, AnyAggregate>();
    for (const aggregate of Object.values(aggregates)) {
      for (const type of [...Object.keys(aggregate.pii), ...Object.keys(aggregate.piiBefore ?? {}), ...Object.keys(aggregate.eventVersions ?? {})])
        byType.set(type, aggregate);
    }
    this.#byType = byType;
  }

  /** The event in the current shape of its type, with pii in clear or ERASED. */
  read(event: StoredEvent): Promise<StoredEvent> {
    const aggregate = this.#byType.get(event.type);
    return aggregate === undefined ? Promise.resolve(event) : readEvent(this.#codec, aggregate, event);
  }
}
