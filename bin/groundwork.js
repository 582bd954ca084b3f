#!/usr/bin/env node
import { runAsBin } from '../dist/terminal/bin.js';
import { run } from '../dist/cli/main.js';

await runAsBin((argv) => run(argv));
