import type { CustomerAccountHandlers } from './rows.js';

/** What support sees for one customer's subscription. */
export const customerAccountHandlers: CustomerAccountHandlers = {
  SubscriptionStarted(event, rows) {
    rows.merge(event.streamId, { customerId: event.data.customerId, plan: event.data.plan, email: event.data.email, status: 'active', refundedAmount: 0 });
  },
  SubscriptionCancelled(event, rows) {
    rows.merge(event.streamId, { status: 'cancelled' });
  },
  SubscriptionReinstated(event, rows) {
    rows.merge(event.streamId, { status: 'active' });
  },
  RefundIssued(event, rows) {
    const row = rows.get(event.data.subscriptionId);
    rows.merge(event.data.subscriptionId, { refundedAmount: (row?.refundedAmount ?? 0) + event.data.amount.amount });
  },
  RefundReversed() {
    // RefundReversed carries neither the subscription nor the amount; the Refund aggregate's
    // state has both, if this projection should ever show reversals.
  },
};
