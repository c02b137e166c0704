// RFC 8785 JSON Canonicalization Scheme. ECMAScript's own JSON serialisation of a number or a string is
// exactly what JCS prescribes, so the work here is ordering members and refusing what JSON cannot carry.

export class CanonicalizationError extends Error {
  /** JSON path of the offending value, e.g. `$.rules[2].outcome`. */
  readonly path: string;

  constructor(message: string, path: string) {
    super(`${message} at ${path}`);
    this.name = "CanonicalizationError";
    this.path = path;
  }
}

export type JsonValue =
  null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

// The work is one validating walk that returns the value itself when its members are already in canonical
// order (or a copy with sorted members when not), then one native JSON.stringify: ECMAScript's serialisation
// of numbers and strings is exactly JCS's. The JSON path of a value is only built for an error (`trail`
// holds the keys and indices on the way down).
type Trail = (string | number)[];

function pathOf(trail: Trail, last?: string | number): string {
  let path = "$";
  for (const step of last === undefined ? trail : [...trail, last]) {
    path += typeof step === "number" ? `[${String(step)}]` : `.${step}`;
  }
  return path;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** UTF-16 code unit order, as RFC 8785 §3.2.3 requires (and what `<` on strings does). */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// JavaScript enumerates array-index-like keys ("0", "42") before all others, whatever the insertion order, so
// JSON.stringify cannot emit them in JCS order; objects holding them take the string-building path.
const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;
const MAX_ARRAY_INDEX = 2 ** 32 - 2;

interface Walk {
  readonly trail: Trail;
  readonly ancestors: object[];
  indexKeys: boolean;
}

function checkString(value: string, trail: Trail, last?: string | number): void {
  if (!value.isWellFormed()) {
    throw new CanonicalizationError(
      "string contains a lone surrogate (not valid Unicode)",
      pathOf(trail, last),
    );
  }
}

function prepare(value: unknown, walk: Walk): unknown {
  const { trail } = walk;
  switch (typeof value) {
    case "string":
      checkString(value, trail);
      return value;
    case "boolean":
      return value;
    case "number":
      if (!Number.isFinite(value)) {
        throw new CanonicalizationError(`number ${String(value)} is not finite`, pathOf(trail));
      }
      return value;
    case "bigint":
      throw new CanonicalizationError("BigInt cannot be represented in JSON", pathOf(trail));
    case "object":
      return value === null ? null : prepareContainer(value, walk);
    default:
      throw new CanonicalizationError(`${typeof value} cannot be represented in JSON`, pathOf(trail));
  }
}

function prepareArray(items: readonly unknown[], walk: Walk): readonly unknown[] {
  const { trail } = walk;
  let copy: unknown[] | undefined;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (item === undefined) throw new CanonicalizationError("undefined inside an array", pathOf(trail, i));
    trail.push(i);
    const prepared = prepare(item, walk);
    trail.pop();
    if (prepared !== item) copy ??= items.slice();
    if (copy) copy[i] = prepared;
  }
  return copy ?? items;
}

function isArrayIndex(key: string): boolean {
  const first = key.charCodeAt(0);
  return first >= 48 && first <= 57 && ARRAY_INDEX.test(key) && Number(key) <= MAX_ARRAY_INDEX;
}

function prepareObject(record: Record<string, unknown>, walk: Walk): object {
  const { trail } = walk;
  const keys = Object.keys(record);
  let sorted = true;
  let prepared: unknown[] | undefined; // allocated only once a member differs from its prepared form
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (i > 0 && (keys[i - 1] as string) >= key) sorted = false;
    checkString(key, trail, key);
    if (isArrayIndex(key)) walk.indexKeys = true;
    const member = record[key];
    if (member === undefined) continue;
    trail.push(key);
    const value = prepare(member, walk);
    trail.pop();
    if (value !== member && !prepared) prepared = keys.map((k) => record[k]);
    if (prepared) prepared[i] = value;
  }
  if (sorted && !prepared) return record;
  const values = prepared ?? keys.map((k) => record[k]);
  // No prototype, so that a member named "__proto__" stays an ordinary member.
  const copy = Object.create(null) as Record<string, unknown>;
  const order = keys.map((key, i) => [key, i] as const).sort((a, b) => byCodeUnits(a[0], b[0]));
  for (const [key, i] of order) {
    if (values[i] !== undefined) copy[key] = values[i];
  }
  return copy;
}

function prepareContainer(value: object, walk: Walk): unknown {
  const { trail, ancestors } = walk;
  // Containers nest shallowly in practice, so a linear scan of the ancestors beats a Set. An error abandons
  // the whole walk, so the stack needs no unwinding then.
  if (ancestors.includes(value)) throw new CanonicalizationError("cycle", pathOf(trail));
  ancestors.push(value);
  let prepared: unknown;
  if (Array.isArray(value)) prepared = prepareArray(value as unknown[], walk);
  else if (isPlainObject(value)) prepared = prepareObject(value as Record<string, unknown>, walk);
  else {
    const kind = (value.constructor as { name?: string } | undefined)?.name ?? "object";
    throw new CanonicalizationError(`${kind} is not a plain JSON object`, pathOf(trail));
  }
  ancestors.pop();
  return prepared;
}

/** Serialises a value `prepare` has already checked, building the JCS text member by member. */
function serializePrepared(value: unknown): string {
  if (typeof value !== "object" || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(serializePrepared).join(",")}]`;
  const record = value as Record<string, unknown>;
  const members: string[] = [];
  for (const key of Object.keys(record).sort(byCodeUnits)) {
    if (record[key] !== undefined) members.push(`${JSON.stringify(key)}:${serializePrepared(record[key])}`);
  }
  return `{${members.join(",")}}`;
}

/**
 * Serialises `value` as RFC 8785 canonical JSON. Object members whose value is `undefined` are omitted, as
 * JSON.stringify does; everything JSON cannot carry faithfully is refused with a CanonicalizationError.
 */
export function canonicalize(value: unknown): string {
  const walk: Walk = { trail: [], ancestors: [], indexKeys: false };
  const prepared = prepare(value, walk);
  return walk.indexKeys ? serializePrepared(prepared) : JSON.stringify(prepared);
}

/** The canonical JSON of one string (cheaper than canonicalize for the common case of a lone string). */
export function canonicalString(value: string): string {
  checkString(value, []);
  return JSON.stringify(value);
}

/** Canonical JSON as UTF-8 bytes: what is hashed and signed. */
export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalize(value), "utf8");
}
