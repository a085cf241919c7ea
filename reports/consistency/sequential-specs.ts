import type { Operation, Value } from './history.js';

/** A state the checker can memoize: a primitive, compared with ===. */
export type SpecState = number | string | null;

/**
 * What a correct single-copy object does, one operation at a time. `step`
 * returns the state after `op`, or undefined when `op` could not have
 * returned what it did from `state`. Operations with an unknown outcome must
 * be accepted from any state (they may have done their effect, or nothing a
 * caller saw).
 */
export interface SequentialSpec {
  name: string;
  init: SpecState;
  step(state: SpecState, op: Operation): SpecState | undefined;
  isReadOnly(f: string): boolean;
  /** Checked independently per key (a map is one register per key). */
  perKey: boolean;
}

/** Vectors (Jepsen's independent [key value] tuples) become strings, so equal values compare equal. */
const asState = (v: Value): SpecState => (v !== null && typeof v === 'object' ? JSON.stringify(v) : v);
const same = (a: Value, b: SpecState) => asState(a) === b;

/** A register with read, write and compare-and-set; it starts empty (nil). Histories with keys hold one register per key. */
export const registerSpec: SequentialSpec = {
  name: 'register',
  init: null,
  perKey: true,
  isReadOnly: (f) => f === 'read',
  step(state, op) {
    switch (op.f) {
      case 'read':
        return same(op.output, state) ? state : undefined;
      case 'write':
        return asState(op.input);
      case 'cas': {
        if (!Array.isArray(op.input) || op.input.length !== 2)
          throw new RangeError(`a cas takes [from to], got ${JSON.stringify(op.input)}`);
        const [from, to] = op.input as [Value, Value];
        if (same(from, state)) return asState(to);
        // An unknown cas whose compare fails did nothing; a completed one cannot have failed it.
        return op.unknown ? state : undefined;
      }
      default:
        throw new RangeError(`a register has no operation "${op.f}" (it has read, write and cas)`);
    }
  },
};

/** A map of strings with get, put and append, checked key by key; an absent key reads as "". */
export const kvSpec: SequentialSpec = {
  name: 'kv',
  init: '',
  perKey: true,
  isReadOnly: (f) => f === 'get',
  step(state, op) {
    switch (op.f) {
      case 'get':
        return op.output === state ? state : undefined;
      case 'put':
      case 'append':
        if (typeof op.input !== 'string')
          throw new RangeError(`a ${op.f} takes a string, got ${JSON.stringify(op.input)}`);
        return op.f === 'put' ? op.input : (state as string) + op.input;
      default:
        throw new RangeError(`a key-value map has no operation "${op.f}" (it has get, put and append)`);
    }
  },
};

export const SEQUENTIAL_SPECS = { register: registerSpec, kv: kvSpec } as const;
export type SpecName = keyof typeof SEQUENTIAL_SPECS;
