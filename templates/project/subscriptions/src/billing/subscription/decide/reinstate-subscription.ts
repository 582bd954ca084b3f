import { reject, type Decision, type DeepReadonly } from '../../../groundwork/runtime/index.js';
import type { ReinstateSubscriptionInput, SubscriptionEvent, SubscriptionState } from '../types.js';

/** Only a cancelled subscription can be reinstated. */
export function decideReinstateSubscription(_command: ReinstateSubscriptionInput, state: DeepReadonly<SubscriptionState>): Decision<SubscriptionEvent> {
  if (state.status === 'active') return reject('not-cancelled', 'the subscription is active');
  return [{ type: 'SubscriptionReinstated', data: {} }];
}
