import type { OpenTasksHandlers } from './rows.js';

/** Every task with its state, for the to-do screen. */
export const openTasksHandlers: OpenTasksHandlers = {
  async TaskAdded(event, rows) {
    await rows.merge(event.streamId, { ownerId: event.data.ownerId, title: event.data.title, done: false });
  },
  async TaskCompleted(event, rows) {
    await rows.merge(event.streamId, { done: true });
  },
};
