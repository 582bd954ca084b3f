/**
 * `npm run demo`: the project's main job, end to end on embedded SQLite. Scaffolds the
 * subscriptions template into a temporary folder, generates, builds, and plays the dispute story.
 */
import { execa } from 'execa';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { colorEnabled, createColors } from '../terminal/color.js';
import { processIo } from '../terminal/io.js';
import { runCreate } from '../create/main.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const io = processIo();
const c = createColors(colorEnabled(io.env, io.stdoutIsTTY));
const dir = mkdtempSync(join(tmpdir(), 'groundwork-demo-'));
const app = join(dir, 'billing');

function banner(text: string): void {
  io.stdout(`\n${c.bold(c.cyan(`### ${text}`))}\n`);
}

try {
  banner('Scaffold the subscriptions template (npm create groundwork) into a temporary folder');
  const created = await runCreate([app, '--template', 'subscriptions', '--no-install', '--no-git', '--no-interactive'], io);
  if (created !== 0) throw new Error('scaffolding failed');
  // The demo runs offline: the project uses this repository's installed dependencies.
  symlinkSync(join(repo, 'node_modules'), join(app, 'node_modules'), 'dir');

  banner('Build it with tsc --strict');
  await execa(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', app], { stdio: 'inherit' });
  io.stdout(`${c.green('✓')} compiled ${app}\n`);

  banner('Play the story');
  await execa(process.execPath, [join(app, 'dist/src/dispute.js')], { cwd: app, stdio: 'inherit' });
  io.stdout(`\n${c.green('✓')} the demo ran end to end. The project it used was in ${app} (now removed).\n`);
} catch (error) {
  io.stderr(`\ndemo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
