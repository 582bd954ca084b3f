/**
 * Read models belong to tenants: an event of tenant A never touches tenant B's rows, even when it
 * names B's key, and every read of the app names its tenant.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  openApp,
  openSqliteStore,
  type AnyAggregate,
  type AnyCommand,
  type AnyProjection,
  type App,
  type CommandDefinition,
  type ProjectionDefinition,
  type Stored,
} from '../../src/runtime/index.js';

type Noted = { readonly type: 'Noted'; readonly data: { readonly target: string; readonly amount: number } };
const note = {
  name: 'Note',
  idField: 'noteId',
  initialState: () => ({}),
  fold: () => undefined,
  subjectOf: () => undefined,
  snapshotEvery: undefined,
  stateVersion: 'note-v1',
  pii: {},
  statePii: false,
};
const input = z.strictObject({ noteId: z.string(), target: z.string(), amount: z.number() });
const addNote: CommandDefinition<z.output<typeof input>, object, Noted> = {
  name: 'AddNote',
  aggregate: note,
  schema: input,
  streamIdOf: (i) => i.noteId,
  creates: true,
  allow: ['staff'],
  actors: ['human'],
  decide: (c) => [{ type: 'Noted', data: { target: c.target, amount: c.amount } }],
  undo: undefined,
};
interface TotalRow {
  target: string;
  total: number | null;
}
/** Keyed by a field that names another aggregate: the way a refund names a subscription. */
const totals: ProjectionDefinition<TotalRow, Stored<Noted>> = {
  name: 'Totals',
  pii: false,
  table: 'totals',
  key: 'target',
  columns: [{ name: 'total', kind: 'integer' }],
  handles: ['Noted'],
  async apply(event, rows) {
    await rows.merge(event.data.target, { total: ((await rows.get(event.data.target))?.total ?? 0) + event.data.amount });
  },
};

let dir: string;
let app: App;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gw-tenants-'));
  app = await openApp(
    {
      commands: { AddNote: addNote as unknown as AnyCommand },
      aggregates: { Note: note as unknown as AnyAggregate },
      projections: [totals as unknown as AnyProjection],
    },
    { path: join(dir, 'app.db'), env: {} },
  );
});
afterEach(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

const staffOf = (tenant: string) => ({ actor: { id: `staff-${tenant}`, kind: 'human', roles: ['staff'] }, tenant }) as const;

describe('tenant-bound read models', () => {
  it("an event of tenant A that names tenant B's key writes A's own row and leaves B's alone", async () => {
    expect((await app.execute(addNote, { noteId: 'n1', target: 'sub-b', amount: 100 }, staffOf('b'))).ok).toBe(true);
    expect((await app.execute(addNote, { noteId: 'n2', target: 'sub-b', amount: 7 }, staffOf('a'))).ok).toBe(true);
    const rows = app.rows<TotalRow>('Totals');
    expect(await rows.get('sub-b', 'b')).toEqual({ target: 'sub-b', total: 100 });
    expect(await rows.get('sub-b', 'a')).toEqual({ target: 'sub-b', total: 7 });
    expect(await rows.findBy('total', 100, 'a')).toEqual([]);
    expect(await app.projections.rebuild('Totals')).toBe(2);
    expect(await rows.get('sub-b', 'b')).toEqual({ target: 'sub-b', total: 100 });
  });
});

describe('a read model from before rows were scoped by tenant', () => {
  it('is dropped and rebuilt from the events on open', async () => {
    await app.execute(addNote, { noteId: 'n1', target: 'x', amount: 5 }, staffOf('a'));
    await app.close();
    const store = openSqliteStore(join(dir, 'app.db'));
    store.db.exec(
      `DROP TABLE totals; CREATE TABLE totals (target TEXT PRIMARY KEY, gw_tenant TEXT NOT NULL, total INTEGER) STRICT; INSERT INTO totals VALUES ('x', 'a', 999)`,
    );
    await store.close();
    app = await openApp(
      {
        commands: { AddNote: addNote as unknown as AnyCommand },
        aggregates: { Note: note as unknown as AnyAggregate },
        projections: [totals as unknown as AnyProjection],
      },
      { path: join(dir, 'app.db'), env: {} },
    );
    expect(await app.rows<TotalRow>('Totals').get('x', 'a')).toEqual({ target: 'x', total: 5 });
  });
});
