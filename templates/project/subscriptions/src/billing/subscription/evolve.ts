import type { SubscriptionEvolvers } from './types.js';

/** How each Subscription event changes the state, in place. */
export const evolve: SubscriptionEvolvers = {
  SubscriptionStarted(state, event) {
    state.customerId = event.data.customerId;
    state.plan = event.data.plan;
    state.price = event.data.price;
    state.status = 'active';
  },
  SubscriptionCancelled(state) {
    state.status = 'cancelled';
  },
  SubscriptionReinstated(state) {
    state.status = 'active';
  },
};
