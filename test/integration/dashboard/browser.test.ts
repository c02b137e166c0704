// The dashboard in a real browser (playwright-core driving Debian's Chromium) against a server with real
// Redis and Postgres: sign-in, refusals with a message, the Security tab's counts equal /audit/security, a
// date range that excludes everything empties it, drill-down shows the raw events, no key in the browser's
// storage, logout ends the session. Screenshots of each tab go to docs/screenshots/ when
// PARMANA_SCREENSHOTS=docs (how the committed ones were made), otherwise to a temporary directory. axe-core
// checks every view at a desktop and a phone width: no moderate, serious or critical violation.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Page } from "playwright-core";
import { accessibilityViolations } from "../../support/axe.ts";
import { chromiumExecutable } from "../../support/services.ts";
import { get, raiseAllFive, startTestServer, storedAllFive, type TestServer } from "../../support/server.ts";

const docs = fileURLToPath(new URL("../../../docs/screenshots/", import.meta.url));

/** The Security table as [type, count] pairs, read through the page. */
async function tableRows(page: Page): Promise<[string, string][]> {
  const rows = page.locator("#security-table tbody tr");
  const shown: [string, string][] = [];
  for (let i = 0; i < (await rows.count()); i++) {
    const row = rows.nth(i);
    shown.push([
      (await row.getAttribute("data-type")) ?? "",
      (await row.locator(".count").textContent()) ?? "",
    ]);
  }
  return shown;
}

async function signIn(page: Page, key: string | undefined): Promise<void> {
  await page.getByLabel("API key with the audit:read scope").fill(key ?? "");
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Every other tab (screenshots, a real attestation verified), then all tabs at a phone's width; axe on each. */
async function visitTabs(page: Page, s: TestServer, shots: string): Promise<string[]> {
  const found: string[] = [];
  for (const tab of ["Decisions", "Verify", "Health", "Stats"]) {
    await page.getByRole("tab", { name: tab }).click();
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(shots, `${tab.toLowerCase()}.png`), fullPage: true });
    if (tab === "Verify") {
      // An error shows the API's own message (the dashboard speaks the API's error envelope).
      await page.getByLabel("Attestation (JSON)").fill(JSON.stringify({ hello: "world" }));
      await page.getByRole("button", { name: "Verify" }).click();
      await page.waitForFunction("document.getElementById('verify-result').textContent.length > 0");
      const shown = (await page.locator("#verify-result").textContent()) ?? "";
      assert.doesNotMatch(shown, /^HTTP \d+$/, "the API's message, not a bare status");
      assert.match(shown, /\(request [0-9a-f-]{36}\)$/, shown);
      // A real attestation, so that the result is as long as a person's would be.
      const { decisions } = await s.client("auditor").audit.decisions({ limit: 1 });
      const detail = await s.client("auditor").audit.decision(String(decisions[0]?.["executionId"]));
      await page.getByLabel("Attestation (JSON)").fill(JSON.stringify(detail.attestation, null, 2));
      await page.getByRole("button", { name: "Verify" }).click();
      await page.waitForTimeout(300);
    }
    found.push(...(await accessibilityViolations(page, tab)));
  }
  await page.setViewportSize({ width: 390, height: 844 });
  for (const tab of ["Security", "Decisions", "Verify", "Health", "Stats"]) {
    await page.getByRole("tab", { name: tab }).click();
    await page.waitForTimeout(300);
    found.push(...(await accessibilityViolations(page, `${tab} at 390 px`)));
  }
  await page.setViewportSize({ width: 1280, height: 860 });
  return found;
}

test("dashboard: sign in, the Security tab matches /audit/security, ranges, drill-down, no key in storage, logout", async (t) => {
  const s = await startTestServer(t, { env: { PARMANA_RATE_LIMIT_EXECUTE: "4" } });
  await raiseAllFive(s.url, s.files.keys);
  await storedAllFive(s);
  const dashboard = s.server.dashboardUrl;
  assert.ok(dashboard);
  const shots =
    process.env["PARMANA_SCREENSHOTS"] === "docs" ? docs : await mkdtemp(join(tmpdir(), "parmana-shots-"));
  if (shots !== docs) t.after(() => rm(shots, { recursive: true, force: true }));

  const browser = await chromium.launch({ executablePath: chromiumExecutable(), args: ["--no-sandbox"] });
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  const consoleErrors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(m.text());
  });
  const response = await page.goto(dashboard);
  const csp = response?.headers()["content-security-policy"] ?? "";
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline/);

  // Refusals, with a message a person can act on.
  await signIn(page, "not-a-key");
  await page.getByText("That API key was refused.").waitFor();
  await signIn(page, s.files.keys["executor"]);
  await page.getByText("That API key lacks the audit:read scope.").waitFor();
  await page.screenshot({ path: join(shots, "signin.png") });
  const accessibility = await accessibilityViolations(page, "sign-in");

  await signIn(page, s.files.keys["auditor"]);
  await page.getByRole("tab", { name: "Security" }).waitFor();
  const rows = page.locator("#security-table tbody tr");
  await assert.doesNotReject(rows.nth(4).waitFor());
  // Compared after sign-in: the refused sign-ins above were unauthorized_access events too.
  const summary = (await get(`${s.url}/audit/security?limit=100`, s.files.keys["auditor"])).body as {
    event_type: string;
    event_count: string;
  }[];
  assert.equal(summary.length, 5);
  const shown = await tableRows(page);
  assert.deepEqual(
    Object.fromEntries(shown),
    Object.fromEntries(summary.map((r) => [r.event_type, r.event_count])),
    "the table shows what /audit/security returns",
  );
  assert.match((await page.locator("#updated").textContent()) ?? "", /Last updated/);
  await page.screenshot({ path: join(shots, "security.png"), fullPage: true });

  // No key anywhere the page can read.
  const storage = await page.evaluate(
    "({ local: localStorage.length, session: sessionStorage.length, cookie: document.cookie })",
  );
  assert.deepEqual(
    storage,
    { local: 0, session: 0, cookie: "" },
    "no key in storage; the session cookie is HttpOnly",
  );
  const cookies = await page.context().cookies();
  assert.equal(cookies.length, 1);
  assert.deepEqual([cookies[0]?.httpOnly, cookies[0]?.sameSite], [true, "Strict"]);
  assert.ok(!Object.values(s.files.keys).includes(cookies[0]?.value ?? ""));

  // Drill-down: the raw replay_attempt events.
  await page.getByRole("button", { name: "Show replay_attempt events" }).click();
  const drill = page.locator("#drill-table tbody tr");
  await drill.first().waitFor();
  const ids: (string | null)[] = [];
  for (let i = 0; i < (await drill.count()); i++) ids.push(await drill.nth(i).getAttribute("data-event-id"));
  const raw = (
    await get(`${s.url}/audit/security/events?type=replay_attempt&limit=50`, s.files.keys["auditor"])
  ).body as { events: { event_id: string }[] };
  assert.deepEqual(
    ids,
    raw.events.map((e) => e.event_id),
  );
  await page.screenshot({ path: join(shots, "security-drilldown.png"), fullPage: true });
  accessibility.push(...(await accessibilityViolations(page, "Security with drill-down")));

  // A date range that excludes every event empties the table.
  await page.locator("#from").fill("2020-01-01T00:00:00");
  await page.locator("#to").fill("2020-01-02T00:00:00");
  await page.getByRole("button", { name: "Apply" }).click();
  await page.getByText("No security events in this range.").waitFor();
  assert.equal(await rows.count(), 0);
  await page.getByRole("button", { name: "All time" }).click();
  await rows.nth(4).waitFor();

  accessibility.push(...(await visitTabs(page, s, shots)));
  assert.ok((await page.locator("#decisions-table tbody tr").count()) >= 1, "decisions listed");
  assert.deepEqual(accessibility, [], "no moderate, serious or critical accessibility violation (axe-core)");

  // Logout ends the session: the page asks to sign in and the old cookie no longer works.
  const old = (await page.context().cookies())[0]?.value ?? "";
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByText("Signed out.").waitFor();
  const after = await fetch(`${dashboard}/api/security`, {
    headers: { cookie: `parmana_session=${old}`, "X-Parmana-Dashboard": "1" },
  });
  assert.equal(after.status, 401);
  assert.deepEqual(
    consoleErrors.filter((e) => !/status of (401|403)/.test(e)),
    [],
    "no script errors (CSP violations included)",
  );
});

test("dashboard: a cross-site request without the dashboard header is refused, and static pages carry the CSP", async (t) => {
  const s = await startTestServer(t);
  const dashboard = s.server.dashboardUrl ?? "";
  const page = await fetch(dashboard);
  assert.equal(page.status, 200);
  assert.equal(page.headers.get("x-content-type-options"), "nosniff");
  assert.match(page.headers.get("content-security-policy") ?? "", /default-src 'none'/);
  const forged = await fetch(`${dashboard}/session`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ apiKey: s.files.keys["auditor"] }),
  });
  assert.equal(forged.status, 403);
  assert.equal(forged.headers.get("set-cookie"), null);
});
