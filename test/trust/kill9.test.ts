/**
 * kill -9 (reliability-tests.md): a child process posts commands and prints an ack after each
 * commit; the parent kills it at random moments, 25 times, and checks after each crash that no
 * acknowledged command is lost, no transaction is partial, versions have no gap, the read model
 * (kept in each commit's transaction) holds every event exactly once, and the store passes
 * SQLite's integrity check and verify.
 */
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore, verifyStore } from '../../src/runtime/index.js';

const RUNS = 25;
const dir = mkdtempSync(join(tmpdir(), 'gw-kill9-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runAndKill(path: string, start: number, afterMs: number, inFlight: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, 'kill9-child.mjs'), path, String(start), String(inFlight)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let timer: ReturnType<typeof setTimeout> | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      // The random moment counts from when the child is appending, however long it took to start.
      if (timer === undefined && out.includes('ready\n')) timer = setTimeout(() => child.kill('SIGKILL'), afterMs);
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') return reject(new Error(`child exited by itself: ${err}`));
      resolve(
        out
          .split('\n')
          .filter((l) => l.startsWith('ack '))
          .map((l) => l.slice(4)),
      );
    });
  });
}

describe('kill -9 while appending', () => {
  it.each([
    ['one command at a time', 1],
    ['16 commands in flight, committed in groups', 16],
  ])(
    `%s: loses no acknowledged command over ${RUNS} crashes`,
    async (label, inFlight) => {
      const path = join(dir, `kill9-${inFlight}.db`);
      let acked = 0;
      let lost = 0;
      let recoveryMs = 0;
      let next = 0;
      for (let run = 0; run < RUNS; run++) {
        const acks = await runAndKill(path, next, 20 + Math.floor(Math.random() * 300), inFlight);
        acked += acks.length;
        const started = performance.now();
        const store = openSqliteStore(path);
        const db = store.db;
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        for (const id of acks) if ((await store.events.findAccepted('t', { commandId: id })) === undefined) lost++;
        const parts = db
          .prepare(`SELECT json_extract(metadata, '$.commandId') AS id, COUNT(*) AS n FROM gw_events WHERE type = 'Posted' GROUP BY id HAVING n != 3`)
          .all();
        expect(parts).toEqual([]);
        const gaps = db.prepare(`SELECT stream_id, COUNT(*) AS n, MAX(version) AS v FROM gw_events GROUP BY stream_id HAVING n != v`).all();
        expect(gaps).toEqual([]);
        // No catch-up has run since the crash: the projection is exactly what was committed with the events.
        const posted = (db.prepare(`SELECT COUNT(*) AS n FROM gw_events WHERE type = 'Posted'`).get() as { n: number }).n;
        if (db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'tally'`).get() === undefined) expect(posted).toBe(0);
        else {
          const skewed = db
            .prepare(
              `SELECT e.stream_id, e.n, t.posted FROM (SELECT stream_id, COUNT(*) AS n FROM gw_events WHERE type = 'Posted' GROUP BY stream_id) e LEFT JOIN tally t ON t.ledgerId = e.stream_id WHERE t.posted IS NOT e.n`,
            )
            .all();
          expect(skewed).toEqual([]);
          const position = db.prepare(`SELECT position FROM gw_projection_positions WHERE name = 'Tally'`).get() as { position: number } | undefined;
          expect(position?.position ?? 0).toBe((db.prepare(`SELECT COALESCE(MAX(position), 0) AS p FROM gw_events`).get() as { p: number }).p);
        }
        const report = await verifyStore(store.chains, { storeId: store.events.storeId });
        expect(report.findings).toEqual([]);
        recoveryMs += performance.now() - started;
        next = 1_000_000 * (run + 1);
        await store.close();
      }
      const raw = new Database(path);
      const commands = (raw.prepare(`SELECT COUNT(*) AS n FROM gw_commands WHERE command = 'Post'`).get() as { n: number }).n;
      // Positive control: the same check finds a command that really is missing.
      const victim = (raw.prepare(`SELECT command_id AS id FROM gw_commands WHERE command = 'Post' ORDER BY id DESC LIMIT 1`).get() as { id: string }).id;
      raw.prepare(`DELETE FROM gw_commands WHERE command_id = ?`).run(victim);
      raw.close();
      const control = openSqliteStore(path);
      expect(await control.events.findAccepted('t', { commandId: victim })).toBeUndefined();
      await control.close();
      console.log(
        `kill-9 (${label}): ${RUNS} runs, ${acked} acknowledged commands, ${lost} lost, ${commands} committed in all, mean recovery (open + integrity check + verify) ${(recoveryMs / RUNS).toFixed(1)} ms`,
      );
      expect(acked).toBeGreaterThan(RUNS);
      expect(lost).toBe(0);
    },
    120_000,
  );
});
