/**
 * Events stored with an earlier shape are read through the aggregate's upcasters everywhere code
 * sees them (load, projections and their rebuild, history, state-at, the test helper), with the pii
 * of that earlier shape decrypted first; the stored bytes never change and verify still passes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ERASED,
  PiiCodec,
  bucketOf,
  given,
  isErased,
  openApp,
  type AggregateDefinition,
  type AnyAggregate,
  type AnyCommand,
  type AnyProjection,
  type App,
  type CommandDefinition,
  type Erased,
  type ProjectionDefinition,
  type Stored,
} from '../../src/runtime/index.js';

interface MemberState {
  displayName: string;
  legalName: string | Erased;
  memberSince: string;
}

type MemberRegistered = {
  readonly type: 'MemberRegistered';
  readonly data: { readonly displayName: string; readonly legalName: string | Erased; readonly email: string | Erased; readonly memberSince: string };
};
type MemberEvent = MemberRegistered;

/** Version 1 kept one full name and no date: the date is when the event was recorded. */
interface MemberRegisteredV1 {
  readonly fullName: string | Erased;
  readonly email: string | Erased;
}

function upcastMember(event: { type: string; schemaVersion: number; data: object }, context: { recordedAt: string }): MemberEvent {
  const v1 = event.data as MemberRegisteredV1;
  const first = isErased(v1.fullName) ? 'member' : (v1.fullName.split(' ')[0] ?? 'member');
  return { type: 'MemberRegistered', data: { displayName: first, legalName: v1.fullName, email: v1.email, memberSince: context.recordedAt.slice(0, 10) } };
}

const member: AggregateDefinition<MemberState, MemberEvent> = {
  name: 'Member',
  idField: 'memberId',
  initialState: () => ({ displayName: '', legalName: '', memberSince: '' }),
  fold(state, event) {
    state.displayName = event.data.displayName;
    state.legalName = event.data.legalName;
    state.memberSince = event.data.memberSince;
  },
  subjectOf: (_state, streamId) => streamId,
  snapshotEvery: undefined,
  stateVersion: 'member-v2',
  pii: { MemberRegistered: ['legalName', 'email'] },
  statePii: true,
  eventVersions: { MemberRegistered: 2 },
  piiBefore: { MemberRegistered: { 1: ['fullName', 'email'] } },
  upcast: upcastMember,
};

const registerInput = z.strictObject({ memberId: z.string(), displayName: z.string(), legalName: z.string(), email: z.string() });
const register: CommandDefinition<z.output<typeof registerInput>, MemberState, MemberEvent> = {
  name: 'RegisterMember',
  aggregate: member,
  schema: registerInput,
  streamIdOf: (input) => input.memberId,
  creates: true,
  allow: ['staff'],
  actors: ['human'],
  decide: (c) => [{ type: 'MemberRegistered', data: { displayName: c.displayName, legalName: c.legalName, email: c.email, memberSince: '2026-05-01' } }],
  undo: undefined,
};

interface DirectoryRow {
  memberId: string;
  displayName: string | null;
  since: string | null;
}
const directory: ProjectionDefinition<DirectoryRow, Stored<MemberEvent>> = {
  name: 'Directory',
  pii: false,
  table: 'Directory',
  key: 'memberId',
  columns: [
    { name: 'displayName', kind: 'text' },
    { name: 'since', kind: 'text' },
  ],
  handles: ['MemberRegistered'],
  async apply(event, rows) {
    await rows.merge(event.streamId, { displayName: event.data.displayName, since: event.data.memberSince });
  },
};

const staff = { actor: { id: 'sam', kind: 'human', roles: ['staff'] }, tenant: 't1' } as const;
let dir: string;
let app: App;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gw-upcast-'));
  app = await openApp(
    {
      commands: { RegisterMember: register as unknown as AnyCommand },
      aggregates: { Member: member as unknown as AnyAggregate },
      projections: [directory as unknown as AnyProjection],
      forget: { allow: ['staff'], actors: ['human'] },
    },
    { path: join(dir, 'app.db'), kek: Buffer.alloc(32, 5), env: {} },
  );
});
afterEach(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Writes MemberRegistered as version 1 would have, encrypted with version 1's pii fields. */
async function storeVersionOne(memberId: string, fullName: string, recordedAt: string): Promise<void> {
  const data = await new PiiCodec(app.keys).encrypt(
    ['fullName', 'email'],
    { fullName, email: `${memberId}@example.com` },
    { subject: memberId, streamId: memberId, version: 1, type: 'MemberRegistered' },
  );
  const metadata = {
    commandId: `old-${memberId}`,
    command: 'RegisterMember',
    correlationId: `old-${memberId}`,
    causationId: null,
    actorId: 'sam',
    actorKind: 'human',
    onBehalfOf: null,
    subject: memberId,
    tenant: 't1',
  } as const;
  const audit = {
    ...metadata,
    streamId: memberId,
    actor: { id: 'sam', kind: 'human', roles: ['staff'] },
    idempotencyKey: null,
    payloadHash: null,
    decision: 'allowed',
    reason: null,
    outcome: 'accepted',
    error: null,
    versions: { from: 1, to: 1 },
  } as const;
  const { actorId: _a, actorKind: _k, ...auditFields } = audit;
  const result = await app.store.events.commit({
    streamId: memberId,
    bucket: bucketOf(memberId),
    expectedVersion: 0,
    recordedAt,
    metadata,
    events: [{ type: 'MemberRegistered', schemaVersion: 1, data }],
    audit: auditFields,
  });
  expect(result.ok).toBe(true);
}

describe('events stored with an earlier shape', () => {
  it('load, project, rebuild, show in history and state-at through the upcaster, and verify', async () => {
    await storeVersionOne('m-old', 'Ada Lovelace', '2025-03-14T09:00:00.000Z');
    expect((await app.execute(register, { memberId: 'm-new', displayName: 'Grace', legalName: 'Grace Hopper', email: 'g@example.com' }, staff)).ok).toBe(true);
    const [stored] = await app.store.events.readStream('m-old', 0);
    expect(stored).toMatchObject({ schemaVersion: 1, data: { fullName: expect.stringMatching(/^gw:pii:v1:/) } });
    expect((await app.store.events.readStream('m-new', 0))[0]!.schemaVersion).toBe(2);

    expect((await app.pipeline.load(member, 'm-old')).state).toEqual({ displayName: 'Ada', legalName: 'Ada Lovelace', memberSince: '2025-03-14' });
    await app.projections.catchUp();
    const rows = app.rows<DirectoryRow>('Directory');
    expect(await rows.get('m-old', 't1')).toEqual({ memberId: 'm-old', displayName: 'Ada', since: '2025-03-14' });
    expect(await rows.get('m-new', 't1')).toEqual({ memberId: 'm-new', displayName: 'Grace', since: '2026-05-01' });
    expect(await app.projections.rebuild('Directory')).toBe(2);
    expect(await rows.get('m-old', 't1')).toEqual({ memberId: 'm-old', displayName: 'Ada', since: '2025-03-14' });

    const [entry] = await app.trust.history({ stream: 'm-old' }, 't1');
    expect(entry!.events[0]!.data).toEqual({ displayName: 'Ada', legalName: 'Ada Lovelace', email: 'm-old@example.com', memberSince: '2025-03-14' });
    expect(await app.trust.stateAt(member, 'm-old', { version: 1 }, 't1')).toEqual({
      state: { displayName: 'Ada', legalName: 'Ada Lovelace', memberSince: '2025-03-14' },
      version: 1,
    });
    expect(await app.verify()).toMatchObject({ ok: true, findings: [] });
    expect((await app.store.events.readStream('m-old', 0))[0]!.data).toEqual(stored!.data);
  });

  it("after forget, the upcaster sees the older shape's pii as erased", async () => {
    await storeVersionOne('m-old', 'Ada Lovelace', '2025-03-14T09:00:00.000Z');
    await app.trust.forget('m-old', { ...staff, commandId: 'forget-1' });
    expect((await app.pipeline.load(member, 'm-old')).state).toEqual({ displayName: 'member', legalName: ERASED, memberSince: '2025-03-14' });
    const [entry] = await app.trust.history({ stream: 'm-old' }, 't1');
    expect(entry!.events[0]!.data).toMatchObject({ legalName: ERASED, email: ERASED });
    expect(await app.verify()).toMatchObject({ ok: true });
  });

  it('the test helper takes older shapes too', () => {
    const scenario = given(member, [
      { type: 'MemberRegistered', schemaVersion: 1, data: { fullName: 'Ada Lovelace', email: 'a@example.com' }, recordedAt: '2024-01-02T00:00:00.000Z' },
    ]);
    expect(scenario.state).toEqual({ displayName: 'Ada', legalName: 'Ada Lovelace', memberSince: '2024-01-02' });
  });
});
