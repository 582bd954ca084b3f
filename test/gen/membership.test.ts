/**
 * The membership example, generated and run: events stored under every earlier version (written
 * here with their old shapes, as an older release of the project wrote them) load, project,
 * rebuild, replay in state-at and show in history through the upcasters the user wrote; verify
 * passes and the stored bytes never change. A Member is the data subject of its own record.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Runtime from '../../src/runtime/index.js';
import { ulidGenerator } from '../../src/runtime/index.js';
import { LOAN_DAYS, fixture, tempProject, writeMembershipUpcasters, type TempProject } from './project.js';

interface Result {
  ok: boolean;
  version?: number;
  error?: { code: string; message: string };
}
type Command = (input: Record<string, unknown>, context: Record<string, unknown>) => Promise<Result>;
type App = Runtime.App & {
  commands: Record<string, Command>;
  rows: Record<string, Runtime.ReadRows<Record<string, unknown>>>;
};

let project: TempProject;
let app: App;
let runtime: typeof Runtime;
const ids = ulidGenerator();
const ada = ids();
const grace = ids();
const oldLoan = ids();
const midLoan = ids();
const newLoan = ids();
const staff = { actor: { id: 'sam', kind: 'human', roles: ['staff'] }, tenant: 'lib' } as const;

function days(iso: string, n: number): string {
  return new Date(Date.parse(iso) + n * 86_400_000).toISOString().slice(0, 10);
}

/** Appends one event exactly as an older release stored it: its old shape, its old pii fields, its schema version. */
async function storeOld(
  streamId: string,
  expectedVersion: number,
  subject: string,
  event: { type: string; schemaVersion: number; data: object },
  recordedAt: string,
  pii: readonly string[] = [],
): Promise<void> {
  const data = await new runtime.PiiCodec(app.keys).encrypt(pii, event.data, { subject, streamId, version: expectedVersion + 1, type: event.type });
  const commandId = `old-${streamId}-${expectedVersion}`;
  const metadata = {
    commandId,
    command: 'Old',
    correlationId: commandId,
    causationId: null,
    actorId: 'sam',
    actorKind: 'human',
    onBehalfOf: null,
    subject,
    tenant: 'lib',
  } as const;
  const result = await app.store.events.commit({
    streamId,
    bucket: runtime.bucketOf(streamId),
    expectedVersion,
    recordedAt,
    metadata,
    events: [{ ...event, data }],
    audit: {
      commandId,
      command: 'Old',
      streamId,
      tenant: 'lib',
      actor: staff.actor as Runtime.AuditRecord['actor'],
      onBehalfOf: null,
      subject,
      correlationId: commandId,
      causationId: null,
      idempotencyKey: null,
      payloadHash: null,
      decision: 'allowed',
      reason: null,
      outcome: 'accepted',
      error: null,
      versions: { from: expectedVersion + 1, to: expectedVersion + 1 },
    },
  });
  expect(result.ok).toBe(true);
}

beforeAll(async () => {
  // The example declares no forget rule (forget is denied by default); this copy says staff may.
  project = tempProject({ 'membership.groundwork.yaml': `${fixture('membership')}\noperations:\n  forget:\n    allow: [staff]\n    actors: [human]\n` });
  expect((await project.gen()).code).toBe(0);
  writeMembershipUpcasters(project);
  expect(project.tsc(true)).toBe('');
  runtime = (await import(pathToFileURL(join(project.dir, 'dist/groundwork/runtime/index.js')).href)) as typeof Runtime;
  const { createApp } = (await import(pathToFileURL(join(project.dir, 'dist/app.js')).href)) as { createApp: (o: Record<string, unknown>) => Promise<App> };
  app = await createApp({ path: join(project.dir, 'library.db'), kek: Buffer.alloc(32, 4), env: {} });
  await storeOld(
    ada,
    0,
    ada,
    { type: 'MemberRegistered', schemaVersion: 1, data: { fullName: 'Ada Lovelace', email: 'ada@example.com' } },
    '2024-03-01T10:00:00.000Z',
    ['fullName', 'email'],
  );
  await storeOld(oldLoan, 0, ada, { type: 'BookLent', schemaVersion: 1, data: { memberId: ada, bookId: '9780000000001' } }, '2025-01-10T09:00:00.000Z');
  await storeOld(midLoan, 0, ada, { type: 'BookLent', schemaVersion: 2, data: { memberId: ada, isbn: '9780000000002' } }, '2025-06-01T09:00:00.000Z');
  expect(
    await app.commands['RegisterMember']!({ memberId: grace, displayName: 'Grace', legalName: 'Grace Hopper', email: 'grace@example.com' }, staff),
  ).toMatchObject({ ok: true });
  expect(await app.commands['LendBook']!({ loanId: newLoan, memberId: grace, isbn: '9780000000003', dueOn: '2026-12-24' }, staff)).toMatchObject({ ok: true });
  expect(await app.commands['ExtendLoan']!({ loanId: oldLoan, dueOn: '2025-03-01' }, staff)).toMatchObject({ ok: true, version: 2 });
}, 120_000);

afterAll(async () => {
  await app?.close();
  project?.remove();
});

describe('the membership example with events of every earlier version', () => {
  it('stores new events with their current schema version, and never rewrites old bytes', async () => {
    expect((await app.store.events.readStream(oldLoan, 0)).map((e) => [e.type, e.schemaVersion])).toEqual([
      ['BookLent', 1],
      ['LoanExtended', 1],
    ]);
    expect((await app.store.events.readStream(oldLoan, 0))[0]!.data).toEqual({ memberId: ada, bookId: '9780000000001' });
    expect((await app.store.events.readStream(newLoan, 0))[0]!.schemaVersion).toBe(3);
    expect((await app.store.events.readStream(grace, 0))[0]!.schemaVersion).toBe(2);
  });

  it('loads aggregates through the upcasters, pii of the old shape decrypted first', async () => {
    const member = app.aggregates['Member']!;
    expect((await app.pipeline.load(member, ada)).state).toMatchObject({ displayName: 'Ada' });
    const loan = app.aggregates['Loan']!;
    expect((await app.pipeline.load(loan, midLoan)).state).toMatchObject({
      memberId: ada,
      isbn: '9780000000002',
      dueOn: days('2025-06-01T09:00:00.000Z', LOAN_DAYS),
    });
    expect((await app.pipeline.load(loan, oldLoan)).state).toMatchObject({ isbn: '9780000000001', dueOn: '2025-03-01' });
  });

  it('projects and rebuilds the same rows from every version', async () => {
    const rows = app.rows['MemberLoans']!;
    const expected = {
      [oldLoan]: { loanId: oldLoan, memberId: ada, isbn: '9780000000001', dueOn: '2025-03-01' },
      [midLoan]: { loanId: midLoan, memberId: ada, isbn: '9780000000002', dueOn: days('2025-06-01T09:00:00.000Z', LOAN_DAYS) },
      [newLoan]: { loanId: newLoan, memberId: grace, isbn: '9780000000003', dueOn: '2026-12-24' },
    };
    for (const [id, row] of Object.entries(expected)) expect(await rows.get(id, 'lib')).toMatchObject(row);
    expect(await app.projections.rebuild('MemberLoans')).toBe(6);
    for (const [id, row] of Object.entries(expected)) expect(await rows.get(id, 'lib')).toMatchObject(row);
  });

  it('replays state-at and shows history in the current shape', async () => {
    const loan = app.aggregates['Loan']!;
    expect(await app.trust.stateAt(loan, oldLoan, { version: 1 }, 'lib')).toMatchObject({
      state: { dueOn: days('2025-01-10T09:00:00.000Z', LOAN_DAYS) },
      version: 1,
    });
    const [first] = await app.trust.history({ stream: oldLoan }, 'lib');
    expect(first!.events[0]).toMatchObject({
      type: 'BookLent',
      data: { memberId: ada, isbn: '9780000000001', dueOn: days('2025-01-10T09:00:00.000Z', LOAN_DAYS) },
    });
    const [registered] = await app.trust.history({ stream: ada }, 'lib');
    expect(registered!.events[0]!.data).toEqual({ displayName: 'Ada', legalName: 'Ada Lovelace', email: 'ada@example.com' });
    expect(await app.verify()).toMatchObject({ ok: true, findings: [] });
  });

  it('takes older shapes in the test helper', async () => {
    const { givenLoan } = (await import(pathToFileURL(join(project.dir, 'dist/library/loan/testing.js')).href)) as {
      givenLoan: (...events: object[]) => { state: Record<string, unknown> };
    };
    expect(
      givenLoan({ type: 'BookLent', schemaVersion: 1, data: { memberId: ada, bookId: '9780000000009' }, recordedAt: '2024-01-01T00:00:00.000Z' }).state,
    ).toMatchObject({ isbn: '9780000000009', dueOn: '2024-01-22' });
  });

  it('checks on-behalf-of against a member who is the subject of their own record', async () => {
    const forAda = { ...staff, onBehalfOf: ada };
    expect(await app.commands['SuspendMember']!({ memberId: grace, reason: 'overdue' }, forAda)).toMatchObject({
      ok: false,
      error: { code: 'forbidden', reason: 'subject' },
    });
    expect(await app.commands['SuspendMember']!({ memberId: ada, reason: 'asked to pause' }, forAda)).toMatchObject({ ok: true });
    expect((await app.trust.history({ subject: grace }, 'lib')).map((e) => [e.audit.command, e.audit.outcome])).toContainEqual(['SuspendMember', 'denied']);
  });

  it('forgets a member who is the subject of their own record: old and new pii erased, chains intact', async () => {
    expect(await app.trust.forget(ada, { ...staff, commandId: 'forget-ada' })).toMatchObject({ subject: ada, keyDestroyed: true });
    const [registered] = await app.trust.history({ stream: ada }, 'lib');
    expect(registered!.events[0]!.data).toMatchObject({ legalName: { erased: true }, email: { erased: true } });
    expect((await app.trust.history({ subject: ada }, 'lib')).map((e) => e.audit.command)).toContain('Forget');
    expect(await app.commands['RegisterMember']!({ memberId: grace, displayName: 'G', legalName: 'G', email: 'g@example.com' }, staff)).toMatchObject({
      ok: false,
      error: { code: 'already-exists' },
    });
    expect(await app.verify()).toMatchObject({ ok: true, findings: [] });
  });
});
