import { reject, type Decision, type DeepReadonly } from '../../../groundwork/runtime/index.js';
import type { AccountEvent, AccountState, WithdrawInput } from '../types.js';

/** Rejected when the balance would go below zero or the account is not open. */
export function decideWithdraw(command: WithdrawInput, state: DeepReadonly<AccountState>): Decision<AccountEvent> {
  if (state.status !== 'open') return reject('not-open', `the account is ${state.status}`);
  if (command.amount > state.balance) return reject('overdraft', `the balance is ${state.balance}, less than ${command.amount}`);
  return [{ type: 'MoneyWithdrawn', data: { amount: command.amount, reference: command.reference } }];
}
