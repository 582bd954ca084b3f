/** `groundwork bench`'s flags; its code is imported when it runs. */
import { CliError } from '../../terminal/errors.js';
import type { Registration } from '../command.js';

interface BenchFlags {
  readonly fixture?: string;
  readonly quick?: boolean;
  readonly filter?: string;
  readonly json?: string;
  readonly compare?: string;
  readonly threshold: string;
  readonly store: string;
}

export const bench: Registration = (program, { io, exit }) =>
  program
    .command('bench')
    .description('measure the generated code beside its baselines (in a built project, or --fixture bank)')
    .option('--fixture <template>', 'benchmark a freshly scaffolded template (bank) instead of the current project')
    .option('--quick', 'tiny sizes: a smoke test, not a measurement')
    .option('--filter <pattern>', 'only the suites whose name matches (replay, load, commands, group, trust, generator, surface)')
    .option('--json <file>', 'write the results and the environment as JSON')
    .option('--compare <file>', 'compare with an earlier --json run; exit 1 on a regression')
    .option('--threshold <percent>', 'how much worse counts as a regression', '20')
    .option(
      '--store <kind>',
      'sqlite (the embedded suites), postgres (the shared-store suite, against GROUNDWORK_DATABASE_URL) or bus (commands through RabbitMQ at GROUNDWORK_BUS_URL to worker processes)',
      'sqlite',
    )
    .action(async (opts: BenchFlags) => {
      const threshold = percentage(opts.threshold);
      if (opts.store !== 'sqlite' && opts.store !== 'postgres' && opts.store !== 'bus')
        throw new CliError('GW9001', `--store ${opts.store} is not a store the bench knows`, { hint: 'use --store sqlite, --store postgres or --store bus' });
      const store = opts.store;
      const { benchCommand } = await import('../actions/bench.js');
      exit(
        benchCommand(io, { fixture: opts.fixture, quick: opts.quick === true, filter: opts.filter, json: opts.json, compare: opts.compare, threshold, store }),
      );
    });

function percentage(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new CliError('GW9001', `--threshold ${text} is not a percentage`, { hint: 'for example --threshold 20' });
  return value;
}
