import type { TaskEvolvers } from './types.js';

/** How each Task event changes the state, in place. */
export const evolve: TaskEvolvers = {
  TaskAdded(state, event) {
    state.ownerId = event.data.ownerId;
    state.title = event.data.title;
    state.done = false;
  },
  TaskCompleted(state) {
    state.done = true;
  },
};
