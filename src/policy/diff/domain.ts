// The signal space two policy versions share, cut into classes: for each signal, finitely many sets of
// values such that every comparison either version makes on that signal gives the same result for every
// value of a set (intervals between the numeric constants and the constants themselves; each string
// constant and "any other string"; each enum value; true and false; "not given" when both allow it). A
// class's sample is one value inside it. This is what makes the diff exact: deciding on a sample decides for
// the whole class.
import type { ConditionNode } from "../condition-tree.ts";
import type { CompiledPolicy } from "../compile.ts";
import { codePoints } from "../signals.ts";
import type { SignalDeclaration, SignalValue } from "../types.ts";

export type ValueClass =
  | { readonly kind: "absent" }
  | { readonly kind: "point"; readonly value: SignalValue }
  | {
      readonly kind: "interval";
      readonly integer: boolean;
      /** Undefined: unbounded. */
      readonly lo?: number;
      readonly loInclusive: boolean;
      readonly hi?: number;
      readonly hiInclusive: boolean;
    }
  | { readonly kind: "other"; readonly except: readonly string[]; readonly maxLength?: number };

export interface SignalDomain {
  readonly signal: string;
  readonly classes: readonly ValueClass[];
  /** Whether every valid input must give it (it is required by either version). */
  readonly required: boolean;
}

/** Every leaf of a policy's conditions. */
export function leaves(policy: CompiledPolicy): Extract<ConditionNode, { kind: "leaf" }>[] {
  const out: Extract<ConditionNode, { kind: "leaf" }>[] = [];
  const walk = (n: ConditionNode): void => {
    if (n.kind === "leaf") out.push(n);
    else if (n.kind === "not") walk(n.child);
    else n.children.forEach(walk);
  };
  for (const r of policy.rules) walk(r.condition);
  return out;
}

function constantsOf(
  all: readonly Extract<ConditionNode, { kind: "leaf" }>[],
  signal: string,
): SignalValue[] {
  return all
    .filter((l) => l.signal === signal)
    .flatMap((l) => (Array.isArray(l.operand) ? (l.operand as SignalValue[]) : [l.operand as SignalValue]));
}

const numeric = (d: SignalDeclaration): boolean => d.type === "integer" || d.type === "number";
const textual = (d: SignalDeclaration): boolean => d.type === "string" || d.type === "enum";

function maxOf(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.max(a, b);
}
function minOf(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}

/** The integers strictly or not between two cuts, as an inclusive interval; undefined when there are none. */
function integerGap(
  from: number | undefined,
  fromIn: boolean,
  to: number | undefined,
  toIn: boolean,
): ValueClass | undefined {
  const first = from === undefined ? undefined : fromIn ? Math.ceil(from) : Math.floor(from) + 1;
  const last = to === undefined ? undefined : toIn ? Math.floor(to) : Math.ceil(to) - 1;
  if (first !== undefined && last !== undefined && first > last) return undefined;
  return {
    kind: "interval",
    integer: true,
    ...(first !== undefined && { lo: first }),
    loInclusive: true,
    ...(last !== undefined && { hi: last }),
    hiInclusive: true,
  };
}

function realGap(
  from: number | undefined,
  fromIn: boolean,
  to: number | undefined,
  toIn: boolean,
): ValueClass | undefined {
  if (from !== undefined && to !== undefined && (from > to || (from === to && !(fromIn && toIn))))
    return undefined;
  return {
    kind: "interval",
    integer: false,
    ...(from !== undefined && { lo: from }),
    loInclusive: fromIn,
    ...(to !== undefined && { hi: to }),
    hiInclusive: toIn,
  };
}

/** Numeric classes between lo and hi cut at the constants; integer classes hold at least one integer. */
function numericClasses(
  integer: boolean,
  lo: number | undefined,
  hi: number | undefined,
  constants: readonly number[],
): ValueClass[] {
  const inside = (c: number): boolean => (lo === undefined || c >= lo) && (hi === undefined || c <= hi);
  // Every constant cuts; only a value the type allows is a class of its own (2.5 cuts the integers).
  const cuts = [...new Set(constants.filter(inside))].sort((x, y) => x - y);
  const out: ValueClass[] = [];
  const gap = (from: number | undefined, fromIn: boolean, to: number | undefined, toIn: boolean): void => {
    const c = integer ? integerGap(from, fromIn, to, toIn) : realGap(from, fromIn, to, toIn);
    if (c) out.push(c);
  };
  let from = lo;
  let fromIn = true;
  for (const p of cuts) {
    gap(from, fromIn, p, false);
    if (!integer || Number.isInteger(p)) out.push({ kind: "point", value: p });
    from = p;
    fromIn = false;
  }
  gap(from, fromIn, hi, true);
  return out;
}

function textClasses(
  a: SignalDeclaration,
  b: SignalDeclaration,
  constants: readonly SignalValue[],
): ValueClass[] {
  const maxLength = minOf(a.maxLength, b.maxLength);
  const fits = (v: string): boolean => maxLength === undefined || codePoints(v) <= maxLength;
  if (a.type === "enum" || b.type === "enum") {
    const values = (a.type === "enum" ? (a.values ?? []) : (b.values ?? [])).filter(
      (v) =>
        (a.type !== "enum" || (a.values ?? []).includes(v)) &&
        (b.type !== "enum" || (b.values ?? []).includes(v)),
    );
    return values.filter(fits).map((value) => ({ kind: "point", value }));
  }
  const strings = [...new Set(constants.filter((c): c is string => typeof c === "string" && fits(c)))].sort();
  return [
    ...strings.map((value): ValueClass => ({ kind: "point", value })),
    ...(otherString(strings, maxLength) === undefined
      ? []
      : [{ kind: "other" as const, except: strings, ...(maxLength !== undefined && { maxLength }) }]),
  ];
}

/** A string not among `except`, at most maxLength code points long; undefined when there is none. */
export function otherString(except: readonly string[], maxLength: number | undefined): string | undefined {
  const taken = new Set(except);
  for (
    let length = 0;
    maxLength === undefined ? length <= except.length + 1 : length <= maxLength;
    length++
  ) {
    for (const ch of ["x", "y", "z", "w"]) {
      const candidate = ch.repeat(length);
      if (!taken.has(candidate)) return candidate;
      if (length === 0) break;
    }
  }
  return undefined;
}

/** The classes of one signal both versions declare, or undefined when they share no value. */
function sharedClasses(
  a: SignalDeclaration,
  b: SignalDeclaration,
  constants: readonly SignalValue[],
): ValueClass[] {
  if (numeric(a) && numeric(b)) {
    const integer = a.type === "integer" || b.type === "integer";
    const nums = constants.filter((c): c is number => typeof c === "number");
    return numericClasses(integer, maxOf(a.min, b.min), minOf(a.max, b.max), nums);
  }
  if (a.type === "boolean" && b.type === "boolean")
    return [
      { kind: "point", value: false },
      { kind: "point", value: true },
    ];
  if (textual(a) && textual(b)) return textClasses(a, b, constants);
  return [];
}

/**
 * The domains of the signals valid inputs of both versions may carry; undefined when no input is valid for
 * both (a signal one requires the other does not accept, or a required signal with no shared value).
 */
export function sharedDomains(older: CompiledPolicy, newer: CompiledPolicy): SignalDomain[] | undefined {
  const a = older.policy.signalsSchema;
  const b = newer.policy.signalsSchema;
  const all = [...leaves(older), ...leaves(newer)];
  const domains: SignalDomain[] = [];
  for (const signal of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const da = Object.hasOwn(a, signal) ? a[signal] : undefined;
    const db = Object.hasOwn(b, signal) ? b[signal] : undefined;
    const required =
      (da !== undefined && da.required !== false) || (db !== undefined && db.required !== false);
    if (da === undefined || db === undefined) {
      // Only one version accepts it: a shared input leaves it out, which the other version must allow.
      if (required) return undefined;
      continue;
    }
    const classes = sharedClasses(da, db, constantsOf(all, signal));
    if (classes.length === 0 && required) return undefined;
    domains.push({ signal, required, classes: required ? classes : [{ kind: "absent" }, ...classes] });
  }
  return domains;
}

/** One value of a class (undefined for "not given"). */
export function sampleOf(c: ValueClass): SignalValue | undefined {
  switch (c.kind) {
    case "absent":
      return undefined;
    case "point":
      return c.value;
    case "other":
      return otherString(c.except, c.maxLength);
    case "interval": {
      const { lo, hi } = c;
      if (c.integer) return lo ?? (hi === undefined ? 0 : hi);
      if (lo !== undefined && hi !== undefined) return lo === hi ? lo : (lo + hi) / 2;
      if (lo !== undefined) return c.loInclusive ? lo : lo + 1;
      if (hi !== undefined) return c.hiInclusive ? hi : hi - 1;
      return 0;
    }
  }
}

/** Whether a value (undefined: not given) lies in a class. */
export function inClass(c: ValueClass, value: SignalValue | undefined): boolean {
  switch (c.kind) {
    case "absent":
      return value === undefined;
    case "point":
      return value === c.value;
    case "other":
      return typeof value === "string" && !c.except.includes(value);
    case "interval":
      return (
        typeof value === "number" &&
        (!c.integer || Number.isInteger(value)) &&
        (c.lo === undefined || (c.loInclusive ? value >= c.lo : value > c.lo)) &&
        (c.hi === undefined || (c.hiInclusive ? value <= c.hi : value < c.hi))
      );
  }
}
