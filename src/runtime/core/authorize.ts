/** Who may run a command: actor kinds, roles, a policy hook, and the on-behalf-of subject rule. */
import type { AnyCommand } from './definitions.js';
import type { ForbiddenReason } from './errors.js';
import type { CommandContext } from './types.js';

/** A hook for rules beyond roles and actor kinds; return a reason to deny. */
export type Policy = (command: string, input: unknown, context: CommandContext) => string | undefined;

export interface Denial {
  readonly reason: ForbiddenReason;
  readonly message: string;
}

export function authorize(
  definition: Pick<AnyCommand, 'name' | 'actors' | 'allow'>,
  input: unknown,
  context: CommandContext,
  policy: Policy | undefined,
): Denial | undefined {
  const { actor } = context;
  if (!definition.actors.includes(actor.kind)) {
    return { reason: 'actor-kind', message: `${definition.name} may be run by ${definition.actors.join(', ')}, not by an actor of kind ${actor.kind}` };
  }
  if (definition.allow !== 'public' && !actor.roles.some((role) => definition.allow.includes(role))) {
    return { reason: 'role', message: `${definition.name} needs one of the roles ${definition.allow.join(', ')}` };
  }
  const denial = policy?.(definition.name, input, context);
  return denial === undefined ? undefined : { reason: 'policy', message: denial };
}

/** An actor acting for a subject may only touch that subject's aggregates. */
export function checkSubject(subject: string | undefined, context: CommandContext): string | undefined {
  if (context.onBehalfOf === undefined) return undefined;
  if (subject === context.onBehalfOf) return undefined;
  return `acting on behalf of ${context.onBehalfOf}, but the aggregate belongs to ${subject ?? 'no subject'}`;
}
