/**
 * A copy of `source` with `fields` on top: what `{ ...source, ...fields }` gives, for the per-auction path. On
 * Node 20 (V8 11) a spread followed by other properties leaves V8's fast clone and costs 0.4–2 µs per object (a
 * bid request's copy: 2 µs, against 0.1 µs here); `Object.assign` onto a fresh object stays fast.
 *
 * `Object.assign` sets rather than defines properties, so a source with an own `__proto__` key (parsed JSON can have
 * one) is copied by a spread instead: its copy keeps `__proto__` as data, as a spread does, and its prototype.
 */
export function withFields<Source extends object>(source: Source, fields: Partial<Source>): Source {
  if (Object.hasOwn(source, '__proto__')) return { ...source, ...fields };
  return Object.assign({}, source, fields);
}

/**
 * A copy of `source` without the keys in `omitted`: what `const { a, b, ...rest } = source` gives (own enumerable
 * string keys; request objects are parsed JSON), for the per-auction path. On Node 20 (V8 11) that rest pattern
 * costs 5–6× copying the other keys one by one (a routed Prebid imp, its copy included: 1.7 µs against 0.3 µs).
 * A `__proto__` key stays data, as in the rest pattern.
 */
export function withoutFields<Source extends object, Key extends keyof Source & string>(source: Source, omitted: readonly Key[]): Omit<Source, Key> {
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(source)) {
    if ((omitted as readonly string[]).includes(key)) continue;
    const value = (source as Record<string, unknown>)[key];
    if (key === '__proto__') Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
    else copy[key] = value;
  }
  return copy as Omit<Source, Key>;
}
