import { reject, type Decision, type DeepReadonly } from '../../../groundwork/runtime/index.js';
import type { CompleteTaskInput, TaskEvent, TaskState } from '../types.js';

/** A task can be completed once. */
export function decideCompleteTask(_command: CompleteTaskInput, state: DeepReadonly<TaskState>): Decision<TaskEvent> {
  if (state.done) return reject('already-done', `"${state.title}" is already done`);
  return [{ type: 'TaskCompleted', data: {} }];
}
