import assert from "node:assert/strict";
import { test } from "node:test";
import { splitByHour } from "../../../src/audit/hour-split.ts";

const at = (iso: string): Date => new Date(iso);

test("an open range is the whole rollup and no raw events", () => {
  assert.deepEqual(splitByHour({}), {
    buckets: { from: "-infinity", to: "infinity" },
    head: { from: "infinity", to: "infinity" },
    tail: { from: "infinity", to: "infinity" },
  });
});

test("partial hours at both edges come from the raw events, the hours between from the rollup", () => {
  const from = at("2026-12-01T10:15:00Z");
  const to = at("2026-12-01T13:40:00Z");
  assert.deepEqual(splitByHour({ from, to }), {
    buckets: { from: at("2026-12-01T11:00:00Z"), to: at("2026-12-01T13:00:00Z") },
    head: { from, to: at("2026-12-01T11:00:00Z") },
    tail: { from: at("2026-12-01T13:00:00Z"), to },
  });
});

test("a range on whole hours needs the raw events only at its inclusive end", () => {
  const from = at("2026-12-01T10:00:00Z");
  const to = at("2026-12-01T12:00:00Z");
  const split = splitByHour({ from, to });
  assert.deepEqual(split.buckets, { from, to });
  assert.deepEqual(split.head, { from, to: from }); // empty: from <= t < from
  assert.deepEqual(split.tail, { from: to, to }); // the instant `to` itself
});

test("a range inside one hour is read from the raw events alone", () => {
  const from = at("2026-12-01T10:05:00Z");
  const to = at("2026-12-01T10:55:00Z");
  const split = splitByHour({ from, to });
  assert.deepEqual(split.tail, { from, to });
  assert.deepEqual(split.buckets, { from: "infinity", to: "infinity" });
  assert.deepEqual(split.head, { from: "infinity", to: "infinity" });
});

test("a range open at one end takes the rollup to that end", () => {
  const from = at("2026-12-01T10:05:00Z");
  assert.deepEqual(splitByHour({ from }), {
    buckets: { from: at("2026-12-01T11:00:00Z"), to: "infinity" },
    head: { from, to: at("2026-12-01T11:00:00Z") },
    tail: { from: "infinity", to: "infinity" },
  });
  const to = at("2026-12-01T10:05:00Z");
  assert.deepEqual(splitByHour({ to }), {
    buckets: { from: "-infinity", to: at("2026-12-01T10:00:00Z") },
    head: { from: "infinity", to: "infinity" },
    tail: { from: at("2026-12-01T10:00:00Z"), to },
  });
});
