import { compileProject } from '../../model/project.js';
import { countBySeverity } from '../../spec/diagnostics.js';
import { formatGithub, formatJson, formatText, summarize, summaryLine } from '../../spec/format.js';
import { findSpecFiles, readSources } from '../../spec/sources.js';
import { stdoutColors } from '../../terminal/color.js';
import type { Io } from '../../terminal/io.js';
import { chosenFormat, PATHS_ARGUMENT, withFormatOptions, type DiagnosticFormat, type Registration } from '../command.js';

export interface ValidateOptions {
  readonly format: DiagnosticFormat;
  readonly strict: boolean;
}

export const validate: Registration = (program, { io, exit }) =>
  withFormatOptions(
    program
      .command('validate')
      .description('check spec files: every finding, sorted by file and position')
      .argument(...PATHS_ARGUMENT),
  )
    .option('--strict', 'fail on warnings too')
    .action((paths: string[], opts: { format: DiagnosticFormat; json?: boolean; strict?: boolean }) => {
      exit(validateCommand(io, paths, { format: chosenFormat(opts), strict: opts.strict === true }));
    });

/** `groundwork validate`: exit 0 when valid, 1 on findings (warnings count with --strict). */
export function validateCommand(io: Io, paths: readonly string[], options: ValidateOptions): number {
  const sources = readSources(io.cwd, findSpecFiles(io.cwd, paths));
  const { diagnostics } = compileProject(sources);
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
      if (failed) io.stderr(nextStep(errors, warnings, options.strict));
    }
  }
  return failed ? 1 : 0;
}

function nextStep(errors: number, warnings: number, strict: boolean): string {
  if (errors > 0) return 'Fix the errors above and run `groundwork validate` again.\n';
  return strict && warnings > 0 ? 'Warnings fail the check under --strict: fix them, or drop --strict.\n' : '';
}
