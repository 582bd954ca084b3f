/**
 * The store contract: what every store adapter must do, checked through the ports alone. The
 * SQLite adapter runs it now; any other adapter (PostgreSQL next) must pass it unchanged. An
 * adapter supplies a fresh store, a key store, and one way to tamper with a stored row as an
 * attacker with write access to its database would.
 */
import { describe, expect, it } from 'vitest';
import {
  START,
  bucketOf,
  CommandPipeline,
  EventReader,
  PiiCodec,
  ProjectionRunner,
  Trust,
  isCiphertext,
  verifyStore,
  type AnyAggregate,
  type AnyProjection,
  type AuditRecord,
  type CommandContext,
  type CommandQuery,
  type CommandMessage,
  type CommandOutbox,
  type CommitRequest,
  type EventMetadata,
  type KeyStore,
  type Outcome,
  type ProjectionDefinition,
  type Store,
  type StoredEvent,
} from '../../src/runtime/index.js';
import { counter, human, increment, openCounter } from '../runtime/counter.js';
import { customer, register, rename, support } from '../trust/harness.js';

export interface ContractSubject {
  readonly store: Store;
  readonly keys: KeyStore;
  /** Changes one byte of the payload of the event at `position`, leaving its hashes as they were. */
  flipPayloadByte(position: number): Promise<void>;
  close(): Promise<void>;
}

const clockFrom = () => {
  let tick = 0;
  return () => new Date(Date.UTC(2026, 0, 1, 0, 0, 0, tick++));
};

function metadata(tenant: string, commandId: string): EventMetadata {
  return { commandId, command: 'Test', correlationId: commandId, causationId: null, actorId: 'u', actorKind: 'human', onBehalfOf: null, subject: null, tenant };
}

function audit(
  streamId: string,
  tenant: string,
  commandId: string,
  outcome: Outcome,
  versions: AuditRecord['versions'],
  idempotencyKey: string | null = null,
): AuditRecord {
  return {
    commandId,
    command: 'Test',
    streamId,
    tenant,
    actor: { id: 'u', kind: 'human', roles: [] },
    onBehalfOf: null,
    subject: null,
    correlationId: commandId,
    causationId: null,
    idempotencyKey,
    payloadHash: null,
    decision: outcome === 'denied' ? 'denied' : 'allowed',
    reason: null,
    outcome,
    error: outcome === 'accepted' ? null : { code: outcome },
    versions,
  };
}

function request(
  streamId: string,
  expectedVersion: number,
  count: number,
  options: { tenant?: string; commandId?: string; idempotencyKey?: string } = {},
): CommitRequest {
  const tenant = options.tenant ?? 't1';
  const commandId = options.commandId ?? `${streamId}@${expectedVersion}`;
  return {
    streamId,
    bucket: bucketOf(streamId),
    expectedVersion,
    recordedAt: '2026-01-01T00:00:00.000Z',
    metadata: metadata(tenant, commandId),
    events: Array.from({ length: count }, (_, i) => ({ type: 'CounterIncremented', schemaVersion: 1, data: { by: expectedVersion + i + 1 } })),
    audit: audit(
      streamId,
      tenant,
      commandId,
      'accepted',
      count === 0 ? null : { from: expectedVersion + 1, to: expectedVersion + count },
      options.idempotencyKey ?? null,
    ),
  };
}

async function collect<T>(pages: AsyncIterable<readonly T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...page);
  return out;
}

export function describeStoreContract(name: string, open: () => Promise<ContractSubject>): void {
  const withStore = (test: (subject: ContractSubject) => Promise<void>) => async () => {
    const subject = await open();
    try {
      await test(subject);
    } finally {
      await subject.close();
    }
  };

  describe(`store contract: ${name}`, () => {
    it(
      'appends events with contiguous versions and hands them back in order',
      withStore(async ({ store }) => {
        expect(await store.events.commit(request('s1', 0, 2))).toMatchObject({ ok: true, events: [{ version: 1 }, { version: 2 }] });
        expect(await store.events.commit(request('s1', 2, 1))).toMatchObject({ ok: true, events: [{ version: 3 }] });
        const events = await store.events.readStream('s1', 0);
        expect(events.map((e) => [e.version, e.type, e.schemaVersion, e.data])).toEqual([
          [1, 'CounterIncremented', 1, { by: 1 }],
          [2, 'CounterIncremented', 1, { by: 2 }],
          [3, 'CounterIncremented', 1, { by: 3 }],
        ]);
        expect((await store.events.readStream('s1', 2)).map((e) => e.version)).toEqual([3]);
        const fold = await store.events.readForFold('s1', 1, 'context');
        expect(fold).toEqual({
          tenant: 't1',
          events: [
            { type: 'CounterIncremented', schemaVersion: 1, data: { by: 2 }, subject: null, recordedAt: '2026-01-01T00:00:00.000Z' },
            { type: 'CounterIncremented', schemaVersion: 1, data: { by: 3 }, subject: null, recordedAt: '2026-01-01T00:00:00.000Z' },
          ],
        });
        expect(await store.events.readForFold('nothing', 0, 'lean')).toEqual({ tenant: undefined, events: [] });
      }),
    );

    it(
      "answers a stream's head and a subject's tenants, for reference checks and a tenant-scoped forget",
      withStore(async ({ store }) => {
        expect(await store.events.streamHead('s1')).toBeUndefined();
        const owned = (streamId: string, tenant: string, subject: string, count: number): CommitRequest => {
          const base = request(streamId, 0, count, { tenant });
          return { ...base, metadata: { ...base.metadata, subject }, audit: { ...base.audit, subject } };
        };
        await store.events.commit(owned('s1', 't1', 'cust-1', 2));
        await store.events.commit(owned('s2', 't2', 'cust-1', 1));
        await store.events.commit(owned('s3', 't1', 'cust-2', 1));
        await store.events.commit(request('s4', 0, 1));
        expect(await store.events.streamHead('s1')).toEqual({ version: 2, type: 'CounterIncremented', tenant: 't1', subject: 'cust-1' });
        expect(await store.events.streamHead('s4')).toEqual({ version: 1, type: 'CounterIncremented', tenant: 't1', subject: null });
        expect(await store.events.subjectTenants('cust-1')).toEqual(['t1', 't2']);
        expect(await store.events.subjectTenants('cust-2')).toEqual(['t1']);
        expect(await store.events.subjectTenants('nobody')).toEqual([]);
      }),
    );

    it(
      'finds every audit record by stream, subject, on-behalf-of, correlation and actor, in write order, before and after many gather',
      withStore(async ({ store }) => {
        const shaped = (streamId: string, i: number): CommitRequest => {
          const base = request(streamId, 0, 1, { commandId: `cmd-${i}` });
          const subject = `subj-${i % 3}`;
          return {
            ...base,
            metadata: { ...base.metadata, subject },
            audit: {
              ...base.audit,
              subject,
              onBehalfOf: i % 5 === 0 ? 'subj-9' : null,
              actor: { id: `actor-${i % 2}`, kind: 'human', roles: [] },
              correlationId: `corr-${i % 4}`,
            },
          };
        };
        // Commands committed concurrently are recorded in an order the store decides: compare as sets then.
        const expectLookups = async (n: number, ordered: boolean) => {
          const of = async (query: CommandQuery) => {
            const ids = (await store.events.commands(query, 't1')).map((c) => c.audit.commandId);
            return ordered ? ids : ids.sort();
          };
          const all = Array.from({ length: n }, (_, i) => i);
          const ids = (keep: (i: number) => boolean) => {
            const found = all.filter(keep).map((i) => `cmd-${i}`);
            return ordered ? found : found.sort();
          };
          expect(await of({ stream: 'stream-7' })).toEqual(n > 7 ? ['cmd-7'] : []);
          expect(await of({ subject: 'subj-1' })).toEqual(ids((i) => i % 3 === 1));
          expect(await of({ subject: 'subj-9' })).toEqual(ids((i) => i % 5 === 0));
          expect(await of({ correlation: 'corr-2' })).toEqual(ids((i) => i % 4 === 2));
          expect(await of({ actor: 'actor-1' })).toEqual(ids((i) => i % 2 === 1));
          expect(await store.events.commands({ actor: 'actor-1' }, 't2')).toEqual([]);
        };
        for (let i = 0; i < 10; i++) await store.events.commit(shaped(`stream-${i}`, i));
        await expectLookups(10, true);
        await Promise.all(Array.from({ length: 1100 }, (_, k) => store.events.commit(shaped(`stream-${k + 10}`, k + 10))));
        await expectLookups(1110, false);
      }),
    );

    it(
      'refuses a commit whose stream moved, as a conflict that writes nothing',
      withStore(async ({ store }) => {
        await store.events.commit(request('s1', 0, 1));
        expect(await store.events.commit(request('s1', 0, 1, { commandId: 'late' }))).toEqual({ ok: false, conflict: { actualVersion: 1 } });
        expect(await store.events.findAccepted('t1', { commandId: 'late' })).toBeUndefined();
        expect(await store.events.readStream('s1', 0)).toHaveLength(1);
      }),
    );

    it(
      'keeps one accepted command per id and per idempotency key, in each tenant',
      withStore(async ({ store }) => {
        await store.events.commit(request('s1', 0, 1, { commandId: 'c-1', idempotencyKey: 'k-1' }));
        const again = await store.events.commit(request('s2', 0, 1, { commandId: 'c-1' }));
        expect(again).toMatchObject({ ok: false, duplicate: { audit: { commandId: 'c-1', streamId: 's1' } } });
        expect(await store.events.readStream('s2', 0)).toEqual([]);
        expect(await store.events.findAccepted('t1', { commandId: 'c-1' })).toMatchObject({ audit: { streamId: 's1', versions: { from: 1, to: 1 } } });
        expect(await store.events.findAccepted('t1', { idempotencyKey: 'k-1' })).toMatchObject({ audit: { commandId: 'c-1' } });
        // A new command id with a used key finds the command of that key (a retry under a fresh id).
        expect(await store.events.findAccepted('t1', { commandId: 'c-new', idempotencyKey: 'k-1' })).toMatchObject({ audit: { commandId: 'c-1' } });
        expect(await store.events.findAccepted('t1', { commandId: 'c-new', idempotencyKey: 'k-new' })).toBeUndefined();
        expect(await store.events.findAccepted('t2', { commandId: 'c-1' })).toBeUndefined();
        expect(await store.events.commit(request('s3', 0, 1, { commandId: 'c-1', tenant: 't2' }))).toMatchObject({ ok: true });
      }),
    );

    it(
      "stores snapshots with the commit and deletes a subject's snapshots",
      withStore(async ({ store }) => {
        const withSnapshot = {
          ...request('s1', 0, 2),
          metadata: { ...metadata('t1', 'snap'), subject: 'alice' },
          snapshot: { version: 2, stateVersion: 'v1', state: { value: 3 } },
        };
        await store.events.commit(withSnapshot);
        expect(await store.events.loadSnapshot('s1')).toEqual({ streamId: 's1', tenant: 't1', version: 2, stateVersion: 'v1', state: { value: 3 } });
        expect(await store.events.deleteSnapshotsOf('bob')).toBe(0);
        expect(await store.events.deleteSnapshotsOf('alice')).toBe(1);
        expect(await store.events.loadSnapshot('s1')).toBeUndefined();
      }),
    );

    it(
      'hands out all events in one global order, and a cursor that skips nothing',
      withStore(async ({ store }) => {
        for (let i = 0; i < 12; i++) await store.events.commit(request(`s${i % 5}`, Math.floor(i / 5), 1));
        const seen: StoredEvent[] = [];
        let at = START;
        for (;;) {
          const { events, next } = await store.events.readAll(at, 5);
          if (events.length === 0) break;
          seen.push(...events);
          at = next;
        }
        expect(seen.map((e) => e.position)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
        expect(new Set(seen.map((e) => `${e.streamId}@${e.version}`)).size).toBe(12);
        expect((await store.events.readAll(at, 5)).events).toEqual([]);
        await store.events.commit(request('s0', 3, 1));
        expect((await store.events.readAll(at, 5)).events.map((e) => [e.streamId, e.version])).toEqual([['s0', 3 + 1]]);
      }),
    );

    it(
      'records the audit record of every outcome, chained, and answers history queries per tenant',
      withStore(async ({ store }) => {
        const outcomes: Outcome[] = ['accepted', 'rejected', 'denied', 'invalid', 'failed'];
        for (const [i, outcome] of outcomes.entries()) {
          if (outcome === 'accepted') await store.events.commit(request('s1', 0, 1, { commandId: 'a-0' }));
          else await store.events.recordCommand(bucketOf('s1'), '2026-01-01T00:00:01.000Z', audit('s1', 't1', `a-${i}`, outcome, null));
        }
        await store.events.recordCommand(bucketOf('s1'), '2026-01-01T00:00:02.000Z', audit('s1', 't2', 'other-tenant', 'denied', null));
        const history = await store.events.commands({ stream: 's1' }, 't1');
        expect(history.map((c) => c.audit.outcome)).toEqual(outcomes);
        expect(history.map((c) => c.cseq)).toEqual([1, 2, 3, 4, 5]);
        expect((await store.events.commands({ actor: 'u' }, 't2')).map((c) => c.audit.commandId)).toEqual(['other-tenant']);
        expect((await store.events.commands({ correlation: 'a-2' }, 't1')).map((c) => c.audit.outcome)).toEqual(['denied']);
        expect(await store.events.findAccepted('t1', { commandId: 'a-1' })).toBeUndefined();
      }),
    );

    it(
      'runs writers of one bucket one at a time, and other buckets beside them',
      withStore(async ({ store }) => {
        const log: string[] = [];
        const slow = (tag: string) => async () => {
          log.push(`${tag} in`);
          await new Promise((resolve) => setTimeout(resolve, 10));
          log.push(`${tag} out`);
        };
        await Promise.all([store.events.exclusive(1, slow('a')), store.events.exclusive(1, slow('b')), store.events.exclusive(2, slow('c'))]);
        expect(log.indexOf('b in')).toBeGreaterThan(log.indexOf('a out'));
        expect(log.indexOf('c in')).toBeLessThan(log.indexOf('a out'));
      }),
    );

    it(
      'keeps chains that verify, and verify names the row whose byte was flipped',
      withStore(async (subject) => {
        const { store } = subject;
        const pipeline = new CommandPipeline(store.events, { clock: clockFrom() });
        for (let i = 0; i < 6; i++) {
          await pipeline.execute(openCounter, { counterId: `c${i}`, owner: 'alice', limit: 100 }, human);
          await pipeline.execute(increment, { counterId: `c${i}`, by: 1 }, human);
        }
        await pipeline.execute(increment, { counterId: 'c0', by: 1000 }, human);
        const intact = await verifyStore(store.chains, { storeId: store.events.storeId });
        expect(intact).toMatchObject({ ok: true, findings: [], rows: { events: 12, commands: 13 } });
        const [victim] = (await store.events.readStream('c3', 1)).filter((e) => e.version === 2);
        await subject.flipPayloadByte(victim!.position);
        const tampered = await verifyStore(store.chains, { storeId: store.events.storeId });
        expect(tampered.ok).toBe(false);
        expect(tampered.findings).toEqual([expect.objectContaining({ kind: 'content-mismatch', chain: 'events', bucket: victim!.bucket, seq: victim!.bseq })]);
      }),
    );

    it(
      'stores signed checkpoints over consistent heads',
      withStore(async ({ store }) => {
        await store.events.commit(request('s1', 0, 2));
        await store.events.recordCommand(bucketOf('s2'), '2026-01-01T00:00:01.000Z', audit('s2', 't1', 'x', 'denied', null));
        const stored = await store.chains.storeCheckpoint((inputs) => {
          expect(inputs).toMatchObject({ previous: undefined, events: 2, commands: 2 });
          expect(inputs.eventHeads.map((h) => [h.bucket, h.seq])).toEqual([[bucketOf('s1'), 2]]);
          expect(inputs.commandHeads.map((h) => h.bucket).sort((a, b) => a - b)).toEqual([bucketOf('s1'), bucketOf('s2')].sort((a, b) => a - b));
          return { seq: 1, hash: 'h1', body: '{}', signature: 's' };
        });
        expect(stored.seq).toBe(1);
        expect(await store.chains.latestCheckpoint()).toEqual({ seq: 1, hash: 'h1', body: '{}', signature: 's' });
        await store.chains.storeCheckpoint((inputs) => {
          expect(inputs.previous).toEqual({ seq: 1, hash: 'h1' });
          return { seq: 2, hash: 'h2', body: '{}', signature: 's' };
        });
        const all = [];
        for await (const cp of store.chains.checkpoints()) all.push(cp.seq);
        expect(all).toEqual([1, 2]);
      }),
    );

    it(
      'is its own outbox: a relay reads every event in commit order from the position it advances',
      withStore(async ({ store }) => {
        await store.events.commit(request('s1', 0, 2));
        await store.events.commit(request('s2', 0, 1));
        expect(await store.outbox.position('bus')).toEqual(START);
        const first = await store.events.readAll(await store.outbox.position('bus'), 10);
        expect(first.events.map((e) => [e.streamId, e.version])).toEqual([
          ['s1', 1],
          ['s1', 2],
          ['s2', 1],
        ]);
        expect(await store.events.countAfter(START)).toEqual({ events: 3, oldest: '2026-01-01T00:00:00.000Z' });
        expect(await store.events.countAfter(first.next)).toEqual({ events: 0, oldest: null });
        expect(await store.outbox.advance('bus', START, first.next)).toBe(true);
        expect(await store.outbox.advance('bus', START, first.next)).toBe(false);
        await store.events.commit(request('s1', 2, 1));
        const second = await store.events.readAll(await store.outbox.position('bus'), 10);
        expect(second.events.map((e) => [e.streamId, e.version])).toEqual([['s1', 3]]);
        expect(await store.outbox.position('other-relay')).toEqual(START);
      }),
    );

    it(
      'advances a projection with its rows, and refuses a stale position',
      withStore(async ({ store }) => {
        interface Row {
          counterId: string;
          total: number | null;
        }
        const totals: ProjectionDefinition<Row, StoredEvent> = {
          name: 'ContractTotals',
          pii: false,
          table: 'contract_totals',
          key: 'counterId',
          columns: [{ name: 'total', kind: 'integer' }],
          handles: ['CounterIncremented'],
          async apply(event, rows) {
            await rows.merge(event.streamId, { total: ((await rows.get(event.streamId))?.total ?? 0) + (event.data as { by: number }).by });
          },
        };
        await store.events.commit(request('s1', 0, 3));
        const runner = new ProjectionRunner(store.events, store.projections, [totals as unknown as AnyProjection], async (e) => e);
        await runner.prepare();
        expect(await runner.catchUp()).toBe(3);
        expect(await runner.rows<Row>('ContractTotals').get('s1', 't1')).toEqual({ counterId: 's1', total: 6 });
        expect(await runner.rows<Row>('ContractTotals').get('s1', 'other-tenant')).toBeUndefined();
        const at = await store.projections.position('ContractTotals');
        expect(
          await store.projections.advance(totals, START, at, async () => {
            throw new Error('a stale writer must not run');
          }),
        ).toBe(false);
        await expect(
          store.projections.advance(totals, at, { tx: at.tx, position: at.position + 1 }, async (rows) => {
            await rows.forTenant('t1').merge('s1', { total: 999 });
            throw new Error('handler failed');
          }),
        ).rejects.toThrow('handler failed');
        expect(await runner.rows<Row>('ContractTotals').get('s1', 't1')).toEqual({ counterId: 's1', total: 6 });
        expect(await store.projections.position('ContractTotals')).toEqual(at);
        expect(await runner.rebuild('ContractTotals')).toBe(3);
        expect(await runner.rows<Row>('ContractTotals').get('s1', 't1')).toEqual({ counterId: 's1', total: 6 });
      }),
    );

    it(
      'keeps commands accepted to run later in order, once each, and tells their status from the outbox and the audit log',
      withStore(async ({ store }) => {
        const outbox = (store as Store & { readonly commandOutbox?: CommandOutbox }).commandOutbox;
        expect(outbox, 'every store adapter keeps a command outbox').toBeDefined();
        const message = (commandId: string, tenant = 't1'): CommandMessage => ({
          commandId,
          command: 'Increment',
          input: { counterId: 's1', by: 1 },
          context: { ...human, tenant, commandId },
          bucket: bucketOf('s1'),
          acceptedAt: '2026-01-01T00:00:00.000Z',
        });
        for (const id of ['m1', 'm2', 'm3', 'm2']) await outbox!.add(message(id));
        expect((await outbox!.pending(10)).map((m) => m.commandId)).toEqual(['m1', 'm2', 'm3']);
        expect((await outbox!.pending(2)).map((m) => m.commandId)).toEqual(['m1', 'm2']);
        expect((await outbox!.pending(1))[0]).toEqual(message('m1'));
        expect(await outbox!.status('m2', 't1')).toEqual({ status: 'queued', commandId: 'm2' });
        await outbox!.published(['m1']);
        expect((await outbox!.pending(10)).map((m) => m.commandId)).toEqual(['m2', 'm3']);
        expect(await outbox!.status('m1', 't1')).toEqual({ status: 'unknown', commandId: 'm1' });
        await outbox!.parked(message('m3'), 'decide throws');
        expect((await outbox!.pending(10)).map((m) => m.commandId)).toEqual(['m2']);
        expect(await outbox!.status('m3', 't1')).toMatchObject({ status: 'failed', parked: 'decide throws' });
        await store.events.commit(request('s1', 0, 1, { commandId: 'm2' }));
        expect(await outbox!.status('m2', 't1')).toMatchObject({ status: 'succeeded', streamId: 's1', versions: { from: 1, to: 1 } });
        expect(await outbox!.status('m2', 't2')).toEqual({ status: 'unknown', commandId: 'm2' });
        await store.events.recordCommand(bucketOf('s2'), '2026-01-01T00:00:01.000Z', audit('s2', 't1', 'm4', 'denied', null));
        expect(await outbox!.status('m4', 't1')).toMatchObject({ status: 'rejected', outcome: 'denied' });
      }),
    );

    it(
      'pages a projection in key order (byte order), within one tenant, filtered by a column',
      withStore(async ({ store }) => {
        interface Row {
          counterId: string;
          owner: string | null;
        }
        const owners: ProjectionDefinition<Row, StoredEvent> = {
          name: 'ContractOwners',
          pii: false,
          table: 'contract_owners',
          key: 'counterId',
          columns: [{ name: 'owner', kind: 'text' }],
          handles: ['CounterIncremented'],
          async apply(event, rows) {
            await rows.merge(event.streamId, { owner: event.streamId.endsWith('1') ? 'ann' : 'bob' });
          },
        };
        for (const id of ['b1', 'a2', 'B1', 'c1', 'a1']) await store.events.commit(request(id, 0, 1));
        await store.events.commit(request('z1', 0, 1, { tenant: 't2' }));
        const runner = new ProjectionRunner(store.events, store.projections, [owners as unknown as AnyProjection], async (e) => e);
        await runner.prepare();
        await runner.catchUp();
        const rows = runner.rows<Row>('ContractOwners');
        const keys = async (query: Parameters<typeof rows.page>[1]) => (await rows.page('t1', query)).map((r) => r.counterId);
        expect(await keys({ limit: 10 })).toEqual(['B1', 'a1', 'a2', 'b1', 'c1']);
        expect(await keys({ limit: 2 })).toEqual(['B1', 'a1']);
        expect(await keys({ limit: 2, after: 'a1' })).toEqual(['a2', 'b1']);
        expect(await keys({ limit: 10, after: 'c1' })).toEqual([]);
        expect(await keys({ limit: 10, where: { column: 'owner', value: 'ann' } })).toEqual(['B1', 'a1', 'b1', 'c1']);
        expect(await keys({ limit: 1, after: 'a1', where: { column: 'owner', value: 'ann' } })).toEqual(['b1']);
        expect((await rows.page('t2', { limit: 10 })).map((r) => r.counterId)).toEqual(['z1']);
        await expect(rows.page('t1', { limit: 1, where: { column: 'nope', value: 'x' } })).rejects.toThrow('no column nope');
      }),
    );

    it(
      'forget destroys the key but leaves the ciphertext and every chain intact',
      withStore(async ({ store, keys }) => {
        const codec = new PiiCodec(keys);
        const pipeline = new CommandPipeline(store.events, { codec, clock: clockFrom() });
        const projections = new ProjectionRunner(store.events, store.projections, [], async (e) => e);
        const trust = new Trust({
          events: store.events,
          pipeline,
          projections,
          keys,
          commands: { Register: register, Rename: rename } as never,
          reader: new EventReader(codec, { Customer: customer as unknown as AnyAggregate }),
          meta: store.meta,
          forget: { allow: ['support'], actors: ['human', 'agent'] },
        });
        expect((await pipeline.execute(register, { accountId: 'a1', customerId: 'cust-1', name: 'Ada', email: 'ada@example.com' }, support)).ok).toBe(true);
        await pipeline.execute(rename, { accountId: 'a1', name: 'Ada L.' }, support);
        const stored = await store.events.readStream('a1', 0);
        expect(isCiphertext((stored[0]!.data as { email: unknown }).email)).toBe(true);
        const context: CommandContext = { ...support, commandId: 'forget-1' };
        expect(await trust.forget('cust-1', context)).toMatchObject({ subject: 'cust-1', keyDestroyed: true });
        expect(await keys.get('cust-1')).toBeUndefined();
        const after = await store.events.readStream('a1', 0);
        expect(after.map((e) => e.data)).toEqual(stored.map((e) => e.data));
        expect((await pipeline.load(customer, 'a1')).state.name).toEqual({ erased: true });
        expect((await store.events.commands({ subject: 'cust-1' }, 't1')).map((c) => c.audit.command)).toEqual(['Register', 'Rename', 'Forget']);
        expect(await verifyStore(store.chains, { storeId: store.events.storeId })).toMatchObject({ ok: true, findings: [] });
        void counter;
      }),
    );

    it(
      'keeps requests for approval by id within their tenant, and records one decision only',
      withStore(async ({ store }) => {
        const request = {
          approvalId: 'ap-1',
          command: 'Rename',
          tenant: 't1',
          streamId: 'a1',
          subject: 'cust-1',
          payloadHash: 'h',
          requester: { id: 'agent-7', kind: 'agent' as const },
          onBehalfOf: 'cust-1',
          requestedAt: '2026-01-01T00:00:00.000Z',
          expiresAt: '2026-01-01T00:15:00.000Z',
        };
        await store.approvals.request(request);
        await store.approvals.request({ ...request, command: 'Other' });
        expect(await store.approvals.get('ap-1', 't1')).toEqual({ ...request, decision: 'pending', decidedBy: null, decidedAt: null, reason: null });
        expect(await store.approvals.get('ap-1', 't2')).toBeUndefined();
        expect(await store.approvals.get('ap-2', 't1')).toBeUndefined();
        expect(await store.approvals.decide('ap-1', 't2', 'approved', 'lead', '2026-01-01T00:01:00.000Z', null)).toBe(false);
        expect(await store.approvals.decide('ap-1', 't1', 'refused', 'lead', '2026-01-01T00:01:00.000Z', 'no')).toBe(true);
        expect(await store.approvals.decide('ap-1', 't1', 'approved', 'lead-2', '2026-01-01T00:02:00.000Z', null)).toBe(false);
        expect(await store.approvals.get('ap-1', 't1')).toMatchObject({
          decision: 'refused',
          decidedBy: 'lead',
          decidedAt: '2026-01-01T00:01:00.000Z',
          reason: 'no',
        });
      }),
    );
  });
}
