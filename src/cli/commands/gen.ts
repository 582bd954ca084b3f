/** `groundwork gen`'s flags; its code (the emitters, and ts-morph for --deep) is imported when it runs. */
import { chosenFormat, PATHS_ARGUMENT, withFormatOptions, type DiagnosticFormat, type Registration } from '../command.js';
import type { GenOptions } from '../actions/gen.js';
import { slice } from './slice.js';

interface GenFlags {
  readonly out: string;
  readonly dryRun?: boolean;
  readonly diff?: boolean;
  readonly check?: boolean;
  readonly deep?: boolean;
  readonly force: string[];
  readonly format: DiagnosticFormat;
  readonly json?: boolean;
}

export const gen: Registration = (program, context) => {
  const command = withFormatOptions(
    program
      .command('gen')
      .enablePositionalOptions()
      .description('generate the project code from the specs: write only what changed, never overwrite your files')
      .argument(...PATHS_ARGUMENT)
      .option('--out <dir>', 'the project folder to write into', '.')
      .option('--dry-run', 'print what would be created, updated or deleted; write nothing')
      .option('--diff', 'print unified diffs of what would change; write nothing')
      .option('--check', 'exit 1 if the generated code is out of date (for CI); write nothing')
      .option('--deep', 'with --check: also read your files and report exports the wiring cannot find')
      .option('--force <path>', 'overwrite this scaffolded file (repeatable)', (value: string, previous: string[]) => [...previous, value], [] as string[]),
  ).action(async (paths: string[], flags: GenFlags) => {
    const { genCommand } = await import('../actions/gen.js');
    context.exit(await genCommand(context.io, paths, genOptions(flags)));
  });
  slice(command, context);
  return command;
};

function genOptions(flags: GenFlags): GenOptions {
  return {
    out: flags.out,
    dryRun: flags.dryRun === true,
    diff: flags.diff === true,
    check: flags.check === true,
    deep: flags.deep === true,
    force: flags.force,
    format: chosenFormat(flags),
  };
}
