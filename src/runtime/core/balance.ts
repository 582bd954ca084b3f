/**
 * Spreading command partitions over the live workers. Each worker keeps a membership lease, reads
 * who else is alive, and consumes the partitions that fall to it (partition mod the number of
 * workers, by the workers' sorted ids). When a worker joins or dies, the others take up or give up
 * partitions within a round; the broker's single active consumer makes a partition's new owner wait
 * until the old one let go, so no two processes ever run one partition's commands at once.
 */
import type { CommandBus, CommandSubscription, Delivery, Settlement } from '../ports/bus.js';
import type { Leases } from '../ports/command-outbox.js';

/** The partitions that fall to `me` among `members`. Pure. */
export function partitionsOf(me: string, members: readonly string[], partitions: number): number[] {
  const sorted = [...new Set([...members, me])].sort();
  const index = sorted.indexOf(me);
  return Array.from({ length: partitions }, (_, p) => p).filter((p) => p % sorted.length === index);
}

export interface BalancerOptions {
  readonly holder: string;
  /** How long a worker counts as alive without renewing (default 3000 ms). */
  readonly ttlMs?: number | undefined;
  /** How often membership is renewed and read (default a third of the ttl). */
  readonly everyMs?: number | undefined;
  /** How long a partition given up may take to finish its command in hand (default 10000 ms). */
  readonly graceMs?: number | undefined;
}

const GROUP = 'worker:';

export class PartitionBalancer {
  readonly #leases: Leases;
  readonly #bus: CommandBus;
  readonly #handle: (delivery: Delivery) => Promise<Settlement>;
  readonly #options: BalancerOptions;
  readonly #owned = new Map<number, CommandSubscription>();
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<void> | undefined;
  #stopped = false;

  constructor(leases: Leases, bus: CommandBus, handle: (delivery: Delivery) => Promise<Settlement>, options: BalancerOptions) {
    this.#leases = leases;
    this.#bus = bus;
    this.#handle = handle;
    this.#options = options;
  }

  /** The partitions this worker consumes now. */
  get partitions(): readonly number[] {
    return [...this.#owned.keys()].sort((a, b) => a - b);
  }

  /** Joins, consumes its share, and resolves once the broker registered every consumer of it. */
  async start(): Promise<void> {
    await this.#rebalance();
    await Promise.all([...this.#owned.values()].map((s) => s.ready));
    this.#schedule();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#round;
    await Promise.all([...this.#owned.values()].map((s) => s.close(this.#options.graceMs)));
    this.#owned.clear();
    await this.#leases.release(`${GROUP}${this.#options.holder}`, this.#options.holder).catch(() => undefined);
  }

  #schedule(): void {
    const ttl = this.#options.ttlMs ?? 3000;
    this.#timer = setTimeout(
      () => {
        this.#round = this.#rebalance()
          .catch(() => undefined)
          .finally(() => {
            this.#round = undefined;
            if (!this.#stopped) this.#schedule();
          });
      },
      this.#options.everyMs ?? Math.floor(ttl / 3),
    );
    this.#timer.unref();
  }

  async #rebalance(): Promise<void> {
    const { holder } = this.#options;
    await this.#leases.acquire(`${GROUP}${holder}`, holder, this.#options.ttlMs ?? 3000);
    const mine = new Set(partitionsOf(holder, await this.#leases.live(GROUP), this.#bus.partitions));
    const giving = [...this.#owned].filter(([p]) => !mine.has(p));
    for (const [p] of giving) this.#owned.delete(p);
    for (const p of mine) if (!this.#owned.has(p)) this.#owned.set(p, this.#bus.consume(p, this.#handle));
    await Promise.all(giving.map(([, subscription]) => subscription.close(this.#options.graceMs)));
  }
}
