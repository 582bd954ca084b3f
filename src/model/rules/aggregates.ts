/** Aggregate rules: the subject names a state field that is not pii (or the aggregate's own id), and the id is neither repeated nor pii. */
import { finding, type Finding } from '../../spec/diagnostics.js';
import { didYouMean } from '../../spec/suggest.js';
import { quote } from '../names.js';
import { asObject, structureFieldsPath, type SpecFile } from './shared.js';

export function checkSubjectAndId(f: SpecFile, a: string, out: Finding[]): void {
  const aggregate = f.spec.aggregates![a]!;
  const base = ['aggregates', a];
  const state = aggregate.state ?? {};
  if (aggregate.subject !== undefined && aggregate.subject !== aggregate.id) {
    const subject = state[aggregate.subject];
    if (subject === undefined) {
      out.push(
        finding('GW1016', f.file, [...base, 'subject'], `subject ${quote(aggregate.subject)} is not a field of the state of aggregate ${quote(a)}`, {
          hint:
            didYouMean(aggregate.subject, Object.keys(state)) ??
            `declare \`${aggregate.subject}\` under \`state\`, name an existing state field, or name the id \`${aggregate.id}\` for an aggregate that is its own subject`,
        }),
      );
    } else if (asObject(subject).pii === true) {
      out.push(
        finding(
          'GW1072',
          f.file,
          [...base, 'subject'],
          `subject ${quote(aggregate.subject)} is marked pii; the subject id is written to the audit log in clear`,
          {
            hint: 'use an opaque customer id as the subject and keep the personal data in other fields',
          },
        ),
      );
    }
  }
  if (aggregate.id in state) {
    out.push(
      finding('GW1018', f.file, [...base, 'state', aggregate.id], `state field ${quote(aggregate.id)} repeats the aggregate id`, {
        at: 'key',
        hint: 'the id is part of every aggregate already: remove the field',
      }),
    );
  }
  for (const [c, command] of Object.entries(aggregate.commands)) {
    if (command.input !== undefined && aggregate.id in command.input) {
      out.push(
        finding('GW1018', f.file, [...base, 'commands', c, 'input', aggregate.id], `input field ${quote(aggregate.id)} repeats the aggregate id`, {
          at: 'key',
          hint: 'every command carries the aggregate id already: remove the field',
        }),
      );
    }
  }
  for (const [e, event] of Object.entries(aggregate.events)) {
    const field = event.fields[aggregate.id];
    if (field !== undefined && asObject(field).pii === true) {
      out.push(
        finding(
          'GW1070',
          f.file,
          [...structureFieldsPath([...base, 'events', e], event), aggregate.id, 'pii'],
          `field ${quote(aggregate.id)} is the aggregate id and cannot be pii`,
          { at: 'key', hint: 'ids are stored in clear and can never be erased; use an opaque id' },
        ),
      );
    }
  }
}
