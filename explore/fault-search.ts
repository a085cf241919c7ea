import fc from 'fast-check';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { faultScheduleArbitrary, type FaultSpace, type TimelineEntry } from './fault-schedule.js';
import type { Verdict } from './search-property.js';

/**
 * The search: draw schedules from fast-check's arbitrary with a seeded
 * generator, judge them in draw order (several at once), and on the first
 * failure walk fast-check's shrink tree, descending into the first candidate
 * that still fails. Which schedules are tried, the counterexample and its
 * shrinking depend on the seed and the space only, never on how many run at
 * once: a failure counts only once every schedule drawn before it is judged.
 */

/** Judges one schedule (runs the scenario with it and checks the property). */
export type JudgeSchedule = (schedule: readonly TimelineEntry[], signal: AbortSignal) => Promise<Verdict>;

export interface SearchSettings {
  space: FaultSpace;
  /** Schedules to draw before giving up. */
  runs: number;
  seed: number;
  /** Schedules judged at once. */
  concurrency: number;
  /** Candidates judged while shrinking, at most. */
  maxShrinkRuns: number;
  signal?: AbortSignal;
  /** After each judged schedule, in completion order (for a progress bar). */
  onJudged?(phase: 'baseline' | 'search' | 'shrink', verdict: Verdict): void;
  /** When the first failure is known, before shrinking starts. */
  onFound?(found: JudgedSchedule & { index: number }): void;
}

export interface JudgedSchedule {
  schedule: TimelineEntry[];
  verdict: Verdict;
}

export interface Counterexample {
  /** As first drawn; its 1-based position among the schedules drawn (0: the run without faults failed). */
  found: JudgedSchedule & { index: number };
  shrunk: JudgedSchedule;
  /** Descents into a smaller failing schedule. */
  shrinkSteps: number;
  /** Candidates judged while shrinking, counted as one at a time would. */
  shrinkRuns: number;
  /** Shrinking stopped at maxShrinkRuns, not at a schedule none of whose shrinks fails. */
  shrinkCut: boolean;
}

export interface SearchOutcome {
  /** The run with no fault at all, judged first. */
  baseline: Verdict;
  /** Drawn schedules judged, up to and including the counterexample. */
  tried: number;
  /** Of those, the ones whose verdict was inconclusive. */
  inconclusive: number;
  counterexample: Counterexample | null;
  /** Stopped by the signal: the figures so far, and the smallest failing schedule found if any. */
  interrupted: boolean;
}

/** fast-check's own bias schedule: small values are favoured more as the run index grows. */
const bias = (index: number) => 2 + Math.floor(Math.log10(index + 1));

export async function searchFaults(settings: SearchSettings, judgeSchedule: JudgeSchedule): Promise<SearchOutcome> {
  const signal = settings.signal ?? new AbortController().signal;
  const judged = (phase: 'baseline' | 'search' | 'shrink') => async (schedule: TimelineEntry[]) => {
    const verdict = await judgeSchedule(schedule, signal);
    settings.onJudged?.(phase, verdict);
    return verdict;
  };
  const outcome: SearchOutcome = {
    baseline: { outcome: 'pass', reason: '' },
    tried: 0,
    inconclusive: 0,
    counterexample: null,
    interrupted: false,
  };

  const baseline = await firstFailure([[] as TimelineEntry[]][Symbol.iterator](), 1, judged('baseline'), 1, signal);
  if (baseline.interrupted) return { ...outcome, interrupted: true };
  outcome.baseline = baseline.verdicts[0];
  if (baseline.failure !== null) {
    const found = { schedule: [], verdict: baseline.failure.verdict };
    outcome.counterexample = {
      found: { ...found, index: 0 },
      shrunk: found,
      shrinkSteps: 0,
      shrinkRuns: 0,
      shrinkCut: false,
    };
    return outcome;
  }

  const arbitrary = faultScheduleArbitrary(settings.space);
  const random = new fc.Random(xoroshiro128plus(settings.seed));
  function* draws(): Generator<fc.Value<TimelineEntry[]>> {
    for (let i = 0; ; i++) yield arbitrary.generate(random, bias(i));
  }
  const search = await firstFailure(
    draws(),
    settings.runs,
    (v) => judged('search')(v.value_),
    settings.concurrency,
    signal,
  );
  outcome.tried = search.judged;
  outcome.inconclusive = search.verdicts.filter((v) => v.outcome === 'inconclusive').length;
  if (search.failure === null) return { ...outcome, interrupted: search.interrupted };

  let current = search.failure.item;
  const found = { schedule: current.value_, verdict: search.failure.verdict, index: search.failure.index + 1 };
  settings.onFound?.(found);
  const counterexample: Counterexample = { found, shrunk: found, shrinkSteps: 0, shrinkRuns: 0, shrinkCut: false };
  outcome.counterexample = counterexample;
  for (;;) {
    const left = settings.maxShrinkRuns - counterexample.shrinkRuns;
    if (left <= 0) {
      counterexample.shrinkCut = true;
      break;
    }
    const candidates = arbitrary.shrink(current.value_, current.context)[Symbol.iterator]();
    const step = await firstFailure(candidates, left, (v) => judged('shrink')(v.value_), settings.concurrency, signal);
    counterexample.shrinkRuns += step.judged;
    if (step.interrupted) return { ...outcome, interrupted: true };
    if (step.failure === null) break;
    current = step.failure.item;
    counterexample.shrinkSteps++;
    counterexample.shrunk = { schedule: current.value_, verdict: step.failure.verdict };
  }
  // fast-check shrinks an array by dropping its leading items, so a fault after one that matters can stay: a last
  // pass tries the schedule without each fault in turn (in order, the first that still fails wins), until none goes.
  while (counterexample.shrunk.schedule.length > 1) {
    const left = settings.maxShrinkRuns - counterexample.shrinkRuns;
    if (left <= 0) {
      counterexample.shrinkCut = true;
      break;
    }
    const schedule = counterexample.shrunk.schedule;
    const without = schedule.map((_, i) => schedule.filter((_, j) => j !== i));
    const step = await firstFailure(without[Symbol.iterator](), left, judged('shrink'), settings.concurrency, signal);
    counterexample.shrinkRuns += step.judged;
    if (step.interrupted) return { ...outcome, interrupted: true };
    if (step.failure === null) break;
    counterexample.shrinkSteps++;
    counterexample.shrunk = { schedule: step.failure.item, verdict: step.failure.verdict };
  }
  return outcome;
}

interface FirstFailure<T> {
  failure: { index: number; item: T; verdict: Verdict } | null;
  /** Items judged in order: up to and including the failure, else all of them. */
  judged: number;
  /** Their verdicts, in order. */
  verdicts: Verdict[];
  interrupted: boolean;
}

/**
 * Judges items from `source` in order, `concurrency` at a time, up to `limit` of them, and returns the first that
 * fails: items after a failure are not started, and those already started are waited for, since an earlier one
 * may fail too. The answer is what judging one at a time would give.
 */
async function firstFailure<T>(
  source: Iterator<T>,
  limit: number,
  judge: (item: T) => Promise<Verdict>,
  concurrency: number,
  signal: AbortSignal,
): Promise<FirstFailure<T>> {
  const items: T[] = [];
  const verdicts: Verdict[] = [];
  let failAt = Infinity;
  let exhausted = false;
  let broken = false;
  const pull = (): number | null => {
    if (exhausted || broken || items.length >= limit || items.length >= failAt || signal.aborted) return null;
    const next = source.next();
    if (next.done) {
      exhausted = true;
      return null;
    }
    items.push(next.value);
    return items.length - 1;
  };
  const lane = async () => {
    for (let i = pull(); i !== null; i = pull()) {
      let verdict: Verdict;
      try {
        verdict = await judge(items[i]);
      } catch (error) {
        if (signal.aborted) return;
        // The others stop taking items; the error is the answer.
        broken = true;
        throw error;
      }
      verdicts[i] = verdict;
      if (verdict.outcome === 'fail' && i < failAt) failAt = i;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
  if (signal.aborted) {
    const judged = verdicts.findIndex((v) => v === undefined);
    return { failure: null, judged: judged < 0 ? verdicts.length : judged, verdicts: [], interrupted: true };
  }
  const judged = failAt === Infinity ? items.length : failAt + 1;
  return {
    failure: failAt === Infinity ? null : { index: failAt, item: items[failAt], verdict: verdicts[failAt] },
    judged,
    verdicts: verdicts.slice(0, judged),
    interrupted: false,
  };
}
