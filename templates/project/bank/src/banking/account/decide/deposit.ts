import { reject, type Decision, type DeepReadonly } from '../../../groundwork/runtime/index.js';
import type { AccountEvent, AccountState, DepositInput } from '../types.js';

/** Money goes only into an open account. */
export function decideDeposit(command: DepositInput, state: DeepReadonly<AccountState>): Decision<AccountEvent> {
  if (state.status !== 'open') return reject('not-open', `the account is ${state.status}`);
  return [{ type: 'MoneyDeposited', data: { amount: command.amount, reference: command.reference } }];
}
