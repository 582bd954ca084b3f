import { isBreakingChange } from '../../model/compat/breaking.js';
import { compileProject } from '../../model/project.js';
import type { SpecFile } from '../../model/rules/shared.js';
import { countBySeverity } from '../../spec/diagnostics.js';
import { formatGithub, formatJson, formatText, summarize, summaryLine } from '../../spec/format.js';
import { readOlderSpecs } from '../../spec/older.js';
import { findSpecFiles, readSources } from '../../spec/sources.js';
import { CliError } from '../../terminal/errors.js';
import { stdoutColors } from '../../terminal/color.js';
import type { Io } from '../../terminal/io.js';
import { chosenFormat, PATHS_ARGUMENT, withFormatOptions, type DiagnosticFormat, type Registration } from '../command.js';

export interface ValidateOptions {
  readonly format: DiagnosticFormat;
  readonly strict: boolean;
  /** Older spec files or folders, or one git revision: report the breaking changes since. */
  readonly against?: readonly string[];
}

export const validate: Registration = (program, { io, exit }) =>
  withFormatOptions(
    program
      .command('validate')
      .description('check spec files: every finding, sorted by file and position')
      .argument(...PATHS_ARGUMENT),
  )
    .option('--strict', 'fail on warnings too')
    .option('--against <older>', 'also report breaking changes since older spec files, a folder, or a git revision (repeatable)', collect, [])
    .action((paths: string[], opts: { format: DiagnosticFormat; json?: boolean; strict?: boolean; against: string[] }) => {
      exit(validateCommand(io, paths, { format: chosenFormat(opts), strict: opts.strict === true, against: opts.against }));
    });

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `groundwork validate`: exit 0 when valid, 1 on findings (warnings count with --strict). */
export function validateCommand(io: Io, paths: readonly string[], options: ValidateOptions): number {
  const sources = readSources(io.cwd, findSpecFiles(io.cwd, paths));
  const against = options.against ?? [];
  const { diagnostics } = compileProject(sources, against.length === 0 ? {} : { against: olderSpecs(io, against) });
  const { errors, warnings } = countBySeverity(diagnostics);
  const failed = errors > 0 || (options.strict && warnings > 0);
  const files = sources.map((s) => s.file);

  switch (options.format) {
    case 'json':
      io.stdout(formatJson(diagnostics, files, !failed));
      break;
    case 'github':
      io.stdout(formatGithub(diagnostics));
      break;
    case 'text': {
      const colors = stdoutColors(io);
      const text = new Map(sources.map((s) => [s.file, s.text]));
      if (diagnostics.length > 0) io.stdout(`${formatText(diagnostics, text, colors)}\n`);
      io.stdout(`${summaryLine(summarize(diagnostics, files.length), colors)}\n`);
      if (failed)
        io.stderr(
          nextStep(
            errors,
            warnings,
            options.strict,
            diagnostics.some((d) => isBreakingChange(d.code)),
          ),
        );
    }
  }
  return failed ? 1 : 0;
}

/** The older specs, which must validate themselves. */
function olderSpecs(io: Io, against: readonly string[]): readonly SpecFile[] {
  const { diagnostics, specs } = compileProject(readOlderSpecs(io.cwd, against));
  const { errors } = countBySeverity(diagnostics);
  if (errors > 0) {
    const first = diagnostics.find((d) => d.severity === 'error')!;
    throw new CliError(
      'GW9002',
      `the older specs (${against.join(', ')}) do not validate: ${errors} error${errors === 1 ? '' : 's'}, first ${first.file}:${first.line}:${first.column} ${first.code}`,
      {
        hint: 'compare with specs that validate, such as the last released revision',
      },
    );
  }
  return specs;
}

function nextStep(errors: number, warnings: number, strict: boolean, breaking: boolean): string {
  if (breaking) return 'Make each change with a new version (the old shape under `previous`), or undo it; then run `groundwork validate --against` again.\n';
  if (errors > 0) return 'Fix the errors above and run `groundwork validate` again.\n';
  return strict && warnings > 0 ? 'Warnings fail the check under --strict: fix them, or drop --strict.\n' : '';
}
