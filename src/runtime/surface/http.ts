/**
 * The HTTP API of a project, on Fastify: commands, their status, undo and approvals, and the
 * authorized reads, each answered from SurfaceOperations; every failure as RFC 9457 problem details
 * from the one table in problems.ts; identity only from a verified bearer token. The MCP server's
 * Streamable HTTP endpoint is mounted on the same server (`/mcp`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Identity } from '../core/identity.js';
import type { Via } from '../core/types.js';
import type { CommandQuery } from '../ports/event-store.js';
import type { Credentials } from '../ports/credentials.js';
import type { CommandEndpoint, ProjectionEndpoint } from './definition.js';
import { type Answer, type Caller, type CommandAnswer, SurfaceOperations } from './operations.js';
import { invalid, problemOf, type SurfaceFailure } from './problems.js';
import { RateLimiter } from './rate-limit.js';

export interface HttpOptions {
  readonly credentials: Credentials;
  /** The URL clients reach this server at: the resource of its protected-resource metadata (known once it listens). */
  readonly publicUrl: () => string;
  /** The authorization servers that issue tokens for it (RFC 9728 metadata). */
  readonly authorizationServers: readonly string[];
  /** Requests per second each actor may make, and the burst (defaults 20 and 60). */
  readonly rate?: { readonly perSecond: number; readonly burst: number } | undefined;
  /** Serves MCP over Streamable HTTP at /mcp for a verified caller: answers one POSTed message on the raw response. */
  readonly mcp?: ((request: IncomingMessage, response: ServerResponse, body: unknown, caller: Caller) => Promise<void>) | undefined;
  /** Host header values the MCP endpoint accepts (DNS rebinding protection); default the public URL's host. */
  readonly allowedHosts?: (() => readonly string[]) | undefined;
  /** Largest request body in bytes (default 1 MiB). */
  readonly bodyLimit?: number | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
  }
}

const PUBLIC_ROUTES = new Set(['/openapi.json', '/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/mcp', '/health']);

export function httpServer(operations: SurfaceOperations, options: HttpOptions): FastifyInstance {
  const surface = operations.surface;
  const commands = new Map<string, CommandEndpoint>(surface.commands.map((c) => [c.command.name, c]));
  const projections = new Map<string, ProjectionEndpoint>(surface.projections.map((p) => [p.projection, p]));
  const limiter = new RateLimiter(options.rate?.perSecond ?? 20, options.rate?.burst ?? 60);
  const base = () => options.publicUrl().replace(/\/$/, '');
  const server = Fastify({ logger: false, bodyLimit: options.bodyLimit ?? 1024 * 1024, genReqId: () => operations.newRequestId() });

  server.setErrorHandler((error: { statusCode?: number; code?: string; message: string }, request, reply) => {
    const status = error.statusCode ?? 500;
    const failure: SurfaceFailure =
      error.code === 'storage'
        ? { code: 'storage', message: error.message }
        : status === 415
          ? { code: 'unsupported-media-type', message: 'send the body as application/json' }
          : status === 413
            ? { code: 'payload-too-large', message: `the body is larger than ${options.bodyLimit ?? 1024 * 1024} bytes` }
            : status >= 400 && status < 500
              ? invalid(['body'], error.message)
              : { code: 'internal', message: error.message };
    return problem(reply, failure, request);
  });
  server.setNotFoundHandler((request, reply) =>
    problem(reply, { code: 'not-found', message: `no route ${request.method} ${request.url.split('?')[0]}`, streamId: '' }, request),
  );

  server.addHook('onRequest', async (request, reply) => {
    reply.header('request-id', request.id);
    const path = request.url.split('?')[0]!;
    if (PUBLIC_ROUTES.has(path)) return;
    const authenticated = await authenticate(request, options.credentials);
    if ('code' in authenticated) {
      const hint = authenticated.problem === 'missing' ? '' : `, error="invalid_token", error_description="${authenticated.message.replace(/["\\]/g, '')}"`;
      reply.header('www-authenticate', `Bearer resource_metadata="${base()}/.well-known/oauth-protected-resource${path === '/mcp' ? '/mcp' : ''}"${hint}`);
      return problem(reply, authenticated, request);
    }
    const wait = limiter.take(`${authenticated.tenant}\u0000${authenticated.actor.id}`);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      return problem(reply, { code: 'rate-limited', message: `slow down: try again in ${wait} s`, retryAfterSeconds: wait }, request);
    }
    const token = authenticated.tokenFingerprint ?? null;
    request.caller = {
      identity: authenticated,
      via: {
        transport: path === '/mcp' ? 'mcp-http' : 'http',
        route: '',
        clientId: authenticated.clientId ?? null,
        tokenFingerprint: token,
        requestId: request.id,
      },
    };
  });

  const callerOf = (request: FastifyRequest, route: string): Caller => {
    const caller = request.caller!;
    return { ...caller, via: { ...caller.via, route } satisfies Via };
  };

  server.get('/health', async () => ({ ok: true }));
  server.get('/openapi.json', async (_, reply) => reply.type('application/json').send(surface.openapi));
  const metadata = (resource: string) => ({
    resource,
    authorization_servers: options.authorizationServers,
    bearer_methods_supported: ['header'],
    resource_name: surface.name,
  });
  server.get('/.well-known/oauth-protected-resource', async () => metadata(base()));
  server.get('/.well-known/oauth-protected-resource/mcp', async () => metadata(`${base()}/mcp`));

  server.post<{ Params: { name: string }; Querystring: { dryRun?: string } }>('/commands/:name', async (request, reply) => {
    const endpoint = commands.get(request.params.name);
    if (endpoint === undefined) return problem(reply, { code: 'not-found', message: `there is no command ${request.params.name}`, streamId: '' }, request);
    const ifMatch = versionOf(request.headers['if-match']);
    if (ifMatch === null) return problem(reply, invalid(['If-Match'], 'If-Match is the ETag of a stream version, such as "3"'), request);
    const async = /\brespond-async\b/.test(String(request.headers['prefer'] ?? ''));
    const answer = await operations.command(
      endpoint,
      request.body ?? {},
      {
        idempotencyKey: header(request, 'idempotency-key'),
        approvalId: header(request, 'approval-id'),
        dryRun: request.query.dryRun === 'true',
        expectedVersion: ifMatch,
        async,
      },
      callerOf(request, `POST /commands/${endpoint.command.name}`),
    );
    return commandReply(reply, request, answer);
  });

  server.get<{ Params: { id: string } }>('/commands/:id', async (request, reply) =>
    send(reply, request, await operations.status(request.params.id, callerOf(request, 'GET /commands/{id}'))),
  );
  server.post<{ Params: { id: string } }>('/commands/:id/undo', async (request, reply) =>
    commandReply(reply, request, await operations.undo(request.params.id, callerOf(request, 'POST /commands/{id}/undo'))),
  );
  for (const [verb, decision] of [
    ['approve', 'approved'],
    ['refuse', 'refused'],
  ] as const) {
    server.post<{ Params: { id: string }; Body: { reason?: unknown } | undefined }>(`/approvals/:id/${verb}`, async (request, reply) => {
      const reason = request.body?.reason;
      if (reason !== undefined && (typeof reason !== 'string' || reason.length > 500))
        return problem(reply, invalid(['reason'], 'a reason is text of at most 500 characters'), request);
      return send(reply, request, await operations.decide(request.params.id, decision, reason, callerOf(request, `POST /approvals/{id}/${verb}`)));
    });
  }

  server.get<{ Params: { name: string }; Querystring: { after?: string; limit?: string } }>('/projections/:name', async (request, reply) => {
    const endpoint = projections.get(request.params.name);
    if (endpoint === undefined) return problem(reply, { code: 'not-found', message: `there is no projection ${request.params.name}`, streamId: '' }, request);
    const limit = request.query.limit === undefined ? undefined : Number(request.query.limit);
    return send(
      reply,
      request,
      await operations.rows(endpoint, { after: request.query.after, limit }, callerOf(request, `GET /projections/${endpoint.projection}`)),
    );
  });
  server.get<{ Params: { name: string; key: string } }>('/projections/:name/:key', async (request, reply) => {
    const endpoint = projections.get(request.params.name);
    if (endpoint === undefined) return problem(reply, { code: 'not-found', message: `there is no projection ${request.params.name}`, streamId: '' }, request);
    return send(reply, request, await operations.row(endpoint, request.params.key, callerOf(request, `GET /projections/${endpoint.projection}/{key}`)));
  });
  server.get<{ Querystring: Record<string, string | undefined> }>('/history', async (request, reply) => {
    const query = historyQuery(request.query);
    if ('code' in query) return problem(reply, query, request);
    return send(reply, request, await operations.history(query, callerOf(request, 'GET /history')));
  });
  server.get<{ Params: { aggregate: string; id: string }; Querystring: { version?: string; at?: string } }>(
    '/aggregates/:aggregate/:id/state',
    async (request, reply) => {
      const at = stateAtOf(request.query);
      if ('code' in at) return problem(reply, at, request);
      return send(
        reply,
        request,
        await operations.stateAt(request.params.aggregate, request.params.id, at, callerOf(request, 'GET /aggregates/{aggregate}/{id}/state')),
      );
    },
  );
  server.get('/verify', async (request, reply) => send(reply, request, await operations.verify(callerOf(request, 'GET /verify'))));

  if (options.mcp !== undefined) {
    const mcp = options.mcp;
    const guard = async (request: FastifyRequest, reply: FastifyReply) => {
      const hosts = options.allowedHosts?.() ?? [new URL(base()).host];
      // A browser page must not reach a local MCP server through a rebound DNS name.
      if (!hosts.includes(String(request.headers.host ?? '')))
        return problem(reply, { code: 'forbidden', reason: 'policy', message: `host ${String(request.headers.host)} is not allowed` }, request);
      const origin = request.headers.origin;
      if (origin !== undefined && !hosts.includes(hostOf(origin)))
        return problem(reply, { code: 'forbidden', reason: 'policy', message: `origin ${origin} is not allowed` }, request);
      if (request.method !== 'POST') {
        return reply
          .code(405)
          .header('allow', 'POST')
          .send({ jsonrpc: '2.0', error: { code: -32000, message: 'this server is stateless: POST each message' }, id: null });
      }
      reply.hijack();
      await mcp(request.raw, reply.raw, request.body, callerOf(request, 'mcp'));
    };
    server.post('/mcp', guard);
    server.get('/mcp', guard);
    server.delete('/mcp', guard);
  }
  return server;
}

async function authenticate(request: FastifyRequest, credentials: Credentials): Promise<Identity | Extract<SurfaceFailure, { code: 'unauthenticated' }>> {
  const value = request.headers.authorization;
  const token = typeof value === 'string' ? /^Bearer ([\x21-\x7e]+)$/i.exec(value)?.[1] : undefined;
  if (token === undefined)
    return { code: 'unauthenticated', problem: 'missing', message: 'send Authorization: Bearer <token> (a token of the configured issuer for this server)' };
  const checked = await credentials.check(token);
  if (!checked.ok)
    return { code: 'unauthenticated', problem: checked.problem, message: `the bearer token was refused (${checked.problem}): ${checked.message}` };
  return checked.identity;
}

function commandReply(reply: FastifyReply, request: FastifyRequest, answer: Answer<CommandAnswer>) {
  if (!answer.ok) return problem(reply, answer.failure, request);
  const value = answer.value;
  if (value.kind === 'accepted') {
    return reply
      .code(202)
      .header('location', `/commands/${encodeURIComponent(value.commandId)}`)
      .header('retry-after', '1')
      .header('preference-applied', 'respond-async')
      .send({ commandId: value.commandId, status: 'accepted', via: value.via });
  }
  reply.header('etag', `"${value.body.version}"`);
  if (value.kind === 'dry-run') return reply.code(200).send(value.body);
  if (value.replayed) reply.header('idempotent-replayed', 'true');
  return reply.code(value.created ? 201 : 200).send(value.body);
}

function send(reply: FastifyReply, request: FastifyRequest, answer: Answer<unknown>) {
  return answer.ok ? reply.code(200).send(answer.value) : problem(reply, answer.failure, request);
}

function problem(reply: FastifyReply, failure: SurfaceFailure, request: FastifyRequest) {
  const details = problemOf(failure, request.url.split('?')[0]);
  return reply.code(details.status).type('application/problem+json').send(details);
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** The version an If-Match names; undefined without one, null when it is not one of our ETags. */
function versionOf(value: string | string[] | undefined): number | undefined | null {
  if (value === undefined) return undefined;
  const match = typeof value === 'string' ? /^(?:W\/)?"(\d{1,15})"$/.exec(value.trim()) : null;
  return match === null ? null : Number(match[1]);
}

function historyQuery(query: Record<string, string | undefined>): CommandQuery | SurfaceFailure {
  const given = (['stream', 'subject', 'correlation', 'actor'] as const).filter((k) => query[k] !== undefined);
  if (given.length !== 1) return invalid(['query'], 'ask for exactly one of stream, subject, correlation or actor');
  const kind = given[0]!;
  const value = query[kind]!;
  if (value.length === 0 || value.length > 256) return invalid([kind], 'an id is 1 to 256 characters');
  return { [kind]: value } as CommandQuery;
}

function stateAtOf(query: { version?: string; at?: string }): { version: number } | { time: string } | SurfaceFailure {
  if (query.version !== undefined && query.at === undefined && /^\d{1,15}$/.test(query.version)) return { version: Number(query.version) };
  if (query.at !== undefined && query.version === undefined && !Number.isNaN(Date.parse(query.at))) return { time: new Date(query.at).toISOString() };
  if (query.at === undefined && query.version === undefined) return { time: new Date().toISOString() };
  return invalid(['query'], 'give version (a whole number) or at (an ISO 8601 time), not both');
}

function hostOf(origin: string): string {
  try {
    return new URL(origin).host;
  } catch {
    return '';
  }
}
