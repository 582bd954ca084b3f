import prompts from 'prompts';
import type { Asker } from '../create/options.js';

/** The terminal asker, built on `prompts`; tests inject answers with prompts.inject. */
export const terminalAsker: Asker = {
  async text(q) {
    return (await prompts({ type: 'text', name: 'value', message: q.message, initial: q.initial, validate: q.validate }, { onCancel: () => false })).value as string | undefined;
  },
  async select(q) {
    return (await prompts({ type: 'select', name: 'value', message: q.message, choices: q.choices.map((c) => ({ ...c })), initial: q.initial }, { onCancel: () => false })).value as never;
  },
  async toggle(q) {
    return (await prompts({ type: 'toggle', name: 'value', message: q.message, initial: q.initial, active: 'yes', inactive: 'no' }, { onCancel: () => false })).value as boolean | undefined;
  },
};
