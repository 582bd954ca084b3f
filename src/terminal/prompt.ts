import prompts from 'prompts';

/** Asks one question at a time; each answer is undefined when the person cancels. */
export interface Asker {
  text(q: {
    readonly name: string;
    readonly message: string;
    readonly initial: string;
    readonly validate: (value: string) => string | true;
  }): Promise<string | undefined>;
  select<T extends string>(q: {
    readonly name: string;
    readonly message: string;
    readonly choices: readonly { title: string; value: T; description?: string }[];
    readonly initial: number;
  }): Promise<T | undefined>;
  toggle(q: { readonly name: string; readonly message: string; readonly initial: boolean }): Promise<boolean | undefined>;
}

/** The terminal asker, built on `prompts`; tests inject answers with prompts.inject. */
export const terminalAsker: Asker = {
  async text(q) {
    return (await prompts({ type: 'text', name: 'value', message: q.message, initial: q.initial, validate: q.validate }, { onCancel: () => false })).value as
      | string
      | undefined;
  },
  async select(q) {
    return (
      await prompts(
        { type: 'select', name: 'value', message: q.message, choices: q.choices.map((c) => ({ ...c })), initial: q.initial },
        { onCancel: () => false },
      )
    ).value as never;
  },
  async toggle(q) {
    return (await prompts({ type: 'toggle', name: 'value', message: q.message, initial: q.initial, active: 'yes', inactive: 'no' }, { onCancel: () => false }))
      .value as boolean | undefined;
  },
};
