/**
 * The entries of a project's generated `serve.ts` (`npm run serve`: the HTTP API with MCP at /mcp)
 * and `mcp.ts` (`npm run mcp`: MCP over stdio): configuration from the environment, the app opened
 * through the one composition root, a clear error and exit code 1 for a configuration mistake.
 */
import { readFileSync } from 'node:fs';
import { developmentCredentials, jwtCredentials } from '../adapters/jwt/index.js';
import { readSurfaceEnvironment, type SurfaceEnvironment } from '../app/config.js';
import { openApp, type App, type AppOptions } from '../app/open.js';
import { firstSignal } from '../app/worker-main.js';
import type { AppDefinition } from '../core/definitions.js';
import { ConfigurationError } from '../core/errors.js';
import type { ClaimsMapping, Claims } from '../core/identity.js';
import type { Credentials } from '../ports/credentials.js';
import type { SurfaceDefinition } from './definition.js';
import { httpServer } from './http.js';
import { mcpOverHttp, serveMcpStdio } from './mcp.js';
import { SurfaceOperations, type Caller } from './operations.js';
import type { SurfaceFailure } from './problems.js';

export interface ServeOptions {
  readonly app?: AppOptions | undefined;
  /** Where configuration is read from; default process.env. */
  readonly env?: NodeJS.ProcessEnv | undefined;
  /** Checks bearer tokens; default from the environment (GROUNDWORK_AUTH_*). */
  readonly credentials?: Credentials | undefined;
  /** Port and host to listen on; default GROUNDWORK_PORT (3000) and GROUNDWORK_HOST (127.0.0.1). 0 picks a free port. */
  readonly port?: number | undefined;
  readonly host?: string | undefined;
  readonly stderr?: ((text: string) => void) | undefined;
  /** Requests per second each actor may make, and the burst (defaults 20 and 60). */
  readonly rate?: { readonly perSecond: number; readonly burst: number } | undefined;
}

export interface RunningServer {
  /** Where it listens, such as http://127.0.0.1:3000. */
  readonly url: string;
  readonly app: App;
  close(): Promise<void>;
}

/** Opens the app and serves the HTTP API (and MCP at /mcp) until closed. */
export async function startServer(definition: AppDefinition, surface: SurfaceDefinition, options: ServeOptions = {}): Promise<RunningServer> {
  const env = readSurfaceEnvironment(options.env);
  const stderr = options.stderr ?? ((text: string) => void process.stderr.write(text));
  const credentials = options.credentials ?? credentialsFrom(env, stderr);
  if (credentials === undefined) throw noAuth();
  // The server runs the embedded store's queue: commands it answered 202 for, and any a crash left.
  const app = await openApp(definition, { env: options.env, runQueue: true, ...options.app });
  const operations = new SurfaceOperations(app, surface);
  const host = options.host ?? env.host;
  const port = options.port ?? env.port;
  let url = '';
  const publicUrl = () => env.publicUrl ?? url;
  const server = httpServer(operations, {
    credentials,
    publicUrl,
    authorizationServers: env.issuer === undefined ? [] : [env.issuer],
    mcp: mcpOverHttp(operations),
    rate: options.rate,
    allowedHosts: () => env.allowedHosts ?? [new URL(publicUrl()).host, `localhost:${new URL(url).port}`],
  });
  try {
    url = await server.listen({ host, port });
  } catch (error) {
    await server.close();
    await app.close();
    throw new ConfigurationError('invalid-auth', `cannot listen on ${host}:${port}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return {
    url,
    app,
    close: async () => {
      await server.close();
      await app.close();
    },
  };
}

/** `npm run serve`: runs until SIGTERM or SIGINT; resolves to the exit code. */
export async function runServer(definition: AppDefinition, surface: SurfaceDefinition, options: ServeOptions = {}): Promise<number> {
  const stderr = options.stderr ?? ((text: string) => void process.stderr.write(text));
  let running: RunningServer;
  try {
    running = await startServer(definition, surface, { ...options, stderr });
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    stderr(`error ${error.code}: ${error.message}\n`);
    return 1;
  }
  stderr(`${surface.name} API on ${running.url} (OpenAPI at ${running.url}/openapi.json, MCP at ${running.url}/mcp)\n`);
  await firstSignal();
  await running.close();
  return 0;
}

/**
 * `npm run mcp`: MCP over stdio as the identity of GROUNDWORK_TOKEN, checked at start-up; without
 * a token only the read tools are offered. Logs go to stderr: stdout is the protocol's.
 */
export async function runMcpStdio(definition: AppDefinition, surface: SurfaceDefinition, options: ServeOptions = {}): Promise<number> {
  const env = readSurfaceEnvironment(options.env);
  const stderr = options.stderr ?? ((text: string) => void process.stderr.write(text));
  let app: App | undefined;
  try {
    const credentials = options.credentials ?? credentialsFrom(env, stderr);
    const caller = await stdioCaller(env, credentials);
    app = await openApp(definition, { env: options.env, ...options.app });
    // The token is checked again on every call: it expires, and its keys may be rotated out.
    const recheck = async (): Promise<SurfaceFailure | undefined> => {
      const checked = await credentials!.check(env.token!);
      return checked.ok
        ? undefined
        : { code: 'unauthenticated', problem: checked.problem, message: `GROUNDWORK_TOKEN is no longer accepted (${checked.problem}): ${checked.message}` };
    };
    const { closed } = await serveMcpStdio(new SurfaceOperations(app, surface), caller, caller === undefined ? undefined : recheck);
    stderr(
      caller === undefined
        ? `${surface.name} MCP server on stdio without an identity: read tools only\n`
        : `${surface.name} MCP server on stdio as ${caller.identity.actor.kind} ${caller.identity.actor.id}\n`,
    );
    await Promise.race([closed, firstSignal()]);
  } catch (error) {
    await app?.close();
    if (!(error instanceof ConfigurationError)) throw error;
    stderr(`error ${error.code}: ${error.message}\n`);
    return 1;
  }
  await app.close();
  return 0;
}

async function stdioCaller(env: SurfaceEnvironment, credentials: Credentials | undefined): Promise<Caller | undefined> {
  if (env.token === undefined) return undefined;
  if (credentials === undefined) throw noAuth();
  const checked = await credentials.check(env.token);
  if (!checked.ok) throw new ConfigurationError('invalid-auth', `GROUNDWORK_TOKEN was refused (${checked.problem}): ${checked.message}`);
  const identity = checked.identity;
  return {
    identity,
    via: { transport: 'mcp-stdio', route: '', clientId: identity.clientId ?? null, tokenFingerprint: identity.tokenFingerprint ?? null, requestId: '' },
  };
}

/** The credentials the environment configures: JWTs of one issuer, or labelled development tokens; undefined when neither. */
export function credentialsFrom(env: SurfaceEnvironment, stderr: (text: string) => void): Credentials | undefined {
  const mapping = parsed<ClaimsMapping>(env.claims, 'GROUNDWORK_AUTH_CLAIMS');
  if (env.devTokens !== undefined) {
    if (env.production)
      throw new ConfigurationError('invalid-auth', 'GROUNDWORK_AUTH_DEV_TOKENS is refused when NODE_ENV=production: configure GROUNDWORK_AUTH_ISSUER instead');
    const tokens = parsed<Record<string, Claims>>(readText(env.devTokens), `the development tokens file ${env.devTokens}`) ?? {};
    stderr(
      `WARNING: DEVELOPMENT AUTHENTICATION. Static tokens from ${env.devTokens} are accepted with no signature check. Never use this outside your own machine.\n`,
    );
    return developmentCredentials(tokens, mapping);
  }
  if (env.issuer === undefined && env.audience === undefined && env.jwksUrl === undefined && env.jwks === undefined) return undefined;
  if (env.issuer === undefined || env.audience === undefined || (env.jwksUrl === undefined && env.jwks === undefined))
    throw new ConfigurationError(
      'invalid-auth',
      'set GROUNDWORK_AUTH_ISSUER, GROUNDWORK_AUTH_AUDIENCE and GROUNDWORK_AUTH_JWKS_URL (or GROUNDWORK_AUTH_JWKS) together',
    );
  return jwtCredentials({ issuer: env.issuer, audience: env.audience, jwksUrl: env.jwksUrl, jwks: parsed(env.jwks, 'GROUNDWORK_AUTH_JWKS'), mapping });
}

function noAuth(): ConfigurationError {
  return new ConfigurationError(
    'invalid-auth',
    'no way to authenticate callers: set GROUNDWORK_AUTH_ISSUER, GROUNDWORK_AUTH_AUDIENCE and GROUNDWORK_AUTH_JWKS_URL, or for local development only GROUNDWORK_AUTH_DEV_TOKENS=<file.json>',
  );
}

function parsed<T>(text: string | undefined, what: string): T | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new ConfigurationError('invalid-auth', `${what} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigurationError('invalid-auth', `cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
