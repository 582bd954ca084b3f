import type { AccountBalancesHandlers } from './rows.js';

/** Current balance and status of every account. */
export const accountBalancesHandlers: AccountBalancesHandlers = {
  AccountOpened(event, rows) {
    rows.merge(event.streamId, { ownerId: event.data.ownerId, balance: 0, status: 'open' });
  },
  MoneyDeposited(event, rows) {
    rows.merge(event.streamId, { balance: (rows.get(event.streamId)?.balance ?? 0) + event.data.amount });
  },
  MoneyWithdrawn(event, rows) {
    rows.merge(event.streamId, { balance: (rows.get(event.streamId)?.balance ?? 0) - event.data.amount });
  },
  AccountFrozen(event, rows) {
    rows.merge(event.streamId, { status: 'frozen' });
  },
  AccountUnfrozen(event, rows) {
    rows.merge(event.streamId, { status: 'open' });
  },
  AccountClosed(event, rows) {
    rows.merge(event.streamId, { status: 'closed' });
  },
};
