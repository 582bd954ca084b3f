/**
 * Taking signed checkpoints: every N events or T seconds, the heads of every bucket are read and
 * signed in one transaction of the store, then the checkpoint is appended to the external sink.
 */
import type { KeyObject } from 'node:crypto';
import { GENESIS_CHECKPOINT, bucketHeads, canonicalBody, merkleRoot, signCheckpoint, type Checkpoint, type CheckpointBody } from '../core/checkpoint.js';
import type { ChainReader, StoredCheckpoint } from '../ports/chain-reader.js';
import type { CheckpointSink } from '../ports/checkpoint-sink.js';

export interface CheckpointOptions {
  readonly signingKey: KeyObject;
  readonly sink: CheckpointSink;
  /** Take a checkpoint after this many new events (default 1000) ... */
  readonly everyEvents?: number | undefined;
  /** ... or this many seconds after the last one, if events were added (default 60). */
  readonly everySeconds?: number | undefined;
}

export function parseCheckpoint(stored: StoredCheckpoint): Checkpoint {
  return { ...(JSON.parse(stored.body) as CheckpointBody), hash: stored.hash, signature: stored.signature };
}

export class Checkpointer {
  readonly #chains: ChainReader;
  readonly #storeId: string;
  readonly #options: CheckpointOptions;
  #lastEvents = -1;
  #lastTime = 0;

  constructor(chains: ChainReader, storeId: string, options: CheckpointOptions) {
    this.#chains = chains;
    this.#storeId = storeId;
    this.#options = options;
  }

  /** Takes a checkpoint when enough events or time have passed since the last one. */
  async maybe(now: Date, events: number): Promise<Checkpoint | undefined> {
    if (this.#lastEvents < 0) {
      const latest = await this.#chains.latestCheckpoint();
      const body = latest === undefined ? undefined : parseCheckpoint(latest);
      this.#lastEvents = body?.events ?? 0;
      // With no checkpoint yet, the time interval counts from now.
      this.#lastTime = body === undefined ? now.getTime() : Date.parse(body.createdAt);
    }
    const grown = events - this.#lastEvents;
    if (grown <= 0) return undefined;
    const dueByCount = grown >= (this.#options.everyEvents ?? 1000);
    const dueByTime = now.getTime() - this.#lastTime >= (this.#options.everySeconds ?? 60) * 1000;
    return dueByCount || dueByTime ? this.take(now) : undefined;
  }

  /** Takes a checkpoint now: heads, root, link and signature in one transaction, then the sink. */
  async take(now: Date): Promise<Checkpoint> {
    let checkpoint: Checkpoint | undefined;
    await this.#chains.storeCheckpoint((inputs) => {
      const heads = bucketHeads(inputs.eventHeads, inputs.commandHeads);
      const body: CheckpointBody = {
        format: 2,
        seq: (inputs.previous?.seq ?? 0) + 1,
        storeId: this.#storeId,
        createdAt: now.toISOString(),
        events: inputs.events,
        commands: inputs.commands,
        root: merkleRoot(this.#storeId, heads),
        prev: inputs.previous?.hash ?? GENESIS_CHECKPOINT,
      };
      checkpoint = signCheckpoint(body, this.#options.signingKey);
      return { seq: checkpoint.seq, hash: checkpoint.hash, body: canonicalBody(body).toString('utf8'), signature: checkpoint.signature };
    });
    const taken = checkpoint!;
    await this.#options.sink.append(taken);
    this.#lastEvents = taken.events;
    this.#lastTime = now.getTime();
    return taken;
  }
}
