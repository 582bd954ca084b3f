/**
 * Checkpoint sinks: the default append-only JSON-lines file beside the database, fsynced on each
 * append, and an in-memory one for tests and `:memory:` databases.
 */
import { closeSync, createReadStream, existsSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Checkpoint } from '../../core/checkpoint.js';
import type { CheckpointSink } from '../../ports/checkpoint-sink.js';

export class FileCheckpointSink implements CheckpointSink {
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  async append(checkpoint: Checkpoint): Promise<void> {
    const fd = openSync(this.path, 'a');
    try {
      writeSync(fd, `${JSON.stringify(checkpoint)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  async *read(): AsyncIterable<Checkpoint> {
    if (!existsSync(this.path)) return;
    const lines = createInterface({ input: createReadStream(this.path, 'utf8'), crlfDelay: Infinity });
    for await (const line of lines) {
      if (line.trim() !== '') yield JSON.parse(line) as Checkpoint;
    }
  }
}

export class MemoryCheckpointSink implements CheckpointSink {
  readonly #lines: string[] = [];

  async append(checkpoint: Checkpoint): Promise<void> {
    this.#lines.push(JSON.stringify(checkpoint));
  }

  async *read(): AsyncIterable<Checkpoint> {
    for (const line of this.#lines) yield JSON.parse(line) as Checkpoint;
  }
}
