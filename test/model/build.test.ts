import { describe, expect, it } from 'vitest';
import { stateVersion } from '../../src/emit/aggregate.js';
import type { Context, Field } from '../../src/model/model.js';
import { compile } from '../helpers.js';

const SPEC = `groundwork: 1
context: crm
types:
  Contact:
    name: { type: string, pii: true }
    phone: string
  Card:
    contacts: { type: list, items: Contact }
    label: string
  Plain:
    label: string
aggregates:
  Person:
    id: personId
    subject: ownerId
    state:
      ownerId: ulid
      card: Card
      plain: Plain
      status: { type: enum, values: [open, closed] }
    events:
      PersonAdded:
        ownerId: ulid
        card: Card
        plain: Plain
        nickname: { type: string, pii: true, optional: true }
      PersonClosed: {}
      PersonReopened: { note: string }
    commands:
      AddPerson: { creates: true, input: { ownerId: ulid, card: Card }, emits: [PersonAdded], allow: [user] }
      ClosePerson: { emits: [PersonReopened, PersonClosed], allow: public, undo: ReopenPerson }
      ReopenPerson: { input: { note: string }, emits: [PersonReopened], allow: [admin], undo: ClosePerson }
  Note:
    id: noteId
    state: { text: string }
    events:
      NoteWritten: { text: string }
    commands:
      WriteNote: { creates: true, input: { text: string }, emits: [NoteWritten], allow: [user] }
projections:
  People:
    key: personId
    columns: { card: Card, plain: Plain }
    on: [PersonClosed, PersonAdded]
  Notes:
    key: noteId
    columns: { text: string }
    on: [NoteWritten, PersonReopened]
`;

function crm(): Context {
  const result = compile(SPEC);
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return result.project!.contexts[0]!;
}

const encryptedOf = (fields: readonly Field[]) => Object.fromEntries(fields.map((f) => [f.name, f.encrypted]));

describe('the model resolves references once', () => {
  it('marks fields encrypted when pii, or of a named type holding pii anywhere inside (through lists)', () => {
    const context = crm();
    const person = context.aggregates[0]!;
    expect(encryptedOf(context.types.find((t) => t.name === 'Card')!.fields)).toEqual({ contacts: true, label: false });
    expect(encryptedOf(person.state)).toEqual({ ownerId: false, card: true, plain: false, status: false });
    expect(person.statePii).toBe(true);
    expect(context.aggregates[1]!.statePii).toBe(false);
    expect(person.events.map((e) => e.encryptedFields)).toEqual([['card', 'nickname'], [], []]);
    expect(context.projections.map((p) => p.pii)).toEqual([true, false]);
  });

  it('gives each command its emitted events as the aggregate’s own objects, in declaration order', () => {
    const person = crm().aggregates[0]!;
    const [added, closed, reopened] = person.events;
    const [add, close, reopen] = person.commands;
    expect(add!.emitted).toEqual([added]);
    expect(close!.emitted[0]).toBe(closed);
    expect(close!.emitted[1]).toBe(reopened);
    expect(close!.emits).toEqual(['PersonReopened', 'PersonClosed']);
    expect(close!.undoCommand).toBe(reopen);
    expect(reopen!.undoCommand).toBe(close);
    expect(add!.undoCommand).toBeUndefined();
  });

  it('gives each projection its handled events with their aggregates, in the order of `on`', () => {
    const context = crm();
    const [person, note] = context.aggregates;
    const [people, notes] = context.projections;
    expect(people!.handles.map((h) => [h.event, h.aggregate])).toEqual([
      [person!.events[1], person],
      [person!.events[0], person],
    ]);
    expect(people!.handles[0]!.aggregate).toBe(person);
    expect(notes!.handles[0]!.event).toBe(note!.events[0]);
    expect(notes!.handles[1]!.aggregate).toBe(person);
  });

  it('leaves the derived encrypted flag out of stateVersion', () => {
    const context = crm();
    const person = context.aggregates[0]!;
    const flipped = { ...person, state: person.state.map((f) => ({ ...f, encrypted: !f.encrypted })) };
    const types = context.types.map((t) => ({ ...t, fields: t.fields.map((f) => ({ ...f, encrypted: !f.encrypted })) }));
    expect(stateVersion(flipped, types)).toBe(stateVersion(person, context.types));
    const reshaped = { ...person, state: person.state.map((f) => ({ ...f, optional: !f.optional })) };
    expect(stateVersion(reshaped, context.types)).not.toBe(stateVersion(person, context.types));
  });
});

describe('approval', () => {
  it('is resolved once (actor kinds by default all, the expiry in milliseconds) and emitted on the command definition', async () => {
    const { planProject } = await import('../../src/emit/index.js');
    const { compileProject } = await import('../../src/model/project.js');
    const { BASE, variant } = await import('../helpers.js');
    const text = variant('        undo: ReopenOrder\n', '        undo: ReopenOrder\n        approval: { actors: [agent], by: [support], expires: 15m }\n');
    expect(text).not.toBe(BASE);
    const { project } = compileProject([{ file: 'shop.groundwork.yaml', text }]);
    const pay = project!.contexts[0]!.aggregates[0]!.commands.find((c) => c.name === 'PayOrder')!;
    expect(pay.approval).toEqual({ actors: ['agent'], by: ['support'], expiresMs: 900_000 });
    const everyone = compileProject([
      {
        file: 'shop.groundwork.yaml',
        text: variant('        undo: ReopenOrder\n', '        undo: ReopenOrder\n        approval: { by: [support], expires: 2h }\n'),
      },
    ]).project!.contexts[0]!.aggregates[0]!.commands.find((c) => c.name === 'PayOrder')!;
    expect(everyone.approval).toEqual({ actors: ['human', 'agent', 'service', 'job'], by: ['support'], expiresMs: 7_200_000 });
    const files = planProject(project!);
    const commands = files.find((f) => f.path.endsWith('order/commands.ts'))!;
    expect(commands.content).toContain("  approval: { actors: ['agent'], by: ['support'], expiresMs: 900000 },");
  });
});
