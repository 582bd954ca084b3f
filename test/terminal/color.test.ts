import { describe, expect, it } from 'vitest';
import { colorEnabled, createColors } from '../../src/terminal/color.js';

describe('colorEnabled', () => {
  it('follows the TTY when nothing is set', () => {
    expect(colorEnabled({}, true)).toBe(true);
    expect(colorEnabled({}, false)).toBe(false);
  });

  it('FORCE_COLOR turns colour on, even through a pipe and over NO_COLOR', () => {
    expect(colorEnabled({ FORCE_COLOR: '1' }, false)).toBe(true);
    expect(colorEnabled({ FORCE_COLOR: '1', NO_COLOR: '1' }, false)).toBe(true);
  });

  it('FORCE_COLOR=0 or false, NO_COLOR and TERM=dumb turn it off on a terminal', () => {
    expect(colorEnabled({ FORCE_COLOR: '0' }, true)).toBe(false);
    expect(colorEnabled({ FORCE_COLOR: 'false' }, true)).toBe(false);
    expect(colorEnabled({ NO_COLOR: '1' }, true)).toBe(false);
    expect(colorEnabled({ TERM: 'dumb' }, true)).toBe(false);
  });

  it('an empty NO_COLOR or FORCE_COLOR counts as unset', () => {
    expect(colorEnabled({ NO_COLOR: '' }, true)).toBe(true);
    expect(colorEnabled({ FORCE_COLOR: '' }, false)).toBe(false);
  });
});

describe('createColors', () => {
  it('writes the basic ANSI codes when enabled', () => {
    const c = createColors(true);
    expect(c.enabled).toBe(true);
    expect(c.red('x')).toBe('\u001b[31mx\u001b[39m');
    expect(c.yellow('x')).toBe('\u001b[33mx\u001b[39m');
    expect(c.cyan('x')).toBe('\u001b[36mx\u001b[39m');
    expect(c.green('x')).toBe('\u001b[32mx\u001b[39m');
    expect(c.dim('x')).toBe('\u001b[2mx\u001b[22m');
    expect(c.bold('x')).toBe('\u001b[1mx\u001b[22m');
  });

  it('returns the text untouched when disabled, whatever chalk detects', () => {
    const c = createColors(false);
    expect(c.enabled).toBe(false);
    for (const paint of [c.red, c.yellow, c.cyan, c.green, c.dim, c.bold]) expect(paint('x')).toBe('x');
  });
});
