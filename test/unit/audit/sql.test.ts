// The audit database client: session options.
import { test } from "node:test";
import assert from "node:assert/strict";
import { durableSessionOptions } from "../../../src/audit/sql.ts";

test("audit sessions force synchronous_commit=on, keeping options from the connection string", () => {
  assert.equal(durableSessionOptions("postgres://u@h/db"), "-c synchronous_commit=on");
  assert.equal(
    durableSessionOptions("postgres://u@h/db?options=-c%20search_path%3Daudit"),
    "-c search_path=audit -c synchronous_commit=on",
  );
  assert.equal(durableSessionOptions("host=h dbname=db"), "-c synchronous_commit=on");
});
