/**
 * Who a request comes from, as verified credentials say, never as the caller claims: the claims of
 * a checked token mapped onto an actor, a tenant, the subject acted for and who delegated, through
 * one documented mapping. Pure: the token is checked elsewhere (adapters/jwt).
 */
import { createHash } from 'node:crypto';
import { ACTOR_KINDS, type Actor, type ActorKind } from './types.js';
import { MAX_ID_LENGTH } from './context.js';

/** The identity a surface acts under: everything it may put in a command's context, and the audit's view of the credential. */
export interface Identity {
  readonly actor: Actor;
  readonly tenant: string;
  /** The data subject the actor acts for: the token's on-behalf-of claim, or for a delegated token the person who delegated. */
  readonly onBehalfOf?: string | undefined;
  /** The person whose authority a delegated token (RFC 8693 `act`) carries: its `sub`. */
  readonly delegatedBy?: string | undefined;
  /** The OAuth client the token was issued to (`client_id`, else `azp`). */
  readonly clientId?: string | undefined;
  /** SHA-256 of the token, hex: names the credential in the audit without keeping it. */
  readonly tokenFingerprint?: string | undefined;
}

/**
 * Where each part of the identity is read from in the token's claims. Claim names may be dotted
 * paths (`realm_access.roles`). Defaults: roles `roles`, kind `actor_kind`, tenant `tenant`,
 * on-behalf-of `on_behalf_of`.
 */
export interface ClaimsMapping {
  readonly roles?: string | undefined;
  readonly kind?: string | undefined;
  readonly tenant?: string | undefined;
  readonly onBehalfOf?: string | undefined;
  /** The tenant of every token when there is no tenant claim (a single-tenant deployment). */
  readonly fixedTenant?: string | undefined;
  /** The kind of a token that names none; without it such a token is refused (a delegated token's actor defaults to `agent`). */
  readonly defaultKind?: ActorKind | undefined;
}

export type Claims = Readonly<Record<string, unknown>>;

export type IdentityCheck = { readonly ok: true; readonly identity: Identity } | { readonly ok: false; readonly message: string };

/**
 * The identity a token's claims give. With an `act` claim (RFC 8693 delegation) the acting party
 * (`act.sub`) is the actor and `sub` is who delegated; the roles are what the token grants.
 */
export function identityFromClaims(claims: Claims, mapping: ClaimsMapping = {}): IdentityCheck {
  const act = objectAt(claims, 'act');
  // A delegation claim that is not an object must not make the delegator the actor.
  if (claims['act'] !== undefined && act === undefined) return refuse('the act claim must be an object naming the acting party in sub');
  const actorClaims = act ?? claims;
  const id = textAt(actorClaims, 'sub');
  if (id === undefined) return refuse(act === undefined ? 'the token has no sub claim' : 'the act claim has no sub');
  const kindName = mapping.kind ?? 'actor_kind';
  const kindText = textAt(actorClaims, kindName);
  const kind = kindText === undefined ? (act !== undefined ? 'agent' : mapping.defaultKind) : ACTOR_KINDS.find((k) => k === kindText);
  if (kind === undefined)
    return refuse(
      kindText === undefined
        ? `the token has no ${kindName} claim (one of ${ACTOR_KINDS.join(', ')}), and no default kind is configured`
        : `${kindName} ${JSON.stringify(kindText.slice(0, 40))} is not one of ${ACTOR_KINDS.join(', ')}`,
    );
  const roles = rolesAt(claims, mapping.roles ?? 'roles');
  if (roles === undefined) return refuse(`the ${mapping.roles ?? 'roles'} claim must be a list of role names or a space-separated string`);
  const tenant = textAt(claims, mapping.tenant ?? 'tenant') ?? mapping.fixedTenant;
  if (tenant === undefined) return refuse(`the token has no ${mapping.tenant ?? 'tenant'} claim, and no fixed tenant is configured`);
  const delegatedBy = act === undefined ? undefined : textAt(claims, 'sub');
  if (act !== undefined && delegatedBy === undefined) return refuse('a delegated token (with act) must name who delegated in sub');
  const onBehalfOf = textAt(claims, mapping.onBehalfOf ?? 'on_behalf_of') ?? delegatedBy;
  const clientId = textAt(claims, 'client_id') ?? textAt(claims, 'azp');
  return {
    ok: true,
    identity: {
      actor: { id, kind, roles },
      tenant,
      ...(onBehalfOf === undefined || onBehalfOf === id ? {} : { onBehalfOf }),
      ...(delegatedBy === undefined ? {} : { delegatedBy }),
      ...(clientId === undefined ? {} : { clientId }),
    },
  };
}

/** The fingerprint the audit keeps of a credential: SHA-256 of the token, hex. */
export function tokenFingerprint(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function refuse(message: string): IdentityCheck {
  return { ok: false, message };
}

function valueAt(claims: Claims, path: string): unknown {
  let value: unknown = claims;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function objectAt(claims: Claims, path: string): Claims | undefined {
  const value = valueAt(claims, path);
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Claims) : undefined;
}

function textAt(claims: Claims, path: string): string | undefined {
  const value = valueAt(claims, path);
  return typeof value === 'string' && value !== '' && value.length <= MAX_ID_LENGTH ? value : undefined;
}

/** Roles as a list, or as a space-separated string (an OAuth `scope`); absent is none. */
function rolesAt(claims: Claims, path: string): string[] | undefined {
  const value = valueAt(claims, path);
  if (value === undefined) return [];
  const list = typeof value === 'string' ? value.split(' ').filter((r) => r !== '') : value;
  if (!Array.isArray(list) || list.length > 64) return undefined;
  if (!list.every((r): r is string => typeof r === 'string' && r !== '' && r.length <= 64)) return undefined;
  return [...new Set(list)].sort();
}
