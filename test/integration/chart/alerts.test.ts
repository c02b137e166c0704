// The chart's alerts and dashboard, tested like code: promtool checks the rules and runs the fixtures (every
// alert fires on its scenario and stays silent on a normal day), every alert has summary, description and a
// runbook that exists, and every metric the alerts and the dashboard name is really exported by the server or
// the operator (read from their /metrics).
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { kubeConfig, testNamespace, tool } from "../../support/kube.ts";
import { installCrds, startOperator } from "../../support/operator.ts";
import { startTestServer } from "../../support/server.ts";
import { kafkaService } from "../../support/services.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const FILES = join(root, "charts/parmana-operator/files");

interface Rule {
  alert: string;
  expr: string;
  labels: { severity: string };
  annotations: { summary?: string; description?: string; runbook_url?: string };
}

async function alertRules(): Promise<Rule[]> {
  const doc = parse(await readFile(join(FILES, "alerts.yaml"), "utf8")) as { groups: { rules: Rule[] }[] };
  return doc.groups.flatMap((g) => g.rules);
}

test("alerts: promtool check rules and promtool test rules pass; every alert fires on a scenario and is silent on a normal day", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "parmana-alerts-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const rules = (await readFile(join(FILES, "alerts.yaml"), "utf8")).replaceAll(
    "RUNBOOK_BASE_URL",
    "https://runbooks.test",
  );
  await writeFile(join(dir, "rules.yaml"), rules);
  await copyFile(join(root, "test/fixtures/alerts/tests.yaml"), join(dir, "tests.yaml"));
  const check = await tool("promtool", ["check", "rules", join(dir, "rules.yaml")]);
  assert.match(check.stdout, /SUCCESS: 13 rules found/);
  const run = await tool("promtool", ["test", "rules", join(dir, "tests.yaml")]);
  assert.match(run.stdout, /SUCCESS/);

  const fixtures = parse(await readFile(join(root, "test/fixtures/alerts/tests.yaml"), "utf8")) as {
    tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
  };
  const cases = fixtures.tests.flatMap((x) => x.alert_rule_test);
  for (const rule of await alertRules()) {
    assert.ok(
      cases.some((c) => c.alertname === rule.alert && c.exp_alerts.length > 0),
      `${rule.alert} fires in a test`,
    );
    assert.ok(
      cases.some((c) => c.alertname === rule.alert && c.exp_alerts.length === 0),
      `${rule.alert} is silent in a test`,
    );
  }
});

test("alerts: each has a severity, summary, description and a runbook page that exists", async () => {
  for (const rule of await alertRules()) {
    assert.match(rule.labels.severity, /^(critical|high|warning)$/, rule.alert);
    assert.ok(rule.annotations.summary && rule.annotations.description, rule.alert);
    assert.equal(rule.annotations.runbook_url, `RUNBOOK_BASE_URL/${rule.alert}.md`);
    assert.ok(existsSync(join(root, "docs/runbooks", `${rule.alert}.md`)), `docs/runbooks/${rule.alert}.md`);
  }
});

/** Metric names in a PromQL expression (functions, keywords and label matchers left out). */
function metricNames(expr: string): string[] {
  const withoutLabels = expr.replace(/\{[^}]*\}/g, "").replace(/\[[^\]]*\]/g, "");
  const words = withoutLabels.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [];
  return words
    .filter((w) => /^(parmana_|controller_runtime_|workqueue_|leader_election_)/.test(w))
    .map((w) => w.replace(/_(bucket|sum|count)$/, ""));
}

test("dashboard and alerts name only metrics the server or the operator exports", async (t) => {
  const dashboard = JSON.parse(await readFile(join(FILES, "dashboard.json"), "utf8")) as {
    panels: { title: string; targets: { expr: string }[] }[];
  };
  const named = new Set<string>();
  for (const panel of dashboard.panels)
    for (const target of panel.targets) for (const m of metricNames(target.expr)) named.add(m);
  for (const rule of await alertRules()) for (const m of metricNames(rule.expr)) named.add(m);
  assert.ok(named.size >= 15, `found ${String(named.size)} metric names`);

  await installCrds();
  const ns = await testNamespace(t, kubeConfig(), "metrics");
  const operator = await startOperator(t, ns);
  // With export on, as in production (the outbox gauges are registered with the relay).
  const server = await startTestServer(t, {
    env: { PARMANA_EXPORT_KAFKA_BROKERS: kafkaService().brokers.join(",") },
  });
  const exported = new Set<string>();
  for (const url of [operator.metricsUrl ?? "", server.server.metricsUrl]) {
    const text = await (await fetch(url)).text();
    for (const m of text.matchAll(/^# TYPE (\S+) /gm)) if (m[1] !== undefined) exported.add(m[1]);
  }
  const missing = [...named].filter((m) => !exported.has(m));
  assert.deepEqual(missing, [], "every metric named in the dashboard and the alerts exists");
});
