/** `groundwork gen slice`: the spec keeps its comments, the slice compiles, mistakes change nothing. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import type { Io } from '../../src/terminal/io.js';
import { runCreate } from '../../src/create/main.js';
import { addSlice, parseFields, suggestedEvent } from '../../src/spec/edit.js';
import { REPO } from '../gen/project.js';

let dir: string;
let root: string;

async function groundwork(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    cwd: dir,
    env: { CI: 'true', NO_COLOR: '1' },
    stdoutIsTTY: false,
    stderrIsTTY: false,
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
  };
  return { code: await run(args, io), stdout, stderr };
}

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'gw-slice-'));
  dir = join(root, 'app');
  const quiet: Io = { cwd: root, env: { CI: 'true' }, stdoutIsTTY: false, stderrIsTTY: false, stdout: () => undefined, stderr: () => undefined };
  expect(await runCreate([dir, '-t', 'blank', '--no-install', '--no-git'], quiet, undefined, false)).toBe(0);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const spec = () => readFileSync(join(dir, 'app.groundwork.yaml'), 'utf8');

describe('gen slice', () => {
  it('adds the command and its new event, keeping every other line of the spec, and the slice compiles', async () => {
    const before = spec();
    const r = await groundwork(
      'gen',
      'slice',
      'Task.RenameTask',
      '--input',
      'title:string,note:string?',
      '--allow',
      'user',
      '--actors',
      'human,agent',
      '--description',
      'Give a task a better title.',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const after = spec();
    const expected = before
      .replace(
        '      TaskCompleted: {}\n',
        '      TaskCompleted: {}\n      TaskRenamed:\n        title: string\n        note: { type: string, optional: true }\n',
      )
      .replace(
        '        actors: [human, agent]\n\nprojections:',
        '        actors: [human, agent]\n      RenameTask:\n        description: Give a task a better title.\n        input:\n          title: string\n          note: { type: string, optional: true }\n        emits: [TaskRenamed]\n        allow: [user]\n        actors: [human, agent]\n\nprojections:',
      );
    expect(after).toBe(expected);
    expect(after).toContain('# Your first Groundwork spec. Edit it, then run `npm run gen`: the TypeScript follows.');
    expect(r.stdout).toContain('create  src/tasks/task/decide/rename-task.ts');
    expect(r.stdout).toContain('added TaskRenamed to evolve');
    expect(readFileSync(join(dir, 'src/tasks/task/evolve.ts'), 'utf8')).toContain('TaskRenamed(state, event) {\n    state.title = event.data.title;\n  }');
    execFileSync('ln', ['-s', join(REPO, 'node_modules'), join(dir, 'node_modules')]);
    execFileSync(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', dir], { stdio: 'pipe' });
    expect((await groundwork('gen', '--check', '--deep')).code).toBe(0);
  }, 60_000);

  it('--dry-run shows the spec change and the plan, and writes nothing', async () => {
    const before = spec();
    const r = await groundwork('gen', 'slice', 'Task.ArchiveTask', '--allow', 'user', '--dry-run');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('+      TaskArchived: {}');
    expect(r.stdout).toContain('+        emits: [TaskArchived]');
    expect(r.stdout).toContain('create  src/tasks/task/decide/archive-task.ts');
    expect(r.stdout).toMatch(/dry run, nothing written/);
    expect(spec()).toBe(before);
  });

  it('refuses a duplicate, an unknown aggregate, a missing --allow and an invalid type, changing nothing', async () => {
    const before = spec();
    const duplicate = await groundwork('gen', 'slice', 'Task.AddTask', '--allow', 'user');
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain('GW9008 app.groundwork.yaml: aggregate Task already has a command AddTask');
    const unknown = await groundwork('gen', 'slice', 'Tasks.Archive', '--allow', 'user');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('did you mean "Task"?');
    const noAllow = await groundwork('gen', 'slice', 'Task.ArchiveTask');
    expect(noAllow.code).toBe(2);
    expect(noAllow.stderr).toContain('missing --allow');
    const badType = await groundwork('gen', 'slice', 'Task.ArchiveTask', '--allow', 'user', '--input', 'when:dat');
    expect(badType.code).toBe(1);
    expect(badType.stdout).toContain('GW1010 unknown type "dat"');
    expect(badType.stderr).toContain('The spec was not changed.');
    expect((await groundwork('gen', 'slice', 'not-a-target', '--allow', 'user')).code).toBe(2);
    expect(spec()).toBe(before);
  });

  it('keeps comments inside the block it adds to', () => {
    const text =
      'groundwork: 1\ncontext: x\naggregates:\n  A:\n    id: aId\n    events:\n      # the only event\n      Made: {} # inline\n    commands:\n      Make: { creates: true, emits: [Made], allow: [u] }\n      # trailing comment of the commands\n\n# end of file\n';
    const edit = addSlice(text, { aggregate: 'A', command: 'Touch', input: parseFields('at:datetime'), emits: ['Touched'], allow: 'public' });
    expect(edit.ok && edit.text).toBe(
      'groundwork: 1\ncontext: x\naggregates:\n  A:\n    id: aId\n    events:\n      # the only event\n      Made: {} # inline\n      Touched:\n        at: datetime\n    commands:\n      Make: { creates: true, emits: [Made], allow: [u] }\n      # trailing comment of the commands\n      Touch:\n        input:\n          at: datetime\n        emits: [Touched]\n        allow: public\n\n# end of file\n',
    );
    expect(suggestedEvent('RenameTask')).toBe('TaskRenamed');
    expect(suggestedEvent('ApplyDiscount')).toBe('DiscountApplied');
  });

  it('quotes what needs quoting', () => {
    writeFileSync(join(root, 'q.yaml'), '');
    const text =
      'groundwork: 1\ncontext: x\naggregates:\n  A:\n    id: aId\n    events:\n      Made: {}\n    commands:\n      Make: { creates: true, emits: [Made], allow: [u] }\n';
    const edit = addSlice(text, { aggregate: 'A', command: 'Note', input: [], emits: ['Made'], allow: ['u'], description: 'Say: "hi" # not a comment' });
    expect(edit.ok && edit.text).toContain(`description: 'Say: "hi" # not a comment'`);
  });
});
