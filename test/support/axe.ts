// Runs axe-core (Deque's accessibility engine) in a page and returns its moderate, serious and critical
// violations (minor ones are advice).
// The engine is evaluated through the DevTools protocol, so the page's strict CSP stays as it is.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export interface AxeViolation {
  readonly id: string;
  readonly impact: string;
  readonly help: string;
  readonly targets: readonly string[];
}

/** WCAG 2.0–2.2 A/AA rules and axe's best practices; "where" names the view in the messages. */
export async function accessibilityViolations(page: Page, where: string): Promise<string[]> {
  const loaded = await page.evaluate("typeof window.axe === 'object'");
  if (loaded !== true) await page.evaluate(`${axeSource}\n;true`);
  const violations = await page.evaluate<AxeViolation[]>(`
    axe.run(document, { resultTypes: ["violations"] }).then((r) =>
      r.violations.map((v) => ({
        id: v.id,
        impact: v.impact ?? "unknown",
        help: v.help,
        targets: v.nodes.map((n) => n.target.join(" ")),
      })),
    )`);
  return violations
    .filter((v) => ["moderate", "serious", "critical"].includes(v.impact))
    .map((v) => `${where}: ${v.id} (${v.impact}): ${v.help} — ${v.targets.join(", ")}`);
}
