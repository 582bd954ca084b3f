/**
 * One connection, one write transaction at a time. better-sqlite3 runs statements synchronously,
 * but a projection batch awaits its handlers between statements; every write transaction on the
 * connection passes through this gate so none can begin inside another.
 */
import type { Db } from './database.js';

export class WriteGate {
  readonly #db: Db;
  #tail: Promise<void> = Promise.resolve();

  constructor(db: Db) {
    this.#db = db;
  }

  /** Runs `work` inside BEGIN IMMEDIATE ... COMMIT, after every earlier write; rolls back if it throws. */
  transaction<T>(work: () => T | Promise<T>): Promise<T> {
    return this.#exclusive(async () => {
      this.#db.exec('BEGIN IMMEDIATE');
      try {
        const result = await work();
        this.#db.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
        throw error;
      }
    });
  }

  /** Resolves once every write begun so far has finished. */
  idle(): Promise<void> {
    return this.#tail;
  }

  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(work);
    this.#tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }
}
