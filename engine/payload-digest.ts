/**
 * A 32-bit digest of a message's contents, folded into the trace hash at each
 * delivery so that two runs that send the same messages with different
 * contents get different hashes. It walks the value's structure without
 * serializing it: numbers by their 64-bit pattern, strings by their UTF-16
 * code units, booleans, null and undefined as tags, arrays and typed arrays
 * element by element, Maps and Sets entry by entry in insertion order, and
 * other objects by the values of their enumerable keys in insertion
 * order (not the key names: messages of one kind share a shape, and hashing
 * names on every delivery doubled the digest's cost). Functions and symbols count by type only. Nesting deeper than
 * `MAX_DEPTH` counts as a tag, which also stops on cyclic payloads.
 */

const MAX_DEPTH = 8;
const floatView = new Float64Array(1);
const wordView = new Int32Array(floatView.buffer);

const TAG_UNDEFINED = 0x51ed270b;
const TAG_NULL = 0x2f3a6b1d;
const TAG_TRUE = 0x6c8e9cf5;
const TAG_FALSE = 0x1b873593;
const TAG_ARRAY = 0x7feb352d;
const TAG_OBJECT = 0x46b7a3c1;
const TAG_MAP = 0x3c6ef372;
const TAG_SET = 0x0d5f2e19;
const TAG_DEEP = 0x68e31da4;
const TAG_OTHER = 0x5bd1e995;

function step(h: number, v: number): number {
  let k = Math.imul(v | 0, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function stepNumber(h: number, n: number): number {
  // Small integers, the common case (ids, counts, times), skip the float view.
  if ((n | 0) === n) return step(h, n);
  floatView[0] = n;
  return step(step(h, wordView[0]), wordView[1]);
}

function stepString(h: number, s: string): number {
  h = step(h, s.length);
  for (let i = 0; i < s.length; i++) h = step(h, s.charCodeAt(i));
  return h;
}

function stepValue(h: number, value: unknown, depth: number): number {
  switch (typeof value) {
    case 'number':
      return stepNumber(h, value);
    case 'string':
      return stepString(h, value);
    case 'boolean':
      return step(h, value ? TAG_TRUE : TAG_FALSE);
    case 'undefined':
      return step(h, TAG_UNDEFINED);
    case 'bigint':
      return stepString(h, value.toString());
    case 'object':
      break;
    default:
      return step(h, TAG_OTHER);
  }
  if (value === null) return step(h, TAG_NULL);
  if (depth >= MAX_DEPTH) return step(h, TAG_DEEP);
  // Messages are mostly object literals: skip the array, view, Map and Set tests for them.
  if (Object.getPrototypeOf(value) === Object.prototype) return stepObject(h, value, depth);
  if (Array.isArray(value)) {
    h = step(step(h, TAG_ARRAY), value.length);
    for (let i = 0; i < value.length; i++) h = stepValue(h, value[i], depth + 1);
    return h;
  }
  if (ArrayBuffer.isView(value)) {
    if (value instanceof DataView) return step(h, TAG_OTHER);
    h = step(step(h, TAG_ARRAY), (value as unknown as ArrayLike<unknown>).length);
    if (value instanceof BigInt64Array || value instanceof BigUint64Array) {
      for (let i = 0; i < value.length; i++) h = stepString(h, value[i].toString());
      return h;
    }
    // Number elements straight to stepNumber, as stepValue would send them: the same digest without its type switch.
    const numbers = value as unknown as ArrayLike<number>;
    for (let i = 0; i < numbers.length; i++) h = stepNumber(h, numbers[i]);
    return h;
  }
  if (value instanceof Map) {
    h = step(step(h, TAG_MAP), value.size);
    for (const [k, v] of value) h = stepValue(stepValue(h, k, depth + 1), v, depth + 1);
    return h;
  }
  if (value instanceof Set) {
    h = step(step(h, TAG_SET), value.size);
    for (const v of value) h = stepValue(h, v, depth + 1);
    return h;
  }
  return stepObject(h, value, depth);
}

function stepObject(h: number, value: object, depth: number): number {
  h = step(h, TAG_OBJECT);
  // for-in also walks inherited enumerable keys; message objects (plain or class instances) have none.
  for (const key in value) {
    const field = (value as Record<string, unknown>)[key];
    // Numbers and strings, most fields, without the call and the type switch.
    if (typeof field === 'number') h = stepNumber(h, field);
    else if (typeof field === 'string') h = stepString(h, field);
    else h = stepValue(h, field, depth + 1);
  }
  return h;
}

/** The digest of `value`'s contents; equal contents give equal digests. */
export function digestPayload(value: unknown): number {
  let h = stepValue(0x3243f6a8, value, 0);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h | 0;
}
