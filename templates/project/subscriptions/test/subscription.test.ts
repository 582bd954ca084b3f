import { test } from 'node:test';
import { deepStrictEqual } from 'node:assert/strict';
import { projectCustomerAccount } from '../src/billing/projections/testing.js';
import { cancelSubscriptionCommand, reinstateSubscriptionCommand, startSubscriptionCommand } from '../src/billing/subscription/commands.js';
import { givenSubscription } from '../src/billing/subscription/testing.js';

const customerId = '01JDQ5Z3X8M4N7P2R6T9V1W3Y5';
const subscriptionId = '01JDQ5Z4A1B2C3D4E5F6G7H8J9';
const price = { amount: 1900, currency: 'EUR' };
const started = { type: 'SubscriptionStarted', data: { customerId, plan: 'pro', price, email: 'ada@example.com' } } as const;
const cancelled = { type: 'SubscriptionCancelled', data: { reason: 'too expensive' } } as const;

test('starting a subscription records it', () => {
  givenSubscription()
    .when(startSubscriptionCommand, { subscriptionId, customerId, plan: 'pro', price, email: 'ada@example.com' })
    .then([started])
    .thenState({ status: 'active', plan: 'pro' });
});

test('the price must be a three-letter currency', () => {
  givenSubscription().whenInvalid(
    startSubscriptionCommand,
    { subscriptionId, customerId, plan: 'pro', price: { amount: 1, currency: 'euro' }, email: 'ada@example.com' },
    ['price.currency'],
  );
});

test('cancelling twice is refused', () => {
  givenSubscription(started).when(cancelSubscriptionCommand, { subscriptionId, reason: 'too expensive' }).then([cancelled]).thenState({ status: 'cancelled' });
  givenSubscription(started, cancelled).when(cancelSubscriptionCommand, { subscriptionId }).thenRejects('already-cancelled');
});

test('reinstating undoes a cancellation, and only a cancellation', () => {
  givenSubscription(started, cancelled).when(reinstateSubscriptionCommand, { subscriptionId }).thenState({ status: 'active' });
  givenSubscription(started).when(reinstateSubscriptionCommand, { subscriptionId }).thenRejects('not-cancelled');
});

test('CustomerAccount shows the status and what was refunded', async () => {
  const rows = await projectCustomerAccount(
    { event: started, streamId: subscriptionId },
    { event: cancelled, streamId: subscriptionId },
    { event: { type: 'RefundIssued', data: { subscriptionId, customerId, amount: price } }, streamId: '01JDQ5Z5K1M2N3P4Q5R6S7T8V9' },
  );
  deepStrictEqual(await rows.get(subscriptionId), {
    subscriptionId,
    customerId,
    plan: 'pro',
    status: 'cancelled',
    email: 'ada@example.com',
    refundedAmount: 1900,
  });
});
