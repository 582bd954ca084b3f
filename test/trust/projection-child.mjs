// A process that opens the app on a shared database, so its projection catches up beside another process's.
import { openApp } from '../../dist/runtime/index.js';

const [, , path] = process.argv;
const tally = {
  name: 'Tally',
  pii: false,
  table: 'tally',
  key: 'streamId',
  columns: [{ name: 'applied', kind: 'integer' }],
  handles: ['Counted'],
  async apply(event, rows) {
    const row = await rows.get(event.streamId);
    await rows.merge(event.streamId, { applied: (row?.applied ?? 0) + 1 });
  },
};
const app = await openApp({ commands: {}, aggregates: {}, projections: [tally] }, { path, env: {} });
await app.projections.catchUp();
await app.close();
process.stdout.write('done\n');
