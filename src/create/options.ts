/** What create-groundwork needs to know, from flags, prompts or defaults. Pure apart from `ask`. */
import { basename, resolve } from 'node:path';
import { CliError } from '../terminal/errors.js';
import type { Asker } from '../terminal/prompt.js';

export const TEMPLATES = ['blank', 'subscriptions', 'bank'] as const;
export type Template = (typeof TEMPLATES)[number];
export const PACKAGE_MANAGERS = ['npm', 'pnpm', 'yarn', 'bun'] as const;
export type PackageManager = (typeof PACKAGE_MANAGERS)[number];

export interface CreateOptions {
  readonly dir: string;
  readonly name: string;
  readonly template: Template;
  readonly packageManager: PackageManager;
  readonly git: boolean;
  readonly install: boolean;
  readonly overwrite: boolean;
  /** The version spec the project's package.json uses for groundwork. */
  readonly groundworkSpec: string;
}

export interface CreateFlags {
  readonly dir?: string | undefined;
  readonly name?: string | undefined;
  readonly template?: string | undefined;
  readonly packageManager?: string | undefined;
  readonly git?: boolean | undefined;
  readonly install?: boolean | undefined;
  readonly yes?: boolean | undefined;
  readonly overwrite?: boolean | undefined;
  readonly groundwork?: string | undefined;
}

export class CancelledError extends Error {}

/** The package manager that ran us, from npm_config_user_agent (`pnpm/9.1.0 npm/? node/v20…`). */
export function detectPackageManager(userAgent: string | undefined): PackageManager {
  const name = userAgent?.split(' ')[0]?.split('/')[0];
  return (PACKAGE_MANAGERS as readonly string[]).includes(name ?? '') ? (name as PackageManager) : 'npm';
}

/** npm's rules for a package name, with the reason when it breaks one. */
export function packageNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'the name is empty';
  if (name.length > 214) return 'the name is longer than 214 characters';
  if (name !== name.toLowerCase()) return 'the name must be lower-case';
  if (!/^(?:@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/.test(name)) return 'use lower-case letters, digits, and - . _ ~ only';
  return undefined;
}

export function toPackageName(text: string): string {
  return (
    text
      .trim()
      .toLowerCase()
      .replace(/[^a-z0-9-._~]+/g, '-')
      .replace(/^[-._]+|[-]+$/g, '') || 'groundwork-app'
  );
}

const TEMPLATE_CHOICES = [
  { title: 'blank', value: 'blank' as const, description: 'a to-do list: one aggregate, one projection' },
  { title: 'subscriptions', value: 'subscriptions' as const, description: 'an AI support agent acting for customers, and the dispute story' },
  { title: 'bank', value: 'bank' as const, description: 'current accounts: no overdraft, long streams, snapshots' },
];

function missing(flag: string, what: string): CliError {
  return new CliError('GW9006', `missing ${flag}: ${what}`, { hint: `pass ${flag}, or --yes to accept the defaults, or run in a terminal to be asked` });
}

function invalid(flag: string, value: string, allowed: readonly string[]): CliError {
  return new CliError('GW9001', `${flag} ${JSON.stringify(value)} is not one of ${allowed.join(', ')}`, { hint: `use ${flag} ${allowed[0]}` });
}

function answered<T>(answer: T | undefined): T {
  if (answer === undefined) throw new CancelledError('cancelled');
  return answer;
}

export async function resolveOptions(
  flags: CreateFlags,
  context: { cwd: string; interactive: boolean; userAgent: string | undefined; ask: Asker; version: string },
): Promise<CreateOptions> {
  const { interactive, ask } = context;
  const defaults = flags.yes === true;

  if (flags.template !== undefined && !(TEMPLATES as readonly string[]).includes(flags.template)) throw invalid('--template', flags.template, TEMPLATES);
  if (flags.packageManager !== undefined && !(PACKAGE_MANAGERS as readonly string[]).includes(flags.packageManager))
    throw invalid('--package-manager', flags.packageManager, PACKAGE_MANAGERS);
  if (flags.name !== undefined) {
    const problem = packageNameProblem(flags.name);
    if (problem !== undefined)
      throw new CliError('GW9001', `--name ${JSON.stringify(flags.name)}: ${problem}`, { hint: `for example --name ${toPackageName(flags.name)}` });
  }

  let dir = flags.dir;
  let name = flags.name;
  if (dir === undefined && name === undefined) {
    if (interactive && !defaults) {
      name = answered(await ask.text({ name: 'name', message: 'Project name', initial: 'groundwork-app', validate: (v) => packageNameProblem(v) ?? true }));
    } else if (defaults) name = 'groundwork-app';
    else throw missing('[dir]', 'the folder to create the project in');
  }
  dir ??= name!;
  name ??= toPackageName(basename(resolve(context.cwd, dir)));
  if (packageNameProblem(name) !== undefined) name = toPackageName(name);

  const template: Template =
    (flags.template as Template | undefined) ??
    (defaults
      ? 'blank'
      : interactive
        ? answered(await ask.select<Template>({ name: 'template', message: 'Template', choices: TEMPLATE_CHOICES, initial: 0 }))
        : (() => {
            throw missing('--template', `one of ${TEMPLATES.join(', ')}`);
          })());
  const detected = detectPackageManager(context.userAgent);
  const packageManager: PackageManager =
    (flags.packageManager as PackageManager | undefined) ??
    (interactive && !defaults
      ? answered(
          await ask.select<PackageManager>({
            name: 'packageManager',
            message: 'Package manager',
            choices: PACKAGE_MANAGERS.map((p) => ({ title: p, value: p })),
            initial: PACKAGE_MANAGERS.indexOf(detected),
          }),
        )
      : detected);
  const git =
    flags.git ?? (interactive && !defaults ? answered(await ask.toggle({ name: 'git', message: 'Initialise a git repository?', initial: true })) : true);
  const install =
    flags.install ??
    (interactive && !defaults ? answered(await ask.toggle({ name: 'install', message: `Install dependencies with ${packageManager}?`, initial: true })) : true);
  return {
    dir: resolve(context.cwd, dir),
    name,
    template,
    packageManager,
    git,
    install,
    overwrite: flags.overwrite === true,
    groundworkSpec: flags.groundwork ?? `^${context.version}`,
  };
}
