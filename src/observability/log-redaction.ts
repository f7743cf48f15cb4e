/**
 * What the logger censors whatever a caller passes. Defence in depth: callers log ids only, but
 * a secret or a contact detail that slips into a field is replaced before it is written.
 *
 * The paths, as pino's `redact` would name them: each key below at the top of a line or of a
 * child logger's bindings (`email`) and one level down (`*.email`, which covers
 * `headers.authorization`), plus `req.headers.authorization` and `req.headers.cookie`.
 *
 * Done here rather than by pino's `redact` option because its `*.` paths cost more than the rest
 * of a request's log line together (measured on POST /v1/decide); checking the keys of the
 * fields a line carries costs next to nothing when, as it should, nothing needs censoring.
 */
export const CENSORED_KEYS: readonly string[] = [
  "authorization",
  "secret",
  "password",
  "email",
  "phone",
  "name",
  "body",
];

/** Headers censored under `req.headers` (a serialised request). */
const CENSORED_REQUEST_HEADERS: readonly string[] = ["authorization", "cookie"];

/** What a censored value is replaced with. */
export const CENSOR = "[redacted]";

const CENSORED: ReadonlySet<string> = new Set(CENSORED_KEYS);

/**
 * `fields` with every censored path replaced by {@link CENSOR}. Never changes `fields` or
 * anything in it: objects along a censored path are copied (keeping their prototype, so an
 * error stays an error), and `fields` itself comes back when nothing needed censoring.
 *
 * @example
 * censored({ subjectId: "s-1", event: { phone: "+44 7700 900123" } })
 * // { subjectId: "s-1", event: { phone: "[redacted]" } }
 */
export function censored(fields: Record<string, unknown>): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    const next = CENSORED.has(key) ? censor(value) : censoredBelow(key, value);
    if (next === value) continue;
    copy ??= { ...fields };
    copy[key] = next;
  }
  return copy ?? fields;
}

/** An absent value stays absent (it is not written); any other is replaced. */
function censor(value: unknown): unknown {
  return value === undefined ? value : CENSOR;
}

/** The censored keys one level down, and the censored headers of a request under `req`. */
function censoredBelow(key: string, value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  const result = withCensored(value, CENSORED_KEYS);
  return key === "req" ? withCensoredHeaders(result) : result;
}

function withCensoredHeaders(request: object): object {
  const headers: unknown = Object.hasOwn(request, "headers")
    ? Reflect.get(request, "headers")
    : undefined;
  if (typeof headers !== "object" || headers === null) return request;
  const next = withCensored(headers, CENSORED_REQUEST_HEADERS);
  return next === headers ? request : withProperty(request, "headers", next);
}

function withCensored(value: object, keys: readonly string[]): object {
  let result = value;
  for (const key of keys) {
    if (Object.hasOwn(value, key) && Reflect.get(value, key) !== undefined) {
      result = withProperty(result, key, CENSOR);
    }
  }
  return result;
}

/** A copy of `value` (same prototype, same own properties) with `key` set to `replacement`. */
function withProperty(value: object, key: string, replacement: unknown): object {
  const copy: object = Array.isArray(value)
    ? Object.assign([], value)
    : Object.create(Object.getPrototypeOf(value), Object.getOwnPropertyDescriptors(value));
  const property = { value: replacement, enumerable: true, writable: true, configurable: true };
  return Object.defineProperty(copy, key, property);
}
