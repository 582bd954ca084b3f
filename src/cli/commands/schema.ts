/** `groundwork schema`'s flags; its code is imported when it runs. */
import type { Registration } from '../command.js';

export const schema: Registration = (program, { io, exit }) =>
  program
    .command('schema')
    .description('print the JSON Schema of the spec format, or write it with --out')
    .option('--out <file>', 'write the schema to this file')
    .action(async (opts: { out?: string }) => {
      const { schemaCommand } = await import('../actions/schema.js');
      exit(schemaCommand(io, opts.out === undefined ? {} : { out: opts.out }));
    });
