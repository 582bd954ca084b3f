import { canPrompt } from '../../terminal/ci.js';
import type { Registration } from '../command.js';

interface SliceOptions {
  readonly input?: string;
  readonly emits?: string;
  readonly allow?: string;
  readonly actors?: string;
  readonly creates?: boolean;
  readonly undo?: string;
  readonly description?: string;
  readonly out: string;
  readonly dryRun?: boolean;
  readonly interactive: boolean;
}

/** `groundwork gen slice`, registered under `gen`; its code (ts-morph, prompts) loads only when it runs. */
export const slice: Registration = (gen, { io, stdinIsTTY, exit }) =>
  gen
    .command('slice')
    .description('add a command (and its new events) to the spec, keeping its comments, and generate its slice')
    .argument('<target>', 'Aggregate.Command, for example Task.RenameTask')
    .option('--input <fields>', 'input fields: name:type, comma-separated; end a type with ? for optional (reason:string?)')
    .option('--emits <events>', 'the events it records, comma-separated; new ones are declared with the input fields')
    .option('--allow <roles>', 'the roles that may run it, comma-separated, or public')
    .option('--actors <kinds>', 'human, agent, service, job (default all)')
    .option('--creates', 'the command starts a new aggregate')
    .option('--undo <command>', 'the command that undoes this one')
    .option('--description <text>', 'what the command does, for people')
    .option('--out <dir>', 'the project folder to write into', '.')
    .option('--dry-run', 'show the spec change and the plan; write nothing')
    .option('--no-interactive', 'never ask: fail, naming the flag, when something is missing')
    .action(async (target: string, opts: SliceOptions) => {
      const { sliceCommand } = await import('../actions/slice.js');
      const ask = opts.interactive && canPrompt(io, stdinIsTTY) ? (await import('../../terminal/prompt.js')).terminalAsker : undefined;
      exit(await sliceCommand(io, target, { ...opts, dryRun: opts.dryRun === true }, ask));
    });
