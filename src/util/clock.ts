// Time as a parameter: code that waits or reads the time takes a Clock, so a test can drive it by hand and
// never sleep (as client-node's ListWatch takes its delay function).
import { sleep } from "./sleep.ts";

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`, or at once when `signal` aborts. */
  delay(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemClock: Clock = { now: () => Date.now(), delay: sleep };
