import 'reflect-metadata';

const FREE_TEXT = Symbol('free-text-fields');

/**
 * Marks a DTO field as free text (a password, a reason): CR and LF are allowed in it. Every other
 * string field refuses them, so a field added later is single-line unless it says otherwise.
 */
export function FreeText(): PropertyDecorator {
  return (target, property) => {
    const ctor = target.constructor;
    const own: string[] = Reflect.getOwnMetadata(FREE_TEXT, ctor) ?? [];
    Reflect.defineMetadata(FREE_TEXT, [...own, String(property)], ctor);
  };
}

/** The free-text fields of a DTO class, inherited ones included. */
export function freeTextFields(metatype: unknown): Set<string> {
  const fields = new Set<string>();
  for (let c = metatype; typeof c === 'function' && c !== Object; c = Object.getPrototypeOf(c)) {
    for (const f of (Reflect.getOwnMetadata(FREE_TEXT, c) as string[] | undefined) ?? []) {
      fields.add(f);
    }
  }
  return fields;
}

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LINE_BREAK = /[\r\n]/;

/**
 * The first string in a request value (body, query or path parameter) that no field may hold:
 * NUL or a lone surrogate anywhere (neither is text; a lone surrogate even makes `isEmail` throw),
 * CR or LF outside the free-text fields (header and log injection, `bcc:` in a quoted address).
 * Returns the field path and the reason, or undefined.
 */
export function findHostileString(
  value: unknown,
  freeText: Set<string>,
  path = '',
  depth = 0,
): string | undefined {
  if (typeof value === 'string') {
    const where = path || 'value';
    if (value.includes('\0')) return `${where} must not contain NUL`;
    if (LONE_SURROGATE.test(value)) return `${where} must not contain a lone UTF-16 surrogate`;
    const topField = path.split(/[.[]/)[0];
    if (!freeText.has(topField) && LINE_BREAK.test(value)) {
      return `${where} must not contain CR or LF`;
    }
    return undefined;
  }
  // The JSON parser already refuses deeper bodies; this bound only keeps the walk itself safe.
  if (value === null || typeof value !== 'object' || depth > 64) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findHostileString(value[i], freeText, `${path}[${i}]`, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const keyProblem = findHostileString(key, new Set(), `${path ? `${path}.` : ''}(key)`, depth);
    if (keyProblem) return keyProblem;
    const name = key.length > 64 ? `${key.slice(0, 64)}…` : key;
    const found = findHostileString(v, freeText, path ? `${path}.${name}` : name, depth + 1);
    if (found) return found;
  }
  return undefined;
}
