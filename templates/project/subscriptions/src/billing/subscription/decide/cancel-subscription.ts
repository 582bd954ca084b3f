import { reject, type Decision, type DeepReadonly } from '../../../groundwork/runtime/index.js';
import type { CancelSubscriptionInput, SubscriptionEvent, SubscriptionState } from '../types.js';

/** Only an active subscription can be cancelled. */
export function decideCancelSubscription(command: CancelSubscriptionInput, state: DeepReadonly<SubscriptionState>): Decision<SubscriptionEvent> {
  if (state.status === 'cancelled') return reject('already-cancelled', 'the subscription is already cancelled');
  return [{ type: 'SubscriptionCancelled', data: { reason: command.reason } }];
}
