/** Writing a new project: files, generated code, dependencies, git, and what to do next. */
import { execa } from 'execa';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { Colors } from '../terminal/color.js';
import { CliError } from '../terminal/errors.js';
import { InvalidSpecsError, planGen, writePlan, type GenPlan } from '../write/gen-plan.js';
import { projectFiles, runCommand } from './files.js';
import type { CreateOptions } from './options.js';

export interface ScaffoldIo {
  readonly cwd: string;
  readonly colors: Colors;
  stdout(text: string): void;
  stderr(text: string): void;
}

export async function scaffold(options: CreateOptions, io: ScaffoldIo): Promise<void> {
  const { dir } = options;
  const rel = relative(io.cwd, dir);
  const shown = rel === '' ? '.' : rel.startsWith('..') ? dir : rel;
  if (existsSync(dir) && readdirSync(dir).length > 0 && !options.overwrite) {
    throw new CliError('GW9005', `${shown} is not empty`, { hint: 'choose a new folder, or pass --overwrite to write into it anyway' });
  }
  const c = io.colors;
  io.stdout(`\nCreating ${c.bold(options.name)} (${options.template}) in ${shown}\n`);
  for (const file of projectFiles(options)) {
    const target = join(dir, file.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.content);
  }
  const generated = generate(dir);
  io.stdout(`  ${c.green('✓')} wrote the project and generated ${generated} files\n`);
  if (options.install) await step(io, `installing dependencies with ${options.packageManager}`, options.packageManager, ['install'], dir);
  if (options.git) await initGit(io, dir);
  io.stdout(nextSteps(options, shown, c));
}

/** `groundwork gen`, in process: the project does not need its dependencies for this. */
function generate(dir: string): number {
  const plan = planTemplate(dir);
  writePlan(plan);
  return plan.changes.filter((ch) => ch.action === 'create').length;
}

function planTemplate(dir: string): GenPlan {
  try {
    return planGen({ cwd: dir }, [], { out: '.', force: [] });
  } catch (error) {
    if (error instanceof InvalidSpecsError) throw new Error('the template spec does not validate: this is a bug in create-groundwork', { cause: error });
    throw error;
  }
}

async function step(io: ScaffoldIo, label: string, command: string, args: readonly string[], cwd: string): Promise<void> {
  io.stdout(`  ${label}…\n`);
  try {
    await execa(command, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'], env: { npm_config_fund: 'false', npm_config_audit: 'false' } });
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new CliError('GW9007', `${label} failed: ${reason}`, {
      hint: `fix the problem above, then run \`${command} ${args.join(' ')}\` in ${relative(io.cwd, cwd) || '.'}`,
    });
  }
  io.stdout(`  ${io.colors.green('✓')} ${label}\n`);
}

async function initGit(io: ScaffoldIo, dir: string): Promise<void> {
  try {
    await execa('git', ['--version']);
  } catch {
    io.stderr('  git was not found: skipping the repository (install git, then run `git init`)\n');
    return;
  }
  const identity = ['-c', 'user.name=create-groundwork', '-c', 'user.email=create-groundwork@localhost'];
  const hasIdentity = await execa('git', ['config', 'user.email'], { cwd: dir, reject: false });
  await execa('git', ['init', '-q'], { cwd: dir });
  await execa('git', ['add', '-A'], { cwd: dir });
  await execa('git', [...(hasIdentity.exitCode === 0 ? [] : identity), 'commit', '-q', '-m', 'Initial commit from create-groundwork'], { cwd: dir });
  io.stdout(`  ${io.colors.green('✓')} initialised a git repository with a first commit\n`);
}

function nextSteps(options: CreateOptions, shown: string, c: Colors): string {
  const run = runCommand(options.packageManager);
  const lines = ['', c.bold('Next steps:'), `  cd ${shown}`];
  if (!options.install) lines.push(`  ${options.packageManager} install`);
  lines.push(`  ${run} test        ${c.dim('# build and run the example tests')}`);
  if (options.template === 'subscriptions') lines.push(`  ${run} dispute     ${c.dim('# the story: an AI agent acts for a customer, who disputes it')}`);
  lines.push(`  edit ${options.template === 'blank' ? 'app' : options.template}.groundwork.yaml, then ${run} gen`, '');
  return `${lines.join('\n')}\n`;
}
