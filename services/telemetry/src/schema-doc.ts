/**
 * The README's schema table, made from the catalogue itself so the two cannot drift apart
 * (test/schemas.test.ts compares them).
 */
import { EVENT_SCHEMAS, EVENT_TYPES, fieldLabels, type FieldSchema } from "./schemas.js";

function allowed(spec: FieldSchema): string {
  switch (spec.kind) {
    case "enum":
      return spec.values.map((v) => `\`${v}\``).join(", ");
    case "bool":
      return "`true`, `false`";
    case "int":
      return `integer ${spec.min}..${spec.max}`;
    case "buckets": {
      const unit = spec.unit === undefined ? "" : ` ${spec.unit}`;
      const last = spec.bounds[spec.bounds.length - 1] ?? spec.min;
      return `number ${spec.min}..${last}${unit}, kept as its bucket: ${fieldLabels(spec)
        .map((l) => `\`${l}\``)
        .join(", ")}`;
    }
  }
}

/** A Markdown table: one row per field of every declared event type. */
export function schemaTable(): string {
  const rows = ["| event `type` | field | required | allowed values | meaning |", "|---|---|---|---|---|"];
  for (const type of EVENT_TYPES) {
    const schema = EVENT_SCHEMAS[type];
    for (const [name, spec] of Object.entries<FieldSchema>(schema.fields)) {
      rows.push(`| \`${type}\` | \`${name}\` | ${spec.required ? "yes" : "no"} | ${allowed(spec)} | ${spec.doc} |`);
    }
  }
  return rows.join("\n");
}
