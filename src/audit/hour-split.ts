// A time range cut where the hourly rollup can answer it: the whole hours inside come from the rollup, and only
// the partial hours at its edges from the raw events. Each part is a plain range, so every read of it is an
// index range scan (with partition pruning) and its cost does not grow with the table.

/** A range of instants from `from` on (inclusive) to `to`. */
export interface Span {
  readonly from: Date | "-infinity" | "infinity";
  readonly to: Date | "infinity";
}

export interface HourSplit {
  /** Rollup buckets b with from <= b < to. */
  readonly buckets: Span;
  /** Raw events before the first whole hour: from <= t < to. */
  readonly head: Span;
  /** Raw events from the last whole hour's end on: from <= t <= to. */
  readonly tail: Span;
}

const HOUR_MS = 3_600_000;
/** An empty span, in either form. */
const NONE: Span = { from: "infinity", to: "infinity" };

/** Splits [from, to] (both inclusive, either open) into rollup buckets and raw edges. */
export function splitByHour(range: {
  readonly from?: Date | undefined;
  readonly to?: Date | undefined;
}): HourSplit {
  const { from, to } = range;
  const lo = from === undefined ? undefined : new Date(Math.ceil(from.getTime() / HOUR_MS) * HOUR_MS);
  const hi = to === undefined ? undefined : new Date(Math.floor(to.getTime() / HOUR_MS) * HOUR_MS);
  if (lo !== undefined && hi !== undefined && lo.getTime() >= hi.getTime())
    // No whole hour inside: everything from the raw events.
    return { buckets: NONE, head: NONE, tail: { from: from ?? "-infinity", to: to ?? "infinity" } };
  return {
    buckets: { from: lo ?? "-infinity", to: hi ?? "infinity" },
    head: from === undefined || lo === undefined ? NONE : { from, to: lo },
    tail: to === undefined || hi === undefined ? NONE : { from: hi, to },
  };
}
