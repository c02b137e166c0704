// Validates a document against Elastic's own ECS 8.11.0 field definitions (generated/ecs/ecs_flat.yml,
// vendored in test/fixtures/standards/ecs-8.11.0): every field inside an ECS field set must be an ECS field of
// the right type (custom fields belong under a namespace of one's own), required fields are present, the
// categorisation fields hold allowed values, and each event.type is one its event.category expects.
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { parse } from "yaml";

interface EcsAllowedValue {
  readonly name: string;
  readonly expected_event_types?: readonly string[];
}

interface EcsField {
  readonly flat_name: string;
  readonly type: string;
  readonly object_type?: string;
  readonly normalize?: readonly string[];
  readonly required?: boolean;
  readonly allowed_values?: readonly EcsAllowedValue[];
}

export interface EcsFinding {
  readonly type: string;
  readonly field: string;
  readonly message: string;
}

export const ECS_VERSION = "8.11.0";

export const ecsFields: ReadonlyMap<string, EcsField> = new Map(
  Object.entries(
    parse(
      readFileSync(new URL("../../fixtures/standards/ecs-8.11.0/ecs_flat.yml", import.meta.url), "utf8"),
    ) as Record<string, EcsField>,
  ),
);

/** Top-level names ECS defines (field sets and root fields): custom fields may not live under these. */
const ecsNamespaces = new Set([...ecsFields.keys()].map((name) => name.split(".")[0] ?? name));

type Json = Record<string, unknown>;
const isMap = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

const STRING_TYPES = new Set(["keyword", "constant_keyword", "wildcard", "text", "match_only_text"]);
const INTEGER_TYPES = new Set(["long", "integer", "short", "byte"]);
const NUMBER_TYPES = new Set(["float", "double", "half_float", "scaled_float"]);

const isDate = (v: unknown): boolean =>
  (typeof v === "string" && /^\d{4}-\d\d-\d\dT/.test(v) && !Number.isNaN(Date.parse(v))) ||
  Number.isSafeInteger(v);

/** What each ECS (Elasticsearch) field type accepts, and how to say it. */
const TYPE_CHECKS: readonly [ReadonlySet<string>, string, (v: unknown) => boolean][] = [
  [STRING_TYPES, "a string", (v) => typeof v === "string"],
  [INTEGER_TYPES, "an integer", (v) => Number.isSafeInteger(v)],
  [NUMBER_TYPES, "a number", (v) => typeof v === "number"],
  [new Set(["boolean"]), "a boolean", (v) => typeof v === "boolean"],
  [new Set(["ip"]), "an IP address", (v) => typeof v === "string" && isIP(v) !== 0],
  [new Set(["date"]), "an ISO 8601 date or epoch milliseconds", isDate],
  [new Set(["flattened", "object"]), "an object", isMap],
  [new Set(["nested", "geo_point"]), "", () => true],
];

function typeProblem(type: string, value: unknown): string | undefined {
  const check = TYPE_CHECKS.find(([types]) => types.has(type));
  if (!check) throw new Error(`ECS type ${type} is not handled`);
  return check[2](value) ? undefined : check[1];
}

function checkLeaf(field: EcsField, value: unknown, findings: EcsFinding[]): void {
  const name = field.flat_name;
  const wantsArray = field.normalize?.includes("array") === true;
  if (Array.isArray(value) !== wantsArray) {
    findings.push({
      type: "field_wrong_shape",
      field: name,
      message: wantsArray
        ? "ECS normalises this field to an array"
        : "ECS defines this field as a single value",
    });
  }
  const values = Array.isArray(value) ? (value as unknown[]) : [value];
  for (const v of values) {
    const problem = typeProblem(field.type, v);
    if (problem !== undefined)
      findings.push({
        type: "field_wrong_type",
        field: name,
        message: `${field.type}: expected ${problem}, got ${JSON.stringify(v)}`,
      });
    if (field.allowed_values && !field.allowed_values.some((a) => a.name === v))
      findings.push({
        type: "field_value_not_allowed",
        field: name,
        message: `${JSON.stringify(v)} is not an allowed value`,
      });
  }
}

/** Whether ECS defines fields below `name` (so a map there is walked into rather than judged). */
const hasEcsChildren = (name: string): boolean => [...ecsFields.keys()].some((f) => f.startsWith(`${name}.`));

function checkObjectField(field: EcsField, value: Json, findings: EcsFinding[]): void {
  for (const [sub, v] of Object.entries(value)) {
    const problem = field.object_type === undefined ? undefined : typeProblem(field.object_type, v);
    if (problem !== undefined)
      findings.push({
        type: "field_wrong_type",
        field: `${field.flat_name}.${sub}`,
        message: `expected ${problem}`,
      });
  }
}

function walk(doc: Json, prefix: string, findings: EcsFinding[], custom: Set<string>): void {
  for (const [key, value] of Object.entries(doc)) {
    const name = prefix === "" ? key : `${prefix}.${key}`;
    const field = ecsFields.get(name);
    const top = name.split(".")[0] ?? name;
    if (field?.type === "object" && isMap(value)) checkObjectField(field, value, findings);
    else if (field && field.type !== "nested") checkLeaf(field, value, findings);
    else if (isMap(value) && (field !== undefined || hasEcsChildren(name)))
      walk(value, name, findings, custom);
    else if (ecsNamespaces.has(top))
      findings.push({
        type: "field_unknown",
        field: name,
        message:
          "not an ECS field, but inside an ECS field set (custom fields belong under a namespace of your own)",
      });
    else custom.add(top);
  }
}

function checkCategorisation(doc: Json, findings: EcsFinding[]): void {
  const event = isMap(doc["event"]) ? doc["event"] : {};
  const categories = Array.isArray(event["category"]) ? (event["category"] as unknown[]) : [];
  const types = Array.isArray(event["type"]) ? (event["type"] as unknown[]) : [];
  const allowed = ecsFields.get("event.category")?.allowed_values ?? [];
  for (const category of categories) {
    const expected = allowed.find((a) => a.name === category)?.expected_event_types ?? [];
    for (const type of types) {
      if (!expected.includes(String(type)))
        findings.push({
          type: "event_type_not_expected",
          field: "event.type",
          message: `"${String(type)}" is not an expected event.type for event.category "${String(category)}" (expected: ${expected.join(", ")})`,
        });
    }
  }
}

export interface EcsReport {
  readonly findings: readonly EcsFinding[];
  /** Top-level custom namespaces the document uses (outside every ECS field set). */
  readonly customNamespaces: readonly string[];
}

/** Validates one ECS document against the ECS 8.11.0 field definitions. */
export function validateEcs(doc: unknown): EcsReport {
  if (!isMap(doc)) throw new Error("an ECS document is a JSON object");
  const findings: EcsFinding[] = [];
  const custom = new Set<string>();
  walk(doc, "", findings, custom);
  for (const field of ecsFields.values()) {
    if (field.required !== true) continue;
    const path = field.flat_name.split(".");
    let at: unknown = doc;
    for (const part of path) at = isMap(at) ? at[part] : undefined;
    if (at === undefined)
      findings.push({ type: "field_required_missing", field: field.flat_name, message: "required by ECS" });
  }
  const ecs = isMap(doc["ecs"]) ? doc["ecs"] : {};
  if (ecs["version"] !== undefined && ecs["version"] !== ECS_VERSION)
    findings.push({ type: "ecs_version", field: "ecs.version", message: `expected ${ECS_VERSION}` });
  checkCategorisation(doc, findings);
  return { findings, customNamespaces: [...custom].sort() };
}
