import { reject, type Decision, type DeepReadonly } from '../../../groundwork/runtime/index.js';
import type { AccountEvent, AccountState, CloseAccountInput } from '../types.js';

/** Only an open account with a zero balance can be closed. */
export function decideCloseAccount(_command: CloseAccountInput, state: DeepReadonly<AccountState>): Decision<AccountEvent> {
  if (state.status !== 'open') return reject('not-open', `the account is ${state.status}`);
  if (state.balance !== 0) return reject('balance-not-zero', `the balance is ${state.balance}`);
  return [{ type: 'AccountClosed', data: {} }];
}
