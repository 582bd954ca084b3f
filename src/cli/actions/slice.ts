/**
 * `groundwork gen slice <Aggregate>.<Command>`: adds a command (and its new events) to the spec,
 * keeping the file's comments and layout, validates the result, and generates the slice.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { parse } from 'yaml';
import { evolveHandlerText } from '../../emit/aggregate.js';
import { files } from '../../emit/layout.js';
import { compileProject } from '../../model/project.js';
import { addSlice, parseFields, suggestedEvent, type SliceRequest } from '../../spec/edit.js';
import { addEvolveHandlers } from '../../write/evolve-edit.js';
import { didYouMean } from '../../spec/suggest.js';
import { findSpecFiles, readSources } from '../../spec/sources.js';
import { CliError } from '../../terminal/errors.js';
import type { Io } from '../../terminal/io.js';
import type { Asker } from '../../terminal/prompt.js';
import { listAndWrite, planOrReport } from '../gen-report.js';

export interface SliceFlags {
  readonly input?: string | undefined;
  readonly emits?: string | undefined;
  readonly allow?: string | undefined;
  readonly actors?: string | undefined;
  readonly creates?: boolean | undefined;
  readonly undo?: string | undefined;
  readonly description?: string | undefined;
  readonly dryRun: boolean;
  readonly out: string;
}

function list(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export async function sliceCommand(io: Io, target: string, flags: SliceFlags, ask: Asker | undefined): Promise<number> {
  const match = /^([A-Za-z][A-Za-z0-9]*)\.([A-Za-z][A-Za-z0-9]*)$/.exec(target);
  if (match === null) throw new CliError('GW9001', `"${target}" is not <Aggregate>.<Command>`, { hint: 'for example `groundwork gen slice Task.RenameTask`' });
  const [, aggregate = '', command = ''] = match;
  const sources = readSources(io.cwd, findSpecFiles(io.cwd, []));
  const source = sources.find((s) => {
    const data = parse(s.text) as { aggregates?: Record<string, unknown> } | null;
    return data?.aggregates !== undefined && Object.hasOwn(data.aggregates, aggregate);
  });
  if (source === undefined) {
    const known = sources.flatMap((s) => Object.keys((parse(s.text) as { aggregates?: Record<string, unknown> } | null)?.aggregates ?? {}));
    throw new CliError('GW9009', `no spec declares an aggregate ${aggregate}`, {
      hint: didYouMean(aggregate, known) ?? `declared aggregates: ${known.join(', ') || 'none'}`,
    });
  }

  const answer = async (value: string | undefined, question: string, initial: string, flag: string, required: boolean): Promise<string> => {
    if (value !== undefined) return value;
    if (ask !== undefined) {
      const given = await ask.text({ name: flag, message: question, initial, validate: (v) => (required && v.trim() === '' ? `${flag} is required` : true) });
      if (given === undefined) throw new CliError('GW9006', 'cancelled: nothing was changed', { exitCode: 1 });
      return given;
    }
    if (required) throw new CliError('GW9006', `missing ${flag}: ${question.toLowerCase()}`, { hint: `pass ${flag}, or run in a terminal to be asked` });
    return initial;
  };
  const request: SliceRequest = {
    aggregate,
    command,
    input: parseFields(await answer(flags.input, 'Input fields (name:type, comma-separated; ? marks optional)', '', '--input', false)),
    emits: list(await answer(flags.emits, 'Events it records (new ones are declared too)', suggestedEvent(command), '--emits', false)),
    allow: ((a) => (a === 'public' ? 'public' : list(a)))(await answer(flags.allow, 'Roles allowed to run it (or public)', '', '--allow', true)),
    actors: flags.actors === undefined ? undefined : list(flags.actors),
    creates: flags.creates,
    undo: flags.undo,
    description: flags.description,
  };

  const edit = addSlice(source.text, request);
  if (!edit.ok)
    throw new CliError(edit.reason === 'exists' ? 'GW9008' : 'GW9001', `${source.file}: ${edit.message}`, {
      exitCode: edit.reason === 'exists' ? 1 : 2,
      hint: edit.reason === 'exists' ? 'choose another command name, or edit the existing command in the spec' : 'add the command by hand',
    });
  const plan = planOrReport(io, [], { out: flags.out, force: [] }, 'text', { file: source.file, text: edit.text });
  if (plan === undefined) {
    io.stderr('The spec was not changed.\n');
    return 1;
  }
  io.stdout(createTwoFilesPatch(`a/${source.file}`, `b/${source.file}`, source.text, edit.text, undefined, undefined, { context: 2 }));
  if (!flags.dryRun) writeFileSync(join(io.cwd, source.file), edit.text);
  listAndWrite(io, plan, flags.dryRun);
  if (flags.dryRun) return 0;
  if (edit.newEvents.length > 0) addHandlers(io, plan.root, source.file, edit.text, aggregate, edit.newEvents);
  io.stdout(
    `Added ${aggregate}.${command}${edit.newEvents.length > 0 ? ` and the event${edit.newEvents.length > 1 ? 's' : ''} ${edit.newEvents.join(', ')}` : ''}. Write its rules in the decide file listed above.\n`,
  );
  return 0;
}

/** Gives each new event a day-one handler in the aggregate's evolve.ts, so the slice compiles now. */
function addHandlers(io: Io, root: string, file: string, text: string, aggregateName: string, events: readonly string[]): void {
  const project = compileProject([{ file, text }]).project;
  const context = project?.contexts[0];
  const aggregate = context?.aggregates.find((a) => a.name === aggregateName);
  if (context === undefined || aggregate === undefined) return;
  const path = files.evolve(context, aggregate);
  const result = addEvolveHandlers(
    root,
    path,
    events.map((event) => ({ event, text: evolveHandlerText(context, aggregate, event) })),
  );
  if (result === 'added') io.stdout(`update  ${path}  (added ${events.join(', ')} to evolve)\n`);
  else io.stderr(`${path}: add a handler for ${events.join(', ')} to evolve (the file is not laid out as gen writes it)\n`);
}
