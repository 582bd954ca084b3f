import { test } from 'node:test';
import { strictEqual } from 'node:assert/strict';
import { projectOpenTasks } from '../src/tasks/projections/testing.js';
import { addTaskCommand, completeTaskCommand } from '../src/tasks/task/commands.js';
import { givenTask } from '../src/tasks/task/testing.js';

const owner = '01JDQ5Z3X8M4N7P2R6T9V1W3Y5';
const taskId = '01JDQ5Z4A1B2C3D4E5F6G7H8J9';
const added = { type: 'TaskAdded', data: { ownerId: owner, title: 'Write the spec' } } as const;

test('adding a task records TaskAdded', () => {
  givenTask().when(addTaskCommand, { taskId, ownerId: owner, title: 'Write the spec' }).then([added]).thenState({ title: 'Write the spec', done: false });
});

test('a task without a title is invalid', () => {
  givenTask().whenInvalid(addTaskCommand, { taskId, ownerId: owner, title: '' }, ['title']);
});

test('a task is completed once', () => {
  givenTask(added)
    .when(completeTaskCommand, { taskId })
    .then([{ type: 'TaskCompleted', data: {} }])
    .thenState({ done: true });
  givenTask(added, { type: 'TaskCompleted', data: {} }).when(completeTaskCommand, { taskId }).thenRejects('already-done');
});

test('OpenTasks shows each task and whether it is done', async () => {
  const rows = await projectOpenTasks({ event: added, streamId: taskId }, { event: { type: 'TaskCompleted', data: {} }, streamId: taskId });
  strictEqual((await rows.get(taskId))?.done, true);
  strictEqual((await rows.get(taskId))?.title, 'Write the spec');
});
