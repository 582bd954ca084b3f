/**
 * Test helpers for the code you write: given some events, when a command is decided, then these
 * events (or this error). Pure and in memory: no database, no clock, no keys.
 */
import { deepStrictEqual, fail, ok } from 'node:assert/strict';
import { isDomainError } from './errors.js';
import type { AggregateDefinition, CommandDefinition, Decision, VersionedEvent } from './definitions.js';
import { currentVersion } from './reader.js';
import type { ProjectionDefinition, Rows } from './projections.js';
import type { DeepReadonly, DomainEvent, EventMetadata, StoredEvent } from './types.js';

export interface Then<S, E extends DomainEvent> {
  /** What decide returned. */
  readonly decision: Decision<E>;
  /** Asserts the exact events decide returned. */
  then(expected: readonly E[]): Then<S, E>;
  /** Asserts the state after folding the new events (only the fields given). */
  thenState(expected: Partial<S>): Then<S, E>;
  /** Asserts decide refused the command with reject(rule, ...). */
  thenRejects(rule: string): void;
}

export interface Scenario<S, E extends DomainEvent> {
  /** The state the given events fold to. */
  readonly state: S;
  /** Validates the input with the command's schema, then decides it against the state. */
  when<I>(command: CommandDefinition<I, S, E>, input: unknown): Then<S, E>;
  /** Asserts the command's schema rejects the input, at the given field paths. */
  whenInvalid<I>(command: CommandDefinition<I, S, E>, input: unknown, paths?: readonly string[]): void;
}

/** An event in the shape of an earlier schema version, as it may be stored; `recordedAt` feeds upcasters that need it. */
export interface OlderEvent extends VersionedEvent {
  readonly recordedAt?: string;
}

/** Given events (current ones, or older shapes read through the aggregate's upcasters), the state they fold to. */
export function given<S, E extends DomainEvent>(aggregate: AggregateDefinition<S, E>, given: readonly (NoInfer<E> | OlderEvent)[] = []): Scenario<S, E> {
  const events = given.map((event, i) => current(aggregate, event, i + 1));
  const fold = (from: readonly E[]) => {
    const state = aggregate.initialState();
    for (const event of from) aggregate.fold(state, event);
    return state;
  };
  const state = fold(events);
  return {
    state,
    when(command, input) {
      const parsed = command.schema.safeParse(input);
      if (!parsed.success)
        fail(`${command.name}: the input is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'} ${i.message}`).join('; ')}`);
      const decision = command.decide(parsed.data, fold(events) as DeepReadonly<S>);
      const result: Then<S, E> = {
        decision,
        then(expected) {
          if (isDomainError(decision)) fail(`${command.name} was rejected (${decision.rule}: ${decision.message}), expected events`);
          deepStrictEqual(JSON.parse(JSON.stringify(decision)), JSON.parse(JSON.stringify(expected)));
          return result;
        },
        thenState(expected) {
          if (isDomainError(decision)) fail(`${command.name} was rejected (${decision.rule}), expected a new state`);
          const after = fold([...events, ...decision]) as Record<string, unknown>;
          for (const [key, value] of Object.entries(expected)) deepStrictEqual(after[key], value, `state.${key}`);
          return result;
        },
        thenRejects(rule) {
          ok(isDomainError(decision), `${command.name} was accepted, expected it to be rejected with "${rule}"`);
          deepStrictEqual(decision.rule, rule);
        },
      };
      return result;
    },
    whenInvalid(command, input, paths) {
      const parsed = command.schema.safeParse(input);
      ok(!parsed.success, `${command.name}: expected the input to be rejected`);
      if (paths !== undefined) deepStrictEqual(parsed.error.issues.map((i) => i.path.join('.')).sort(), [...paths].sort());
    },
  };
}

function current<S, E extends DomainEvent>(aggregate: AggregateDefinition<S, E>, event: E | OlderEvent, version: number): E {
  if (!('schemaVersion' in event) || event.schemaVersion === currentVersion(aggregate, event.type)) return event as E;
  if (aggregate.upcast === undefined) fail(`${aggregate.name} has no earlier versions of ${event.type}`);
  return aggregate.upcast(event, { streamId: 'test', version, recordedAt: event.recordedAt ?? new Date(Date.UTC(2026, 0, 1)).toISOString() });
}

/** A projection table in memory, with the same interface handlers get in production. */
export class MemoryRows<R extends object> implements Rows<R> {
  readonly #key: string;
  readonly #rows = new Map<string, Record<string, unknown>>();
  readonly #columns: readonly string[];

  constructor(definition: Pick<ProjectionDefinition<R>, 'key' | 'columns'>) {
    this.#key = definition.key;
    this.#columns = definition.columns.map((c) => c.name);
  }

  async get(key: string): Promise<R | undefined> {
    const row = this.#rows.get(key);
    return row === undefined ? undefined : ({ ...row } as R);
  }

  async merge(key: string, values: Partial<R>): Promise<void> {
    const row = this.#rows.get(key) ?? Object.fromEntries([[this.#key, key], ...this.#columns.map((c) => [c, null])]);
    for (const [name, value] of Object.entries(values)) if (this.#columns.includes(name)) row[name] = value === undefined ? null : value;
    this.#rows.set(key, row);
  }

  async delete(key: string): Promise<void> {
    this.#rows.delete(key);
  }

  async findBy<K extends keyof R & string>(column: K, value: R[K]): Promise<R[]> {
    return [...this.#rows.values()].filter((row) => JSON.stringify(row[column]) === JSON.stringify(value)).map((row) => ({ ...row }) as R);
  }

  /** Every row, in the order they were first written. */
  all(): R[] {
    return [...this.#rows.values()].map((row) => ({ ...row }) as R);
  }
}

export interface TestEvent<E extends DomainEvent = DomainEvent> {
  readonly event: E;
  readonly streamId: string;
  readonly recordedAt?: string;
}

/** Feeds events through a projection's dispatch into an in-memory table. */
export async function project<R extends object, E extends StoredEvent>(
  definition: ProjectionDefinition<R, E>,
  events: readonly TestEvent[],
): Promise<MemoryRows<R>> {
  const rows = new MemoryRows<R>(definition);
  const handled = new Set<string>(definition.handles);
  const versions = new Map<string, number>();
  for (const [i, { event, streamId, recordedAt }] of events.entries()) {
    const version = (versions.get(streamId) ?? 0) + 1;
    versions.set(streamId, version);
    const metadata: EventMetadata = {
      commandId: `test-${i + 1}`,
      command: 'Test',
      correlationId: `test-${i + 1}`,
      causationId: null,
      actorId: 'test',
      actorKind: 'human',
      onBehalfOf: null,
      subject: null,
      tenant: 'test',
    };
    const stored: StoredEvent = {
      position: i + 1,
      bucket: 0,
      bseq: i + 1,
      streamId,
      version,
      type: event.type,
      schemaVersion: 1,
      recordedAt: recordedAt ?? new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
      data: event.data,
      metadata,
    };
    if (isHandled<E>(stored, handled)) await definition.apply(stored, rows);
  }
  return rows;
}

function isHandled<E extends StoredEvent>(event: StoredEvent, handled: ReadonlySet<string>): event is E {
  return handled.has(event.type);
}
