/**
 * Where signed checkpoints are also kept, out of the database writer's reach: comparing it with
 * the database shows a rollback to an old copy or a truncation of covered rows.
 */
import type { Checkpoint } from '../core/checkpoint.js';

export interface SinkState {
  /** Whether the sink exists at all (a deleted sink is not an empty one). */
  readonly present: boolean;
  /** The last line was cut short (a crash or a full disk during an append); the next append heals it. */
  readonly tornTail: boolean;
  /** Complete lines that do not read as a checkpoint: the sink was damaged. */
  readonly unreadable: number;
}

export interface CheckpointSink {
  /** Appends durably; a torn last line left by an earlier crash is cut off first. */
  append(checkpoint: Checkpoint): Promise<void>;
  /** Every readable checkpoint in the sink, oldest first, read as a stream in constant memory. */
  read(): AsyncIterable<Checkpoint>;
  state(): Promise<SinkState>;
}
