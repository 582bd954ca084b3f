import { reject, type Decision, type DeepReadonly } from '../../../groundwork/runtime/index.js';
import type { RefundEvent, RefundState, ReverseRefundInput } from '../types.js';

/** A refund is reversed at most once. */
export function decideReverseRefund(command: ReverseRefundInput, state: DeepReadonly<RefundState>): Decision<RefundEvent> {
  if (state.status === 'reversed') return reject('already-reversed', 'the refund was already reversed');
  return [{ type: 'RefundReversed', data: { reason: command.reason } }];
}
