import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EventHandle, EventQueue } from '../engine/event-queue.js';
import { HeapEventQueue } from '../engine/heap-event-queue.js';
import { TypedEventQueue, type TypedEventQueueOptions } from '../engine/typed-event-queue.js';

type Op =
  | { op: 'push'; delay: number; kind: number; target: number; a: number }
  | { op: 'pop' }
  | { op: 'cancel'; pick: number }
  | { op: 'clear' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      op: fc.constant('push' as const),
      // Small delays make many equal times, including pushes at the current time.
      delay: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 1_000_000 })),
      kind: fc.integer({ min: 0, max: 3 }),
      target: fc.integer({ min: -1, max: 1000 }),
      a: fc.double({ noNaN: true }),
    }),
    weight: 5,
  },
  { arbitrary: fc.constant({ op: 'pop' as const }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('cancel' as const), pick: fc.nat() }), weight: 2 },
  { arbitrary: fc.constant({ op: 'clear' as const }), weight: 1 },
);

function snapshot(q: EventQueue) {
  return [q.currentTimeUs, q.currentSeq, q.currentKind, q.currentTarget, q.currentA, q.currentB, q.currentRef];
}

/** The default queue, and bucketed ones from a few events on, with tiny buckets so that windows and overflows turn over often. */
const configurations: [string, TypedEventQueueOptions][] = [
  ['one heap', {}],
  ['bucketed above 8 events, 2 a bucket', { bucketsAbove: 8, eventsPerBucket: 2 }],
  ['bucketed above 40 events, 8 a bucket', { bucketsAbove: 40, eventsPerBucket: 8 }],
];

describe('event queues', () => {
  for (const [configuration, options] of configurations) {
    describe(`typed, ${configuration}`, () => {
      sameAsReference(options);
    });
  }

  bucketedMatchesReference();
  behaviours();
});

function sameAsReference(options: TypedEventQueueOptions): void {
  it('pops the same as the reference while timeouts, almost all cancelled, pile up and are compacted away', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 20 })), {
          minLength: 500,
          maxLength: 1500,
        }),
        (steps) => {
          const ref = new HeapEventQueue();
          const fast = new TypedEventQueue(1024, options);
          // Each request pushes a reply and a far timeout; the reply cancels the timeout, between a pop and the next push.
          const timeouts: [EventHandle, EventHandle][] = [];
          for (const [delay, keep] of steps) {
            const id = timeouts.length;
            timeouts.push([
              ref.push(ref.currentTimeUs + 10_000, 1, id, 0, 0, null),
              fast.push(fast.currentTimeUs + 10_000, 1, id, 0, 0, null),
            ]);
            ref.push(ref.currentTimeUs + delay, 0, id, 0, 0, null);
            fast.push(fast.currentTimeUs + delay, 0, id, 0, 0, null);
            expect(fast.pop()).toBe(ref.pop());
            expect(snapshot(fast)).toEqual(snapshot(ref));
            if (ref.currentKind === 0 && keep > 0) {
              const [hr, hf] = timeouts[ref.currentTarget];
              expect(fast.cancel(hf)).toBe(ref.cancel(hr));
            }
            expect(fast.size).toBe(ref.size);
          }
          while (ref.size > 0) {
            expect(fast.pop()).toBe(ref.pop());
            expect(snapshot(fast)).toEqual(snapshot(ref));
          }
          expect(fast.pop()).toBe(false);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('the typed-array queue pops exactly what the heap-js reference pops, for any schedule', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 400 }), fc.integer({ min: 1, max: 8 }), (ops, capacity) => {
        const ref = new HeapEventQueue();
        const fast = new TypedEventQueue(capacity, options);
        // Handles issued so far, live or not: cancels also hit popped and cancelled ones.
        const handles: [EventHandle, EventHandle][] = [];
        let now = 0;
        let lastSeq = -1;
        for (const o of ops) {
          if (o.op === 'push') {
            const payload = { n: handles.length };
            const t = now + o.delay;
            const hr = ref.push(t, o.kind, o.target, o.a, handles.length, payload);
            const hf = fast.push(t, o.kind, o.target, o.a, handles.length, payload);
            handles.push([hr, hf]);
          } else if (o.op === 'cancel') {
            if (handles.length === 0) continue;
            const [hr, hf] = handles[o.pick % handles.length];
            expect(fast.cancel(hf)).toBe(ref.cancel(hr));
          } else if (o.op === 'clear') {
            // Earlier handles stay in `handles`, so later cancels also try handles from before the clear.
            ref.clear();
            fast.clear();
            now = 0;
            lastSeq = -1;
          } else {
            const popped = ref.pop();
            expect(fast.pop()).toBe(popped);
            if (popped) {
              expect(snapshot(fast)).toEqual(snapshot(ref));
              const [hr, hf] = handles[ref.currentB];
              expect(ref.currentHandle).toBe(hr);
              expect(fast.currentHandle).toBe(hf);
              expect(ref.currentTimeUs).toBeGreaterThanOrEqual(now);
              if (ref.currentTimeUs === now) expect(ref.currentSeq).toBeGreaterThan(lastSeq);
              now = ref.currentTimeUs;
              lastSeq = ref.currentSeq;
            }
          }
          expect(fast.size).toBe(ref.size);
          expect(fast.peekTimeUs()).toBe(ref.peekTimeUs());
          expect(fast.nextSeq).toBe(ref.nextSeq);
        }
        expect(fast.pending()).toEqual(ref.pending());
        // Drain: the rest comes out identically too.
        while (ref.pop()) {
          expect(fast.pop()).toBe(true);
          expect(snapshot(fast)).toEqual(snapshot(ref));
        }
        expect(fast.pop()).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
}

type Step =
  | { op: 'push'; delay: number }
  | { op: 'burst'; count: number; delay: number }
  | { op: 'request'; delay: number; answered: boolean }
  | { op: 'pop'; count: number }
  | { op: 'cancel'; pick: number };

// Delays as a simulation's: mostly near, many equal, some far timers and a rare one never due.
const delayArb = fc.oneof(
  { arbitrary: fc.constant(0), weight: 2 },
  { arbitrary: fc.integer({ min: 0, max: 5 }), weight: 2 },
  { arbitrary: fc.integer({ min: 0, max: 3_000 }), weight: 6 },
  { arbitrary: fc.integer({ min: 0, max: 1e9 }), weight: 1 },
  { arbitrary: fc.constant(Infinity), weight: 1 },
);

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('push' as const), delay: delayArb }), weight: 8 },
  // Thousands at one time: a bucket wider than the heap's smallest size, which grows and shrinks it.
  {
    arbitrary: fc.record({
      op: fc.constant('burst' as const),
      count: fc.integer({ min: 1, max: 6_000 }),
      delay: delayArb,
    }),
    weight: 1,
  },
  // A reply and a far timeout, the timeout cancelled (or not) once the reply is in: cancelled entries in buckets and overflow.
  {
    arbitrary: fc.record({ op: fc.constant('request' as const), delay: delayArb, answered: fc.boolean() }),
    weight: 4,
  },
  { arbitrary: fc.record({ op: fc.constant('pop' as const), count: fc.integer({ min: 1, max: 400 }) }), weight: 6 },
  { arbitrary: fc.record({ op: fc.constant('cancel' as const), pick: fc.nat() }), weight: 2 },
);

function bucketedMatchesReference(): void {
  it('a bucketed queue pops what the reference pops through bursts, far and endless timers, cancelled timeouts and draining', () => {
    fc.assert(
      fc.property(
        fc.array(stepArb, { minLength: 50, maxLength: 400 }),
        fc.integer({ min: 8, max: 300 }),
        fc.integer({ min: 1, max: 32 }),
        (steps, bucketsAbove, eventsPerBucket) => {
          const ref = new HeapEventQueue();
          const fast = new TypedEventQueue(4, { bucketsAbove, eventsPerBucket });
          const handles: [EventHandle, EventHandle][] = [];
          let now = 0;
          const push = (delay: number) => {
            const payload = { n: handles.length };
            const t = now + delay;
            handles.push([
              ref.push(t, 0, handles.length, 0, 0, payload),
              fast.push(t, 0, handles.length, 0, 0, payload),
            ]);
          };
          // Plain comparisons first (thousands of pops a run); expect only to report a difference.
          const pop = () => {
            const popped = ref.pop();
            const fastPopped = fast.pop();
            if (fastPopped !== popped) expect(fastPopped).toBe(popped);
            if (!popped) return false;
            if (
              fast.currentSeq !== ref.currentSeq ||
              fast.currentTimeUs !== ref.currentTimeUs ||
              fast.currentRef !== ref.currentRef ||
              fast.currentHandle !== handles[ref.currentTarget][1]
            )
              expect(snapshot(fast)).toEqual(snapshot(ref));
            if (ref.currentTimeUs !== Infinity) now = ref.currentTimeUs;
            return true;
          };
          for (const s of steps) {
            if (s.op === 'push') push(s.delay);
            else if (s.op === 'burst') for (let i = 0; i < s.count; i++) push(s.delay);
            else if (s.op === 'request') {
              push(1_000_000);
              const timeout = handles[handles.length - 1];
              push(s.delay);
              if (s.answered) expect(fast.cancel(timeout[1])).toBe(ref.cancel(timeout[0]));
            } else if (s.op === 'pop') {
              for (let i = 0; i < s.count && pop(); i++);
            } else if (handles.length > 0) {
              const [hr, hf] = handles[s.pick % handles.length];
              expect(fast.cancel(hf)).toBe(ref.cancel(hr));
            }
            expect(fast.size).toBe(ref.size);
            expect(fast.peekTimeUs()).toBe(ref.peekTimeUs());
          }
          expect(fast.pending()).toEqual(ref.pending());
          while (pop());
          expect(fast.size).toBe(0);
        },
      ),
      { numRuns: 40 },
    );
  });
}

function behaviours(): void {
  for (const [name, make] of [
    ['typed', () => new TypedEventQueue(2)],
    ['heap', () => new HeapEventQueue()],
  ] as const) {
    describe(name, () => {
      it('pops events at equal times first-in first-out', () => {
        const q = make();
        for (let i = 0; i < 50; i++) q.push(100, 0, i, 0, 0, null);
        q.push(50, 0, 999, 0, 0, null);
        const order: number[] = [];
        while (q.pop()) order.push(q.currentTarget);
        expect(order).toEqual([999, ...Array.from({ length: 50 }, (_, i) => i)]);
      });

      it('pop(untilUs) pops only an event due by then, skipping cancelled ones, and leaves the rest', () => {
        const q = make();
        const cancelled = q.push(3, 0, 1, 0, 0, null);
        q.push(5, 0, 2, 0, 0, null);
        q.push(10, 0, 3, 0, 0, null);
        q.push(Infinity, 0, 4, 0, 0, null);
        q.cancel(cancelled);
        expect(q.pop(7)).toBe(true);
        expect(q.currentTarget).toBe(2);
        expect(q.pop(7)).toBe(false);
        expect(q.pop(Number.NaN)).toBe(false);
        expect(q.size).toBe(2);
        expect(q.pop(10)).toBe(true);
        expect(q.currentTarget).toBe(3);
        expect(q.pop()).toBe(true);
        expect(q.currentTimeUs).toBe(Infinity);
        expect(q.pop()).toBe(false);
      });

      it('cancel works once, and never on a popped event or on a stale handle to a reused slot', () => {
        const q = make();
        const h1 = q.push(10, 0, 1, 0, 0, null);
        expect(q.cancel(h1)).toBe(true);
        expect(q.cancel(h1)).toBe(false);
        const h2 = q.push(20, 0, 2, 0, 0, null);
        expect(q.pop()).toBe(true);
        expect(q.currentTarget).toBe(2);
        expect(q.currentHandle).toBe(h2);
        expect(q.cancel(h2)).toBe(false);
        // The freed slot is reused; the old handles must not touch the new event.
        q.push(30, 0, 3, 0, 0, null);
        expect(q.cancel(h1)).toBe(false);
        expect(q.cancel(h2)).toBe(false);
        expect(q.size).toBe(1);
        expect(q.pop()).toBe(true);
        expect(q.currentTarget).toBe(3);
      });

      it('grows past its initial capacity and clear() empties it', () => {
        const q = make();
        for (let i = 0; i < 10_000; i++) q.push((i * 7919) % 1000, 0, i, 0, 0, null);
        expect(q.size).toBe(10_000);
        let last = -1;
        let popped = 0;
        while (popped < 5_000 && q.pop()) {
          expect(q.currentTimeUs).toBeGreaterThanOrEqual(last);
          last = q.currentTimeUs;
          popped++;
        }
        q.clear();
        expect(q.size).toBe(0);
        expect(q.nextSeq).toBe(0);
        expect(q.pop()).toBe(false);
        expect(q.peekTimeUs()).toBe(Infinity);
      });

      it('clear() makes earlier handles stale and starts seq again at 0', () => {
        const q = make();
        const before = [q.push(5, 0, 1, 0, 0, null), q.push(5, 0, 2, 0, 0, null)];
        q.clear();
        q.push(7, 0, 3, 0, 0, null);
        q.push(7, 0, 4, 0, 0, null);
        for (const h of before) expect(q.cancel(h)).toBe(false);
        expect(q.size).toBe(2);
        expect(q.pop()).toBe(true);
        expect([q.currentTarget, q.currentSeq]).toEqual([3, 0]);
      });
    });
  }
}
