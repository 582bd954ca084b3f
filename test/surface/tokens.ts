/** A test issuer: a key pair made per run, its JWKS, and JWTs minted with it. */
import { exportJWK, generateKeyPair, SignJWT, type JSONWebKeySet, type JWTPayload } from 'jose';

export const ISSUER = 'https://issuer.test';
export const AUDIENCE = 'https://api.test';

export interface TestIssuer {
  readonly jwks: JSONWebKeySet;
  mint(
    claims: JWTPayload,
    options?: { readonly audience?: string; readonly issuer?: string; readonly expiresIn?: string; readonly kid?: string },
  ): Promise<string>;
}

export async function testIssuer(): Promise<TestIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  return {
    jwks: { keys: [jwk] },
    mint: (claims, options = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: options.kid ?? 'k1' })
        .setIssuer(options.issuer ?? ISSUER)
        .setAudience(options.audience ?? AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(options.expiresIn ?? '5m')
        .sign(privateKey),
  };
}
