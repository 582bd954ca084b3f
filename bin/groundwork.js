#!/usr/bin/env node
import { run } from '../dist/cli/main.js';

process.on('SIGINT', () => process.exit(130));
process.exitCode = await run(process.argv.slice(2));
