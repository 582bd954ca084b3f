/** A small hand-written domain that drives the runtime in tests, as generated code would. */
import { z } from 'zod';
import { reject, type AggregateDefinition, type CommandDefinition } from '../../src/runtime/index.js';

export interface CounterState {
  owner: string;
  value: number;
  limit: number;
}

export type CounterEvent =
  | { readonly type: 'CounterOpened'; readonly data: { readonly owner: string; readonly limit: number } }
  | { readonly type: 'CounterIncremented'; readonly data: { readonly by: number } };

export const counter: AggregateDefinition<CounterState, CounterEvent> = {
  name: 'Counter',
  idField: 'counterId',
  initialState: () => ({ owner: '', value: 0, limit: 0 }),
  fold(state, event) {
    switch (event.type) {
      case 'CounterOpened':
        state.owner = event.data.owner;
        state.limit = event.data.limit;
        return;
      case 'CounterIncremented':
        state.value += event.data.by;
        return;
    }
  },
  subjectOf: (state) => state.owner,
  snapshotEvery: 3,
  stateVersion: 'counter-v1',
  pii: {},
  statePii: false,
};

const openInput = z.strictObject({ counterId: z.string().min(1), owner: z.string().min(1), limit: z.number().int().min(1) });
export const openCounter: CommandDefinition<z.output<typeof openInput>, CounterState, CounterEvent> = {
  name: 'OpenCounter',
  aggregate: counter,
  schema: openInput,
  streamIdOf: (input) => input.counterId,
  creates: true,
  allow: ['owner', 'admin'],
  actors: ['human', 'agent'],
  decide: (command) => [{ type: 'CounterOpened', data: { owner: command.owner, limit: command.limit } }],
  undo: undefined,
};

const incrementInput = z.strictObject({ counterId: z.string().min(1), by: z.number().int().min(1) });
export const increment: CommandDefinition<z.output<typeof incrementInput>, CounterState, CounterEvent> = {
  name: 'Increment',
  aggregate: counter,
  schema: incrementInput,
  streamIdOf: (input) => input.counterId,
  creates: false,
  allow: ['owner'],
  actors: ['human', 'agent', 'job'],
  decide: (command, state) =>
    state.value + command.by > state.limit
      ? reject('limit', `would exceed the limit of ${state.limit}`)
      : [{ type: 'CounterIncremented', data: { by: command.by } }],
  undo: undefined,
};

export const human = { actor: { id: 'user-1', kind: 'human', roles: ['owner'] }, tenant: 't1' } as const;
