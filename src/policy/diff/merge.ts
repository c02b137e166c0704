// Adjacent regions with the same change read as one: (40000, 50000) and [50000] with the same old and new
// outcomes, and the same classes of every other signal, become (40000, 50000]. Only numeric neighbours merge
// (an interval and the point or interval that touches it); the result covers exactly the same inputs.
import type { ValueClass } from "./domain.ts";
import type { Change } from "./diff.ts";

type Interval = Extract<ValueClass, { kind: "interval" }>;

function asInterval(c: ValueClass): Interval | undefined {
  if (c.kind === "interval") return c;
  if (c.kind === "point" && typeof c.value === "number")
    return {
      kind: "interval",
      integer: false,
      lo: c.value,
      loInclusive: true,
      hi: c.value,
      hiInclusive: true,
    };
  return undefined;
}

function touching(a: Interval, b: Interval, integer: boolean): boolean {
  if (a.hi === undefined || b.lo === undefined) return false;
  if (a.hi === b.lo) return a.hiInclusive !== b.loInclusive;
  return integer && a.hiInclusive && b.loInclusive && a.hi + 1 === b.lo;
}

/** a then b as one interval when they touch with neither a gap nor an overlap. */
function joined(x: ValueClass, y: ValueClass): Interval | undefined {
  const a = asInterval(x);
  const b = asInterval(y);
  if (!a || !b) return undefined;
  // A point next to an integer interval lies in an integer domain.
  const integer = (x.kind === "interval" && x.integer) || (y.kind === "interval" && y.integer);
  if (!touching(a, b, integer)) return undefined;
  return {
    kind: "interval",
    integer,
    ...(a.lo !== undefined && { lo: a.lo }),
    loInclusive: a.loInclusive,
    ...(b.hi !== undefined && { hi: b.hi }),
    hiInclusive: b.hiInclusive,
  };
}

const bucketKey = (c: Change, except: string): string =>
  JSON.stringify([
    c.old,
    c.new,
    Object.keys(c.region).sort(),
    Object.entries(c.region)
      .filter(([s]) => s !== except)
      .sort(([x], [y]) => x.localeCompare(y)),
  ]);

const lower = (c: ValueClass): number => asInterval(c)?.lo ?? Number.NEGATIVE_INFINITY;

/** One pass over one signal: within each bucket (all else equal), runs of touching intervals become one. */
function mergeOn(changes: readonly Change[], signal: string): Change[] {
  const buckets = new Map<string, Change[]>();
  const rest: Change[] = [];
  for (const c of changes) {
    const cls = c.region[signal];
    if (!cls || !asInterval(cls)) {
      rest.push(c);
      continue;
    }
    const k = bucketKey(c, signal);
    const list = buckets.get(k) ?? [];
    list.push(c);
    buckets.set(k, list);
  }
  for (const list of buckets.values()) {
    list.sort((a, b) => lower(a.region[signal] as ValueClass) - lower(b.region[signal] as ValueClass));
    let current = list[0];
    for (const next of list.slice(1)) {
      if (!current) break;
      const m = joined(current.region[signal] as ValueClass, next.region[signal] as ValueClass);
      if (m) current = { ...current, region: { ...current.region, [signal]: m } };
      else {
        rest.push(current);
        current = next;
      }
    }
    if (current) rest.push(current);
  }
  return rest;
}

/** Merges neighbours, signal by signal, until a whole pass merges nothing. */
export function mergeAdjacent(changes: readonly Change[]): Change[] {
  let out = [...changes];
  const signals = [...new Set(out.flatMap((c) => Object.keys(c.region)))].sort();
  for (let before = -1; before !== out.length;) {
    before = out.length;
    for (const s of signals) out = mergeOn(out, s);
  }
  return out;
}
