/**
 * Commands accepted to run later on the embedded store (the HTTP API's respond-async): answered once
 * durable in the command outbox, run in this process in the order accepted, refused at the edge at
 * once, and never lost to a crash: a killed process's accepted commands run when the app opens again.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openApp, type AnyAggregate, type AnyCommand, type App } from '../../src/runtime/index.js';
import { counter, human, increment, openCounter } from '../runtime/counter.js';
// @ts-expect-error: a plain JavaScript module shared with the child processes
import { ledger, open, post } from './ledger-domain.mjs';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gw-enqueue-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const counters = {
  commands: { OpenCounter: openCounter, Increment: increment } as unknown as Record<string, AnyCommand>,
  aggregates: { Counter: counter as unknown as AnyAggregate },
  projections: [],
};

describe('commands accepted to run later, on the embedded store', () => {
  it('answers once the command is in the outbox, runs it in order, and tells its status', async () => {
    const app: App = await openApp(counters, { path: join(dir, 'app.db'), env: {} });
    try {
      const opened = await app.enqueue(openCounter, { counterId: 'c1', owner: 'alice', limit: 100 }, human);
      expect(opened).toMatchObject({ ok: true, via: 'outbox' });
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) {
        const accepted = await app.enqueue(increment, { counterId: 'c1', by: 1 }, human);
        if (!accepted.ok) throw new Error(accepted.error.message);
        ids.push(accepted.commandId);
      }
      expect(await app.waitFor(ids[19]!, 't1', 10_000)).toMatchObject({ status: 'succeeded', versions: { from: 21, to: 21 } });
      for (const [i, id] of ids.entries()) expect(await app.commandStatus(id, 't1')).toMatchObject({ status: 'succeeded', versions: { from: i + 2 } });
      expect(await app.commandStatus(ids[0]!, 't2')).toMatchObject({ status: 'unknown' });
      // Refused at the edge, at once, and audited: nothing is queued.
      expect(await app.enqueue(increment, { counterId: 'c1', by: 'x' }, human)).toMatchObject({ ok: false, error: { code: 'validation' } });
      expect(await app.enqueue(increment, { counterId: 'c1', by: 1 }, { ...human, actor: { ...human.actor, roles: [] } })).toMatchObject({
        ok: false,
        error: { code: 'forbidden' },
      });
      // A refusal the command meets when it runs is its outcome.
      const late = await app.enqueue(increment, { counterId: 'missing', by: 1 }, human);
      expect(await app.waitFor(late.commandId, 't1', 10_000)).toMatchObject({ status: 'rejected', error: { code: 'not-found' } });
    } finally {
      await app.close();
    }
  });

  it('retries a command that fails in code, then parks it with the reason, and moves on', async () => {
    let calls = 0;
    const flaky = {
      ...increment,
      name: 'Flaky',
      decide: (): never => {
        calls++;
        throw new Error('decide always fails here');
      },
    };
    const app = await openApp(
      { ...counters, commands: { ...counters.commands, Flaky: flaky as unknown as AnyCommand } },
      { path: join(dir, 'app.db'), env: {} },
    );
    try {
      await app.execute(openCounter, { counterId: 'c1', owner: 'alice', limit: 100 }, human);
      const bad = await app.enqueue(flaky, { counterId: 'c1', by: 1 }, human);
      const good = await app.enqueue(increment, { counterId: 'c1', by: 1 }, human);
      expect(await app.waitFor(good.commandId, 't1', 10_000)).toMatchObject({ status: 'succeeded', versions: { from: 2, to: 2 } });
      expect(await app.commandStatus(bad.commandId, 't1')).toMatchObject({
        status: 'failed',
        parked: expect.stringContaining('failed 3 times: Error: decide always fails here'),
      });
      expect(calls).toBe(3);
    } finally {
      await app.close();
    }
  });

  it('loses no acknowledged command to kill -9: the next open runs what waited, each once, in order', async () => {
    const path = join(dir, 'ledger.db');
    const child = spawnSync(process.execPath, [join(import.meta.dirname, 'enqueue-child.mjs'), path, '40'], { encoding: 'utf8' });
    expect(child.signal).toBe('SIGKILL');
    const lines = child.stdout.split('\n').filter((line) => line !== '');
    const waiting = Number(lines.pop()?.replace('waiting ', ''));
    const acknowledged = lines;
    expect(acknowledged).toHaveLength(41);
    // The kill came while acknowledged commands still waited to run.
    expect(waiting).toBeGreaterThan(0);
    const definition = {
      commands: { Open: open, Post: post } as unknown as Record<string, AnyCommand>,
      aggregates: { Ledger: ledger as unknown as AnyAggregate },
      projections: [],
    };
    // A process that opens the file without running the queue (a command line, a reader) leaves it alone.
    const bystander = await openApp(definition, { path, env: {} });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await bystander.commandStatus('post-1', 't1')).toEqual({ status: 'queued', commandId: 'post-1' });
    await bystander.close();
    const app = await openApp(definition, { path, env: {}, runQueue: true });
    try {
      expect(await app.waitFor('post-40', 't1', 20_000)).toMatchObject({ status: 'succeeded' });
      for (const id of acknowledged) expect(await app.commandStatus(id, 't1'), id).toMatchObject({ status: 'succeeded' });
      // Every Post once (three events each), in the order accepted.
      const events = await app.store.events.readStream('l1', 0);
      expect(events).toHaveLength(1 + 40 * 3);
      const posts = events.filter((e) => e.type === 'Posted').map((e) => (e.data as { n: number }).n);
      expect(posts).toEqual(Array.from({ length: 40 }, (_, i) => [i + 1, i + 1, i + 1]).flat());
    } finally {
      await app.close();
    }
  });
});
