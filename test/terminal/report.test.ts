import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/terminal/errors.js';
import type { Io } from '../../src/terminal/io.js';
import { reportFailure } from '../../src/terminal/report.js';

function capture(): { io: Io; stderr: () => string } {
  let stderr = '';
  const io: Io = { cwd: '/', env: {}, stdoutIsTTY: false, stderrIsTTY: false, stdout: () => undefined, stderr: (t) => void (stderr += t) };
  return { io, stderr: () => stderr };
}

describe('reportFailure', () => {
  it('help and version are not failures', () => {
    const { io, stderr } = capture();
    expect(reportFailure(new CommanderError(0, 'commander.helpDisplayed', ''), io, 'groundwork')).toBe(0);
    expect(reportFailure(new CommanderError(0, 'commander.version', '1.0.0'), io, 'groundwork')).toBe(0);
    expect(stderr()).toBe('');
  });

  it('a usage error exits 2 and points at --help of the program that ran', () => {
    const { io, stderr } = capture();
    expect(reportFailure(new CommanderError(1, 'commander.unknownOption', 'unknown option'), io, 'create-groundwork')).toBe(2);
    expect(stderr()).toBe('GW9001 run `create-groundwork --help` for usage\n');
  });

  it('a CliError is one line with its code and hint, and its own exit code', () => {
    const { io, stderr } = capture();
    expect(reportFailure(new CliError('GW9006', 'cancelled', { exitCode: 1, hint: 'try again' }), io, 'groundwork')).toBe(1);
    expect(stderr()).toBe('error GW9006 cancelled\n  hint: try again\n');
  });

  it('anything else is a bug: exit 2 with the stack', () => {
    const { io, stderr } = capture();
    expect(reportFailure(new Error('boom'), io, 'groundwork')).toBe(2);
    expect(stderr()).toMatch(/^error GW9999 internal error: this is a bug in groundwork\nError: boom\n {4}at /);
  });
});
