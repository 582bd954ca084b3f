#!/usr/bin/env node
import { run } from '../dist/cli/main.js';

process.on('SIGINT', () => process.exit(130));
process.stdout.on('error', (error) => {
  // Piped into `head`: stop quietly when the reader goes away.
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
process.exitCode = await run(process.argv.slice(2));
