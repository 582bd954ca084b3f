/**
 * Identity comes from verified credentials: a JWT checked against the issuer, audience and key set,
 * its claims mapped onto an actor, a tenant, the subject acted for and who delegated.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { developmentCredentials, jwtCredentials } from '../../src/runtime/adapters/jwt/index.js';
import { readSurfaceEnvironment } from '../../src/runtime/app/config.js';
import { credentialsFrom } from '../../src/runtime/surface/main.js';
import { identityFromClaims, tokenFingerprint } from '../../src/runtime/core/identity.js';
import { AUDIENCE, ISSUER, testIssuer } from './tokens.js';

describe('claims mapping', () => {
  it('maps sub, actor_kind, roles and tenant; roles may be a space-separated scope', () => {
    expect(identityFromClaims({ sub: 'u-1', actor_kind: 'human', roles: ['support', 'support'], tenant: 't1' })).toEqual({
      ok: true,
      identity: { actor: { id: 'u-1', kind: 'human', roles: ['support'] }, tenant: 't1' },
    });
    const scoped = identityFromClaims({ sub: 'svc', kind: 'service', scope: 'b a', org: { id: 'acme' } }, { kind: 'kind', roles: 'scope', tenant: 'org.id' });
    expect(scoped).toEqual({ ok: true, identity: { actor: { id: 'svc', kind: 'service', roles: ['a', 'b'] }, tenant: 'acme' } });
  });

  it('makes the acting party of a delegated token (act) the actor, and records who delegated and for whom', () => {
    const claims = { sub: 'sam', roles: ['support'], tenant: 't1', on_behalf_of: 'cus-1', client_id: 'assistant', act: { sub: 'agent-7' } };
    expect(identityFromClaims(claims)).toEqual({
      ok: true,
      identity: { actor: { id: 'agent-7', kind: 'agent', roles: ['support'] }, tenant: 't1', onBehalfOf: 'cus-1', delegatedBy: 'sam', clientId: 'assistant' },
    });
    // Without an on-behalf-of claim, the agent acts for the person who delegated.
    expect(identityFromClaims({ sub: 'cus-1', roles: ['customer'], tenant: 't1', act: { sub: 'agent-7', actor_kind: 'agent' } })).toMatchObject({
      identity: { actor: { id: 'agent-7' }, onBehalfOf: 'cus-1', delegatedBy: 'cus-1' },
    });
  });

  it('refuses claims that do not say who acts: no kind (unless a default is configured), an unknown kind, bad roles, no tenant', () => {
    expect(identityFromClaims({ sub: 'u', tenant: 't' })).toMatchObject({ ok: false, message: expect.stringContaining('no actor_kind claim') });
    expect(identityFromClaims({ sub: 'u', tenant: 't' }, { defaultKind: 'service' })).toMatchObject({ ok: true, identity: { actor: { kind: 'service' } } });
    expect(identityFromClaims({ sub: 'u', actor_kind: 'root', tenant: 't' })).toMatchObject({
      ok: false,
      message: expect.stringContaining('"root" is not one of'),
    });
    expect(identityFromClaims({ sub: 'u', actor_kind: 'human', tenant: 't', roles: [1] })).toMatchObject({ ok: false });
    expect(identityFromClaims({ sub: 'u', actor_kind: 'human' })).toMatchObject({ ok: false, message: expect.stringContaining('no tenant claim') });
    expect(identityFromClaims({ sub: 'u', actor_kind: 'human' }, { fixedTenant: 'only' })).toMatchObject({ ok: true, identity: { tenant: 'only' } });
    expect(identityFromClaims({ actor_kind: 'human', tenant: 't' })).toMatchObject({ ok: false, message: 'the token has no sub claim' });
    expect(identityFromClaims({ sub: 'u', tenant: 't', act: {} })).toMatchObject({ ok: false, message: 'the act claim has no sub' });
    // A delegation claim of the wrong shape never makes the delegator the actor.
    expect(identityFromClaims({ sub: 'lead', actor_kind: 'human', tenant: 't', act: 'agent-7' })).toMatchObject({
      ok: false,
      message: expect.stringContaining('act claim must be an object'),
    });
  });
});

describe('JWT credentials', () => {
  const human = { sub: 'u-1', actor_kind: 'human', roles: ['support'], tenant: 't1' };

  it('accepts a token of the issuer for this audience, and fingerprints it', async () => {
    const issuer = await testIssuer();
    const credentials = jwtCredentials({ issuer: ISSUER, audience: AUDIENCE, jwks: issuer.jwks });
    const token = await issuer.mint(human);
    const checked = await credentials.check(token);
    expect(checked).toEqual({
      ok: true,
      identity: { actor: { id: 'u-1', kind: 'human', roles: ['support'] }, tenant: 't1', tokenFingerprint: tokenFingerprint(token) },
    });
    expect(tokenFingerprint(token)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses another audience, another issuer, an expired token, another key and garbage, saying which', async () => {
    const issuer = await testIssuer();
    const stranger = await testIssuer();
    const credentials = jwtCredentials({ issuer: ISSUER, audience: AUDIENCE, jwks: issuer.jwks, clockToleranceSeconds: 0 });
    expect(await credentials.check(await issuer.mint(human, { audience: 'https://other.test' }))).toMatchObject({ ok: false, problem: 'audience' });
    expect(await credentials.check(await issuer.mint(human, { issuer: 'https://evil.test' }))).toMatchObject({ ok: false, problem: 'issuer' });
    expect(await credentials.check(await issuer.mint(human, { expiresIn: '-1m' }))).toMatchObject({ ok: false, problem: 'expired' });
    expect(await credentials.check(await stranger.mint(human))).toMatchObject({ ok: false, problem: 'invalid' });
    expect(await credentials.check('not.a.token')).toMatchObject({ ok: false, problem: 'invalid' });
    expect(await credentials.check(await issuer.mint({ sub: 'u-1', tenant: 't1' }))).toMatchObject({ ok: false, problem: 'claims' });
  });

  it('refuses an unsigned token (alg none) and a token signed with a shared secret', async () => {
    const issuer = await testIssuer();
    const credentials = jwtCredentials({ issuer: ISSUER, audience: AUDIENCE, jwks: issuer.jwks });
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const exp = Math.floor(Date.now() / 1000) + 300;
    const unsigned = `${part({ alg: 'none' })}.${part({ ...human, iss: ISSUER, aud: AUDIENCE, exp })}.`;
    expect(await credentials.check(unsigned)).toMatchObject({ ok: false, problem: 'invalid' });
    // A shared secret in the key set (one the server can read) must not be able to mint tokens.
    const secret = new TextEncoder().encode('a-secret-of-thirty-two-bytes-ok!');
    const withSecret = jwtCredentials({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: { keys: [...issuer.jwks.keys, { kty: 'oct', k: Buffer.from(secret).toString('base64url'), kid: 'k2', alg: 'HS256' }] },
    });
    const hmac = await new SignJWT(human)
      .setProtectedHeader({ alg: 'HS256', kid: 'k2' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(secret);
    expect(await withSecret.check(hmac)).toMatchObject({ ok: false, problem: 'invalid' });
  });

  it('remembers a verified token only until it expires', async () => {
    const issuer = await testIssuer();
    const credentials = jwtCredentials({ issuer: ISSUER, audience: AUDIENCE, jwks: issuer.jwks, clockToleranceSeconds: 0 });
    const token = await issuer.mint(human, { expiresIn: '2s' });
    expect(await credentials.check(token)).toMatchObject({ ok: true });
    expect(await credentials.check(token)).toMatchObject({ ok: true });
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect(await credentials.check(token)).toMatchObject({ ok: false, problem: 'expired' });
  });

  it('fetches the key set from the issuer URL', async () => {
    const issuer = await testIssuer();
    let fetched = 0;
    const server = createServer((_, response) => {
      fetched++;
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(issuer.jwks));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
      const credentials = jwtCredentials({ issuer: ISSUER, audience: AUDIENCE, jwksUrl: url });
      expect(await credentials.check(await issuer.mint(human))).toMatchObject({ ok: true });
      expect(await credentials.check(await issuer.mint(human))).toMatchObject({ ok: true });
      expect(fetched).toBe(1);
    } finally {
      server.close();
    }
  });

  it('development tokens map their claims the same way and are labelled', async () => {
    const credentials = developmentCredentials({ 'dev-sam': human });
    expect(credentials.kind).toBe('development');
    expect(await credentials.check('dev-sam')).toMatchObject({ ok: true, identity: { actor: { id: 'u-1' }, tokenFingerprint: tokenFingerprint('dev-sam') } });
    expect(await credentials.check('dev-other')).toMatchObject({ ok: false, problem: 'invalid' });
  });
});

describe('credentials from the environment', () => {
  const from = (env: Record<string, string>, warn: (t: string) => void = () => undefined) => credentialsFrom(readSurfaceEnvironment(env), warn);

  it('configures JWTs only when issuer, audience and keys are all given, and says which is missing', async () => {
    expect(from({})).toBeUndefined();
    expect(() => from({ GROUNDWORK_AUTH_ISSUER: ISSUER })).toThrow(/GROUNDWORK_AUTH_AUDIENCE and GROUNDWORK_AUTH_JWKS_URL/);
    expect(() => from({ GROUNDWORK_AUTH_ISSUER: ISSUER, GROUNDWORK_AUTH_AUDIENCE: AUDIENCE, GROUNDWORK_AUTH_JWKS: '{nope' })).toThrow(
      /GROUNDWORK_AUTH_JWKS is not valid JSON/,
    );
    const issuer = await testIssuer();
    const credentials = from({
      GROUNDWORK_AUTH_ISSUER: ISSUER,
      GROUNDWORK_AUTH_AUDIENCE: AUDIENCE,
      GROUNDWORK_AUTH_JWKS: JSON.stringify(issuer.jwks),
      GROUNDWORK_AUTH_CLAIMS: JSON.stringify({ roles: 'scope', fixedTenant: 'solo' }),
    })!;
    expect(credentials.kind).toBe('jwt');
    expect(await credentials.check(await issuer.mint({ sub: 'u', actor_kind: 'human', scope: 'support billing' }))).toMatchObject({
      ok: true,
      identity: { actor: { roles: ['billing', 'support'] }, tenant: 'solo' },
    });
  });

  it('accepts development tokens only when asked, says so loudly, and never in production', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-dev-tokens-'));
    try {
      const file = join(dir, 'tokens.json');
      writeFileSync(file, JSON.stringify({ 'dev-sam': { sub: 'sam', actor_kind: 'human', roles: ['support'], tenant: 't1' } }));
      let warned = '';
      const credentials = from({ GROUNDWORK_AUTH_DEV_TOKENS: file }, (t) => void (warned += t))!;
      expect(credentials.kind).toBe('development');
      expect(warned).toContain('WARNING: DEVELOPMENT AUTHENTICATION');
      expect(await credentials.check('dev-sam')).toMatchObject({ ok: true, identity: { actor: { id: 'sam' } } });
      expect(() => from({ GROUNDWORK_AUTH_DEV_TOKENS: file, NODE_ENV: 'production' })).toThrow(/refused when NODE_ENV=production/);
      expect(() => from({ GROUNDWORK_AUTH_DEV_TOKENS: join(dir, 'missing.json') })).toThrow(/cannot read/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
