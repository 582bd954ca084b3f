/**
 * Bearer JWTs checked with `jose` against one issuer, one audience (this server: RFC 8707, never
 * a token meant for another resource) and a JWKS, then mapped onto an identity; and the labelled
 * development tokens, a static table for local use that is off unless asked for.
 */
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { identityFromClaims, tokenFingerprint, type Claims, type ClaimsMapping } from '../../core/identity.js';
import type { CredentialCheck, CredentialProblem, Credentials } from '../../ports/credentials.js';

export interface JwtOptions {
  readonly issuer: string;
  readonly audience: string;
  /** Where the issuer publishes its keys; or `jwks`, a key set given inline. */
  readonly jwksUrl?: string | undefined;
  readonly jwks?: JSONWebKeySet | undefined;
  readonly mapping?: ClaimsMapping | undefined;
  /** Seconds of clock skew tolerated on exp and nbf (default 30). */
  readonly clockToleranceSeconds?: number | undefined;
}

/** Only asymmetric algorithms: a key set the server can read must not be able to mint tokens. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

/** How many verified tokens are remembered, and for how long at most: a signature check costs far more than a request. */
const CACHE_SIZE = 10_000;
const CACHE_MS = 60_000;

export function jwtCredentials(options: JwtOptions): Credentials {
  const keys = keySet(options);
  // A token verified once is the same token until it expires: its identity is kept (by the token
  // itself, bounded in number and to a minute) instead of checking its signature on every request.
  const verified = new Map<string, { readonly check: CredentialCheck; readonly until: number }>();
  return {
    kind: 'jwt',
    check: async (token) => {
      const now = Date.now();
      const cached = verified.get(token);
      if (cached !== undefined && cached.until > now) return cached.check;
      verified.delete(token);
      const check = await verify(token);
      if (check.ok) {
        if (verified.size >= CACHE_SIZE) verified.delete(verified.keys().next().value!);
        verified.set(token, { check, until: Math.min(now + CACHE_MS, expiryOf(token)) });
      }
      return check;
    },
  };

  async function verify(token: string): Promise<CredentialCheck> {
    let claims: Claims;
    try {
      const result = await jwtVerify(token, keys, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: ALGORITHMS,
        clockTolerance: options.clockToleranceSeconds ?? 30,
        requiredClaims: ['exp', 'sub'],
      });
      claims = result.payload;
    } catch (error) {
      return refusal(error);
    }
    return mapped(claims, token, options.mapping);
  }
}

/** When a token (already verified) expires, in ms since the epoch. */
function expiryOf(token: string): number {
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown };
  return typeof payload.exp === 'number' ? payload.exp * 1000 : 0;
}

/**
 * Static tokens for local development: each token names the claims it stands for, mapped like a
 * JWT's. Nothing is verified; a server using them says so on every start.
 */
export function developmentCredentials(tokens: Readonly<Record<string, Claims>>, mapping?: ClaimsMapping): Credentials {
  const table = new Map(Object.entries(tokens));
  return {
    kind: 'development',
    check: async (token) => {
      const claims = table.get(token);
      if (claims === undefined) return { ok: false, problem: 'invalid', message: 'not one of the development tokens' };
      return mapped(claims, token, mapping);
    },
  };
}

function keySet(options: JwtOptions): JWTVerifyGetKey {
  if (options.jwks !== undefined) return createLocalJWKSet(options.jwks);
  if (options.jwksUrl !== undefined) return createRemoteJWKSet(new URL(options.jwksUrl));
  throw new Error('a JWKS URL or key set is needed to check tokens');
}

function mapped(claims: Claims, token: string, mapping: ClaimsMapping | undefined): CredentialCheck {
  const identity = identityFromClaims(claims, mapping);
  if (!identity.ok) return { ok: false, problem: 'claims', message: identity.message };
  return { ok: true, identity: { ...identity.identity, tokenFingerprint: tokenFingerprint(token) } };
}

function refusal(error: unknown): CredentialCheck {
  const problem: CredentialProblem =
    error instanceof errors.JWTExpired
      ? 'expired'
      : error instanceof errors.JWTClaimValidationFailed && error.claim === 'aud'
        ? 'audience'
        : error instanceof errors.JWTClaimValidationFailed && error.claim === 'iss'
          ? 'issuer'
          : 'invalid';
  const detail = error instanceof errors.JOSEError ? error.message : 'the token could not be read';
  return { ok: false, problem, message: detail };
}
