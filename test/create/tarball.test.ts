/**
 * The way a newcomer meets Groundwork: `npm create groundwork` from the packed package, a real
 * install from the npm registry, then the new project's own `npm test`, `gen slice`, and the
 * dispute story. The slowest test: it builds better-sqlite3 once (CI shares the npm cache).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from '../gen/project.js';

const work = mkdtempSync(join(tmpdir(), 'gw-tarball-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function npm(args: string[], cwd: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' };
  delete env['npm_config_user_agent'];
  const r = spawnSync('npm', args, { cwd, env, encoding: 'utf8', timeout: 600_000 });
  return { code: r.status, out: `${r.stdout}\n${r.stderr}` };
}

describe('npm create groundwork, from a packed tarball', () => {
  it('scaffolds, installs, tests, adds a slice and plays the story', () => {
    execFileSync('npm', ['pack', '--pack-destination', work, '--silent'], { cwd: REPO, stdio: 'pipe' });
    const tarball = join(work, readdirSync(work).find((f) => f.endsWith('.tgz'))!);

    const created = npm(
      [
        'exec',
        '--yes',
        `--package=${tarball}`,
        '--',
        'create-groundwork',
        'billing',
        '--template',
        'subscriptions',
        '--yes',
        '--no-git',
        '--groundwork',
        `file:${tarball}`,
      ],
      work,
    );
    expect(created.code, created.out).toBe(0);
    expect(created.out).toContain('installing dependencies with npm');
    const app = join(work, 'billing');

    const tested = npm(['test'], app);
    expect(tested.code, tested.out).toBe(0);
    expect(tested.out).toMatch(/[#ℹ] fail 0/);

    const slice = npm(
      ['exec', '--', 'groundwork', 'gen', 'slice', 'Subscription.PauseSubscription', '--input', 'until:date', '--allow', 'support', '--no-interactive'],
      app,
    );
    expect(slice.code, slice.out).toBe(0);
    expect(slice.out).toContain('Added Subscription.PauseSubscription and the event SubscriptionPaused');
    const retested = npm(['test'], app);
    expect(retested.code, retested.out).toBe(0);
    expect(npm(['run', 'check'], app).code).toBe(0);

    const bench = npm(['run', 'bench', '--', '--quick', '--filter', 'replay|load'], app);
    expect(bench.code, bench.out).toBe(0);
    expect(bench.out).toContain('reflection / generated');

    const story = npm(['run', 'dispute'], app);
    expect(story.code, story.out).toBe(0);
    expect(story.out).toContain('content-mismatch');
    expect(story.out).toContain('POST /commands/{cancel}/undo: ok, SubscriptionReinstated');
    expect(story.out).toContain('issue_refund, approved: ok, RefundIssued');
  }, 900_000);
});
