/**
 * Approvals declared on a command: the first call of an actor who needs one records a request
 * (audited, no events) bound to the exact input, actor and subject; a human with an approving role,
 * never the requester, approves or refuses it; the requester runs the command again with the
 * approval id, once. Self-approval, an expired approval, one for other input and an approval id
 * the caller made up are refused, on the TypeScript API like on every surface built on it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openApp, runTrustCommand, type AnyAggregate, type AnyCommand, type App, type CommandContext, type TrustAccess } from '../../src/runtime/index.js';
import { customer, register, rename } from './harness.js';

const APPROVAL = { actors: ['agent'], by: ['support_lead'], expiresMs: 15 * 60_000 } as const;
/** Rename as `approval: { actors: [agent], by: [support_lead], expires: 15m }` generates it; humans need none. */
const guardedRename = { ...rename, approval: APPROVAL };
/** A command every actor kind needs approval for, so a human requester can try to approve their own request. */
const humanGuardedRename = { ...rename, name: 'RenameByHand', approval: { ...APPROVAL, actors: ['human', 'agent'] as const } };

const agent: CommandContext = { actor: { id: 'agent-7', kind: 'agent', roles: ['support'] }, onBehalfOf: 'cust-1', tenant: 't1' };
const lead: CommandContext = { actor: { id: 'lead-1', kind: 'human', roles: ['support_lead'] }, tenant: 't1' };
const leadAsHuman: CommandContext = { actor: { id: 'lead-1', kind: 'human', roles: ['support', 'support_lead'] }, tenant: 't1' };
const supportHuman: CommandContext = { actor: { id: 'sam', kind: 'human', roles: ['support'] }, tenant: 't1' };

let dir: string;
let app: App;
let now: number;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gw-approvals-'));
  now = Date.UTC(2026, 11, 2, 9, 0, 0);
  app = await openApp(
    {
      commands: { Register: register, Rename: guardedRename, RenameByHand: humanGuardedRename } as unknown as Record<string, AnyCommand>,
      aggregates: { Customer: customer as unknown as AnyAggregate },
      projections: [],
    },
    { path: join(dir, 'app.db'), kek: Buffer.alloc(32, 3), clock: () => new Date(now), env: {} },
  );
  expect((await app.execute(register, { accountId: 'a1', customerId: 'cust-1', name: 'Ada', email: 'ada@example.com' }, supportHuman)).ok).toBe(true);
});
afterEach(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

async function requestApproval(input = { accountId: 'a1', name: 'Ada L.' }, context = agent): Promise<string> {
  const asked = await app.execute(guardedRename, input, context);
  expect(asked).toMatchObject({ ok: false, error: { code: 'approval-required', by: ['support_lead'] } });
  if (asked.ok || asked.error.code !== 'approval-required' || asked.error.approvalId === null) throw new Error('no approval requested');
  return asked.error.approvalId;
}

const events = async () => (await app.store.events.readStream('a1', 0)).length;

describe('approvals', () => {
  it('records a request (audited, no events), a human approves it, and the requester runs the command with it, once', async () => {
    const approvalId = await requestApproval();
    expect(await events()).toBe(1);
    // Trying before it is approved is refused and changes nothing about the approval.
    expect(await app.execute(guardedRename, { accountId: 'a1', name: 'Ada L.' }, { ...agent, approvalId })).toMatchObject({
      ok: false,
      error: { reason: 'approval' },
    });
    expect(await app.trust.decideApproval(approvalId, 'approved', lead)).toMatchObject({ ok: true, decision: 'approved', command: 'Rename' });
    const ran = await app.execute(guardedRename, { accountId: 'a1', name: 'Ada L.' }, { ...agent, approvalId });
    expect(ran).toMatchObject({ ok: true, events: [{ type: 'CustomerRenamed', version: 2 }] });
    // Once: running it again returns the same result and records nothing new.
    expect(await app.execute(guardedRename, { accountId: 'a1', name: 'Ada L.' }, { ...agent, approvalId })).toMatchObject({
      ok: true,
      duplicate: true,
      commandId: ran.commandId,
    });
    expect(await events()).toBe(2);
    const history = await app.trust.history({ stream: 'a1' }, 't1');
    expect(history.map((h) => [h.audit.command, h.audit.outcome, h.audit.error?.code ?? null])).toEqual([
      ['Register', 'accepted', null],
      ['Rename', 'rejected', 'approval-required'],
      ['Rename', 'denied', 'forbidden'],
      ['Approve', 'accepted', null],
      ['Rename', 'accepted', null],
    ]);
    expect(history[4]!.audit.idempotencyKey).toBe(`approved:${approvalId}`);
    const approve = history[3]!.audit;
    expect(approve).toMatchObject({ actor: { id: 'lead-1', kind: 'human' }, correlationId: approvalId, subject: 'cust-1' });
  });

  it('needs none for an actor kind the declaration does not name', async () => {
    expect(await app.execute(guardedRename, { accountId: 'a1', name: 'Ada H.' }, supportHuman)).toMatchObject({ ok: true });
  });

  it('refuses self-approval, a non-human or role-less approver, a refused or pending request, and a second decision', async () => {
    const asked = await app.execute(humanGuardedRename, { accountId: 'a1', name: 'Ada L.' }, leadAsHuman);
    if (asked.ok || asked.error.code !== 'approval-required') throw new Error('expected a request');
    const own = asked.error.approvalId!;
    expect(await app.trust.decideApproval(own, 'approved', leadAsHuman)).toMatchObject({
      ok: false,
      error: { code: 'forbidden', reason: 'approval', message: 'lead-1 asked for this approval and cannot decide it' },
    });
    const approvalId = await requestApproval();
    expect(await app.execute(guardedRename, { accountId: 'a1', name: 'Ada L.' }, { ...agent, approvalId })).toMatchObject({
      ok: false,
      error: { code: 'forbidden', reason: 'approval', message: `approval ${approvalId} has not been given yet` },
    });
    expect(
      await app.trust.decideApproval(approvalId, 'approved', { actor: { id: 'bot', kind: 'agent', roles: ['support_lead'] }, tenant: 't1' }),
    ).toMatchObject({
      ok: false,
      error: { code: 'forbidden', message: 'only a human may approve; this actor is of kind agent' },
    });
    expect(await app.trust.decideApproval(approvalId, 'approved', supportHuman)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await app.trust.decideApproval(approvalId, 'approved', { ...lead, tenant: 't2' })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await app.trust.decideApproval(approvalId, 'refused', lead, 'not on a Friday')).toMatchObject({ ok: true, decision: 'refused' });
    expect(await app.trust.decideApproval(approvalId, 'approved', lead)).toMatchObject({
      ok: false,
      error: { message: `approval ${approvalId} was already refused by lead-1` },
    });
    expect(await app.execute(guardedRename, { accountId: 'a1', name: 'Ada L.' }, { ...agent, approvalId })).toMatchObject({
      ok: false,
      error: { code: 'forbidden', message: `approval ${approvalId} was refused by lead-1: not on a Friday` },
    });
    expect(await events()).toBe(1);
    const denied = (await app.trust.history({ stream: 'a1' }, 't1')).filter((h) => h.audit.outcome === 'denied').map((h) => h.audit.command);
    expect(denied).toEqual(['Approve', 'Rename', 'Approve', 'Approve', 'Approve', 'Rename']);
  });

  it('binds the approval to the input, the actor and the time: other input, another agent, a made-up id and an expired approval are refused', async () => {
    const approvalId = await requestApproval();
    await app.trust.decideApproval(approvalId, 'approved', lead);
    const refused = (message: string) => ({ ok: false, error: { code: 'forbidden', reason: 'approval', message } });
    expect(await app.execute(guardedRename, { accountId: 'a1', name: 'Mallory' }, { ...agent, approvalId })).toMatchObject(
      refused(`approval ${approvalId} was given for other input`),
    );
    const otherAgent = { ...agent, actor: { ...agent.actor, id: 'agent-9' } };
    expect(await app.execute(guardedRename, { accountId: 'a1', name: 'Ada L.' }, { ...otherAgent, approvalId })).toMatchObject(
      refused(`approval ${approvalId} was asked for by another actor`),
    );
    expect(await app.execute(guardedRename, { accountId: 'a1', name: 'Ada L.' }, { ...agent, approvalId: 'made-up' })).toMatchObject(
      refused('there is no request for approval made-up'),
    );
    // The caller cannot use the key an approved command runs under, nor an approval where none is needed.
    expect(await app.execute(guardedRename, { accountId: 'a1', name: 'Ada L.' }, { ...agent, idempotencyKey: `approved:${approvalId}` })).toMatchObject({
      ok: false,
      error: { code: 'validation' },
    });
    expect(await app.execute(guardedRename, { accountId: 'a1', name: 'Ada H.' }, { ...supportHuman, approvalId })).toMatchObject({
      ok: false,
      error: { code: 'validation', message: `invalid context for Rename: approvalId ${approvalId} given, but Rename needs no approval from a human` },
    });
    expect(
      await app.execute(register, { accountId: 'a2', customerId: 'c2', name: 'Bo', email: 'bo@example.com' }, { ...supportHuman, approvalId }),
    ).toMatchObject({
      ok: false,
      error: { code: 'validation' },
    });
    // The person the command acts for cannot approve it either.
    const forSelf = await requestApproval({ accountId: 'a1', name: 'Ada Q.' });
    expect(
      await app.trust.decideApproval(forSelf, 'approved', { actor: { id: 'cust-1', kind: 'human', roles: ['support_lead'] }, tenant: 't1' }),
    ).toMatchObject({
      ok: false,
      error: { message: 'cust-1 is who the command acts for and cannot decide its approval' },
    });
    now += 16 * 60_000;
    expect(await app.execute(guardedRename, { accountId: 'a1', name: 'Ada L.' }, { ...agent, approvalId })).toMatchObject(
      refused(`approval ${approvalId} expired at 2026-12-02T09:15:00.000Z`),
    );
    const late = await requestApproval();
    now += 16 * 60_000;
    expect(await app.trust.decideApproval(late, 'approved', lead)).toMatchObject({
      ok: false,
      error: { message: `approval ${late} expired at 2026-12-02T09:31:00.000Z` },
    });
    expect(await events()).toBe(1);
  });

  it('answers a dry run with the request it would make, and records nothing', async () => {
    const before = (await app.trust.history({ stream: 'a1' }, 't1')).length;
    expect(await app.dryRun(guardedRename, { accountId: 'a1', name: 'Ada L.' }, agent)).toMatchObject({
      ok: false,
      error: { code: 'approval-required', approvalId: null },
    });
    expect((await app.trust.history({ stream: 'a1' }, 't1')).length).toBe(before);
  });

  it('approves and refuses from the command line, exit 1 with the reason when refused', async () => {
    const approvalId = await requestApproval();
    const out: string[] = [];
    const output = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void out.push(t) };
    const open = async (access: TrustAccess) => app && { ...app, close: async () => undefined, ...access };
    expect(
      await runTrustCommand(['approve', approvalId, '--actor', 'agent-7', '--kind', 'human', '--roles', 'support_lead', '--tenant', 't1'], open, output),
    ).toBe(1);
    expect(out.join('')).toContain('asked for this approval and cannot decide it');
    expect(await runTrustCommand(['approve', approvalId, '--actor', 'lead-1', '--roles', 'support_lead', '--tenant', 't1'], open, output)).toBe(0);
    expect(out.join('')).toContain(`${approvalId}: approved (Rename)`);
  });
});
