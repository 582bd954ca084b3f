/**
 * Authorization that binds actors to their own data: roles that act only on their own data,
 * input fields that reference another aggregate, and forget authorized by a declared rule,
 * tenant-scoped, with every refusal audited.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  openApp,
  runTrustCommand,
  type AggregateDefinition,
  type AnyAggregate,
  type AnyProjection,
  type CommandContext,
  type CommandDefinition,
  type TrustAccess,
} from '../../src/runtime/index.js';
import { openCounter } from '../runtime/counter.js';
import { COMMANDS, customer, directory, openHarness, register, rename, support, type Harness } from './harness.js';

/** Register and Rename, as a spec with `roles: { customer: { scope: own } }` would generate them. */
const selfRegister = { ...register, allow: ['support', 'customer'], ownDataRoles: ['customer'] };
const selfRename = { ...rename, allow: ['support', 'customer'], ownDataRoles: ['customer'] };

const human = (id: string, roles: string[], extra: Partial<CommandContext> = {}): CommandContext => ({
  actor: { id, kind: 'human', roles },
  tenant: 't1',
  ...extra,
});

/** A ticket about an account: its input field `accountId` references a Customer aggregate. */
interface TicketState {
  customerId: string;
}
type TicketEvent = { readonly type: 'TicketOpened'; readonly data: { readonly accountId: string; readonly customerId: string } };
const ticket: AggregateDefinition<TicketState, TicketEvent> = {
  name: 'Ticket',
  idField: 'ticketId',
  initialState: () => ({ customerId: '' }),
  fold(state, event) {
    state.customerId = event.data.customerId;
  },
  subjectOf: (state) => state.customerId,
  snapshotEvery: undefined,
  stateVersion: 'ticket-v1',
  pii: {},
  statePii: false,
};
const ticketInput = z.strictObject({ ticketId: z.string(), accountId: z.string().optional(), customerId: z.string() });
const openTicket: CommandDefinition<z.output<typeof ticketInput>, TicketState, TicketEvent> = {
  name: 'OpenTicket',
  aggregate: ticket,
  schema: ticketInput,
  streamIdOf: (input) => input.ticketId,
  creates: true,
  allow: ['support'],
  actors: ['human', 'agent'],
  references: [
    { field: 'accountId', aggregate: 'Customer', events: ['CustomerRegistered', 'CustomerRenamed', 'CustomerClosed', 'CustomerReopened'], hasSubject: true },
  ],
  decide: (c) => [{ type: 'TicketOpened', data: { accountId: c.accountId ?? '', customerId: c.customerId } }],
  undo: undefined,
};

let dir: string;
let h: Harness;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gw-access-'));
  h = await openHarness(dir);
});
afterEach(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The audit record of a command that set no correlation id (it defaults to the command id). */
async function audit(commandId: string) {
  return (await h.store.events.commands({ correlation: commandId }, 't1')).find((c) => c.audit.commandId === commandId)?.audit;
}

async function registered(accountId: string, customerId: string, tenant = 't1'): Promise<void> {
  const result = await h.pipeline.execute(register, { accountId, customerId, name: 'N', email: 'n@example.com' }, { ...support, tenant });
  expect(result.ok).toBe(true);
}

describe('a role that acts only on its own data', () => {
  it('lets a customer create and change their own aggregates only', async () => {
    const ada = human('cust-1', ['customer']);
    expect((await h.pipeline.execute(selfRegister, { accountId: 'a1', customerId: 'cust-1', name: 'Ada', email: 'a@example.com' }, ada)).ok).toBe(true);
    expect((await h.pipeline.execute(selfRename, { accountId: 'a1', name: 'Ada L.' }, ada)).ok).toBe(true);

    const inTheirName = await h.pipeline.execute(
      selfRegister,
      { accountId: 'a2', customerId: 'cust-2', name: 'Bob', email: 'b@example.com' },
      { ...ada, commandId: 'start-for-bob' },
    );
    expect(inTheirName).toMatchObject({ ok: false, error: { code: 'forbidden', reason: 'subject' } });
    expect(await audit('start-for-bob')).toMatchObject({ outcome: 'denied', decision: 'denied', reason: expect.stringContaining('acts only on its own data') });
    expect(await h.store.events.readStream('a2', 0)).toEqual([]);

    await registered('a3', 'cust-3');
    const others = await h.pipeline.execute(selfRename, { accountId: 'a3', name: 'Mallory' }, { ...ada, commandId: 'rename-other' });
    expect(others).toMatchObject({ ok: false, error: { code: 'forbidden', reason: 'subject' } });
    expect(await audit('rename-other')).toMatchObject({ outcome: 'denied', subject: 'cust-3' });
  });

  it('cannot act on behalf of someone else, but may name itself', async () => {
    await registered('a3', 'cust-3');
    const asProxy = await h.pipeline.execute(selfRename, { accountId: 'a3', name: 'X' }, human('cust-1', ['customer'], { onBehalfOf: 'cust-3' }));
    expect(asProxy).toMatchObject({
      ok: false,
      error: { code: 'forbidden', reason: 'subject', message: expect.stringContaining('cannot act on behalf of cust-3') },
    });
    const itself = await h.pipeline.execute(selfRename, { accountId: 'a3', name: 'Y' }, human('cust-3', ['customer'], { onBehalfOf: 'cust-3' }));
    expect(itself.ok).toBe(true);
  });

  it('binds nobody who also holds a role that acts on anyone', async () => {
    await registered('a3', 'cust-3');
    expect((await h.pipeline.execute(selfRename, { accountId: 'a3', name: 'Z' }, human('sam', ['customer', 'support']))).ok).toBe(true);
  });
});

describe('an input field that references another aggregate', () => {
  it('must name an existing aggregate of that type in the caller tenant, and every miss reads the same', async () => {
    await registered('a1', 'cust-1');
    await registered('b1', 'cust-9', 't2');
    expect((await h.pipeline.execute(openCounter, { counterId: 'k1', owner: 'cust-1', limit: 5 }, support)).ok).toBe(true);

    const misses = { missing: 'nope', 'another tenant': 'b1', 'another aggregate type': 'k1' };
    for (const [why, accountId] of Object.entries(misses)) {
      const commandId = `ticket-${accountId}`;
      const result = await h.pipeline.execute(openTicket, { ticketId: `t-${accountId}`, accountId, customerId: 'cust-1' }, { ...support, commandId });
      expect(result, why).toMatchObject({
        ok: false,
        error: { code: 'unknown-reference', field: 'accountId', streamId: accountId, message: `accountId: Customer ${accountId} does not exist` },
      });
      expect(await audit(commandId), why).toMatchObject({ outcome: 'rejected', error: { code: 'unknown-reference' } });
    }
    expect((await h.pipeline.execute(openTicket, { ticketId: 't-ok', accountId: 'a1', customerId: 'cust-1' }, support)).ok).toBe(true);
    expect((await h.pipeline.execute(openTicket, { ticketId: 't-none', customerId: 'cust-1' }, support)).ok).toBe(true);
  });

  it("refuses an agent acting for one customer that names another customer's aggregate, though its own subject matches", async () => {
    await registered('a1', 'cust-1');
    await registered('a2', 'cust-2');
    const forOne = { ...support, onBehalfOf: 'cust-1' };
    const crossed = await h.pipeline.execute(openTicket, { ticketId: 't1', accountId: 'a2', customerId: 'cust-1' }, { ...forOne, commandId: 'crossed' });
    expect(crossed).toMatchObject({
      ok: false,
      error: { code: 'forbidden', reason: 'subject', message: expect.stringContaining('accountId names Customer a2') },
    });
    expect(await audit('crossed')).toMatchObject({ outcome: 'denied', onBehalfOf: 'cust-1' });
    expect(await h.store.events.readStream('t1', 0)).toEqual([]);
    expect((await h.pipeline.execute(openTicket, { ticketId: 't2', accountId: 'a1', customerId: 'cust-1' }, forOne)).ok).toBe(true);
    // Not bound to anyone: support may link any account of its tenant.
    expect((await h.pipeline.execute(openTicket, { ticketId: 't3', accountId: 'a2', customerId: 'cust-1' }, support)).ok).toBe(true);
  });
});

describe('forget', () => {
  const privacy = human('pia', ['privacy']);

  async function refused(subject: string, context: unknown, reason: string) {
    const result = await h.trust.forget(subject, context);
    expect(result).toMatchObject({ ok: false, error: { code: 'forbidden', reason } });
    if (result.ok) throw new Error('unreachable');
    expect(await h.keys.get(subject)).toBeDefined();
    const record = (await h.store.events.commands({ subject }, (context as CommandContext).tenant)).find((c) => c.audit.commandId === result.commandId);
    expect(record?.audit).toMatchObject({ command: 'Forget', outcome: 'denied', decision: 'denied', subject });
    return result.error.message;
  }

  it('is denied to everyone when the spec declares no rule, and the refusal is audited', async () => {
    const dir2 = mkdtempSync(join(tmpdir(), 'gw-access-'));
    const app = await openApp(
      { commands: COMMANDS, aggregates: { Customer: customer as unknown as AnyAggregate }, projections: [directory as unknown as AnyProjection] },
      { path: join(dir2, 'app.db'), kek: Buffer.alloc(32, 3), env: {} },
    );
    try {
      await app.execute(register, { accountId: 'a1', customerId: 'cust-1', name: 'Ada', email: 'a@example.com' }, support);
      const result = await app.trust.forget('cust-1', human('root', ['admin', 'support', 'privacy']));
      expect(result).toMatchObject({ ok: false, error: { code: 'forbidden', reason: 'role', message: expect.stringContaining('operations: { forget') } });
      expect(await app.keys!.get('cust-1')).toBeDefined();
      const records = await app.store.events.commands({ subject: 'cust-1' }, 't1');
      expect(records.map((r) => `${r.audit.command} ${r.audit.outcome}`)).toEqual(['Register accepted', 'Forget denied']);
    } finally {
      await app.close();
      rmSync(dir2, { recursive: true, force: true });
    }
  });

  it('needs an allowed role and actor kind', async () => {
    await registered('a1', 'cust-1');
    expect(await refused('cust-1', human('bo', ['billing']), 'role')).toContain('needs one of the roles');
    expect(await refused('cust-1', { actor: { id: 'nightly', kind: 'job', roles: ['privacy'] }, tenant: 't1' }, 'actor-kind')).toContain('job');
    expect(await h.trust.forget('cust-1', privacy)).toMatchObject({ ok: true, keyDestroyed: true });
  });

  it("is scoped to the caller's tenant", async () => {
    await registered('a1', 'cust-1');
    expect(await refused('cust-1', { ...privacy, tenant: 't2' }, 'tenant')).toContain('not a subject of tenant t2');
    expect((await h.pipeline.load(customer, 'a1')).state.name).toBe('N');
  });

  it('lets a customer forget only themselves, and an agent only the customer it acts for', async () => {
    await registered('a1', 'cust-1');
    await registered('a2', 'cust-2');
    expect(await refused('cust-2', human('cust-1', ['customer']), 'subject')).toContain('cannot forget cust-2');
    expect(await refused('cust-2', { ...support, onBehalfOf: 'cust-1' }, 'subject')).toContain('cannot forget cust-2');
    expect(await h.trust.forget('cust-1', human('cust-1', ['customer']))).toMatchObject({ ok: true, subject: 'cust-1' });
    expect(await h.keys.get('cust-2')).toBeDefined();
  });

  it('refuses an invalid context or subject with a typed error, and audits it', async () => {
    await registered('a1', 'cust-1');
    const result = await h.trust.forget('cust-1', { actor: { id: 'x', kind: 'robot', roles: 'privacy' }, tenant: 't1' });
    expect(result).toMatchObject({ ok: false, error: { code: 'validation' } });
    const long = await h.trust.forget('s'.repeat(10_000), privacy);
    expect(long).toMatchObject({ ok: false, error: { code: 'validation', issues: [{ path: ['subject'] }] } });
    const invalid = (await h.store.events.commands({ actor: 'x' }, 't1')).map((r) => `${r.audit.command} ${r.audit.outcome}`);
    expect(invalid).toEqual(['Forget invalid']);
    expect(await h.keys.get('cust-1')).toBeDefined();
  });

  it('the command line refuses with exit code 1, prints why, and records the refusal', async () => {
    await registered('a1', 'cust-1');
    await h.close();
    const out: string[] = [];
    const err: string[] = [];
    const output = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t) };
    const open = (access: TrustAccess) =>
      openApp(
        {
          commands: COMMANDS,
          aggregates: { Customer: customer as unknown as AnyAggregate },
          projections: [directory as unknown as AnyProjection],
          forget: { allow: ['privacy'], actors: ['human'] },
        },
        { ...access, store: undefined, path: join(dir, 'app.db'), keysPath: join(dir, 'app.db.keys'), kek: Buffer.alloc(32, 9), env: {} },
      );
    const code = await runTrustCommand(['forget', 'cust-1', '--actor', 'anyone', '--kind', 'human'], open, output, { GROUNDWORK_TENANT: 't1' });
    expect(code).toBe(1);
    expect(err.join('')).toContain('refused (forbidden): Forget needs one of the roles privacy');
    expect(
      await runTrustCommand(['forget', 'cust-1', '--actor', 'pia', '--kind', 'human', '--roles', 'privacy'], open, output, { GROUNDWORK_TENANT: 't1' }),
    ).toBe(0);
    expect(out.join('')).toContain('forgot cust-1: data key destroyed');
    h = await openHarness(dir);
    const records = await h.store.events.commands({ subject: 'cust-1' }, 't1');
    expect(records.map((r) => `${r.audit.command} ${r.audit.outcome} ${r.audit.actor.id}`)).toEqual([
      'Register accepted agent-1',
      'Forget denied anyone',
      'Forget accepted pia',
    ]);
  });
});
