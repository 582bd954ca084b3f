#!/usr/bin/env node
import { runCreate } from '../dist/create/main.js';

process.on('SIGINT', () => process.exit(130));
process.exitCode = await runCreate(process.argv.slice(2));
