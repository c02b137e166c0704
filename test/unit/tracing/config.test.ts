// When a process traces: the standard OTEL_TRACES_EXPORTER or PARMANA_TRACING asks for it, `none` and
// OTEL_SDK_DISABLED refuse it, anything else is off; a malformed switch is refused by name. Off, the spans
// cost nothing: the work runs as it is, with no trace to report.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  currentTrace,
  defaultServiceName,
  inSpan,
  inSpanSync,
  tracingEnabled,
  tracingRequested,
  TracingConfigError,
} from "../../../src/tracing/index.ts";

test("tracing: asked for by OTEL_TRACES_EXPORTER or PARMANA_TRACING, refused by none and OTEL_SDK_DISABLED", () => {
  const cases: [Record<string, string>, boolean][] = [
    [{}, false],
    [{ OTEL_TRACES_EXPORTER: "otlp" }, true],
    [{ OTEL_TRACES_EXPORTER: "console, otlp" }, true],
    [{ OTEL_TRACES_EXPORTER: "none" }, false],
    [{ OTEL_TRACES_EXPORTER: "otlp,none" }, false],
    [{ OTEL_TRACES_EXPORTER: " " }, false],
    [{ PARMANA_TRACING: "true" }, true],
    [{ PARMANA_TRACING: "false", OTEL_TRACES_EXPORTER: "otlp" }, false],
    [{ OTEL_SDK_DISABLED: "true", PARMANA_TRACING: "true" }, false],
    [{ OTEL_SDK_DISABLED: "false", OTEL_TRACES_EXPORTER: "otlp" }, true],
    [{ OTEL_LOGS_EXPORTER: "otlp" }, false],
  ];
  for (const [env, expected] of cases) assert.equal(tracingRequested(env), expected, JSON.stringify(env));
  assert.throws(() => tracingRequested({ PARMANA_TRACING: "yes" }), TracingConfigError);
  assert.equal(defaultServiceName("operator"), "parmana-operator");
  assert.equal(defaultServiceName("server"), "parmana-governance-server");
});

test("tracing: off, a span is the work itself — results and errors pass through, no trace is reported", async () => {
  assert.equal(tracingEnabled(), false);
  assert.equal(await inSpan("x", () => Promise.resolve(42)), 42);
  assert.equal(
    inSpanSync("y", () => "z"),
    "z",
  );
  await assert.rejects(
    inSpan("x", () => Promise.reject(new Error("boom"))),
    /boom/,
  );
  assert.throws(
    () =>
      inSpanSync("y", () => {
        throw new Error("bang");
      }),
    /bang/,
  );
  assert.equal(currentTrace(), undefined);
});
