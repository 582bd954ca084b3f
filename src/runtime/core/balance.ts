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
  /** Partitions being handed over: their leases are kept until the command in hand returned. */
  readonly #leaving = new Map<number, Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #renewer: NodeJS.Timeout | undefined;
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
    // Leases are renewed on their own clock, so a slow hand-over never lets a kept one run out.
    this.#renewer = setInterval(() => void this.#renew().catch(() => undefined), Math.floor(this.#ttl / 3));
    this.#renewer.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#round;
    for (const p of [...this.#owned.keys()]) this.#handOver(p);
    await Promise.all(this.#leaving.values());
    clearInterval(this.#renewer);
    await this.#leases.release(`${GROUP}${this.#options.holder}`, this.#options.holder).catch(() => undefined);
  }

  get #ttl(): number {
    return this.#options.ttlMs ?? 3000;
  }

  #schedule(): void {
    this.#timer = setTimeout(
      () => {
        this.#round = this.#rebalance()
          .catch(() => undefined)
          .finally(() => {
            this.#round = undefined;
            if (!this.#stopped) this.#schedule();
          });
      },
      this.#options.everyMs ?? Math.floor(this.#ttl / 3),
    );
    this.#timer.unref();
  }

  /** Membership, and every partition held or being handed over. */
  async #renew(): Promise<void> {
    const { holder } = this.#options;
    await this.#leases.acquire(`${GROUP}${holder}`, holder, this.#ttl);
    for (const p of new Set([...this.#owned.keys(), ...this.#leaving.keys()])) await this.#leases.acquire(`${PARTITION}${p}`, holder, this.#ttl);
  }

  async #rebalance(): Promise<void> {
    const { holder } = this.#options;
    await this.#leases.acquire(`${GROUP}${holder}`, holder, this.#ttl);
    const mine = new Set(partitionsOf(holder, await this.#leases.live(GROUP), this.#bus.partitions));
    for (const [p, subscription] of [...this.#owned]) {
      // Someone else holds it now (our lease ran out while we were stalled): stop at once, it is theirs.
      const kept = mine.has(p) && (await this.#leases.acquire(`${PARTITION}${p}`, holder, this.#ttl).catch(() => true));
      if (!kept) this.#handOver(p);
      else if (subscription.lost) this.#resubscribeWhenIdle(p, subscription);
    }
    for (const p of mine) {
      if (this.#owned.has(p) || this.#leaving.has(p)) continue;
      if (await this.#leases.acquire(`${PARTITION}${p}`, holder, this.#ttl).catch(() => false)) this.#owned.set(p, this.#bus.consume(p, this.#handle));
    }
  }

  /** A subscription that went away by itself: keep the lease, and subscribe again once its last command returned. */
  #resubscribeWhenIdle(p: number, subscription: CommandSubscription): void {
    this.#owned.delete(p);
    this.#leaving.set(
      p,
      subscription.idle.catch(() => undefined).finally(() => this.#leaving.delete(p)),
    );
  }

  /**
   * Stops consuming `p` (the command in hand finishes, what was prefetched goes back in order), and
   * lets its lease go only once no command of it runs here any more, so the next owner never runs
   * one of its commands beside ours.
   */
  #handOver(p: number): void {
    const subscription = this.#owned.get(p);
    if (subscription === undefined) return;
    this.#owned.delete(p);
    const done = (async () => {
      await subscription.close(this.#options.graceMs);
      await subscription.idle;
      await this.#leases.release(`${PARTITION}${p}`, this.#options.holder).catch(() => undefined);
    })().finally(() => this.#leaving.delete(p));
    this.#leaving.set(p, done);
  }
}
