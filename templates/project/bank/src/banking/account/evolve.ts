import type { AccountEvolvers } from './types.js';

/** How each Account event changes the state, in place. */
export const evolve: AccountEvolvers = {
  AccountOpened(state, event) {
    state.ownerId = event.data.ownerId;
    state.status = 'open';
    state.balance = 0;
  },
  MoneyDeposited(state, event) {
    state.balance += event.data.amount;
    state.transactionCount += 1;
  },
  MoneyWithdrawn(state, event) {
    state.balance -= event.data.amount;
    state.transactionCount += 1;
  },
  AccountFrozen(state) {
    state.status = 'frozen';
  },
  AccountUnfrozen(state) {
    state.status = 'open';
  },
  AccountClosed(state) {
    state.status = 'closed';
  },
};
