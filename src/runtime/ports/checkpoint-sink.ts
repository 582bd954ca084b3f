/**
 * Where signed checkpoints are also kept, out of the database writer's reach: comparing it with
 * the database shows a rollback to an old copy or a truncation of covered rows.
 */
import type { Checkpoint } from '../core/checkpoint.js';

export interface CheckpointSink {
  append(checkpoint: Checkpoint): Promise<void>;
  /** Every checkpoint in the sink, oldest first, read as a stream. */
  read(): AsyncIterable<Checkpoint>;
}
