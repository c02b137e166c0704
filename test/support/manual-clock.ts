// A clock a test moves by hand: `delay` resolves only when `advance` passes its deadline, so code that backs
// off or retries is tested without sleeping.
import type { Clock } from "../../src/util/clock.ts";

export class ManualClock implements Clock {
  #now: number;
  readonly #waiting: { at: number; resolve: () => void }[] = [];

  constructor(start = 1_700_000_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  delay(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const waiter = { at: this.#now + ms, resolve };
      this.#waiting.push(waiter);
      signal.addEventListener(
        "abort",
        () => {
          resolve();
        },
        { once: true },
      );
    });
  }

  /** Delays still waiting. */
  get pending(): number {
    return this.#waiting.length;
  }

  /** Moves time on by `ms`, waking each delay that falls due, in order, letting its continuation run. */
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    for (;;) {
      // Let the code under test run up to its next wait before time moves.
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.#waiting.sort((a, b) => a.at - b.at);
      const next = this.#waiting[0];
      if (!next || next.at > end) break;
      this.#waiting.shift();
      this.#now = next.at;
      next.resolve();
    }
    this.#now = end;
  }
}
