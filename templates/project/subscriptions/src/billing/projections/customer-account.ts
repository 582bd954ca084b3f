import type { CustomerAccountHandlers } from './rows.js';

/** What support sees for one customer's subscription. */
export const customerAccountHandlers: CustomerAccountHandlers = {
  async SubscriptionStarted(event, rows) {
    await rows.merge(event.streamId, {
      customerId: event.data.customerId,
      plan: event.data.plan,
      email: event.data.email,
      status: 'active',
      refundedAmount: 0,
    });
  },
  async SubscriptionCancelled(event, rows) {
    await rows.merge(event.streamId, { status: 'cancelled' });
  },
  async SubscriptionReinstated(event, rows) {
    await rows.merge(event.streamId, { status: 'active' });
  },
  async RefundIssued(event, rows) {
    const row = await rows.get(event.data.subscriptionId);
    await rows.merge(event.data.subscriptionId, { refundedAmount: (row?.refundedAmount ?? 0) + event.data.amount.amount });
  },
  async RefundReversed() {
    // RefundReversed carries neither the subscription nor the amount; the Refund aggregate's
    // state has both, if this projection should ever show reversals.
  },
};
