// Validates an event against the official OCSF 1.3.0 schema as compiled by ocsf-schema-compiler, the form the
// OCSF server loads (test/fixtures/standards/ocsf-1.3.0), applying
// the rules of the OCSF server's validator (ocsf/ocsf-server lib/schema/validator2.ex) by its own names:
// class lookup, metadata.version and profiles, type_uid, required, unknown and wrongly typed attributes,
// dictionary-type ranges, lengths, patterns and values, enum values and their siblings, and constraints.
// Missing *recommended* attributes are not reported (the server reports them only when asked).
import { readFileSync } from "node:fs";

interface OcsfAttribute {
  readonly type: string;
  readonly object_type?: string;
  readonly requirement: "required" | "recommended" | "optional";
  readonly is_array?: boolean;
  readonly sibling?: string;
  readonly profiles?: readonly string[];
  readonly "@deprecated"?: unknown;
  readonly enum?: Readonly<Record<string, { readonly caption: string }>>;
}

interface OcsfItem {
  readonly name: string;
  readonly caption: string;
  readonly uid?: number;
  readonly constraints?: { readonly at_least_one?: readonly string[]; readonly just_one?: readonly string[] };
  readonly "@deprecated"?: unknown;
  readonly attributes: Readonly<Record<string, OcsfAttribute>>;
}

interface OcsfType {
  readonly type?: string;
  readonly max_len?: number;
  readonly range?: readonly [number, number];
  readonly regex?: string;
  readonly values?: readonly unknown[];
}

interface OcsfSchema {
  readonly version: string;
  readonly profiles: readonly string[];
  readonly types: Readonly<Record<string, OcsfType>>;
  readonly classes: Readonly<Record<string, OcsfItem>>;
  readonly objects: Readonly<Record<string, OcsfItem>>;
}

export interface OcsfFinding {
  readonly type: string;
  readonly path: string;
  readonly message: string;
}

export interface OcsfReport {
  readonly errors: readonly OcsfFinding[];
  readonly warnings: readonly OcsfFinding[];
}

export const ocsfSchema: OcsfSchema = JSON.parse(
  readFileSync(new URL("../../fixtures/standards/ocsf-1.3.0/schema.json", import.meta.url), "utf8"),
) as OcsfSchema;

/** The primitive types' value checks (validator2's validate_value_against_dictionary_type). */
const PRIMITIVE_CHECKS: Readonly<Record<string, (value: unknown) => boolean>> = {
  boolean_t: (v) => typeof v === "boolean",
  float_t: (v) => typeof v === "number",
  integer_t: (v) => Number.isInteger(v) && (v as number) >= -(2 ** 31) && (v as number) <= 2 ** 31 - 1,
  long_t: (v) => Number.isSafeInteger(v),
  json_t: () => true,
  string_t: (v) => typeof v === "string",
};

type Json = Record<string, unknown>;
const isMap = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const join = (parent: string, key: string): string => (parent === "" ? key : `${parent}.${key}`);

class Validation {
  readonly errors: OcsfFinding[] = [];
  readonly warnings: OcsfFinding[] = [];

  private readonly schema: OcsfSchema;
  private readonly profiles: readonly string[];

  constructor(schema: OcsfSchema, profiles: readonly string[]) {
    this.schema = schema;
    this.profiles = profiles;
  }

  error(type: string, path: string, message: string): void {
    this.errors.push({ type, path, message });
  }

  warning(type: string, path: string, message: string): void {
    this.warnings.push({ type, path, message });
  }

  /** The item's attributes less those of profiles the event does not declare (validator2's filter_with_profiles). */
  attributesOf(item: OcsfItem): [string, OcsfAttribute][] {
    return Object.entries(item.attributes).filter(
      ([, a]) => a.profiles === undefined || a.profiles.some((p) => this.profiles.includes(p)),
    );
  }

  item(event: Json, path: string, item: OcsfItem): void {
    const attributes = this.attributesOf(item);
    for (const [name, attribute] of attributes) this.attribute(event[name], join(path, name), attribute);
    if (attributes.length > 0) {
      for (const key of Object.keys(event)) {
        if (!attributes.some(([name]) => name === key))
          this.error("attribute_unknown", join(path, key), `"${key}" is not defined in ${item.name}`);
      }
    }
    for (const [name, attribute] of attributes) {
      if (attribute.enum && event[name] !== undefined) this.enumValue(event, path, name, attribute);
    }
    this.constraints(event, path, item);
  }

  attribute(value: unknown, path: string, attribute: OcsfAttribute): void {
    if (value === undefined || value === null) {
      if (attribute.requirement === "required")
        this.error("attribute_required_missing", path, "required attribute is missing");
      return;
    }
    if (attribute["@deprecated"]) this.warning("attribute_deprecated", path, "attribute is deprecated");
    if (attribute.is_array === true) {
      if (!Array.isArray(value)) {
        this.error("attribute_wrong_type", path, `expected an array of ${attribute.type}`);
        return;
      }
      value.forEach((v, i) => {
        this.value(v, `${path}[${String(i)}]`, attribute);
      });
      return;
    }
    this.value(value, path, attribute);
  }

  value(value: unknown, path: string, attribute: OcsfAttribute): void {
    if (attribute.type === "object_t") {
      const object = this.schema.objects[attribute.object_type ?? ""];
      if (!object) throw new Error(`schema has no object ${String(attribute.object_type)}`);
      if (!isMap(value)) {
        this.error("attribute_wrong_type", path, `expected ${object.name} (object)`);
        return;
      }
      if (object["@deprecated"]) this.warning("object_deprecated", path, `${object.name} is deprecated`);
      this.item(value, path, object);
      return;
    }
    this.dictionaryValue(value, path, attribute.type);
  }

  dictionaryValue(value: unknown, path: string, typeName: string): void {
    const type = this.schema.types[typeName];
    if (!type) throw new Error(`schema has no type ${typeName}`);
    const primitive = type.type ?? typeName;
    const check = PRIMITIVE_CHECKS[primitive];
    if (!check) throw new Error(`schema type ${typeName} has unknown primitive ${primitive}`);
    if (!check(value)) {
      this.error(
        "attribute_wrong_type",
        path,
        `expected ${typeName} (${primitive}), got ${JSON.stringify(value)}`,
      );
      return;
    }
    if (primitive === "json_t") return;
    this.typeRules(value, path, typeName);
    if (type.type !== undefined) this.typeRules(value, path, type.type, "super_type_");
  }

  typeRules(value: unknown, path: string, typeName: string, prefix = ""): void {
    const type = this.schema.types[typeName] ?? {};
    if (type.range && typeof value === "number" && (value < type.range[0] || value > type.range[1]))
      this.error(
        `attribute_value_exceeds_${prefix}range`,
        path,
        `${String(value)} outside ${JSON.stringify(type.range)}`,
      );
    if (type.max_len !== undefined && typeof value === "string" && value.length > type.max_len)
      this.error(`attribute_value_exceeds_${prefix}max_len`, path, `longer than ${String(type.max_len)}`);
    if (type.regex !== undefined && typeof value === "string" && !new RegExp(type.regex).test(value))
      this.warning(
        `attribute_value_${prefix}regex_not_matched`,
        path,
        `does not match ${typeName}'s pattern`,
      );
    if (type.values && !type.values.includes(value))
      this.error(
        `attribute_value_not_in_${prefix}type_values`,
        path,
        `not one of ${JSON.stringify(type.values)}`,
      );
  }

  enumValue(event: Json, path: string, name: string, attribute: OcsfAttribute): void {
    const values = attribute.enum ?? {};
    const siblingPath = join(path, attribute.sibling ?? "");
    const raw = event[name];
    const list = attribute.is_array === true && Array.isArray(raw) ? raw : [raw];
    list.forEach((value, i) => {
      const at = attribute.is_array === true ? `${join(path, name)}[${String(i)}]` : join(path, name);
      const member = values[String(value)];
      if (!member) {
        this.error(
          attribute.is_array === true ? "attribute_enum_array_value_unknown" : "attribute_enum_value_unknown",
          at,
          `${JSON.stringify(value)} is not defined for enum "${name}"`,
        );
        return;
      }
      if (attribute.sibling === undefined || !(attribute.sibling in event)) return;
      const siblingRaw = event[attribute.sibling];
      const sibling: unknown =
        attribute.is_array === true && Array.isArray(siblingRaw) ? (siblingRaw as unknown[])[i] : siblingRaw;
      if (value === 99) {
        if (sibling === member.caption)
          this.warning(
            "attribute_enum_sibling_suspicious_other",
            siblingPath,
            "99 (Other) names the caption Other",
          );
      } else if (sibling !== member.caption) {
        this.warning(
          attribute.is_array === true
            ? "attribute_enum_array_sibling_incorrect"
            : "attribute_enum_sibling_incorrect",
          siblingPath,
          `expected "${member.caption}" for ${name} ${JSON.stringify(value)}, got ${JSON.stringify(sibling)}`,
        );
      }
    });
  }

  constraints(event: Json, path: string, item: OcsfItem): void {
    const present = (names: readonly string[]): number =>
      names.filter((n) => event[n] !== undefined && event[n] !== null).length;
    const { at_least_one: atLeastOne, just_one: justOne } = item.constraints ?? {};
    if (atLeastOne && present(atLeastOne) === 0)
      this.error(
        "constraint_failed",
        path || "(event)",
        `${item.name}: at least one of ${atLeastOne.join(", ")}`,
      );
    if (justOne && present(justOne) !== 1)
      this.error(
        "constraint_failed",
        path || "(event)",
        `${item.name}: exactly one of ${justOne.join(", ")}`,
      );
  }
}

/** Validates one OCSF event as the OCSF server's /api/v2/validate does (errors and warnings). */
export function validateOcsf(event: unknown): OcsfReport {
  const schema = ocsfSchema;
  if (!isMap(event)) throw new Error("an OCSF event is a JSON object");
  const metadata = isMap(event["metadata"]) ? event["metadata"] : {};
  const declared = Array.isArray(metadata["profiles"]) ? (metadata["profiles"] as unknown[]) : [];
  const profiles = declared.filter((p): p is string => typeof p === "string");
  const v = new Validation(schema, profiles);
  for (const p of profiles)
    if (!schema.profiles.includes(p)) v.error("profile_unknown", "metadata.profiles", `no profile "${p}"`);
  if (metadata["version"] !== schema.version)
    v.error(
      "version_incompatible",
      "metadata.version",
      `expected ${schema.version}, got ${String(metadata["version"])}`,
    );
  const cls = Object.values(schema.classes).find((c) => c.uid === event["class_uid"]);
  if (!cls) {
    v.error("class_uid_unknown", "class_uid", `no class with uid ${JSON.stringify(event["class_uid"])}`);
    return v;
  }
  if (cls["@deprecated"]) v.warning("class_deprecated", "class_uid", `${cls.name} is deprecated`);
  const expectedTypeUid = (cls.uid ?? 0) * 100 + Number(event["activity_id"]);
  if (event["type_uid"] !== expectedTypeUid)
    v.error(
      "type_uid_incorrect",
      "type_uid",
      `expected ${String(expectedTypeUid)}, got ${String(event["type_uid"])}`,
    );
  v.item(event, "", cls);
  return v;
}
