import { hash32 } from '../parts/hash.js';
import {
  EMPTY_OR_SET,
  gCounterOf,
  gCounterValue,
  mergeGCounters,
  mergeORSets,
  mergePNCounters,
  orSetElements,
  orSetInsert,
  orSetRemove,
  pnCounterValue,
  type GCounter,
  type ORSet,
  type PNCounter,
} from './crdt.js';
import type { StoreOp, StoreRequest } from './store-messages.js';
import {
  advanceVector,
  compareVectors,
  dotOf,
  emptyVector,
  mergeVectors,
  type VersionVector,
} from './version-vector.js';

/**
 * How a leaderless store reconciles what replicas hold for a key: registers
 * resolved by last-write-wins or kept as siblings under version vectors, or
 * values that are CRDTs and merge without conflicts.
 */
export const CONFLICT_RESOLUTIONS = ['lww', 'version-vectors', 'g-counter', 'pn-counter', 'or-set'] as const;
export type ConflictResolution = (typeof CONFLICT_RESOLUTIONS)[number];

/** One write of a register. */
export interface RegisterVersion {
  readonly value: number;
  /** The coordinating node's clock when it took the write: what last-write-wins orders by. */
  readonly timestampUs: number;
  /** The write's unique event (coordinator and its counter). */
  readonly dot: number;
  /** Every write this one supersedes (what its coordinator had seen), plus itself. */
  readonly vector: VersionVector;
}

/** A register's versions: one under LWW; under version vectors the concurrent siblings, ascending by dot. */
export type RegisterState = readonly RegisterVersion[];

export type ReplicatedState = RegisterState | GCounter | PNCounter | ORSet;

/** What the coordinating node lends an operation to turn it into a state to replicate. */
export interface Writer {
  readonly member: number;
  readonly members: number;
  /** A fresh event number of this member, never handed out before (it is kept on disk). */
  nextCounter(): number;
  localTimeUs(): number;
  /**
   * Stamp a register write above every timestamp its coordinator has seen
   * of the key, whatever its clock says (ABD): a write that read a quorum
   * first then supersedes every write acknowledged before it began.
   */
  readonly stampsAboveSeen: boolean;
  /** This member's own running totals for counter `key`, [increments, decrements], kept on disk; the update raises them. */
  contribution(key: number): Float64Array;
}

/** Told of each pair of concurrent versions a replica meets (the conflict count). */
export interface ConflictSink {
  concurrent(dotA: number, dotB: number): void;
}

export interface ReadResult {
  value?: number | null;
  siblings?: readonly number[];
  elements?: readonly number[];
}

export interface Resolution<S> {
  readonly name: ConflictResolution;
  supports(op: StoreOp): boolean;
  /** Operations that must read the key first to know what they act on (an OR-Set remove tombstones the tags it observed). */
  readsFirst(op: StoreOp): boolean;
  /** Whether the operation's parameters are acceptable; a reason to refuse it otherwise (nothing is applied). */
  refuses(request: StoreRequest): string | null;
  /** The state the operation replicates, given everything its coordinator has seen of the key. */
  update(request: StoreRequest, seen: S | undefined, writer: Writer): S;
  merge(local: S | undefined, incoming: S, sink: ConflictSink | null): S;
  /** Equal states have equal digests (anti-entropy and read repair compare them). */
  digest(state: S): number;
  read(state: S | undefined): ReadResult;
  /** What a read served by this replica alone would return (for the consistency checkers). */
  inspect(state: S): number | null | readonly number[];
}

/** A store uses one resolution for every key, so each only ever meets states it made itself. */
export function resolutionFor(name: ConflictResolution): Resolution<ReplicatedState> {
  const resolutions = {
    lww: lwwRegister,
    'version-vectors': versionVectorRegister,
    'g-counter': gCounter,
    'pn-counter': pnCounter,
    'or-set': orSet,
  };
  return resolutions[name] as unknown as Resolution<ReplicatedState>;
}

// ---- registers ---------------------------------------------------------------

const registerOps = (op: StoreOp) => op === 'read' || op === 'write';

/**
 * A write supersedes what its coordinator has seen of the key (its own copy,
 * the versions its reads returned and its earlier writes): the client sends
 * no context, so the coordinator's knowledge stands in for the client's.
 */
function newVersion(request: StoreRequest, seen: RegisterState | undefined, writer: Writer): RegisterState {
  let context = emptyVector(writer.members);
  for (const version of seen ?? []) context = mergeVectors(context, version.vector);
  const counter = writer.nextCounter();
  let timestampUs = writer.localTimeUs();
  if (writer.stampsAboveSeen)
    for (const version of seen ?? []) if (version.timestampUs >= timestampUs) timestampUs = version.timestampUs + 1;
  return [
    {
      value: request.value,
      timestampUs,
      dot: dotOf(writer.member, counter),
      vector: advanceVector(context, writer.member, counter),
    },
  ];
}

function noteConcurrent(local: RegisterState, incoming: RegisterState, sink: ConflictSink | null): void {
  if (sink === null) return;
  for (const a of local)
    for (const b of incoming)
      if (a.dot !== b.dot && compareVectors(a.vector, b.vector) === 'concurrent') sink.concurrent(a.dot, b.dot);
}

/** Later timestamp wins; equal timestamps break by dot, so every replica picks the same one. */
function newer(a: RegisterVersion, b: RegisterVersion): RegisterVersion {
  return a.timestampUs > b.timestampUs || (a.timestampUs === b.timestampUs && a.dot > b.dot) ? a : b;
}

function registerDigest(state: RegisterState): number {
  let h = 0x2545f491;
  for (const version of state) {
    h = mix(h, version.dot);
    for (let i = 0; i < version.vector.length; i++) h = mix(h, version.vector[i]);
  }
  return h;
}

/**
 * Last write wins on the coordinators' clocks: a write stamped earlier than
 * the version a replica holds is dropped, however much later it really
 * happened, so a slow clock loses acknowledged updates. The survivor's
 * vector joins the loser's, only to count conflicts once.
 */
const lwwRegister: Resolution<RegisterState> = {
  name: 'lww',
  supports: registerOps,
  readsFirst: () => false,
  refuses: () => null,
  update: newVersion,
  merge(local, incoming, sink) {
    if (local === undefined || local.length === 0) return incoming;
    noteConcurrent(local, incoming, sink);
    let winner = local[0];
    let vector = winner.vector;
    for (const version of incoming) {
      winner = newer(winner, version);
      vector = mergeVectors(vector, version.vector);
    }
    if (compareVectors(vector, winner.vector) === 'equal') {
      if (winner === local[0]) return local;
      if (incoming.length === 1) return incoming;
    }
    return [{ value: winner.value, timestampUs: winner.timestampUs, dot: winner.dot, vector }];
  },
  digest: registerDigest,
  read: (state) => ({ value: state === undefined || state.length === 0 ? null : state[0].value }),
  inspect: (state) => (state.length === 0 ? null : state[0].value),
};

/**
 * Version vectors: a version supersedes those its vector has seen; versions
 * neither of which has seen the other are both kept (siblings), and a read
 * returns them all.
 */
const versionVectorRegister: Resolution<RegisterState> = {
  name: 'version-vectors',
  supports: registerOps,
  readsFirst: () => false,
  refuses: () => null,
  update: newVersion,
  merge(local, incoming, sink) {
    if (local === undefined || local.length === 0) return incoming;
    noteConcurrent(local, incoming, sink);
    const kept: RegisterVersion[] = [];
    const supersededBy = (version: RegisterVersion, others: RegisterState) =>
      others.some((o) => compareVectors(version.vector, o.vector) === 'before');
    for (const version of local) if (!supersededBy(version, incoming)) kept.push(version);
    for (const version of incoming)
      if (!supersededBy(version, local) && !local.some((v) => v.dot === version.dot)) kept.push(version);
    if (kept.length === local.length && kept.every((v, i) => v === local[i])) return local;
    return kept.sort((a, b) => a.dot - b.dot);
  },
  digest: registerDigest,
  read(state) {
    if (state === undefined || state.length === 0) return { value: null };
    if (state.length === 1) return { value: state[0].value };
    return { value: state.reduce(newer).value, siblings: siblingValues(state) };
  },
  inspect: (state) => (state.length === 0 ? null : state.length === 1 ? state[0].value : siblingValues(state)),
};

function siblingValues(state: RegisterState): number[] {
  return state.map((v) => v.value).sort((a, b) => a - b);
}

// ---- CRDTs ---------------------------------------------------------------------

const counterOps = (op: StoreOp) => op === 'read' || op === 'add';

/** Each coordinator counts under its own entry, keeping its running total on disk, and sends that entry. */
const gCounter: Resolution<GCounter> = {
  name: 'g-counter',
  supports: counterOps,
  readsFirst: () => false,
  refuses: (request) => (request.op === 'add' && request.value < 0 ? 'negative-add' : null),
  update(request, _seen, writer) {
    const own = writer.contribution(request.key);
    own[0] += request.value;
    return gCounterOf(writer.members, writer.member, own[0]);
  },
  merge: (local, incoming) => (local === undefined ? incoming : mergeGCounters(local, incoming)),
  digest: (state) => vectorDigest(0x6a09e667, state),
  read: (state) => ({ value: state === undefined ? 0 : gCounterValue(state) }),
  inspect: gCounterValue,
};

const pnCounter: Resolution<PNCounter> = {
  name: 'pn-counter',
  supports: counterOps,
  readsFirst: () => false,
  refuses: () => null,
  update(request, _seen, writer) {
    const own = writer.contribution(request.key);
    if (request.value >= 0) own[0] += request.value;
    else own[1] -= request.value;
    return {
      p: gCounterOf(writer.members, writer.member, own[0]),
      n: gCounterOf(writer.members, writer.member, own[1]),
    };
  },
  merge: (local, incoming) => (local === undefined ? incoming : mergePNCounters(local, incoming)),
  digest: (state) => vectorDigest(vectorDigest(0xbb67ae85, state.p), state.n),
  read: (state) => ({ value: state === undefined ? 0 : pnCounterValue(state) }),
  inspect: pnCounterValue,
};

const orSet: Resolution<ORSet> = {
  name: 'or-set',
  supports: (op) => op === 'read' || op === 'insert' || op === 'delete',
  readsFirst: (op) => op === 'delete',
  refuses: () => null,
  update: (request, seen, writer) =>
    request.op === 'insert'
      ? orSetInsert(request.value, dotOf(writer.member, writer.nextCounter()))
      : orSetRemove(seen ?? EMPTY_OR_SET, request.value),
  merge: (local, incoming) => (local === undefined ? incoming : mergeORSets(local, incoming)),
  digest(state) {
    let h = 0x3c6ef372;
    for (const [element, dots] of state.tags) {
      h = mix(h, element);
      for (const dot of dots) h = mix(h, dot);
    }
    for (const dot of state.removed) h = mix(h, dot);
    return h;
  },
  read: (state) => ({ elements: state === undefined ? [] : orSetElements(state) }),
  inspect: orSetElements,
};

function vectorDigest(seed: number, entries: Readonly<Float64Array>): number {
  let h = seed;
  for (let i = 0; i < entries.length; i++) h = mix(h, entries[i]);
  return h;
}

/** Folds an exact integer (up to 2^53, either sign) into a running 32-bit hash. */
function mix(h: number, x: number): number {
  return hash32(Math.floor(x / 4_294_967_296), hash32(x | 0, h));
}
