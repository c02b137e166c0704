// The diff for people: a region as "amount > 50000, country = "IN"", an outcome as "manual_review (rule
// large, requires override)".
import type { ValueClass } from "./domain.ts";
import type { DiffOutcome, PolicyDiff, Region } from "./diff.ts";

function classText(signal: string, c: ValueClass): string {
  switch (c.kind) {
    case "absent":
      return `${signal} not given`;
    case "point":
      return `${signal} = ${JSON.stringify(c.value)}`;
    case "other":
      return c.except.length === 0 ? `${signal} any string` : `${signal} not in ${JSON.stringify(c.except)}`;
    case "interval": {
      const parts: string[] = [];
      if (c.lo !== undefined) parts.push(`${signal} ${c.loInclusive ? ">=" : ">"} ${String(c.lo)}`);
      if (c.hi !== undefined) parts.push(`${signal} ${c.hiInclusive ? "<=" : "<"} ${String(c.hi)}`);
      if (c.lo !== undefined && c.hi !== undefined && c.lo === c.hi) return `${signal} = ${String(c.lo)}`;
      return parts.length === 0 ? `${signal} any ${c.integer ? "integer" : "number"}` : parts.join(" and ");
    }
  }
}

export function formatRegion(region: Region): string {
  const parts = Object.entries(region).map(([signal, c]) => classText(signal, c));
  return parts.length === 0 ? "every input" : parts.join(", ");
}

export function formatOutcome(o: DiffOutcome): string {
  return "error" in o
    ? "no rule matches"
    : `${o.action} (rule ${o.ruleId}${o.requires_override ? ", requires override" : ""})`;
}

export function formatDiff(d: PolicyDiff): string[] {
  const lines: string[] = [];
  const s = d.signals;
  for (const name of s.added) lines.push(`signal added: ${name}`);
  for (const name of s.removed) lines.push(`signal removed: ${name}`);
  for (const r of s.retyped) lines.push(`signal retyped: ${r.signal} ${r.old} → ${r.new}`);
  for (const c of s.constrained)
    lines.push(`signal constrained: ${c.signal} ${JSON.stringify(c.old)} → ${JSON.stringify(c.new)}`);
  if (!d.sharedInputs)
    lines.push("no input is valid for both versions: every caller must change its signals");
  for (const c of d.changes)
    lines.push(
      `changed: ${formatRegion(c.region)}: ${formatOutcome(c.old)} → ${formatOutcome(c.new)}; e.g. ${JSON.stringify(c.witness)}`,
    );
  for (const u of d.unreachable)
    lines.push(
      `unreachable in ${u.version}: rule ${u.ruleId} (${u.reason === "shadowed" ? "earlier rules decide every input it matches" : "its condition is never true"})`,
    );
  if (lines.length === 0)
    lines.push("no change: the two versions decide the same on every input both accept");
  return lines;
}
