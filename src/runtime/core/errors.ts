/** Errors returned as values with stable codes: the pipeline never throws them at callers. */

export interface ValidationIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

export type CommandError =
  | { readonly code: 'validation'; readonly message: string; readonly issues: readonly ValidationIssue[] }
  | { readonly code: 'forbidden'; readonly message: string; readonly reason: ForbiddenReason }
  | { readonly code: 'not-found'; readonly message: string; readonly streamId: string }
  | { readonly code: 'already-exists'; readonly message: string; readonly streamId: string }
  | { readonly code: 'conflict'; readonly message: string; readonly streamId: string; readonly expectedVersion: number; readonly actualVersion: number }
  | { readonly code: 'idempotency-mismatch'; readonly message: string; readonly commandId: string }
  | { readonly code: 'domain'; readonly message: string; readonly rule: string }
  | { readonly code: 'not-undoable'; readonly message: string; readonly commandId: string }
  | { readonly code: 'already-undone'; readonly message: string; readonly commandId: string };

export type CommandErrorCode = CommandError['code'];

export type ForbiddenReason = 'role' | 'actor-kind' | 'subject' | 'tenant' | 'policy';

/** What decide returns to refuse a command: a business rule, named so callers can react to it. */
export interface DomainError {
  readonly kind: 'domain-error';
  readonly rule: string;
  readonly message: string;
}

export function reject(rule: string, message: string): DomainError {
  return { kind: 'domain-error', rule, message };
}

export function isDomainError(value: unknown): value is DomainError {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'domain-error';
}

/** Marks the end of an exhaustive switch; reached only with data the types did not foresee. */
export function assertNever(value: never, what = 'value'): never {
  const shown = typeof value === 'object' && value !== null && 'type' in value ? (value as { type: unknown }).type : value;
  throw new Error(`unexpected ${what}: ${JSON.stringify(shown)}`);
}
