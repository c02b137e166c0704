import { MemoryReplayStore } from "../../../src/replay/index.ts";
import { replayStoreConformance } from "../../support/replay-conformance.ts";

replayStoreConformance("memory", (timings) =>
  Promise.resolve({ store: new MemoryReplayStore(timings), dispose: () => Promise.resolve() }),
);
