import { describe, expect, it } from 'vitest';
import { canPrompt, isCi } from '../../src/terminal/ci.js';
import type { Io } from '../../src/terminal/io.js';

function io(env: NodeJS.ProcessEnv, stdoutIsTTY = true): Io {
  return { cwd: '/', env, stdoutIsTTY, stderrIsTTY: stdoutIsTTY, stdout: () => undefined, stderr: () => undefined };
}

describe('isCi', () => {
  it.each([undefined, '', '0', 'false'])('CI=%j is not CI', (value) => {
    expect(isCi(value === undefined ? {} : { CI: value })).toBe(false);
  });

  it.each(['true', '1', 'yes', 'woodpecker'])('CI=%j is CI', (value) => {
    expect(isCi({ CI: value })).toBe(true);
  });
});

describe('canPrompt', () => {
  it('asks only with a terminal on both ends outside CI', () => {
    expect(canPrompt(io({}), true)).toBe(true);
    expect(canPrompt(io({ CI: '0' }), true)).toBe(true);
    expect(canPrompt(io({ CI: 'true' }), true)).toBe(false);
    expect(canPrompt(io({}), false)).toBe(false);
    expect(canPrompt(io({}, false), true)).toBe(false);
  });
});
