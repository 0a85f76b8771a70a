/**
 * A small JSON Schema checker for the OpenAPI description the platform
 * stand-in serves (docs/platform/flow-service.openapi.json): `$ref`, `allOf`,
 * type, enum, required, properties, additionalProperties false,
 * minProperties, maxLength, pattern, minimum/maximum, minItems, items and
 * the date-time format. Enough to refuse every request the subset's
 * description refuses; each problem named by its path.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

type Schema = Record<string, unknown>;

export const FLOW_SERVICE = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'platform', 'flow-service.openapi.json'), 'utf8')) as {
  paths: Record<string, Record<string, Schema>>;
  components: { schemas: Record<string, Schema> };
};

function resolve(s: Schema): Schema {
  const ref = s.$ref;
  if (typeof ref !== 'string') return s;
  const name = ref.replace('#/components/schemas/', '');
  const target = FLOW_SERVICE.components.schemas[name];
  if (!target) throw new Error(`unknown $ref ${ref}`);
  return resolve(target);
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export function check(value: unknown, schema: Schema, path = '$', inAllOf = false): string[] {
  const s = resolve(schema);
  const out: string[] = [];
  if (Array.isArray(s.allOf)) {
    // The parts together describe the object: a property is unknown only when no part knows it.
    const parts = (s.allOf as Schema[]).map(resolve);
    for (const part of parts) out.push(...check(value, part, path, true));
    if (parts.some((p) => p.additionalProperties === false) && typeof value === 'object' && value !== null) {
      const known = new Set(parts.flatMap((p) => Object.keys((p.properties ?? {}))));
      for (const k of Object.keys(value)) if (!known.has(k)) out.push(`${path}.${k}: not in the description`);
    }
  }
  const type = s.type;
  if (type === 'object') {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return [...out, `${path}: an object is expected`];
    const obj = value as Record<string, unknown>;
    const props = (s.properties ?? {}) as Record<string, Schema>;
    for (const r of (s.required ?? []) as string[]) if (!(r in obj)) out.push(`${path}.${r}: required`);
    if (s.additionalProperties === false && !inAllOf) for (const k of Object.keys(obj)) if (!(k in props)) out.push(`${path}.${k}: not in the description`);
    if (typeof s.minProperties === 'number' && Object.keys(obj).length < s.minProperties) out.push(`${path}: at least ${s.minProperties} propert(ies)`);
    for (const [k, v] of Object.entries(obj)) if (props[k]) out.push(...check(v, props[k], `${path}.${k}`));
  } else if (type === 'array') {
    if (!Array.isArray(value)) return [...out, `${path}: an array is expected`];
    if (typeof s.minItems === 'number' && value.length < s.minItems) out.push(`${path}: at least ${s.minItems} item(s)`);
    if (s.items) value.forEach((v, i) => out.push(...check(v, s.items as Schema, `${path}[${i}]`)));
  } else if (type === 'string') {
    if (typeof value !== 'string') return [...out, `${path}: a string is expected`];
    if (typeof s.maxLength === 'number' && value.length > s.maxLength) out.push(`${path}: at most ${s.maxLength} characters`);
    if (typeof s.pattern === 'string' && !new RegExp(s.pattern).test(value)) out.push(`${path}: does not match ${s.pattern}`);
    if (s.format === 'date-time' && !DATE_TIME.test(value)) out.push(`${path}: not an RFC 3339 date-time`);
  } else if (type === 'integer') {
    if (typeof value !== 'number' || !Number.isInteger(value)) return [...out, `${path}: an integer is expected`];
    if (typeof s.minimum === 'number' && value < s.minimum) out.push(`${path}: at least ${s.minimum}`);
    if (typeof s.maximum === 'number' && value > s.maximum) out.push(`${path}: at most ${s.maximum}`);
  }
  if (Array.isArray(s.enum) && !s.enum.includes(value)) out.push(`${path}: ${JSON.stringify(value)} is not one of ${s.enum.join(', ')}`);
  return out;
}

export function schema(name: string): Schema {
  const s = FLOW_SERVICE.components.schemas[name];
  if (!s) throw new Error(`no schema ${name}`);
  return s;
}
