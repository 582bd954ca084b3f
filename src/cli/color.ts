// Kept for src/demo/run.ts, which is edited elsewhere; new code imports ../terminal/color.js.
export { colorEnabled, createColors, type Colors } from '../terminal/color.js';
