/** Errors returned as values with stable codes: the pipeline never throws them at callers. */

export interface ValidationIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

export type CommandError =
  | { readonly code: 'validation'; readonly message: string; readonly issues: readonly ValidationIssue[] }
  | { readonly code: 'forbidden'; readonly message: string; readonly reason: ForbiddenReason }
  | { readonly code: 'not-found'; readonly message: string; readonly streamId: string }
  /** An input field declared as a reference names no aggregate of that type in the caller's tenant. */
  | { readonly code: 'unknown-reference'; readonly message: string; readonly field: string; readonly streamId: string }
  | { readonly code: 'already-exists'; readonly message: string; readonly streamId: string }
  | { readonly code: 'conflict'; readonly message: string; readonly streamId: string; readonly expectedVersion: number; readonly actualVersion: number }
  | { readonly code: 'idempotency-mismatch'; readonly message: string; readonly commandId: string }
  | { readonly code: 'domain'; readonly message: string; readonly rule: string }
  | { readonly code: 'not-undoable'; readonly message: string; readonly commandId: string }
  | { readonly code: 'already-undone'; readonly message: string; readonly commandId: string }
  | { readonly code: 'forgotten'; readonly message: string; readonly subject: string }
  /** The command needs a human's approval first: a request was recorded under `approvalId` (null in a dry run, which records none); run it again with that id once approved. */
  | {
      readonly code: 'approval-required';
      readonly message: string;
      readonly approvalId: string | null;
      readonly expiresAt: string;
      readonly by: readonly string[];
    };

export type CommandErrorCode = CommandError['code'];

export type ForbiddenReason = 'role' | 'actor-kind' | 'subject' | 'tenant' | 'policy' | 'approval';

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

/** Why an app was refused at open, before anything was changed. Stable codes. */
export type ConfigurationCode =
  /** GROUNDWORK_KEK is not 32 bytes of base64. */
  | 'invalid-kek'
  /** The store holds personal data encrypted under a KEK, and none was given. */
  | 'kek-missing'
  /** The KEK given is not the one the store's data keys were wrapped with. */
  | 'kek-mismatch'
  /** The store holds encrypted data, but its key store file is gone. */
  | 'key-store-missing'
  /** Reading never creates a store, and there is none at the path. */
  | 'no-store'
  /** The database is missing or empty, but its checkpoint sink or key store show it held data. */
  | 'store-missing'
  /** A read-only app was asked to change something. */
  | 'read-only'
  /** The context given to a trust operation is not valid. */
  | 'invalid-context'
  /** The bus is configured wrongly (GROUNDWORK_BUS_URL without a shared database, a bad partition count). */
  | 'invalid-bus'
  /** Something that needs the bus (a worker, command status) was asked of an app without one. */
  | 'no-bus'
  /** How callers of the HTTP or MCP server are authenticated is missing or wrong (issuer, audience, key set, claims mapping, development tokens). */
  | 'invalid-auth';

/** A mistake in how an app is configured or opened: refused, naming what to fix, before anything changes. */
export class ConfigurationError extends Error {
  readonly code: ConfigurationCode;

  constructor(code: ConfigurationCode, message: string) {
    super(message);
    this.name = 'ConfigurationError';
    this.code = code;
  }
}

/** A pii value that cannot be decrypted: altered or moved ciphertext, or a data key that does not match. */
export class DecryptionError extends Error {
  readonly code = 'undecryptable';
  readonly subject: string;
  readonly field: string;

  constructor(at: { readonly subject: string; readonly streamId: string; readonly version: number; readonly field: string }) {
    super(
      `cannot decrypt ${at.field} of ${at.streamId} v${at.version} (subject ${at.subject}): the ciphertext was altered or moved to another event, field or subject, or its data key was wrapped under another GROUNDWORK_KEK`,
    );
    this.name = 'DecryptionError';
    this.subject = at.subject;
    this.field = at.field;
  }
}

/**
 * The store could not do what was asked (a full disk, a broken file, a lost connection): nothing of
 * the request was written. Adapters throw it instead of their driver's errors.
 */
export class StorageError extends Error {
  readonly code = 'storage';

  constructor(what: string, cause: unknown) {
    super(`${what}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'StorageError';
  }
}

/** A command or key for a subject that was forgotten: forgetting is for good. */
export class ForgottenSubjectError extends Error {
  readonly code = 'forgotten';
  readonly subject: string;

  constructor(subject: string) {
    super(`subject ${subject} was forgotten: its personal data cannot be written again (a returning person comes back under a new id)`);
    this.name = 'ForgottenSubjectError';
    this.subject = subject;
  }
}
