/**
 * A small JSON Schema checker for the subset docs/schemas/*.schema.json use (type, enum, const,
 * properties, required, additionalProperties, items, oneOf, anyOf, $ref to #/$defs, minimum, maximum,
 * pattern). No dependency; it refuses schema keywords it does not know, so the schema cannot silently
 * outgrow it.
 */

type Schema = Record<string, unknown>;

const KNOWN = new Set([
  "$schema", "$id", "$ref", "$defs", "title", "description", "type", "enum", "const", "properties", "required",
  "additionalProperties", "items", "oneOf", "anyOf", "minimum", "maximum", "pattern",
]);

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function typeMatches(t: string, v: unknown): boolean {
  const actual = typeOf(v);
  return t === actual || (t === "number" && actual === "integer");
}

/** Errors of `value` against `schema` (empty when valid), each `path: message`. */
export function checkSchema(root: Schema, value: unknown, schema: Schema = root, path = "$"): string[] {
  for (const k of Object.keys(schema)) if (!KNOWN.has(k)) return [`${path}: schema keyword '${k}' is not supported by the checker`];
  if (typeof schema["$ref"] === "string") {
    const ref = schema["$ref"] as string;
    const m = /^#\/\$defs\/(.+)$/.exec(ref);
    const target = m ? (root["$defs"] as Record<string, Schema> | undefined)?.[m[1]!] : undefined;
    if (!target) return [`${path}: unresolved $ref ${ref}`];
    const errs = checkSchema(root, value, target, path);
    if (errs.length) return errs;
  }
  const errors: string[] = [];
  const t = schema["type"];
  if (t !== undefined) {
    const types = Array.isArray(t) ? (t as string[]) : [t as string];
    if (!types.some((x) => typeMatches(x, value))) return [`${path}: expected ${types.join(" or ")}, got ${typeOf(value)}`];
  }
  if ("const" in schema && JSON.stringify(schema["const"]) !== JSON.stringify(value)) errors.push(`${path}: expected ${JSON.stringify(schema["const"])}`);
  if (Array.isArray(schema["enum"]) && !(schema["enum"] as unknown[]).some((e) => JSON.stringify(e) === JSON.stringify(value)))
    errors.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema["enum"])}`);
  if (typeof value === "number") {
    if (typeof schema["minimum"] === "number" && value < (schema["minimum"] as number)) errors.push(`${path}: ${value} < minimum ${schema["minimum"]}`);
    if (typeof schema["maximum"] === "number" && value > (schema["maximum"] as number)) errors.push(`${path}: ${value} > maximum ${schema["maximum"]}`);
  }
  if (typeof value === "string" && typeof schema["pattern"] === "string" && !new RegExp(schema["pattern"] as string, "u").test(value))
    errors.push(`${path}: '${value}' does not match ${schema["pattern"]}`);
  if (typeOf(value) === "object") {
    const obj = value as Record<string, unknown>;
    const props = (schema["properties"] ?? {}) as Record<string, Schema>;
    for (const r of (schema["required"] ?? []) as string[]) if (!(r in obj)) errors.push(`${path}: missing required property '${r}'`);
    for (const [k, v] of Object.entries(obj)) {
      if (props[k]) errors.push(...checkSchema(root, v, props[k]!, `${path}.${k}`));
      else if (schema["additionalProperties"] === false) errors.push(`${path}: unexpected property '${k}'`);
      else if (typeof schema["additionalProperties"] === "object") errors.push(...checkSchema(root, v, schema["additionalProperties"] as Schema, `${path}.${k}`));
    }
  }
  if (Array.isArray(value) && schema["items"]) value.forEach((v, i) => errors.push(...checkSchema(root, v, schema["items"] as Schema, `${path}[${i}]`)));
  if (Array.isArray(schema["oneOf"])) {
    const ok = (schema["oneOf"] as Schema[]).filter((s) => checkSchema(root, value, s, path).length === 0).length;
    if (ok !== 1) errors.push(`${path}: matches ${ok} of the oneOf alternatives (exactly 1 wanted)`);
  }
  if (Array.isArray(schema["anyOf"]) && !(schema["anyOf"] as Schema[]).some((s) => checkSchema(root, value, s, path).length === 0))
    errors.push(`${path}: matches none of the anyOf alternatives`);
  return errors;
}
