/**
 * Checkpoint sinks: the default append-only JSON-lines file beside the database, fsynced on each
 * append, and an in-memory one for tests and `:memory:` databases.
 */
import { closeSync, createReadStream, existsSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Checkpoint } from '../../core/checkpoint.js';
import type { CheckpointSink, SinkState } from '../../ports/checkpoint-sink.js';

const TAIL = 64 * 1024;

function parse(line: string): Checkpoint | undefined {
  try {
    const value = JSON.parse(line) as Checkpoint;
    return typeof value === 'object' && value !== null && typeof value.seq === 'number' && typeof value.hash === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

export class FileCheckpointSink implements CheckpointSink {
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  async append(checkpoint: Checkpoint): Promise<void> {
    const fd = openSync(this.path, 'a+');
    try {
      cutTornTail(fd);
      writeSync(fd, `${JSON.stringify(checkpoint)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  async *read(): AsyncIterable<Checkpoint> {
    for await (const { checkpoint } of this.#lines()) if (checkpoint !== undefined) yield checkpoint;
  }

  async state(): Promise<SinkState> {
    if (!existsSync(this.path)) return { present: false, tornTail: false, unreadable: 0 };
    let unreadable = 0;
    let tornTail = false;
    for await (const line of this.#lines()) {
      if (line.checkpoint !== undefined) continue;
      if (line.last && !line.terminated) tornTail = true;
      else unreadable++;
    }
    return { present: true, tornTail, unreadable };
  }

  async *#lines(): AsyncIterable<{ readonly checkpoint: Checkpoint | undefined; readonly last: boolean; readonly terminated: boolean }> {
    if (!existsSync(this.path)) return;
    const terminated = endsWithNewline(this.path);
    let previous: string | undefined;
    for await (const line of createInterface({ input: createReadStream(this.path, 'utf8'), crlfDelay: Infinity })) {
      if (previous !== undefined && previous.trim() !== '') yield { checkpoint: parse(previous), last: false, terminated: true };
      previous = line;
    }
    if (previous !== undefined && previous.trim() !== '') yield { checkpoint: parse(previous), last: true, terminated };
  }
}

function endsWithNewline(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return true;
    const byte = Buffer.alloc(1);
    readSync(fd, byte, 0, 1, size - 1);
    return byte[0] === 0x0a;
  } finally {
    closeSync(fd);
  }
}

/**
 * A last line without its newline: a complete checkpoint gets its newline, a torn one is cut back
 * to the end of the line before it.
 */
function cutTornTail(fd: number): void {
  const size = fstatSync(fd).size;
  if (size === 0) return;
  const start = Math.max(0, size - TAIL);
  const tail = Buffer.alloc(size - start);
  readSync(fd, tail, 0, tail.length, start);
  if (tail[tail.length - 1] === 0x0a) return;
  const lastNewline = tail.lastIndexOf(0x0a);
  if (parse(tail.subarray(lastNewline + 1).toString('utf8')) !== undefined) writeSync(fd, '\n');
  else ftruncateSync(fd, lastNewline < 0 ? start : start + lastNewline + 1);
}

export class MemoryCheckpointSink implements CheckpointSink {
  readonly #lines: string[] = [];

  async append(checkpoint: Checkpoint): Promise<void> {
    this.#lines.push(JSON.stringify(checkpoint));
  }

  async *read(): AsyncIterable<Checkpoint> {
    for (const line of this.#lines) yield JSON.parse(line) as Checkpoint;
  }

  async state(): Promise<SinkState> {
    return { present: true, tornTail: false, unreadable: 0 };
  }
}
