/**
 * Projections in the command's own transaction: one durable commit per command (or per group),
 * read models current when the caller is answered, a throwing handler that neither loses events
 * nor leaves half a batch in its read model, and no skipped or doubled event when another process
 * wrote in between.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  openApp,
  openSqliteStore,
  type AnyAggregate,
  type AnyProjection,
  type App,
  type ProjectionDefinition,
  type SqliteStore,
  type StoredEvent,
} from '../../src/runtime/index.js';
import { counter, human, increment, openCounter } from '../runtime/counter.js';
import { COMMANDS } from './harness.js';

interface Total {
  counterId: string;
  total: number | null;
  touched: number | null;
}

let failOn: number | undefined;
const totals: ProjectionDefinition<Total, StoredEvent> = {
  name: 'Totals',
  pii: false,
  table: 'totals',
  key: 'counterId',
  columns: [
    { name: 'total', kind: 'integer' },
    { name: 'touched', kind: 'integer' },
  ],
  handles: ['CounterOpened', 'CounterIncremented'],
  async apply(event, rows) {
    const row = await rows.get(event.streamId);
    // A write before the throw: it must not survive in the read model.
    await rows.merge(event.streamId, { touched: (row?.touched ?? 0) + 1 });
    if (event.type === 'CounterIncremented' && (event.data as { by: number }).by === failOn) throw new Error(`cannot add ${failOn}`);
    await rows.merge(event.streamId, { total: (row?.total ?? 0) + (event.type === 'CounterIncremented' ? (event.data as { by: number }).by : 0) });
  },
};

const definition = {
  commands: COMMANDS,
  aggregates: { Counter: counter as unknown as AnyAggregate },
  projections: [totals as unknown as AnyProjection],
};

let dir: string;
let app: App;
beforeEach(async () => {
  failOn = undefined;
  dir = mkdtempSync(join(tmpdir(), 'gw-inline-'));
  app = await openApp(definition, { path: join(dir, 'app.db'), env: {} });
});
afterEach(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

const position = (store: SqliteStore) =>
  (store.db.prepare(`SELECT position FROM gw_projection_positions WHERE name = 'Totals'`).get() as { position: number } | undefined)?.position;

describe('projections in the command transaction', () => {
  it('commits events and read model together, once per command, and the caller reads its own write', async () => {
    const store = app.store as SqliteStore;
    const begin = vi.spyOn(store.db, 'exec');
    expect((await app.execute(openCounter, { counterId: 'c1', owner: 'o', limit: 100 }, human)).ok).toBe(true);
    const advance = vi.spyOn(store.projections, 'advance');
    for (let i = 1; i <= 5; i++) expect((await app.execute(increment, { counterId: 'c1', by: i }, human)).ok).toBe(true);
    expect(await app.rows<Total>('Totals').get('c1', 't1')).toEqual({ counterId: 'c1', total: 15, touched: 6 });
    expect(position(store)).toBe(6);
    expect(advance).not.toHaveBeenCalled();
    const transactions = begin.mock.calls.filter(([sql]) => sql === 'BEGIN IMMEDIATE').length;
    expect(transactions).toBe(6);
  });

  it('many commands in flight share one transaction with their projections', async () => {
    const store = app.store as SqliteStore;
    for (let c = 0; c < 16; c++) await app.execute(openCounter, { counterId: `c${c}`, owner: 'o', limit: 1000 }, human);
    const begin = vi.spyOn(store.db, 'exec');
    const results = await Promise.all(Array.from({ length: 16 }, (_, c) => app.execute(increment, { counterId: `c${c}`, by: 1 }, human)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(begin.mock.calls.filter(([sql]) => sql === 'BEGIN IMMEDIATE').length).toBe(1);
    for (let c = 0; c < 16; c++) expect((await app.rows<Total>('Totals').get(`c${c}`, 't1'))?.total).toBe(1);
  });

  it('a throwing handler parks its projection with nothing half-applied; the command commits; a later catch-up applies each event once', async () => {
    const store = app.store as SqliteStore;
    await app.execute(openCounter, { counterId: 'c1', owner: 'o', limit: 100 }, human);
    await app.execute(increment, { counterId: 'c1', by: 1 }, human);
    failOn = 7;
    const failed = await app.execute(increment, { counterId: 'c1', by: 7 }, human);
    expect(failed).toMatchObject({ ok: true, version: 3 });
    expect(app.status().parked).toEqual({ Totals: 'Error: cannot add 7' });
    expect(await app.rows<Total>('Totals').get('c1', 't1')).toEqual({ counterId: 'c1', total: 1, touched: 2 });
    expect(position(store)).toBe(2);
    expect((await app.execute(increment, { counterId: 'c1', by: 2 }, human)).ok).toBe(true);
    expect(position(store)).toBe(2);
    expect((await app.lag())['Totals']).toMatchObject({ events: 2 });

    failOn = undefined;
    expect((await app.execute(increment, { counterId: 'c1', by: 3 }, human)).ok).toBe(true);
    expect(app.status().parked).toEqual({});
    expect(await app.rows<Total>('Totals').get('c1', 't1')).toEqual({ counterId: 'c1', total: 13, touched: 5 });
    expect(position(store)).toBe(5);
    expect(await app.lag()).toEqual({ Totals: { events: 0, seconds: 0 } });
  });

  it('catches up, skipping and doubling nothing, when another process wrote in between', async () => {
    await app.execute(openCounter, { counterId: 'c1', owner: 'o', limit: 100 }, human);
    // A writer that keeps no projections (an older deployment, a script): ours falls behind.
    const other = await openApp({ ...definition, projections: [] }, { store: openSqliteStore(join(dir, 'app.db')), env: {} });
    for (let i = 0; i < 3; i++) expect((await other.execute(increment, { counterId: 'c1', by: 10 }, human)).ok).toBe(true);
    await other.close();
    const store = app.store as SqliteStore;
    expect(position(store)).toBe(1);
    const advance = vi.spyOn(store.projections, 'advance');
    expect((await app.execute(increment, { counterId: 'c1', by: 1 }, human)).ok).toBe(true);
    expect(advance).toHaveBeenCalled();
    expect(await app.rows<Total>('Totals').get('c1', 't1')).toEqual({ counterId: 'c1', total: 31, touched: 5 });
    expect(position(app.store as SqliteStore)).toBe(5);
  });
});
