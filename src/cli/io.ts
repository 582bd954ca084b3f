// Kept for src/demo/run.ts, src/bench/suites.ts and test/gen, which are edited elsewhere; new code imports ../terminal/io.js.
export { processIo, type Io } from '../terminal/io.js';
