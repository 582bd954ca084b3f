/** Who may run a command: actor kinds, roles, a policy hook, and which subject an actor is bound to. */
import type { AnyCommand } from './definitions.js';
import type { ForbiddenReason } from './errors.js';
import type { CommandContext } from './types.js';

/** A hook for rules beyond roles and actor kinds; return a reason to deny. */
export type Policy = (command: string, input: unknown, context: CommandContext) => string | undefined;

export interface Denial {
  readonly reason: ForbiddenReason;
  readonly message: string;
}

/** The one data subject whose aggregates an actor may touch, and why it is bound to it. */
export interface Binding {
  readonly subject: string;
  readonly because: string;
}

type Rule = Pick<AnyCommand, 'name' | 'actors' | 'allow' | 'ownDataRoles'>;

export function authorize(definition: Rule, input: unknown, context: CommandContext, policy: Policy | undefined): Denial | undefined {
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

/**
 * The subject an authorized actor is bound to: the one it acts on behalf of, or itself when every
 * role it holds that the command allows acts only on its own data. Such an actor cannot act on
 * behalf of anyone else.
 */
export function bindingOf(
  definition: Rule,
  context: Pick<CommandContext, 'actor' | 'onBehalfOf' | 'delegatedBy'>,
): { readonly binding: Binding | undefined } | { readonly denial: Denial } {
  const { actor, onBehalfOf } = context;
  const own = definition.ownDataRoles ?? [];
  const allowed = definition.allow === 'public' ? [] : actor.roles.filter((role) => definition.allow.includes(role));
  const ownOnly = allowed.length > 0 && allowed.every((role) => own.includes(role));
  if (!ownOnly) return { binding: onBehalfOf === undefined ? undefined : { subject: onBehalfOf, because: `acting on behalf of ${onBehalfOf}` } };
  // A person's own-data role, delegated to an agent (a token's `act`), binds the agent to that person.
  const self = context.delegatedBy ?? actor.id;
  const because = `role ${allowed.join(', ')} acts only on its own data (${self})`;
  if (onBehalfOf !== undefined && onBehalfOf !== self) {
    return { denial: { reason: 'subject', message: `${because}, so it cannot act on behalf of ${onBehalfOf}` } };
  }
  return { binding: { subject: self, because } };
}

/** A bound actor may only touch its subject's aggregates. */
export function checkSubject(subject: string | undefined, binding: Binding | undefined): string | undefined {
  if (binding === undefined || subject === binding.subject) return undefined;
  return `${binding.because}, but the aggregate belongs to ${subject === undefined ? 'no subject' : 'another subject'}`;
}
