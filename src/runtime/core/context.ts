/**
 * The context of a command (who acts, for whom, in which tenant, under which ids) is input too:
 * validated and bounded at the edge, like the command's own input, before anything is decided or
 * stored. Ids in the trust operations' namespaces (`undo:`, `forget:`, `approved:`) are not the caller's to use.
 */
import { z } from 'zod';
import type { AuditRecord } from '../ports/event-store.js';
import type { ValidationIssue } from './errors.js';
import { ACTOR_KINDS, TRANSPORTS, type CommandContext } from './types.js';

/** The longest id, tenant or role a context may carry. */
export const MAX_ID_LENGTH = 256;

/** Command ids the trust operations give their own commands. */
export const RESERVED_PREFIXES = ['undo:', 'forget:', 'approved:'] as const;

const id = z.string().min(1).max(MAX_ID_LENGTH);
const commandId = id.refine((value) => !RESERVED_PREFIXES.some((prefix) => value.startsWith(prefix)), {
  message: `ids starting with ${RESERVED_PREFIXES.join(' or ')} are reserved for the trust operations`,
});

const contextSchema = z.strictObject({
  actor: z.strictObject({ id, kind: z.enum(ACTOR_KINDS), roles: z.array(z.string().min(1).max(64)).max(64) }),
  onBehalfOf: id.nullish(),
  tenant: id,
  commandId: commandId.optional(),
  idempotencyKey: commandId.optional(),
  correlationId: id.optional(),
  causationId: id.optional(),
  approvalId: id.optional(),
  expectedVersion: z.int().min(0).optional(),
  delegatedBy: id.optional(),
  via: z
    .strictObject({
      transport: z.enum(TRANSPORTS),
      route: id,
      clientId: id.nullable(),
      tokenFingerprint: z
        .string()
        .regex(/^[0-9a-f]{64}$/)
        .nullable(),
      requestId: id,
    })
    .optional(),
});

/** The context of the trust operations' own commands, whose ids are in the reserved namespaces. */
const reservedContextSchema = contextSchema.extend({ commandId: id.optional() });

export type ContextCheck = { readonly ok: true; readonly context: CommandContext } | { readonly ok: false; readonly issues: readonly ValidationIssue[] };

/** The context, validated; `onBehalfOf: null` means absent. */
export function checkContext(raw: unknown, options: { readonly reserved?: boolean } = {}): ContextCheck {
  const parsed = (options.reserved === true ? reservedContextSchema : contextSchema).safeParse(raw);
  if (!parsed.success)
    return {
      ok: false,
      issues: parsed.error.issues.map((i) => ({ path: ['context', ...i.path.filter((p): p is string | number => typeof p !== 'symbol')], message: i.message })),
    };
  const { onBehalfOf, ...rest } = parsed.data;
  return { ok: true, context: onBehalfOf === null || onBehalfOf === undefined ? rest : { ...rest, onBehalfOf } };
}

/** Text from an untrusted context, fit to be recorded: a string, bounded; anything else, empty. */
export function bounded(value: unknown): string {
  return typeof value === 'string' ? value.slice(0, MAX_ID_LENGTH) : '';
}

/**
 * What the audit record of a refused context can honestly hold: the parts that were valid, the
 * rest bounded or left empty, so an invalid request cannot bloat or forge the record.
 */
export function auditableActor(raw: unknown): AuditRecord['actor'] {
  const value = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const actor = typeof value['actor'] === 'object' && value['actor'] !== null ? (value['actor'] as Record<string, unknown>) : {};
  const roles = Array.isArray(actor['roles']) ? actor['roles'].slice(0, 64).map(bounded) : [];
  return { id: bounded(actor['id']), kind: ACTOR_KINDS.find((k) => k === actor['kind']) ?? 'unknown', roles };
}
