/** Scaffolding each template without installing: the files, and a project that builds and passes its own tests. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Io } from '../../src/terminal/io.js';
import { runCreate } from '../../src/create/main.js';
import { postgresAvailable, testDatabaseUrl } from '../contract/postgres-env.js';
import { REPO } from '../gen/project.js';

/** The value with every `references` key removed, and a field left as `{ type }` back in its shorthand. */
/** The spec without the declarations a template adds: references, approvals and who may read. */
function withoutReferences(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutReferences);
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value).filter(([key]) => key !== 'references' && key !== 'approval' && key !== 'read');
  if (entries.length === 1 && entries[0]![0] === 'type' && 'references' in value) return entries[0]![1];
  return Object.fromEntries(entries.map(([key, inner]) => [key, withoutReferences(inner)]));
}

const work = mkdtempSync(join(tmpdir(), 'gw-create-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function create(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    cwd: work,
    env: { CI: 'true' },
    stdoutIsTTY: false,
    stderrIsTTY: false,
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
  };
  const code = await runCreate(args, io, undefined, false);
  return { code, stdout, stderr };
}

function buildAndTest(dir: string): string {
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir');
  execFileSync(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', dir], { stdio: 'pipe' });
  // As the project's `npm test` does: from dist/, so Node 24 does not also run the .ts sources.
  return execFileSync(process.execPath, ['--test'], { cwd: join(dir, 'dist'), encoding: 'utf8', stdio: 'pipe' });
}

describe('create-groundwork', () => {
  it.each(['blank', 'subscriptions', 'bank'])(
    'the %s template builds under strict and passes its own tests',
    async (template) => {
      const r = await create(template, '--template', template, '--no-install', '--no-git');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const dir = join(work, template);
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name: string;
        scripts: Record<string, string>;
        devDependencies: Record<string, string>;
      };
      expect(pkg.name).toBe(template);
      expect(Object.keys(pkg.scripts)).toEqual(expect.arrayContaining(['build', 'test', 'gen', 'check', 'bench', 'history', 'verify', 'undo', 'forget']));
      expect(pkg.devDependencies['groundwork']).toMatch(/^\^\d+\.\d+\.\d+$/);
      for (const file of [
        '.gitignore',
        '.gitattributes',
        '.vscode/settings.json',
        '.vscode/extensions.json',
        'README.md',
        'tsconfig.json',
        'groundwork.manifest.json',
        'src/app.ts',
        'src/cli.ts',
      ])
        expect(existsSync(join(dir, file)), file).toBe(true);
      const spec = readFileSync(join(dir, template === 'blank' ? 'app.groundwork.yaml' : `${template}.groundwork.yaml`), 'utf8');
      expect(spec.split('\n')[0]).toBe('# yaml-language-server: $schema=./node_modules/groundwork/schemas/groundwork.schema.json');
      expect(r.stdout).toContain('Next steps:');
      expect(r.stdout).toContain(`cd ${template}`);
      expect(r.stdout).toContain('npm install');
      const tests = buildAndTest(dir);
      expect(tests).toMatch(/[#ℹ] fail 0/);
      expect(tests).toMatch(/[#ℹ] pass [1-9]/);
      if (template === 'subscriptions') {
        // The story: the template's declared roles, reference, approval and forget rule, enforced by the generated project.
        // And the same project on PostgreSQL, by the variable alone.
        const stores = (await postgresAvailable(testDatabaseUrl())) ? ['sqlite', 'postgres'] : ['sqlite'];
        for (const kind of stores) {
          const env = { ...process.env, GROUNDWORK_DATABASE_URL: kind === 'postgres' ? testDatabaseUrl() : '' };
          const story = execFileSync(process.execPath, [join(dir, 'dist/src/dispute.js')], { cwd: dir, encoding: 'utf8', stdio: 'pipe', env, timeout: 50_000 });
          expect(story).toContain(`(on ${kind}; API and MCP server on http://127.0.0.1:`);
          expect(story).toContain('CancelSubscription by the customer, of the other one: refused (forbidden) role customer acts only on its own data');
          expect(story).toContain("IssueRefund by the agent, against the other customer's subscription: refused (forbidden) subscriptionId names Subscription");
          expect(story).toContain('content-mismatch');
          expect(story).toContain('forget by support: refused (forbidden)');
          expect(story).toContain('forget by the customer: data key destroyed: true');
          // The agent acts through MCP tools, people through the HTTP API, as their tokens say.
          expect(story).toContain('issue_refund: refused (approval-required)');
          expect(story).toContain('approve_request by the agent itself: refused (forbidden) only a human may approve');
          expect(story).toContain('approved by the support lead: yes');
          expect(story).toContain('issue_refund, approved: ok, RefundIssued');
          expect(story).toContain('delegated by sam-from-support; via mcp-http cancel_subscription (client support-assistant)');
          expect(story).toContain('via http POST /approvals/{id}/approve');
          expect(story).toContain('the same undo again: refused (already-undone)');
        }
      }
    },
    60_000,
  );

  it('the template specs are the shared examples, plus declarations of roles, references, approvals and who may forget and read', () => {
    const shared = join(REPO, '../shared/examples');
    if (!existsSync(shared)) return;
    for (const name of ['subscriptions', 'bank']) {
      const text = readFileSync(join(REPO, 'templates/project', name, `${name}.groundwork.yaml`), 'utf8');
      expect(text.startsWith('# yaml-language-server: $schema=./node_modules/groundwork/schemas/groundwork.schema.json\n')).toBe(true);
      const template = parse(text) as Record<string, unknown>;
      expect(Object.keys(template)).toEqual(expect.arrayContaining(['roles', 'operations']));
      delete template['roles'];
      delete template['operations'];
      expect(withoutReferences(template)).toEqual(parse(readFileSync(join(shared, `${name}.groundwork.yaml`), 'utf8')));
    }
    expect(readFileSync(join(REPO, 'templates/project/subscriptions/subscriptions.groundwork.yaml'), 'utf8')).toContain('references: Subscription');
  });

  it('refuses a folder that is not empty, unless --overwrite', async () => {
    mkdirSync(join(work, 'taken'));
    writeFileSync(join(work, 'taken', 'notes.txt'), 'mine');
    const refused = await create('taken', '-t', 'blank', '--no-install', '--no-git');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('GW9005 taken is not empty');
    expect(existsSync(join(work, 'taken', 'package.json'))).toBe(false);
    expect((await create('taken', '-t', 'blank', '--no-install', '--no-git', '--overwrite')).code).toBe(0);
    expect(readFileSync(join(work, 'taken', 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('never prompts without a terminal: missing input exits 2 naming the flag', async () => {
    const r = await create('somewhere');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('missing --template');
    expect(existsSync(join(work, 'somewhere'))).toBe(false);
  });

  it('initialises git with a first commit', async () => {
    const r = await create('with-git', '-t', 'blank', '--no-install');
    expect(r.code).toBe(0);
    const log = execFileSync('git', ['log', '--oneline'], { cwd: join(work, 'with-git'), encoding: 'utf8' });
    expect(log).toContain('Initial commit from create-groundwork');
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: join(work, 'with-git'), encoding: 'utf8' })).toBe('');
  });
});

describe('create-groundwork, when a step fails', () => {
  it('reports a failed install with its code, the command to rerun, and exit 2', async () => {
    const r = await create('no-bun', '-t', 'blank', '--package-manager', 'bun', '--no-git');
    if (r.code === 0) return; // bun is installed here: nothing to prove
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('GW9007 installing dependencies with bun failed');
    expect(r.stderr).toContain('then run `bun install` in no-bun');
  });
});
