// Every event type, as the server and the operator raise it, rendered in every format and checked with each
// standard's own definitions: OCSF 1.3.0 (the official schema, the OCSF server's validation rules) and ECS
// 8.11.0 (Elastic's ecs_flat.yml). CEF keeps its shape check in formats.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  buildSecurityEvent,
  SecurityEventType,
  type RaiseInput,
  type SecurityEvent,
} from "../../../src/events/index.ts";
import { renderEvent } from "../../../src/export/index.ts";
import { validateOcsf } from "../../support/standards/ocsf.ts";
import { ECS_VERSION, validateEcs } from "../../support/standards/ecs.ts";

const server = {
  component: "server" as const,
  instance: "gs-0",
  namespace: "payments",
  governanceServer: "gs",
};
const operator = { component: "operator" as const, instance: "op-0", namespace: "parmana-system" };

/** The shapes each type really has where it is raised (src/server/app.ts, routes, start.ts, the operator). */
function variants(type: SecurityEventType): [string, RaiseInput, typeof server | typeof operator][] {
  const request = { method: "POST", path: "/execute", requestId: "req-1" };
  const actor = { apiKeyId: "payments", clientIp: "10.1.2.3", userAgent: "curl/8.5" };
  const policy = {
    policyId: "loan-approval",
    policyVersion: "1.2.0",
    bundleHash: `sha256:${"a".repeat(64)}`,
    revision: 3,
  };
  const base = { type, message: `a ${type}`, occurrences: 1 };
  switch (type) {
    case "replay_attempt":
      return [
        [
          "a replayed executionId",
          {
            ...base,
            actor,
            request,
            policy,
            execution: { executionId: "loan-42", fingerprint: "ab".repeat(32) },
          },
          server,
        ],
        ["from an IPv6 client", { ...base, actor: { ...actor, clientIp: "::1" }, request }, server],
      ];
    case "signature_failure":
      return [
        [
          "a forged attestation at /verify",
          {
            ...base,
            actor,
            request: { ...request, path: "/verify" },
            details: { signerKeyId: "ed25519:00", trusted: false },
          },
          server,
        ],
        ["the self-check after signing", { ...base, policy, details: { stage: "self-check" } }, server],
      ];
    case "invalid_policy":
      return [
        [
          "a bundle refused at start-up",
          { ...base, policy, details: { reason: "BAD_SIGNATURE", stage: "load" } },
          server,
        ],
        [
          "a PolicyBundle refused by the operator",
          { ...base, occurrences: 4, policy, details: { reason: "UNTRUSTED_KEY" } },
          operator,
        ],
      ];
    case "rate_limit_exceeded":
      return [
        [
          "an API key over its limit",
          { ...base, occurrences: 17, actor, request, details: { limit: 4 } },
          server,
        ],
        [
          "an anonymous client over its limit",
          { ...base, actor: { clientIp: "10.9.9.9" }, request: { method: "GET", path: "/health" } },
          server,
        ],
      ];
    case "unauthorized_access":
      return [
        [
          "no API key",
          {
            ...base,
            actor: { clientIp: "10.1.2.3", userAgent: "curl/8.5" },
            request,
            details: { reason: "missing" },
          },
          server,
        ],
        [
          "an unknown API key",
          {
            ...base,
            actor: { clientIp: "10.1.2.3" },
            request: { ...request, method: "GET", path: "/audit/security" },
            details: { reason: "unknown" },
          },
          server,
        ],
        [
          "a key without the scope",
          {
            ...base,
            actor,
            request: { ...request, method: "DELETE", path: "/x" },
            details: { reason: "scope" },
          },
          server,
        ],
      ];
  }
}

function allEvents(): [string, SecurityEvent][] {
  return Object.values(SecurityEventType).flatMap((type) =>
    variants(type).map(([label, input, source]): [string, SecurityEvent] => [
      `${type}: ${label}`,
      buildSecurityEvent(input, source),
    ]),
  );
}

test("siem.ocsf: every event type validates against the official OCSF 1.3.0 schema with no error and no warning", () => {
  const findings = allEvents().flatMap(([label, event]) => {
    const report = validateOcsf(JSON.parse(renderEvent(event, "ocsf").value));
    return [...report.errors, ...report.warnings].map(
      (f) => `${label}: ${f.type} at ${f.path}: ${f.message}`,
    );
  });
  assert.deepEqual(findings, []);
});

test("siem.ocsf: findings are New, API Activity is a Failure with the HTTP status, the client is where the class puts it", () => {
  const byType = new Map<string, Record<string, unknown>>();
  for (const [, e] of allEvents())
    if (!byType.has(e.event_type))
      byType.set(e.event_type, JSON.parse(renderEvent(e, "ocsf").value) as Record<string, unknown>);
  for (const type of ["replay_attempt", "signature_failure", "invalid_policy"] as const) {
    const doc = byType.get(type) ?? {};
    assert.equal(doc["class_uid"], 2004, type);
    assert.deepEqual([doc["status_id"], doc["status"]], [1, "New"], `${type}: a finding's workflow state`);
  }
  const replay = byType.get("replay_attempt") as { evidences?: { src_endpoint?: { ip?: string } }[] };
  assert.equal(replay.evidences?.[0]?.src_endpoint?.ip, "10.1.2.3");
  for (const [type, code] of [
    ["rate_limit_exceeded", "429"],
    ["unauthorized_access", "401"],
  ] as const) {
    const doc = byType.get(type) as Record<string, unknown> & { src_endpoint?: { ip?: string } };
    assert.equal(doc["class_uid"], 6003, type);
    assert.deepEqual([doc["status_id"], doc["status"], doc["status_code"]], [2, "Failure", code], type);
    assert.equal(doc.src_endpoint?.ip, "10.1.2.3", type);
  }
});

test("siem.ecs: every event type validates against Elastic's ECS 8.11.0 field definitions", () => {
  const findings = allEvents().flatMap(([label, event]) => {
    const doc = JSON.parse(renderEvent(event, "ecs").value) as { ecs?: { version?: string } };
    const report = validateEcs(doc);
    return [
      ...report.findings.map((f) => `${label}: ${f.type} at ${f.field}: ${f.message}`),
      ...(report.customNamespaces.join() === "parmana"
        ? []
        : [`${label}: custom namespaces ${report.customNamespaces.join()}`]),
      ...(doc.ecs?.version === ECS_VERSION ? [] : [`${label}: ecs.version ${String(doc.ecs?.version)}`]),
    ];
  });
  assert.deepEqual(findings, []);
});

test("siem.validators: the standards' checks find what the issue found (so a passing record means something)", () => {
  const event = buildSecurityEvent(
    variants("replay_attempt")[0]?.[1] ?? { type: "replay_attempt", message: "" },
    server,
  );
  const ocsf = JSON.parse(renderEvent(event, "ocsf").value) as Record<string, unknown>;
  const types = (doc: Record<string, unknown>): string[] => {
    const r = validateOcsf(doc);
    return [...r.errors, ...r.warnings].map((f) => `${f.type}@${f.path}`);
  };
  assert.ok(types({ ...ocsf, src_endpoint: { ip: "10.1.2.3" } }).includes("attribute_unknown@src_endpoint"));
  assert.ok(types({ ...ocsf, disposition_id: 2 }).includes("attribute_unknown@disposition_id"));
  assert.ok(types({ ...ocsf, status: "Failure" }).includes("attribute_enum_sibling_incorrect@status"));
  assert.ok(types({ ...ocsf, severity_id: 42 }).includes("attribute_enum_value_unknown@severity_id"));
  assert.ok(types({ ...ocsf, time: "yesterday" }).includes("attribute_wrong_type@time"));
  assert.ok(types({ ...ocsf, type_uid: 1 }).includes("type_uid_incorrect@type_uid"));
  const { finding_info: _dropped, ...noFinding } = ocsf;
  assert.ok(types(noFinding).includes("attribute_required_missing@finding_info"));
  assert.ok(
    types({ ...ocsf, metadata: { ...(ocsf["metadata"] as object), profiles: ["nope"] } }).includes(
      "profile_unknown@metadata.profiles",
    ),
  );

  const ecs = JSON.parse(renderEvent(event, "ecs").value) as Record<string, unknown> & {
    event: Record<string, unknown>;
  };
  const fields = (doc: Record<string, unknown>): string[] =>
    validateEcs(doc).findings.map((f) => `${f.type}@${f.field}`);
  const { ecs: _version, ...noVersion } = ecs;
  assert.ok(fields(noVersion).includes("field_required_missing@ecs.version"));
  assert.ok(fields({ ...ecs, event: { ...ecs.event, count: 3 } }).includes("field_unknown@event.count"));
  assert.ok(
    fields({ ...ecs, event: { ...ecs.event, category: ["web"], type: ["denied"] } }).includes(
      "event_type_not_expected@event.type",
    ),
  );
  assert.ok(
    fields({ ...ecs, event: { ...ecs.event, kind: "finding" } }).includes(
      "field_value_not_allowed@event.kind",
    ),
  );
  assert.ok(fields({ ...ecs, source: { ip: "not-an-ip" } }).includes("field_wrong_type@source.ip"));
});
