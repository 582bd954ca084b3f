import type { AccountBalancesHandlers } from './rows.js';

/** Current balance and status of every account. */
export const accountBalancesHandlers: AccountBalancesHandlers = {
  async AccountOpened(event, rows) {
    await rows.merge(event.streamId, { ownerId: event.data.ownerId, balance: 0, status: 'open' });
  },
  async MoneyDeposited(event, rows) {
    await rows.merge(event.streamId, { balance: ((await rows.get(event.streamId))?.balance ?? 0) + event.data.amount });
  },
  async MoneyWithdrawn(event, rows) {
    await rows.merge(event.streamId, { balance: ((await rows.get(event.streamId))?.balance ?? 0) - event.data.amount });
  },
  async AccountFrozen(event, rows) {
    await rows.merge(event.streamId, { status: 'frozen' });
  },
  async AccountUnfrozen(event, rows) {
    await rows.merge(event.streamId, { status: 'open' });
  },
  async AccountClosed(event, rows) {
    await rows.merge(event.streamId, { status: 'closed' });
  },
};
