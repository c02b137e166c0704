// Keyset pages: opaque cursors (the last row id, base64url) and the page cut from limit + 1 rows.
export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

function encodeCursor(id: string): string {
  return Buffer.from(id).toString("base64url");
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const id = Buffer.from(cursor, "base64url").toString("utf8");
  return /^[1-9]\d{0,18}$/.test(id) ? id : undefined;
}

export function page<T extends { id: string }, U>(
  rows: readonly T[],
  limit: number,
  map: (row: T) => U,
): Page<U> {
  const more = rows.length > limit;
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items: items.map(map), nextCursor: more && last ? encodeCursor(last.id) : null };
}

const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;
/** A timestamptz column as ISO 8601 text in UTC, as the API returns times. */
export const iso = (column: string): string => `to_char(${column} at time zone 'UTC', ${ISO})`;

export interface TimeRange {
  readonly from?: Date | undefined;
  readonly to?: Date | undefined;
}
