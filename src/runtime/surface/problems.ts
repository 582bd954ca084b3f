/**
 * Every failure a surface can answer with, and the one table that maps each onto an HTTP status and
 * an RFC 9457 problem type. MCP answers with the same codes, as tool results marked isError.
 */
import type { ValidationIssue } from '../core/errors.js';
import type { Failure } from '../core/pipeline.js';
import type { CredentialProblem } from '../ports/credentials.js';

/** The runtime's failures, plus what only a surface can say. */
export type SurfaceFailure =
  | Failure
  | { readonly code: 'unauthenticated'; readonly message: string; readonly problem: CredentialProblem | 'missing' }
  | { readonly code: 'in-flight'; readonly message: string }
  | { readonly code: 'precondition-failed'; readonly message: string; readonly expectedVersion: number; readonly actualVersion: number }
  | { readonly code: 'rate-limited'; readonly message: string; readonly retryAfterSeconds: number }
  | { readonly code: 'unsupported-media-type'; readonly message: string }
  | { readonly code: 'payload-too-large'; readonly message: string }
  | { readonly code: 'not-acceptable'; readonly message: string };

export type SurfaceCode = SurfaceFailure['code'];

interface ProblemType {
  readonly status: number;
  readonly title: string;
}

/** The one mapping from a failure's code to its status and title. */
export const PROBLEMS: { readonly [C in SurfaceCode]: ProblemType } = {
  validation: { status: 400, title: 'The request is not valid' },
  unauthenticated: { status: 401, title: 'A valid bearer token is needed' },
  forbidden: { status: 403, title: 'Not allowed' },
  'approval-required': { status: 403, title: 'A human must approve this command first' },
  'not-found': { status: 404, title: 'Not found' },
  'not-acceptable': { status: 406, title: 'Only application/json is offered' },
  'already-exists': { status: 409, title: 'It already exists' },
  conflict: { status: 409, title: 'The stream changed meanwhile' },
  'in-flight': { status: 409, title: 'A request with this idempotency key is still in flight' },
  'not-undoable': { status: 409, title: 'The command cannot be undone' },
  'already-undone': { status: 409, title: 'The command was already undone' },
  forgotten: { status: 410, title: 'The data subject was forgotten' },
  'precondition-failed': { status: 412, title: 'The stream is not at the version in If-Match' },
  'payload-too-large': { status: 413, title: 'The body is too large' },
  'unsupported-media-type': { status: 415, title: 'The body must be application/json' },
  domain: { status: 422, title: 'A business rule refused the command' },
  'idempotency-mismatch': { status: 422, title: 'The idempotency key was used with another request' },
  'unknown-reference': { status: 422, title: 'The input names something that does not exist' },
  'rate-limited': { status: 429, title: 'Too many requests' },
  internal: { status: 500, title: 'The command failed in the server' },
  storage: { status: 503, title: 'The store is unavailable; nothing was written' },
};

export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance?: string | undefined;
  readonly code: SurfaceCode;
  readonly [extension: string]: unknown;
}

/** The problem type URI of a code. */
export function problemType(code: SurfaceCode): string {
  return `urn:groundwork:problem:${code}`;
}

/** A failure as problem details: the table's status and title, the message, and the failure's own fields as extensions. */
export function problemOf(failure: SurfaceFailure, instance?: string): ProblemDetails {
  const { code, message, ...extensions } = failure;
  const { status, title } = PROBLEMS[code];
  // An internal failure's message is for the operator's log, not for the caller.
  const detail = code === 'internal' ? 'the command failed; the audit log records why' : message;
  return { type: problemType(code), title, status, detail, ...(instance === undefined ? {} : { instance }), code, ...extensions };
}

/** A validation failure built at the surface (a missing header, a bad query parameter). */
export function invalid(path: readonly (string | number)[], message: string): SurfaceFailure {
  const issues: ValidationIssue[] = [{ path, message }];
  return { code: 'validation', message: `${path.join('.')}: ${message}`, issues };
}

/** An exception from below (the store gone, a bug): a storage failure says nothing was written; anything else is internal. */
export function thrown(error: unknown): SurfaceFailure {
  const message = error instanceof Error ? error.message : String(error);
  return (error as { code?: unknown } | null)?.code === 'storage' ? { code: 'storage', message } : { code: 'internal', message };
}
