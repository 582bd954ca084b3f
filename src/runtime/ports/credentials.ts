/** Checks a bearer credential and says who it names: the only way a surface learns who is calling. */
import type { Identity } from '../core/identity.js';

/**
 * Why a credential was refused: `invalid` (a bad signature, an unknown key, not a token at all),
 * `expired`, `audience` (issued for another resource), `issuer`, `claims` (verified, but its claims
 * do not map onto an identity).
 */
export type CredentialProblem = 'invalid' | 'expired' | 'audience' | 'issuer' | 'claims';

export type CredentialCheck =
  | { readonly ok: true; readonly identity: Identity }
  | { readonly ok: false; readonly problem: CredentialProblem; readonly message: string };

export interface Credentials {
  /** Development tokens are labelled, so a server can say loudly that it runs with them. */
  readonly kind: 'jwt' | 'development';
  check(token: string): Promise<CredentialCheck>;
}
