/** Generated projects in temporary folders, for tests: gen through the CLI, then tsc. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../src/cli/main.js';
import type { Io } from '../../src/terminal/io.js';

export const REPO = join(import.meta.dirname, '../..');
const TSC = join(REPO, 'node_modules/typescript/bin/tsc');

export const PROJECT_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2023'],
    types: ['node'],
    strict: true,
    noUncheckedIndexedAccess: true,
    noImplicitOverride: true,
    verbatimModuleSyntax: true,
    isolatedModules: true,
    skipLibCheck: true,
    outDir: 'dist',
    rootDir: 'src',
  },
  include: ['src'],
};

export interface TempProject {
  readonly dir: string;
  gen(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  read(path: string): string;
  write(path: string, text: string): void;
  /** Runs tsc; returns its output (empty when clean). */
  tsc(emit?: boolean): string;
  remove(): void;
}

export function fixture(name: string): string {
  return readFileSync(join(REPO, 'fixtures/examples', `${name}.groundwork.yaml`), 'utf8');
}

export function tempProject(specs: Record<string, string>): TempProject {
  const dir = mkdtempSync(join(tmpdir(), 'gw-project-'));
  for (const [file, text] of Object.entries(specs)) writeFileSync(join(dir, file), text);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'generated', private: true, type: 'module' }));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(PROJECT_TSCONFIG, null, 2));
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return {
    dir,
    async gen(...args) {
      let stdout = '';
      let stderr = '';
      const io: Io = {
        cwd: dir,
        env: { NO_COLOR: '1' },
        stdoutIsTTY: false,
        stderrIsTTY: false,
        stdout: (t) => void (stdout += t),
        stderr: (t) => void (stderr += t),
      };
      const code = await run(['gen', ...args], io);
      return { code, stdout, stderr };
    },
    read: (path) => readFileSync(join(dir, path), 'utf8'),
    write: (path, text) => writeFileSync(join(dir, path), text),
    tsc(emit = false) {
      try {
        execFileSync(process.execPath, [TSC, '-p', dir, ...(emit ? [] : ['--noEmit'])], { encoding: 'utf8', stdio: 'pipe' });
        return '';
      } catch (error) {
        const e = error as { stdout?: string; stderr?: string };
        return `${e.stdout ?? ''}${e.stderr ?? ''}` || String(error);
      }
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export const MEMBER_STEPS = 'src/library/member/upcast/member-registered.ts';
export const BOOK_STEPS = 'src/library/loan/upcast/book-lent.ts';
export const LOAN_DAYS = 21;

/** What a user writes in the scaffolded steps of the membership example. */
export function writeMembershipUpcasters(project: TempProject): void {
  project.write(
    MEMBER_STEPS,
    project
      .read(MEMBER_STEPS)
      .replace(
        'return { email: data.email };',
        "return { displayName: typeof data.fullName === 'string' ? (data.fullName.split(' ')[0] ?? '') : '', legalName: data.fullName, email: data.email };",
      ),
  );
  project.write(
    BOOK_STEPS,
    project
      .read(BOOK_STEPS)
      .replace('return { memberId: data.memberId };', 'return { memberId: data.memberId, isbn: data.bookId };')
      .replace('fromV2(data) {', 'fromV2(data, context) {')
      .replace(
        'return { memberId: data.memberId, isbn: data.isbn };',
        `const due = new Date(Date.parse(context.recordedAt) + ${LOAN_DAYS} * 86_400_000);\n    return { memberId: data.memberId, isbn: data.isbn, dueOn: due.toISOString().slice(0, 10) };`,
      ),
  );
}
