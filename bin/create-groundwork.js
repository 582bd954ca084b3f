#!/usr/bin/env node
import { runAsBin } from '../dist/terminal/bin.js';
import { runCreate } from '../dist/create/main.js';

await runAsBin((argv) => runCreate(argv));
