// Runs the verifiable decision log's integration rounds (src/audit/decision-merkle-log.ts) every interval in
// each replica; the advisory lock makes one of them the integrator of each round. A failed round is logged and
// retried at the next tick: the decisions wait in audit_decisions, nothing is lost. A round looks back 5 s for
// decisions not yet logged, a sweep (one round in SWEEP_EVERY) 2 min, for one whose transaction committed late.
import type { Logger } from "pino";
import { ROUND_LOOKBACK_MS, SWEEP_LOOKBACK_MS, type DecisionMerkleLog } from "../audit/index.ts";
import { sleep } from "../util/sleep.ts";

export interface Integrator {
  stop(): Promise<void>;
}

/** One round in this many looks back SWEEP_LOOKBACK_MS; the others ROUND_LOOKBACK_MS. */
export const SWEEP_EVERY = 30;

export function startIntegrator(log: DecisionMerkleLog, intervalMs: number, logger: Logger): Integrator {
  const stop = new AbortController();
  const loop = (async () => {
    for (let round = 0; !stop.signal.aborted; round++) {
      const lookback = round % SWEEP_EVERY === 0 ? SWEEP_LOOKBACK_MS : ROUND_LOOKBACK_MS;
      try {
        // Catch up in rounds of a bounded size, then wait for the next tick.
        let full = true;
        while (full) full = (await log.integrate(5_000, lookback)).added >= 5_000;
      } catch (error) {
        logger.warn({ err: error }, "decision log integration failed; will retry");
      }
      await sleep(intervalMs, stop.signal);
    }
  })();
  return {
    async stop() {
      stop.abort();
      await loop;
    },
  };
}
