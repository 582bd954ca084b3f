/**
 * The shared examples are our compatibility contract: they must validate unmodified. The copies
 * in fixtures/examples differ only by the leading yaml-language-server line.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileProject } from '../../src/model/project.js';

const fixtures = join(import.meta.dirname, '../../fixtures/examples');
const shared = join(import.meta.dirname, '../../../shared/examples');
const SCHEMA_LINE = '# yaml-language-server: $schema=../../schemas/groundwork.schema.json\n';
const names = readdirSync(fixtures)
  .filter((f) => f.endsWith('.groundwork.yaml'))
  .sort();

describe('the example specs', () => {
  it('include bank, membership and subscriptions', () => {
    expect(names).toEqual(['bank.groundwork.yaml', 'membership.groundwork.yaml', 'subscriptions.groundwork.yaml']);
  });

  it.each(names)('%s validates with no findings', (name) => {
    const text = readFileSync(join(fixtures, name), 'utf8');
    const { diagnostics, project } = compileProject([{ file: name, text }]);
    expect(diagnostics).toEqual([]);
    expect(project?.contexts).toHaveLength(1);
  });

  it('all validate together as one project', () => {
    const sources = names.map((name) => ({ file: name, text: readFileSync(join(fixtures, name), 'utf8') }));
    const { diagnostics, project } = compileProject(sources);
    expect(diagnostics).toEqual([]);
    expect(project?.contexts.map((c) => c.name)).toEqual(['banking', 'billing', 'library']);
  });

  it.runIf(existsSync(shared)).each(names)('%s equals shared/examples apart from the schema line', (name) => {
    const original = readFileSync(join(shared, name), 'utf8');
    expect(readFileSync(join(fixtures, name), 'utf8')).toBe(SCHEMA_LINE + original);
    expect(compileProject([{ file: name, text: original }]).diagnostics).toEqual([]);
  });

  it('normalizes the subscriptions example into the model the generator reads', () => {
    const text = readFileSync(join(fixtures, 'subscriptions.groundwork.yaml'), 'utf8');
    const billing = compileProject([{ file: 'subscriptions.groundwork.yaml', text }]).project!.contexts[0]!;
    const subscription = billing.aggregates.find((a) => a.name === 'Subscription')!;
    expect(subscription.id).toBe('subscriptionId');
    expect(subscription.subject).toBe('customerId');
    const cancel = subscription.commands.find((c) => c.name === 'CancelSubscription')!;
    expect(cancel).toMatchObject({
      creates: false,
      emits: ['SubscriptionCancelled'],
      allow: ['customer', 'support'],
      actors: ['human', 'agent'],
      undo: 'ReinstateSubscription',
    });
    const start = subscription.commands.find((c) => c.name === 'StartSubscription')!;
    expect(start.actors).toEqual(['human', 'agent', 'service', 'job']);
    expect(start.input.find((f) => f.name === 'email')).toMatchObject({ pii: true, type: { kind: 'email' } });
    expect(start.input.find((f) => f.name === 'plan')).toMatchObject({ type: { kind: 'string', constraints: { minLength: 1, maxLength: 64 } } });
    expect(start.input.find((f) => f.name === 'price')).toMatchObject({ type: { kind: 'named', name: 'Money' } });
    expect(billing.types.map((t) => t.name)).toEqual(['Money']);
    expect(billing.types[0]!.description).toBe('An amount in minor units (cents) of one currency.');
    const status = subscription.state.find((f) => f.name === 'status')!;
    expect(status.type).toEqual({ kind: 'enum', values: ['active', 'cancelled'] });
    expect(billing.projections.map((p) => p.name)).toEqual(['CustomerAccount', 'EmailLog']);
  });
  it('normalizes versioned events and a self-subject aggregate (membership)', () => {
    const text = readFileSync(join(fixtures, 'membership.groundwork.yaml'), 'utf8');
    const library = compileProject([{ file: 'membership.groundwork.yaml', text }]).project!.contexts[0]!;
    const member = library.aggregates.find((a) => a.name === 'Member')!;
    expect(member).toMatchObject({ subject: 'memberId', subjectIsId: true });
    const registered = member.events.find((e) => e.name === 'MemberRegistered')!;
    expect(registered.version).toBe(2);
    expect(registered.previous.map((p) => [p.version, p.fields.map((f) => f.name), p.encryptedFields])).toEqual([
      [1, ['fullName', 'email'], ['fullName', 'email']],
    ]);
    const lent = library.aggregates.find((a) => a.name === 'Loan')!.events.find((e) => e.name === 'BookLent')!;
    expect(lent.previous.map((p) => p.version)).toEqual([1, 2]);
    expect(library.aggregates.find((a) => a.name === 'Loan')!.subjectIsId).toBe(false);
  });
});

describe('the README', () => {
  const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');

  it('quick-start spec validates', () => {
    const yaml = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(yaml).toBeDefined();
    expect(compileProject([{ file: 'billing.groundwork.yaml', text: yaml! }]).diagnostics).toEqual([]);
  });

  it('shows the real output for the typos fixture', () => {
    const golden = readFileSync(join(import.meta.dirname, '../../fixtures/invalid/typos.expected.txt'), 'utf8');
    const shown = /\$ npx groundwork validate fixtures\/invalid\/typos.groundwork.yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(shown).toBeDefined();
    expect(golden).toContain(shown!.trimEnd());
  });
});
