import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CommandPipeline,
  KeyedMutex,
  openSqliteStore,
  bucketOf,
  chainHash,
  commandRowHash,
  eventRowHash,
  genesisHash,
  openDatabase,
  ulidGenerator,
  ULID_PATTERN,
} from '../../src/runtime/index.js';
import { human, increment, openCounter } from './counter.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gw-runtime-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

// Expected values below were computed by an independent Python implementation of the documented
// encoding (hashlib), which is also how another language would check our chains.
describe('buckets (golden vectors: a change here breaks every stored chain)', () => {
  it.each([
    ['', 3643],
    ['a', 3241],
    ['abc', 2983],
    ['hello', 719],
    ['order-1', 186],
    ['01HZX3V6Q8M9K2J4N5P7R8S9T0', 3954],
    ['é', 1193],
  ])('bucketOf(%j) = %i', (id, bucket) => {
    expect(bucketOf(id)).toBe(bucket);
  });
});

describe('hash chains (golden vectors)', () => {
  it('length-prefixes every field, so moving bytes between fields changes the hash', () => {
    const prev = Buffer.alloc(32);
    expect(chainHash('t', ['ab', 'c'], prev).equals(chainHash('t', ['a', 'bc'], prev))).toBe(false);
  });

  it('pins the genesis, event and command row encodings', () => {
    const genesis = genesisHash('store-1', 'events', 7);
    expect(genesis.toString('hex')).toBe('bf98e0782f598759c14aba0415a66cf4595b507f70224476a9e5dc132cc9dfe4');
    const row = {
      bucket: 7,
      bseq: 1,
      position: 1,
      streamId: 's',
      version: 1,
      type: 'T',
      schemaVersion: 1,
      recordedAt: '2026-01-01T00:00:00.000Z',
      metadata: '{}',
      payload: '{"a":1}',
    };
    expect(eventRowHash(row, genesis).toString('hex')).toBe('8eb394a719425dde06b1110f4227c986dc82dbf32520b9aeba86219d93baecfc');
    const command = {
      bucket: 7,
      cseq: 1,
      commandId: 'cmd-1',
      command: 'Open',
      streamId: 's',
      tenant: 't1',
      outcome: 'accepted',
      recordedAt: '2026-01-01T00:00:00.000Z',
      audit: '{}',
    };
    expect(commandRowHash(command, genesisHash('store-1', 'commands', 7)).toString('hex')).toBe(
      'b2433b7c9067dd1f54c06e2b935376b7b5ac2dba217a1d17fd623cbe40d66748',
    );
  });
});

describe('ULIDs', () => {
  it('are well-formed and sort in creation order within one millisecond', () => {
    const ids = ulidGenerator(() => 1_700_000_000_000);
    const made = Array.from({ length: 1000 }, () => ids());
    for (const id of made) expect(id).toMatch(ULID_PATTERN);
    expect([...made].sort()).toEqual(made);
    expect(new Set(made).size).toBe(1000);
  });

  it('are deterministic with an injected clock and randomness', () => {
    const a = ulidGenerator(
      () => 0,
      (n) => new Uint8Array(n),
    );
    expect(a()).toBe('00000000000000000000000000');
    expect(a()).toBe('00000000000000000000000001');
  });
});

describe('one writer per key', () => {
  it('runs work for one key in order, and for different keys concurrently', async () => {
    const mutex = new KeyedMutex<number>();
    const log: string[] = [];
    const pause = () => new Promise((r) => setTimeout(r, 5));
    await Promise.all([
      mutex.run(1, async () => {
        log.push('1a start');
        await pause();
        log.push('1a end');
      }),
      mutex.run(1, async () => {
        log.push('1b start');
        await pause();
        log.push('1b end');
      }),
      mutex.run(2, async () => {
        log.push('2 start');
        await pause();
        log.push('2 end');
      }),
    ]);
    expect(log.indexOf('1a end')).toBeLessThan(log.indexOf('1b start'));
    expect(log.indexOf('2 start')).toBeLessThan(log.indexOf('1a end'));
    expect(mutex.size).toBe(0);
  });
});

describe('SQLite store', () => {
  it('applies the durability pragmas on every open, including a reopened database', () => {
    const path = join(dir, 'store.db');
    openSqliteStore(path).db.close();
    for (const synchronous of ['FULL', 'NORMAL'] as const) {
      const db = openDatabase(path, synchronous === 'FULL' ? {} : { synchronous });
      const values = {
        journal_mode: db.pragma('journal_mode', { simple: true }),
        synchronous: db.pragma('synchronous', { simple: true }),
        foreign_keys: db.pragma('foreign_keys', { simple: true }),
        busy_timeout: db.pragma('busy_timeout', { simple: true }),
      };
      console.log(`pragmas on reopen (${synchronous}):`, values);
      expect(values).toEqual({ journal_mode: 'wal', synchronous: synchronous === 'FULL' ? 2 : 1, foreign_keys: 1, busy_timeout: 5000 });
      db.close();
    }
  });

  it('appends with contiguous versions, positions and per-bucket chains over the stored bytes', async () => {
    const store = openSqliteStore(join(dir, 'a.db'));
    const pipeline = new CommandPipeline(store.events);
    expect((await pipeline.execute(openCounter, { counterId: 'c1', owner: 'alice', limit: 10 }, human)).ok).toBe(true);
    expect((await pipeline.execute(increment, { counterId: 'c1', by: 2 }, human)).ok).toBe(true);
    expect((await pipeline.execute(openCounter, { counterId: 'c2', owner: 'bob', limit: 5 }, human)).ok).toBe(true);
    const rows = store.db.prepare('SELECT * FROM gw_events ORDER BY position').all() as Array<Record<string, unknown>>;
    expect(rows.map((r) => [r['position'], r['stream_id'], r['version']])).toEqual([
      [1, 'c1', 1],
      [2, 'c1', 2],
      [3, 'c2', 1],
    ]);
    for (const r of rows) {
      const bucket = r['bucket'] as number;
      expect(bucket).toBe(bucketOf(r['stream_id'] as string));
      const prev =
        r['bseq'] === 1
          ? genesisHash(store.events.storeId, 'events', bucket)
          : (rows.find((x) => x['bucket'] === bucket && x['bseq'] === (r['bseq'] as number) - 1)!['row_hash'] as Buffer);
      expect((r['prev_hash'] as Buffer).equals(prev)).toBe(true);
      const fields = {
        bucket,
        bseq: r['bseq'] as number,
        position: r['position'] as number,
        streamId: r['stream_id'] as string,
        version: r['version'] as number,
        type: r['type'] as string,
        schemaVersion: r['schema_version'] as number,
        recordedAt: r['recorded_at'] as string,
        metadata: r['metadata'] as string,
        payload: r['payload'] as string,
      };
      expect(eventRowHash(fields, prev).equals(r['row_hash'] as Buffer)).toBe(true);
    }
    const commands = store.db.prepare('SELECT * FROM gw_commands ORDER BY id').all() as Array<Record<string, unknown>>;
    expect(commands).toHaveLength(3);
    for (const c of commands) {
      const bucket = c['bucket'] as number;
      const prev =
        c['cseq'] === 1
          ? genesisHash(store.events.storeId, 'commands', bucket)
          : (commands.find((x) => x['bucket'] === bucket && x['cseq'] === (c['cseq'] as number) - 1)!['row_hash'] as Buffer);
      const fields = {
        bucket,
        cseq: c['cseq'] as number,
        commandId: c['command_id'] as string,
        command: c['command'] as string,
        streamId: c['stream_id'] as string,
        tenant: c['tenant'] as string,
        outcome: c['outcome'] as string,
        recordedAt: c['recorded_at'] as string,
        audit: c['audit'] as string,
      };
      expect(commandRowHash(fields, prev).equals(c['row_hash'] as Buffer)).toBe(true);
    }
    // The events table is the outbox: a relay that has published nothing reads all three.
    expect((await store.events.readAll(await store.outbox.position('bus'), 10)).events).toHaveLength(3);
    await store.close();
  });

  it('a same-aggregate race: 8 concurrent writers leave contiguous versions and no duplicates', async () => {
    const store = openSqliteStore(join(dir, 'race.db'), { synchronous: 'NORMAL' });
    const pipeline = new CommandPipeline(store.events);
    await pipeline.execute(openCounter, { counterId: 'hot', owner: 'alice', limit: 1_000_000 }, human);
    const latencies: number[] = [];
    const writers = Array.from({ length: 8 }, async () => {
      for (let i = 0; i < 25; i++) {
        const started = performance.now();
        const result = await pipeline.execute(increment, { counterId: 'hot', by: 1 }, human);
        latencies.push(performance.now() - started);
        expect(result.ok).toBe(true);
      }
    });
    await Promise.all(writers);
    const versions = (store.db.prepare(`SELECT version FROM gw_events WHERE stream_id = 'hot' ORDER BY version`).all() as Array<{ version: number }>).map(
      (r) => r.version,
    );
    expect(versions).toEqual(Array.from({ length: 201 }, (_, i) => i + 1));
    latencies.sort((a, b) => a - b);
    console.log(
      `same-aggregate race: 200 commands from 8 writers, 0 conflicts (serialized per bucket), p50 ${latencies[100]!.toFixed(2)} ms, p99 ${latencies[197]!.toFixed(2)} ms`,
    );
    const loaded = await pipeline.load(increment.aggregate, 'hot');
    expect(loaded).toEqual({ state: { owner: 'alice', value: 200, limit: 1_000_000 }, version: 201, tenant: 't1' });
    await store.close();
  });

  it('a writer in another process that moved the stream gets a typed conflict', async () => {
    const path = join(dir, 'conflict.db');
    const store = openSqliteStore(path);
    const pipeline = new CommandPipeline(store.events);
    await pipeline.execute(openCounter, { counterId: 'c', owner: 'alice', limit: 100 }, human);
    const other = openSqliteStore(path);
    const result = await other.events.commit({
      streamId: 'c',
      bucket: bucketOf('c'),
      expectedVersion: 0,
      recordedAt: new Date().toISOString(),
      metadata: {
        commandId: 'x',
        command: 'Increment',
        correlationId: 'x',
        causationId: null,
        actorId: 'u',
        actorKind: 'human',
        onBehalfOf: null,
        subject: null,
        tenant: 't1',
      },
      events: [{ type: 'CounterIncremented', schemaVersion: 1, data: { by: 1 } }],
      audit: {
        commandId: 'x',
        command: 'Increment',
        streamId: 'c',
        tenant: 't1',
        actor: { id: 'u', kind: 'human', roles: [] },
        onBehalfOf: null,
        subject: null,
        correlationId: 'x',
        causationId: null,
        idempotencyKey: null,
        payloadHash: null,
        decision: 'allowed',
        reason: null,
        outcome: 'accepted',
        error: null,
        versions: { from: 1, to: 1 },
      },
    });
    expect(result).toEqual({ ok: false, conflict: { actualVersion: 1 } });
    await other.close();
    await store.close();
  });
});
