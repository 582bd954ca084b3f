/**
 * Spreading command partitions over the live workers. Each worker keeps a membership lease, reads
 * who else is alive, and consumes the partitions that fall to it (partition mod the number of
 * workers, by the workers' sorted ids). A partition is also a lease: its new owner subscribes only
 * once the old one finished the command in hand, stopped consuming and let the lease go (or died and
 * let it expire), so a partition's commands never run in two processes at once and stay in order.
 * The broker's single active consumer is the second guard: a stalled owner that lost its lease is
 * still the only consumer taking messages until it stops.
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
const PARTITION = 'partition:';

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
    // A subscription the broker cannot take yet is lost, and made again by the next round.
    await Promise.all([...this.#owned.values()].map((s) => s.ready.catch(() => undefined)));
    this.#schedule();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#round;
    await Promise.all([...this.#owned.values()].map((s) => s.close(this.#options.graceMs)));
    for (const p of this.#owned.keys()) await this.#leases.release(`${PARTITION}${p}`, this.#options.holder).catch(() => undefined);
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
    const ttl = this.#options.ttlMs ?? 3000;
    await this.#leases.acquire(`${GROUP}${holder}`, holder, ttl);
    const mine = new Set(partitionsOf(holder, await this.#leases.live(GROUP), this.#bus.partitions));
    // Renew what we keep first (fast), then give up the rest, so a slow hand-over never lets a kept lease run out.
    const leaving: [number, CommandSubscription][] = [];
    for (const [p, subscription] of [...this.#owned]) {
      if (mine.has(p) && (await this.#leases.acquire(`${PARTITION}${p}`, holder, ttl))) {
        if (subscription.lost) this.#owned.set(p, this.#bus.consume(p, this.#handle));
        continue;
      }
      this.#owned.delete(p);
      leaving.push([p, subscription]);
    }
    // Finish the command in hand, stop (returning what was prefetched), and only then let the lease go.
    await Promise.all(
      leaving.map(async ([p, subscription]) => {
        await subscription.close(this.#options.graceMs);
        await this.#leases.release(`${PARTITION}${p}`, holder);
      }),
    );
    for (const p of mine) {
      if (this.#owned.has(p) || !(await this.#leases.acquire(`${PARTITION}${p}`, holder, ttl))) continue;
      this.#owned.set(p, this.#bus.consume(p, this.#handle));
    }
  }
}
