import { test } from 'node:test';
import { deepStrictEqual } from 'node:assert/strict';
import { closeAccountCommand, depositCommand, withdrawCommand } from '../src/banking/account/commands.js';
import { givenAccount } from '../src/banking/account/testing.js';
import { projectAccountBalances } from '../src/banking/projections/testing.js';

const accountId = '01JDQ5Z4A1B2C3D4E5F6G7H8J9';
const ownerId = '01JDQ5Z3X8M4N7P2R6T9V1W3Y5';
const opened = { type: 'AccountOpened', data: { ownerId, ownerName: 'Ada Lovelace', currency: 'GBP' } } as const;
const deposited = { type: 'MoneyDeposited', data: { amount: 100 } } as const;

test('a withdrawal within the balance is recorded', () => {
  givenAccount(opened, deposited)
    .when(withdrawCommand, { accountId, amount: 40 })
    .then([{ type: 'MoneyWithdrawn', data: { amount: 40 } }])
    .thenState({ balance: 60, transactionCount: 2 });
});

test('no overdraft', () => {
  givenAccount(opened, deposited).when(withdrawCommand, { accountId, amount: 101 }).thenRejects('overdraft');
});

test('a frozen account takes no money', () => {
  givenAccount(opened, { type: 'AccountFrozen', data: { reason: 'fraud check' } })
    .when(depositCommand, { accountId, amount: 5 })
    .thenRejects('not-open');
});

test('only an empty account can be closed', () => {
  givenAccount(opened, deposited).when(closeAccountCommand, { accountId }).thenRejects('balance-not-zero');
  givenAccount(opened).when(closeAccountCommand, { accountId }).thenState({ status: 'closed' });
});

test('amounts are positive', () => {
  givenAccount(opened).whenInvalid(depositCommand, { accountId, amount: 0 }, ['amount']);
});

test('AccountBalances follows deposits and withdrawals', async () => {
  const rows = await projectAccountBalances(
    { event: opened, streamId: accountId },
    { event: deposited, streamId: accountId },
    { event: { type: 'MoneyWithdrawn', data: { amount: 30 } }, streamId: accountId },
  );
  deepStrictEqual(await rows.get(accountId), { accountId, ownerId, balance: 70, status: 'open' });
});
