/**
 * Commands through RabbitMQ and the shared PostgreSQL store, in one process: dispatch answers once
 * the command is durable (confirmed by the broker, or in the command outbox when the broker cannot
 * be reached), a worker runs it through the same pipeline, a second delivery returns the first
 * outcome, a command that fails every time is parked, and the event relay publishes what committed.
 */
import pg from 'pg';
import { Connection } from 'rabbitmq-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp, runWorker, type AnyAggregate, type AnyCommand, type App, type AppDefinition, type StoredEvent } from '../../src/runtime/index.js';
import { SurfaceOperations, developmentCredentials, httpServer, type SurfaceDefinition } from '../../src/runtime/serve.js';
import { postgresAvailable, testDatabaseUrl, uniqueSchema } from '../contract/postgres-env.js';
import { counter, human, increment, openCounter } from '../runtime/counter.js';
import { deleteTopology, holdBroker, queueDepth, rabbitAvailable, testBusUrl } from './rabbit-env.js';

const dbUrl = testDatabaseUrl();
const busUrl = testBusUrl();
const available = (await postgresAvailable(dbUrl)) && (await rabbitAvailable(busUrl));
const schemas: string[] = [];

const explode = {
  ...increment,
  name: 'Explode',
  decide: (): never => {
    throw new Error('decide always fails here');
  },
};
const definition: AppDefinition = {
  commands: { OpenCounter: openCounter as unknown as AnyCommand, Increment: increment as unknown as AnyCommand, Explode: explode as unknown as AnyCommand },
  aggregates: { Counter: counter as unknown as AnyAggregate },
  projections: [],
};

async function open(schema: string, overrides: { busUrl?: string } = {}): Promise<App> {
  return openApp(definition, {
    databaseUrl: dbUrl,
    databaseSchema: schema,
    busUrl: overrides.busUrl ?? busUrl,
    bus: { deliveryLimit: 3, publishTimeoutMs: 1000 },
    env: {},
  });
}

let releaseBroker: (() => Promise<void>) | undefined;
beforeAll(async () => {
  if (available) releaseBroker = await holdBroker(dbUrl, 'shared');
});
afterAll(async () => {
  await releaseBroker?.();
  if (!available) return;
  const admin = new pg.Client({ connectionString: dbUrl });
  await admin.connect();
  for (const schema of schemas) {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await deleteTopology(busUrl, schema);
  }
  await admin.end();
});

describe.skipIf(!available)('commands over RabbitMQ', () => {
  it('answers an HTTP command with Prefer: respond-async with 202 once the broker confirmed it; the status resource follows it to its outcome', async () => {
    const schema = uniqueSchema('bus_http');
    schemas.push(schema);
    const app = await open(schema);
    const worker = await app.startWorker({ pollMs: 50 });
    await worker.ready;
    const annotations = { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false };
    const surface: SurfaceDefinition = {
      name: 'counters',
      version: '1',
      commands: [
        {
          command: openCounter as unknown as AnyCommand,
          tool: 'open_counter',
          title: 'Open counter',
          description: 'Opens a counter.',
          inputSchema: { type: 'object' },
          annotations,
        },
      ],
      projections: [],
      aggregates: [{ aggregate: counter as unknown as AnyAggregate, piiState: [] }],
      history: undefined,
      stateAt: undefined,
      verify: undefined,
      openapi: {},
    };
    const server = httpServer(new SurfaceOperations(app, surface), {
      credentials: developmentCredentials({ alice: { sub: 'alice', actor_kind: 'human', roles: ['owner'], tenant: 't1' } }),
      publicUrl: () => 'http://127.0.0.1',
      authorizationServers: [],
    });
    const url = await server.listen({ host: '127.0.0.1', port: 0 });
    try {
      const headers = { authorization: 'Bearer alice', 'content-type': 'application/json' };
      const accepted = await fetch(`${url}/commands/OpenCounter`, {
        method: 'POST',
        headers: { ...headers, 'idempotency-key': 'open-async', prefer: 'respond-async' },
        body: JSON.stringify({ counterId: 'http-1', owner: 'alice', limit: 10 }),
      });
      expect(accepted.status).toBe(202);
      expect(await accepted.json()).toMatchObject({ status: 'accepted', via: 'bus' });
      const location = accepted.headers.get('location')!;
      let status: Record<string, unknown> = {};
      for (let i = 0; i < 200 && status['status'] !== 'succeeded'; i++) {
        const reply = await fetch(`${url}${location}`, { headers });
        status = reply.status === 200 ? ((await reply.json()) as Record<string, unknown>) : { status: `http ${reply.status}` };
        if (status['status'] !== 'succeeded') await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(status).toMatchObject({ status: 'succeeded', command: 'OpenCounter', streamId: 'http-1', versions: { from: 1, to: 1 } });
      // The worker ran it as the token said, and the audit knows it came over HTTP.
      const [record] = await app.store.events.commands({ stream: 'http-1' }, 't1');
      expect(record?.audit).toMatchObject({ actor: { id: 'alice' }, via: { transport: 'http', route: 'POST /commands/OpenCounter' } });
    } finally {
      await server.close();
      await worker.stop();
      await app.close();
    }
  });

  it('accepts once the broker confirmed, runs on a worker, and answers the status with the versions', async () => {
    const schema = uniqueSchema('bus');
    schemas.push(schema);
    const app = await open(schema);
    const worker = await app.startWorker({ pollMs: 50 });
    await worker.ready;
    const opened = await app.dispatch(openCounter, { counterId: 'c1', owner: 'alice', limit: 100 }, human);
    expect(opened).toMatchObject({ ok: true, via: 'bus' });
    const first = await app.waitFor(opened.commandId, 't1', 10_000);
    expect(first).toMatchObject({ status: 'succeeded', streamId: 'c1', versions: { from: 1, to: 1 } });
    const ids = [];
    for (let i = 0; i < 20; i++) ids.push((await app.dispatch(increment, { counterId: 'c1', by: 1 }, human)).commandId);
    const last = await app.waitFor(ids[19]!, 't1', 10_000);
    // One partition per stream, one command at a time: versions follow the dispatch order.
    expect(last).toMatchObject({ status: 'succeeded', versions: { from: 21, to: 21 } });
    for (const [i, id] of ids.entries()) expect(await app.commandStatus(id, 't1')).toMatchObject({ status: 'succeeded', versions: { from: i + 2 } });
    // Another tenant cannot read the status.
    expect(await app.commandStatus(ids[0]!, 't2')).toMatchObject({ status: 'unknown' });
    await worker.stop();
    await app.close();
  });

  it('refuses an invalid or forbidden command at the edge, audited, without queueing it', async () => {
    const schema = uniqueSchema('bus');
    schemas.push(schema);
    const app = await open(schema);
    const invalid = await app.dispatch(openCounter, { counterId: 'c1', owner: 'alice', limit: -1 }, human);
    expect(invalid).toMatchObject({ ok: false, error: { code: 'validation' } });
    const forbidden = await app.dispatch(openCounter, { counterId: 'c1', owner: 'alice', limit: 5 }, { ...human, actor: { ...human.actor, roles: [] } });
    expect(forbidden).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await app.commandStatus(invalid.commandId, 't1')).toMatchObject({ status: 'rejected', outcome: 'invalid' });
    expect(await app.commandStatus(forbidden.commandId, 't1')).toMatchObject({ status: 'rejected', outcome: 'denied' });
    expect(await queueDepth(busUrl, `gw.${schema}.commands.${0}`)).toBe(0);
    // No worker runs: an accepted command is known as such where it was dispatched, unknown elsewhere.
    const waiting = await app.dispatch(openCounter, { counterId: 'c1', owner: 'alice', limit: 5 }, human);
    expect(await app.commandStatus(waiting.commandId, 't1')).toEqual({ status: 'accepted', commandId: waiting.commandId });
    expect(await app.commandStatus(waiting.commandId, 't2')).toMatchObject({ status: 'unknown' });
    const elsewhere = await open(schema);
    expect(await elsewhere.commandStatus(waiting.commandId, 't1')).toMatchObject({ status: 'unknown' });
    await elsewhere.close();
    await app.close();
  });

  it('keeps a command in the database when the broker cannot be reached, and a worker runs it once the relay hands it over', async () => {
    const schema = uniqueSchema('bus');
    schemas.push(schema);
    const cut = await open(schema, { busUrl: 'amqp://guest:guest@127.0.0.1:1' });
    const started = Date.now();
    const queued = await cut.dispatch(openCounter, { counterId: 'c9', owner: 'bob', limit: 10 }, human);
    expect(queued).toMatchObject({ ok: true, via: 'outbox' });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await cut.commandStatus(queued.commandId, 't1')).toMatchObject({ status: 'queued' });
    const app = await open(schema);
    const worker = await app.startWorker({ pollMs: 50 });
    expect(await app.waitFor(queued.commandId, 't1', 10_000)).toMatchObject({ status: 'succeeded', versions: { from: 1, to: 1 } });
    await worker.stop();
    await app.close();
    await cut.close();
  });

  it('takes a message the broker returns (its queue is gone) for not delivered, and keeps the command in the database', async () => {
    const schema = uniqueSchema('bus');
    schemas.push(schema);
    const app = await open(schema);
    const first = await app.dispatch(openCounter, { counterId: 'r1', owner: 'alice', limit: 10 }, human);
    expect(first).toMatchObject({ ok: true, via: 'bus' });
    // Someone deletes every partition queue: the next publish is unroutable, confirmed, and returned.
    const admin = new Connection({ url: busUrl });
    for (let p = 0; p < 8; p++) await admin.queueDelete({ queue: `gw.${schema}.commands.${p}` });
    await admin.close();
    const second = await app.dispatch(openCounter, { counterId: 'r2', owner: 'alice', limit: 10 }, human);
    expect(second).toMatchObject({ ok: true, via: 'outbox' });
    expect(await app.commandStatus(second.commandId, 't1')).toMatchObject({ status: 'queued' });
    await app.close();
  });

  it('runs as the generated worker entry: says ready, stops on its signal, and refuses to start without a bus', async () => {
    const schema = uniqueSchema('bus');
    schemas.push(schema);
    const out: string[] = [];
    const output = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void out.push(`stderr: ${t}`) };
    let stop: () => void = () => undefined;
    const stopSignal = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const running = runWorker(() => open(schema), { output, stopSignal, graceMs: 2000 });
    for (let i = 0; i < 100 && !out.some((line) => line.startsWith('worker ready')); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(out.join('')).toMatch(/worker ready \(pid \d+\), partitions 0, 1, 2, 3, 4, 5, 6, 7/);
    stop();
    expect(await running).toBe(0);
    expect(out.join('')).toContain('worker stopped');
    const refused: string[] = [];
    const code = await runWorker(() => openApp(definition, { databaseUrl: dbUrl, databaseSchema: schema, env: {} }), {
      output: { stdout: (t) => void refused.push(t), stderr: (t) => void refused.push(t) },
      stopSignal: Promise.resolve(),
    });
    expect(code).toBe(1);
    expect(refused.join('')).toContain('error no-bus: a worker needs a bus: set GROUNDWORK_BUS_URL');
  });

  it('returns the stored outcome to a second delivery of the same command, and parks a command that fails every time', async () => {
    const schema = uniqueSchema('bus');
    schemas.push(schema);
    const app = await open(schema);
    const worker = await app.startWorker({ pollMs: 50 });
    await worker.ready;
    const opened = await app.dispatch(openCounter, { counterId: 'c1', owner: 'alice', limit: 100 }, human);
    await app.waitFor(opened.commandId, 't1', 10_000);
    // The same command again, as a duplicate publish would deliver it: no second event.
    const context = { ...human, commandId: opened.commandId };
    expect(await app.dispatch(openCounter, { counterId: 'c1', owner: 'alice', limit: 100 }, context)).toMatchObject({ ok: true, commandId: opened.commandId });
    const poison = await app.dispatch(explode, { counterId: 'c1', by: 1 }, human);
    const parked = await app.waitFor(poison.commandId, 't1', 15_000);
    expect(parked).toMatchObject({ status: 'failed', error: { code: 'internal' }, parked: expect.stringContaining('decide always fails here') });
    // The partition keeps moving after it.
    const after = await app.dispatch(increment, { counterId: 'c1', by: 2 }, human);
    expect(await app.waitFor(after.commandId, 't1', 10_000)).toMatchObject({ status: 'succeeded', versions: { from: 2, to: 2 } });
    expect(await queueDepth(busUrl, `gw.${schema}.commands.parked`)).toBe(1);
    const history = await app.trust.history({ stream: 'c1' }, 't1');
    expect(history.filter((h) => h.audit.command === 'OpenCounter' && h.audit.outcome === 'accepted')).toHaveLength(1);
    expect(history.filter((h) => h.audit.command === 'Explode').map((h) => h.audit.outcome)).toEqual(['failed', 'failed', 'failed']);
    await worker.stop();
    await app.close();
  });

  it('publishes committed events on the project exchange, in order, with their type as the routing key', async () => {
    const schema = uniqueSchema('bus');
    schemas.push(schema);
    const subscriber = new Connection({ url: busUrl });
    const received: StoredEvent[] = [];
    const app = await open(schema);
    const consumer = subscriber.createConsumer(
      {
        queue: `${schema}-subscriber`,
        queueOptions: { exclusive: true },
        exchanges: [{ exchange: `gw.${schema}.events`, type: 'topic', durable: true }],
        queueBindings: [{ exchange: `gw.${schema}.events`, routingKey: '#' }],
      },
      (message) => void received.push(message.body as StoredEvent),
    );
    await new Promise<void>((resolve) => consumer.once('ready', () => resolve()));
    const worker = await app.startWorker({ pollMs: 50 });
    await app.execute(openCounter, { counterId: 'e1', owner: 'alice', limit: 100 }, human);
    for (let i = 0; i < 5; i++) await app.execute(increment, { counterId: 'e1', by: 1 }, human);
    for (let i = 0; i < 100 && received.length < 6; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received.map((e) => [e.type, e.version])).toEqual([
      ['CounterOpened', 1],
      ['CounterIncremented', 2],
      ['CounterIncremented', 3],
      ['CounterIncremented', 4],
      ['CounterIncremented', 5],
      ['CounterIncremented', 6],
    ]);
    await worker.stop();
    await consumer.close();
    await subscriber.close();
    await app.close();
  });
});
