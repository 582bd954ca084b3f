/**
 * The surface suite: what the HTTP API and the MCP server cost over calling the pipeline in the
 * process. The same commands, side by side in one run, on the embedded store: in-process execute,
 * `POST /commands/{Command}` with a bearer JWT, and an MCP `tools/call` over Streamable HTTP, the
 * client (node:http, kept-alive connections) in the same process; and what a JWT check costs.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Runtime from '../runtime/index.js';
import type * as Serve from '../runtime/serve.js';
import { throughput } from './measure.js';
import { actorFor, workload, type BenchContext, type Row, type Suite } from './suites.js';

const ISSUER = 'https://bench.invalid';
const AUDIENCE = 'https://bench.invalid/api';
const STREAMS = 64;

export const surface: Suite = async (ctx) => {
  const serve = (await import(pathToFileURL(join(ctx.dir, 'dist/src/groundwork/runtime/serve.js')).href)) as typeof Serve;
  const { surface: definition } = (await import(pathToFileURL(join(ctx.dir, 'dist/src/surface.js')).href)) as { surface: Serve.SurfaceDefinition };
  const work = workload(ctx);
  const issuer = testIssuer();
  const tokens = new Map<string, string>();
  const tokenFor = (command: string) => {
    let token = tokens.get(command);
    if (token === undefined) {
      const { actor, tenant } = actorFor(ctx, command);
      token = issuer.mint({ sub: actor.id, actor_kind: actor.kind, roles: [...actor.roles], tenant });
      tokens.set(command, token);
    }
    return token;
  };
  const running = await serve.startServer(ctx.definition, definition, {
    app: { path: join(mkdtempSync(join(ctx.scratch, 'surface-')), 'surface.db'), kek: Buffer.alloc(32, 1), env: {} },
    env: {},
    credentials: serve.jwtCredentials({ issuer: ISSUER, audience: AUDIENCE, jwks: issuer.jwks }),
    host: '127.0.0.1',
    port: 0,
    // The bench is one caller sending as fast as it can: no limit on it.
    rate: { perSecond: 1e9, burst: 1e9 },
    stderr: () => undefined,
  });
  let agent: Agent | undefined;
  try {
    const app = running.app;
    const rows: Row[] = [];
    const count = ctx.quick ? 60 : 1500;
    ctx.progress('surface: opening the streams');
    for (let i = 0; i < STREAMS; i++) await execute(ctx, app, work.open(i));
    let n = 0;
    // node:http with kept-alive connections: fetch in the same process would cost more than the server.
    agent = new Agent({ keepAlive: true, maxSockets: 32 });
    const kept = agent;
    const post = (path: string, headers: Record<string, string>, body: string) => postJson(kept, `${running.url}${path}`, headers, body);
    const http = async (i: number) => {
      const { command, input } = work.act(i);
      const reply = await post(`/commands/${command}`, { authorization: `Bearer ${tokenFor(command)}`, 'idempotency-key': `h-${n++}` }, JSON.stringify(input));
      if (reply.status !== 200 && reply.status !== 201) throw new Error(`HTTP ${reply.status}: ${reply.body}`);
    };
    const mcp = async (i: number) => {
      const { command, input } = work.act(i);
      const tool = definition.commands.find((c) => c.command.name === command)!.tool;
      const call = { jsonrpc: '2.0', id: n, method: 'tools/call', params: { name: tool, arguments: { input, idempotencyKey: `m-${n++}` } } };
      const reply = await post('/mcp', { authorization: `Bearer ${tokenFor(command)}`, accept: 'application/json, text/event-stream' }, JSON.stringify(call));
      const answer = JSON.parse(reply.body) as { result?: { isError?: boolean } };
      if (answer.result === undefined || answer.result.isError === true) throw new Error(`MCP: ${reply.body}`);
    };
    for (const inFlight of [1, 16]) {
      const stream = (worker: number, i: number) => (inFlight === 1 ? i % STREAMS : worker % STREAMS);
      ctx.progress(`surface: ${count} commands, ${inFlight} in flight, in process, over HTTP and over MCP`);
      // Warm up every path, then measure them one after another in the same run.
      await throughput(Math.min(count, 100), inFlight, (w, i) => execute(ctx, app, work.act(stream(w, i))));
      await throughput(Math.min(count, 100), inFlight, (w, i) => http(stream(w, i)));
      await throughput(Math.min(count, 100), inFlight, (w, i) => mcp(stream(w, i)));
      const local = await throughput(count, inFlight, (w, i) => execute(ctx, app, work.act(stream(w, i))));
      const overHttp = await throughput(count, inFlight, (w, i) => http(stream(w, i)));
      const overMcp = await throughput(count, inFlight, (w, i) => mcp(stream(w, i)));
      const row = (name: string, r: typeof local, baseline?: typeof local): Row => ({
        suite: 'surface',
        name: `${name}, ${inFlight} in flight`,
        value: r.opsPerSecond,
        unit: 'commands/s',
        p99: r.p99Ms,
        ...(baseline === undefined ? {} : { ratio: r.opsPerSecond / baseline.opsPerSecond }),
        note: `p50 ${r.medianMs.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms${baseline === undefined ? '' : ` (${((1 - r.opsPerSecond / baseline.opsPerSecond) * 100).toFixed(0)}% below in-process)`}`,
      });
      rows.push(
        row('in-process execute', local),
        row('HTTP POST /commands, JWT checked', overHttp, local),
        row('MCP tools/call over HTTP, JWT checked', overMcp, local),
      );
    }
    ctx.progress('surface: JWT checks');
    const credentials = serve.jwtCredentials({ issuer: ISSUER, audience: AUDIENCE, jwks: issuer.jwks });
    const { actor, tenant } = actorFor(ctx, work.act(0).command);
    const claims = { sub: actor.id, actor_kind: actor.kind, roles: [...actor.roles], tenant };
    const fresh = Array.from({ length: ctx.quick ? 200 : 3000 }, (_, i) => issuer.mint({ ...claims, jti: `t${i}` }));
    const check = async (token: string) => {
      const checked = await credentials.check(token);
      if (!checked.ok) throw new Error(checked.message);
    };
    const firstSeen = await throughput(fresh.length, 1, (_, i) => check(fresh[i]!));
    const again = await throughput(fresh.length, 1, (_, i) => check(fresh[i]!));
    rows.push(
      {
        suite: 'surface',
        name: 'JWT verified (ES256, first use of a token)',
        value: firstSeen.opsPerSecond,
        unit: 'tokens/s',
        note: `p50 ${(firstSeen.medianMs * 1000).toFixed(0)} us`,
      },
      {
        suite: 'surface',
        name: 'JWT seen again (remembered until exp, at most 60 s)',
        value: again.opsPerSecond,
        unit: 'tokens/s',
        note: `p50 ${(again.medianMs * 1000).toFixed(1)} us`,
      },
    );
    return rows;
  } finally {
    agent?.destroy();
    await running.close();
  }
};

function postJson(agent: Agent, url: string, headers: Record<string, string>, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method: 'POST', agent, headers: { ...headers, 'content-type': 'application/json' } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => void (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
    outgoing.on('error', reject);
    outgoing.setTimeout(30_000, () => outgoing.destroy(new Error(`no answer from ${url} within 30 s`)));
    outgoing.end(body);
  });
}

async function execute(ctx: BenchContext, app: Runtime.App, call: { command: string; input: Record<string, unknown> }): Promise<void> {
  const result = await app.execute(ctx.commands[call.command]!, call.input, actorFor(ctx, call.command));
  if (!result.ok) throw new Error(`${call.command}: ${result.error.message}`);
}

/** A throwaway issuer: an ES256 key pair, its key set, and JWTs signed with node:crypto. */
function testIssuer(): { readonly jwks: { keys: object[] }; mint(claims: Record<string, unknown>): string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = randomBytes(4).toString('hex');
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return {
    jwks: { keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' }] },
    mint: (claims) => {
      const now = Math.floor(Date.now() / 1000);
      const body = `${part({ alg: 'ES256', kid, typ: 'JWT' })}.${part({ iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 3600, ...claims })}`;
      const signature = sign('sha256', Buffer.from(body), {
        key: createPrivateKey(privateKey.export({ format: 'pem', type: 'pkcs8' })),
        dsaEncoding: 'ieee-p1363',
      });
      return `${body}.${signature.toString('base64url')}`;
    },
  };
}
