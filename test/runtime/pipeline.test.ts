import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  CommandPipeline,
  ProjectionRunner,
  openSqliteStore,
  type AnyProjection,
  type AuditRecord,
  type ProjectionDefinition,
  type SqliteStore,
  type StoredEvent,
} from '../../src/runtime/index.js';
import { counter, human, increment, openCounter } from './counter.js';
import { reject } from '../../src/runtime/index.js';

let dir: string;
let store: SqliteStore;
let pipeline: CommandPipeline;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gw-pipeline-'));
  store = openSqliteStore(join(dir, 'p.db'), { synchronous: 'NORMAL' });
  let tick = 0;
  pipeline = new CommandPipeline(store.events, { clock: () => new Date(Date.UTC(2026, 0, 1, 0, 0, tick++)) });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function audits(): AuditRecord[] {
  return (store.db.prepare('SELECT audit FROM gw_commands ORDER BY id').all() as Array<{ audit: string }>).map((r) => JSON.parse(r.audit) as AuditRecord);
}
function eventCount(): number {
  return (store.db.prepare('SELECT COUNT(*) AS n FROM gw_events').get() as { n: number }).n;
}

const agentForAlice = {
  actor: { id: 'agent-7', kind: 'agent', roles: ['owner'] },
  onBehalfOf: 'alice',
  tenant: 't1',
  correlationId: 'corr-1',
  causationId: 'cause-1',
} as const;

describe('the command pipeline', () => {
  it('records who acted, for whom, and the decision, apart from the events', async () => {
    await pipeline.execute(openCounter, { counterId: 'c1', owner: 'alice', limit: 10 }, human);
    const result = await pipeline.execute(increment, { counterId: 'c1', by: 3 }, { ...agentForAlice, commandId: 'cmd-42' });
    expect(result).toMatchObject({ ok: true, commandId: 'cmd-42', streamId: 'c1', version: 2, duplicate: false });
    const audit = audits()[1]!;
    expect(audit).toEqual({
      commandId: 'cmd-42',
      command: 'Increment',
      streamId: 'c1',
      tenant: 't1',
      actor: { id: 'agent-7', kind: 'agent', roles: ['owner'] },
      onBehalfOf: 'alice',
      subject: 'alice',
      correlationId: 'corr-1',
      causationId: 'cause-1',
      idempotencyKey: null,
      payloadHash: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown as string,
      decision: 'allowed',
      reason: null,
      outcome: 'accepted',
      error: null,
      versions: { from: 2, to: 2 },
    });
    if (result.ok)
      expect(result.events[0]!.metadata).toEqual({
        commandId: 'cmd-42',
        command: 'Increment',
        correlationId: 'corr-1',
        causationId: 'cause-1',
        actorId: 'agent-7',
        actorKind: 'agent',
        onBehalfOf: 'alice',
        subject: 'alice',
        tenant: 't1',
      });
  });

  it('denies a missing role and a wrong actor kind, audits the denial, and records no event', async () => {
    await pipeline.execute(openCounter, { counterId: 'c1', owner: 'alice', limit: 10 }, human);
    const noRole = await pipeline.execute(increment, { counterId: 'c1', by: 1 }, { actor: { id: 'u2', kind: 'human', roles: ['viewer'] }, tenant: 't1' });
    expect(noRole).toMatchObject({ ok: false, error: { code: 'forbidden', reason: 'role' } });
    const wrongKind = await pipeline.execute(increment, { counterId: 'c1', by: 1 }, { actor: { id: 's1', kind: 'service', roles: ['owner'] }, tenant: 't1' });
    expect(wrongKind).toMatchObject({ ok: false, error: { code: 'forbidden', reason: 'actor-kind' } });
    expect(eventCount()).toBe(1);
    expect(
      audits()
        .slice(1)
        .map((a) => [a.outcome, a.decision, a.reason?.split(':')[0]]),
    ).toEqual([
      ['denied', 'denied', 'role'],
      ['denied', 'denied', 'actor-kind'],
    ]);
  });

  it("denies a confused deputy: an agent acting for alice cannot touch bob's counter", async () => {
    await pipeline.execute(openCounter, { counterId: 'bobs', owner: 'bob', limit: 10 }, human);
    const result = await pipeline.execute(increment, { counterId: 'bobs', by: 1 }, agentForAlice);
    expect(result).toMatchObject({ ok: false, error: { code: 'forbidden', reason: 'subject' } });
    const created = await pipeline.execute(openCounter, { counterId: 'sneaky', owner: 'bob', limit: 1 }, agentForAlice);
    expect(created).toMatchObject({ ok: false, error: { code: 'forbidden', reason: 'subject' } });
    expect(eventCount()).toBe(1);
    expect(
      audits()
        .slice(1)
        .map((a) => [a.outcome, a.onBehalfOf, a.actor.id]),
    ).toEqual([
      ['denied', 'alice', 'agent-7'],
      ['denied', 'alice', 'agent-7'],
    ]);
  });

  it('returns validation errors with field paths, rejects unknown keys, and audits them', async () => {
    const result = await pipeline.execute(openCounter, { counterId: 'c1', owner: '', limit: 0, extra: 1 }, human);
    expect(result.ok).toBe(false);
    if (!result.ok && result.error.code === 'validation') {
      expect(result.error.issues.map((i) => i.path.join('.')).sort()).toEqual(['', 'limit', 'owner']);
    } else throw new Error('expected a validation error');
    expect(audits()[0]).toMatchObject({ outcome: 'invalid', streamId: 'c1', payloadHash: null });
  });

  it('rejects prototype-polluting payloads and pollutes nothing', async () => {
    const payload = JSON.parse(
      '{"counterId":"c9","owner":"x","limit":1,"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}',
    ) as unknown;
    const result = await pipeline.execute(openCounter, payload, human);
    expect(result).toMatchObject({ ok: false, error: { code: 'validation' } });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('knows not-found, already-exists and domain rules', async () => {
    expect(await pipeline.execute(increment, { counterId: 'none', by: 1 }, human)).toMatchObject({ ok: false, error: { code: 'not-found' } });
    await pipeline.execute(openCounter, { counterId: 'c1', owner: 'alice', limit: 2 }, human);
    expect(await pipeline.execute(openCounter, { counterId: 'c1', owner: 'alice', limit: 2 }, human)).toMatchObject({
      ok: false,
      error: { code: 'already-exists' },
    });
    expect(await pipeline.execute(increment, { counterId: 'c1', by: 5 }, human)).toMatchObject({ ok: false, error: { code: 'domain', rule: 'limit' } });
    expect(audits().map((a) => a.outcome)).toEqual(['rejected', 'accepted', 'rejected', 'rejected']);
  });

  it('deduplicates retries by command id, sequential and concurrent, and refuses a changed payload', async () => {
    await pipeline.execute(openCounter, { counterId: 'c1', owner: 'alice', limit: 100 }, human);
    const context = { ...human, commandId: 'retry-1' };
    const first = await pipeline.execute(increment, { counterId: 'c1', by: 1 }, context);
    const again = await Promise.all(Array.from({ length: 9 }, () => pipeline.execute(increment, { counterId: 'c1', by: 1 }, context)));
    expect(first).toMatchObject({ ok: true, duplicate: false, version: 2 });
    for (const r of again) expect(r).toMatchObject({ ok: true, duplicate: true, version: 2, commandId: 'retry-1' });
    if (first.ok && again[0]!.ok) expect(again[0]!.events).toEqual(first.events);
    expect(eventCount()).toBe(2);
    console.log(`duplicate command: 10 calls with one command id, 9 dedupe hits, ${eventCount() - 1} set of events`);
    const changed = await pipeline.execute(increment, { counterId: 'c1', by: 2 }, context);
    expect(changed).toMatchObject({ ok: false, error: { code: 'idempotency-mismatch' } });
    const byKey = { ...human, idempotencyKey: 'k-1' };
    await pipeline.execute(increment, { counterId: 'c1', by: 1 }, byKey);
    expect(await pipeline.execute(increment, { counterId: 'c1', by: 1 }, byKey)).toMatchObject({ ok: true, duplicate: true });
    expect(eventCount()).toBe(3);
  });

  it("a command id reused for another command with the same payload is a mismatch, audited, never the other command's result", async () => {
    await pipeline.execute(openCounter, { counterId: 'c1', owner: 'alice', limit: 10 }, human);
    const bump = { ...increment, name: 'Bump' };
    expect(await pipeline.execute(increment, { counterId: 'c1', by: 1 }, { ...human, commandId: 'shared' })).toMatchObject({ ok: true, duplicate: false });
    const other = await pipeline.execute(bump, { counterId: 'c1', by: 1 }, { ...human, commandId: 'shared' });
    expect(other).toMatchObject({ ok: false, error: { code: 'idempotency-mismatch', message: 'command shared was already accepted as Increment' } });
    expect(audits().at(-1)).toMatchObject({ command: 'Bump', commandId: 'shared', outcome: 'rejected', error: { code: 'idempotency-mismatch' } });
    expect(eventCount()).toBe(2);
  });

  it('writes snapshots every N events and ignores them when the state shape changes', async () => {
    await pipeline.execute(openCounter, { counterId: 'c1', owner: 'alice', limit: 100 }, human);
    for (let i = 0; i < 4; i++) await pipeline.execute(increment, { counterId: 'c1', by: 1 }, human);
    const snapshot = await store.events.loadSnapshot('c1');
    expect(snapshot).toMatchObject({ version: 3, stateVersion: 'counter-v1', state: { owner: 'alice', value: 2, limit: 100 } });
    store.db.prepare(`UPDATE gw_snapshots SET state = '{"owner":"alice","value":1000,"limit":100}'`).run();
    // This process still has the state it committed; another one (no cached state) reads the snapshot.
    expect((await pipeline.load(counter, 'c1')).state.value).toBe(4);
    const fresh = new CommandPipeline(store.events, { stateCache: 0 });
    expect((await fresh.load(counter, 'c1')).state.value).toBe(1002);
    const reshaped = { ...counter, stateVersion: 'counter-v2' };
    expect(await fresh.load(reshaped, 'c1')).toEqual({ state: { owner: 'alice', value: 4, limit: 100 }, version: 5, tenant: 't1' });
    expect(await pipeline.load(reshaped, 'c1')).toEqual({ state: { owner: 'alice', value: 4, limit: 100 }, version: 5, tenant: 't1' });
  });

  it('keeps the states it committed, copied in and out, and folds in what another writer appended since', async () => {
    await pipeline.execute(openCounter, { counterId: 'c1', owner: 'alice', limit: 100 }, human);
    await pipeline.execute(increment, { counterId: 'c1', by: 2 }, human);
    const read = vi.spyOn(store.events, 'readForFold');
    const loaded = await pipeline.load(counter, 'c1');
    expect(loaded).toEqual({ state: { owner: 'alice', value: 2, limit: 100 }, version: 2, tenant: 't1' });
    expect(read).toHaveBeenCalledWith('c1', 2, 'lean');
    loaded.state.value = 999;
    expect((await pipeline.load(counter, 'c1')).state.value).toBe(2);
    const other = new CommandPipeline(store.events, { stateCache: 0 });
    await other.execute(increment, { counterId: 'c1', by: 5 }, human);
    expect(await pipeline.load(counter, 'c1')).toEqual({ state: { owner: 'alice', value: 7, limit: 100 }, version: 3, tenant: 't1' });
    const over = await pipeline.execute(increment, { counterId: 'c1', by: 94 }, human);
    expect(over).toMatchObject({ ok: false, error: { code: 'domain' } });
    expect((await pipeline.execute(increment, { counterId: 'c1', by: 93 }, human)).ok).toBe(true);
  });

  it('decides on the state it committed without reading the stream again, and retries on the stored state when another writer moved it', async () => {
    await pipeline.execute(openCounter, { counterId: 'c1', owner: 'alice', limit: 100 }, human);
    await pipeline.execute(increment, { counterId: 'c1', by: 2 }, human);
    const read = vi.spyOn(store.events, 'readForFold');
    expect(await pipeline.execute(increment, { counterId: 'c1', by: 1 }, human)).toMatchObject({ ok: true, version: 3 });
    expect(read).not.toHaveBeenCalled();

    // Another writer takes the counter to 99: the cached state (3) would accept 5, the store's refuses it.
    const other = new CommandPipeline(store.events, { stateCache: 0 });
    await other.execute(increment, { counterId: 'c1', by: 96 }, human);
    read.mockClear();
    const over = await pipeline.execute(increment, { counterId: 'c1', by: 5 }, human);
    expect(over).toMatchObject({ ok: false, error: { code: 'domain', rule: 'limit' } });
    expect(read).toHaveBeenCalledTimes(1);

    // And a refusal decided on a cached state is never recorded before the store confirms it:
    // here the cached state (99) refuses, the store's (49 after another writer's 50) accepts.
    const atLeast = {
      ...increment,
      name: 'IncrementAbove',
      decide: (command: { counterId: string; by: number }, state: { readonly value: number }) =>
        state.value < 150 ? reject('below', `${state.value} is below 150`) : [{ type: 'CounterIncremented' as const, data: { by: command.by } }],
    };
    const wide = { ...openCounter, name: 'OpenWide' };
    await pipeline.execute(wide, { counterId: 'c2', owner: 'alice', limit: 1000 }, human);
    await pipeline.execute(increment, { counterId: 'c2', by: 100 }, human);
    await other.execute(increment, { counterId: 'c2', by: 60 }, human);
    expect(await pipeline.execute(atLeast, { counterId: 'c2', by: 1 }, human)).toMatchObject({ ok: true, version: 4 });
    expect(
      audits()
        .filter((a) => a.command === 'IncrementAbove')
        .map((a) => a.outcome),
    ).toEqual(['accepted']);
    expect(
      audits()
        .filter((a) => a.outcome === 'rejected')
        .map((a) => a.command),
    ).toEqual(['Increment']);
  });

  it('answers a dry run with the events the command would record, writes nothing, and refuses like execute does', async () => {
    const rows = () => (store.db.prepare('SELECT (SELECT COUNT(*) FROM gw_events) + (SELECT COUNT(*) FROM gw_commands) AS n').get() as { n: number }).n;
    const planned = await pipeline.dryRun(openCounter, { counterId: 'c1', owner: 'alice', limit: 10 }, human);
    expect(planned).toMatchObject({
      ok: true,
      dryRun: true,
      streamId: 'c1',
      version: 1,
      duplicate: false,
      events: [{ type: 'CounterOpened', data: { owner: 'alice', limit: 10 }, version: 1 }],
    });
    expect(rows()).toBe(0);
    const opened = await pipeline.execute(openCounter, { counterId: 'c1', owner: 'alice', limit: 10 }, human);
    expect(opened).toMatchObject({ ok: true, events: [{ type: 'CounterOpened', version: 1 }] });
    const before = rows();
    expect(await pipeline.dryRun(increment, { counterId: 'c1', by: 3 }, human)).toMatchObject({
      ok: true,
      version: 2,
      events: [{ type: 'CounterIncremented', data: { by: 3 }, version: 2 }],
    });
    expect(await pipeline.dryRun(increment, { counterId: 'c1', by: 30 }, human)).toMatchObject({ ok: false, error: { code: 'domain', rule: 'limit' } });
    expect(await pipeline.dryRun(increment, { counterId: 'c1', by: -1 }, human)).toMatchObject({ ok: false, error: { code: 'validation' } });
    expect(await pipeline.dryRun(increment, { counterId: 'c1', by: 1 }, { ...human, actor: { ...human.actor, roles: [] } })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    expect(await pipeline.dryRun(increment, { counterId: 'c1', by: 1 }, { tenant: 't1' } as never)).toMatchObject({ ok: false, error: { code: 'validation' } });
    // The command id of an accepted command: nothing new would be recorded.
    expect(await pipeline.dryRun(openCounter, { counterId: 'c1', owner: 'alice', limit: 10 }, { ...human, commandId: opened.commandId })).toMatchObject({
      ok: true,
      duplicate: true,
      events: [{ type: 'CounterOpened', version: 1 }],
    });
    expect(rows()).toBe(before);
    // The state it read stays the store's: a later command still sees version 1.
    expect(await pipeline.execute(increment, { counterId: 'c1', by: 3 }, human)).toMatchObject({ ok: true, version: 2 });
  });

  it('turns an exception in decide into a typed internal error with a failed audit record', async () => {
    await pipeline.execute(openCounter, { counterId: 'c1', owner: 'alice', limit: 100 }, human);
    const broken = {
      ...increment,
      decide: () => {
        throw new Error('boom');
      },
    };
    expect(await pipeline.execute(broken, { counterId: 'c1', by: 1 }, human)).toMatchObject({ ok: false, error: { code: 'internal', message: 'Error: boom' } });
    expect(audits()[1]).toMatchObject({ outcome: 'failed', error: { code: 'internal' } });
  });
});

describe('projections', () => {
  const runner = (definition: ProjectionDefinition<TotalRow>) =>
    new ProjectionRunner(store.events, store.projections, [definition as unknown as AnyProjection], async (e) => e);
  interface TotalRow {
    counterId: string;
    owner: string | null;
    total: number | null;
    events: number | null;
  }
  const totals: ProjectionDefinition<TotalRow> = {
    name: 'Totals',
    pii: false,
    table: 'p_totals',
    key: 'counterId',
    columns: [
      { name: 'owner', kind: 'text' },
      { name: 'total', kind: 'integer' },
      { name: 'events', kind: 'integer' },
    ],
    handles: ['CounterOpened', 'CounterIncremented'],
    async apply(event: StoredEvent, rows) {
      const row = await rows.get(event.streamId);
      const events = (row?.events ?? 0) + 1;
      switch (event.type) {
        case 'CounterOpened':
          await rows.merge(event.streamId, { owner: (event.data as { owner: string }).owner, total: 0, events });
          return;
        case 'CounterIncremented':
          await rows.merge(event.streamId, { total: (row?.total ?? 0) + (event.data as { by: number }).by, events });
          return;
      }
    },
  };

  it('apply every event once, keep a checkpoint, and rebuild to the same rows', async () => {
    const projections = runner(totals);
    await pipeline.execute(openCounter, { counterId: 'c1', owner: 'alice', limit: 100 }, human);
    await pipeline.execute(increment, { counterId: 'c1', by: 4 }, human);
    expect(await projections.catchUp()).toBe(2);
    expect(await projections.catchUp()).toBe(0);
    await pipeline.execute(increment, { counterId: 'c1', by: 1 }, human);
    expect(await projections.catchUp()).toBe(1);
    const rows = projections.rows<TotalRow>('Totals');
    expect(await rows.get('c1', 't1')).toEqual({ counterId: 'c1', owner: 'alice', total: 5, events: 3 });
    expect(await store.projections.position('Totals')).toEqual({ tx: 0, position: 3 });
    expect(await projections.rebuild('Totals')).toBe(3);
    expect(await rows.get('c1', 't1')).toEqual({ counterId: 'c1', owner: 'alice', total: 5, events: 3 });
    expect(await rows.findBy('owner', 'alice', 't1')).toHaveLength(1);
  });

  it('a crash in a handler applies nothing of the batch, parks the projection at its position, and the next catch-up retries', async () => {
    let fail = true;
    const flaky: ProjectionDefinition<TotalRow> = {
      ...totals,
      apply: async (event, rows) => {
        if (fail && event.version === 2) throw new Error('crash');
        await totals.apply(event, rows);
      },
    };
    const projections = runner(flaky);
    await pipeline.execute(openCounter, { counterId: 'c1', owner: 'alice', limit: 100 }, human);
    await pipeline.execute(increment, { counterId: 'c1', by: 4 }, human);
    expect(await projections.catchUp()).toBe(0);
    expect(projections.parked().get('Totals')).toBe('Error: crash');
    expect(await store.projections.position('Totals')).toEqual({ tx: 0, position: 0 });
    expect(await projections.rows<TotalRow>('Totals').get('c1', 't1')).toBeUndefined();
    fail = false;
    expect(await projections.catchUp()).toBe(2);
    expect(await projections.rows<TotalRow>('Totals').get('c1', 't1')).toMatchObject({ total: 4, events: 2 });
    expect(projections.parked().size).toBe(0);
  });
});
