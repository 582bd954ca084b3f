/**
 * The ways of folding events that the generated dispatch is measured against: a hand-written
 * mutable switch (for the bank example, the same rules as its evolve.ts), and the reflection-style
 * `this['on' + type](event)` many frameworks use, over the same handlers.
 */

export interface BankState {
  ownerId: string;
  balance: number;
  status: 'open' | 'frozen' | 'closed';
  transactionCount: number;
}

interface BankEvent {
  readonly type: string;
  readonly data: { readonly ownerId?: string; readonly amount?: number };
}

/** Written by hand as a careful engineer would: one switch, one state object mutated in place. */
export function handWrittenBankFold(state: BankState, event: BankEvent): void {
  switch (event.type) {
    case 'AccountOpened':
      state.ownerId = event.data.ownerId!;
      state.status = 'open';
      state.balance = 0;
      return;
    case 'MoneyDeposited':
      state.balance += event.data.amount!;
      state.transactionCount += 1;
      return;
    case 'MoneyWithdrawn':
      state.balance -= event.data.amount!;
      state.transactionCount += 1;
      return;
    case 'AccountFrozen':
      state.status = 'frozen';
      return;
    case 'AccountUnfrozen':
      state.status = 'open';
      return;
    case 'AccountClosed':
      state.status = 'closed';
      return;
  }
}

export type Evolvers = Readonly<Record<string, (state: unknown, event: unknown) => void>>;

/** A dispatcher that finds the handler by building its name from the event type at run time. */
export function reflectionDispatcher(evolve: Evolvers): { state: unknown; apply(event: { readonly type: string }): void } {
  const target: Record<string, unknown> & { state: unknown; apply(event: { readonly type: string }): void } = {
    state: undefined,
    apply(event) {
      (this[`on${event.type}`] as (e: unknown) => void)(event);
    },
  };
  for (const type of Object.keys(evolve)) {
    target[`on${type}`] = function (this: { state: unknown }, event: unknown) {
      evolve[type]!(this.state, event);
    };
  }
  return target;
}
