// Runs the verifiable decision log's integration rounds (src/audit/decision-merkle-log.ts) every interval in
// each replica; the advisory lock makes one of them the integrator of each round. A failed round is logged and
// retried at the next tick: the decisions wait in audit_decisions, nothing is lost.
import type { Logger } from "pino";
import type { DecisionMerkleLog } from "../audit/index.ts";
import { sleep } from "../util/sleep.ts";

export interface Integrator {
  stop(): Promise<void>;
}

export function startIntegrator(log: DecisionMerkleLog, intervalMs: number, logger: Logger): Integrator {
  const stop = new AbortController();
  const loop = (async () => {
    while (!stop.signal.aborted) {
      try {
        // Catch up in rounds of a bounded size, then wait for the next tick.
        let full = true;
        while (full) full = (await log.integrate()).added >= 5_000;
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
