/** Command rules: what a command emits, who may run it (authorization), and what its undo names. */
import { finding, type Finding } from '../../spec/diagnostics.js';
import { didYouMean } from '../../spec/suggest.js';
import { quote } from '../names.js';
import { checkName, ownerOf, reportDuplicates, type SpecFile } from './shared.js';

export function checkCommand(f: SpecFile, files: readonly SpecFile[], a: string, c: string, out: Finding[]): void {
  const aggregate = f.spec.aggregates![a]!;
  const command = aggregate.commands[c]!;
  const path = ['aggregates', a, 'commands', c];
  const events = Object.keys(aggregate.events);
  if (command.emits.length === 0) {
    out.push(
      finding('GW1050', f.file, [...path, 'emits'], `command ${quote(c)} emits no event`, {
        hint: 'every accepted command records at least one event: list it under `emits`',
      }),
    );
  }
  command.emits.forEach((e, i) => {
    if (events.includes(e)) return;
    const owner = ownerOf(files, 'events', e);
    const hint =
      owner !== undefined
        ? `event ${quote(e)} belongs to aggregate ${quote(owner)}; a command records only its own aggregate's events`
        : (didYouMean(e, events) ?? (events.length > 0 ? `declare it under \`events\` of aggregate ${quote(a)}` : 'declare the event first'));
    out.push(finding('GW1012', f.file, [...path, 'emits', i], `command ${quote(c)} emits unknown event ${quote(e)}`, { hint }));
  });
  reportDuplicates(out, f.file, [...path, 'emits'], command.emits, 'event');

  if (command.allow === undefined) {
    out.push(
      finding('GW1051', f.file, path, `command ${quote(c)} has no \`allow\`; access is denied by default`, {
        at: 'key',
        hint: 'list the roles that may run it (`allow: [support]`) or write `allow: public`',
      }),
    );
  } else if (command.allow !== 'public') {
    if (command.allow.length === 0) {
      out.push(
        finding('GW1051', f.file, [...path, 'allow'], `command ${quote(c)} allows no role, so nobody could run it`, {
          hint: 'list at least one role, or write `allow: public`',
        }),
      );
    }
    command.allow.forEach((role, i) => checkName(out, f.file, [...path, 'allow', i], role, 'role', 'value', 'role'));
    reportDuplicates(out, f.file, [...path, 'allow'], command.allow, 'role');
  }
  reportDuplicates(out, f.file, [...path, 'actors'], command.actors ?? [], 'actor kind');

  if (command.undo !== undefined) {
    const target = aggregate.commands[command.undo];
    if (target === undefined) {
      const owner = ownerOf(files, 'commands', command.undo);
      const hint =
        owner !== undefined
          ? `command ${quote(command.undo)} belongs to aggregate ${quote(owner)}; an undo must act on the same aggregate`
          : (didYouMean(command.undo, Object.keys(aggregate.commands)) ?? `declare command ${quote(command.undo)} in aggregate ${quote(a)}`);
      out.push(finding('GW1013', f.file, [...path, 'undo'], `undo names unknown command ${quote(command.undo)}`, { hint }));
    } else if (target.creates === true) {
      out.push(
        finding('GW1014', f.file, [...path, 'undo'], `undo names ${quote(command.undo)}, which creates a new aggregate`, {
          hint: 'the undo of a command acts on the aggregate it changed: name a command without `creates: true`',
        }),
      );
    }
  }
}
