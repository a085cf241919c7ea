import type { StreamRecord } from '../../models/measure/delivery-log.js';
import type { ConsumerLag } from '../report-types.js';
import { givenUp } from './message-fates.js';

/** A reporting window: metrics.timeline's rows. */
export interface Window {
  startUs: number;
  endUs: number;
}

/**
 * The stream's backlog over time (ConsumerLag has the definition): each
 * stored message enters it when first stored and leaves it at the first of
 * its processing, dead-lettering and removal; one the stream gave up on
 * (`codes`, from messageFates) leaves at its first delivery, or never enters
 * when it had none. Exact: the entries and exits are sorted and swept, so
 * the peak is the true one, not a window's sample.
 */
export function consumerLag(stream: StreamRecord, codes: Uint8Array, windows: readonly Window[]): ConsumerLag {
  const { topic } = stream;
  const seen = stream.processings.length;
  const enters: number[] = [];
  const leaves: number[] = [];
  for (let id = 0; id < topic.messages; id++) {
    const storedUs = topic.storedUs[id];
    if (Number.isNaN(storedUs)) continue;
    let leftUs = earliest(stream.removedAtUs(id), id < seen ? stream.firstProcessedUs[id] : NaN);
    if (id < seen) leftUs = earliest(leftUs, stream.deadLetteredUs[id]);
    if (givenUp(codes[id])) {
      leftUs = earliest(leftUs, id < seen ? stream.firstDeliveredUs[id] : NaN);
      if (Number.isNaN(leftUs)) continue;
    }
    enters.push(storedUs);
    if (!Number.isNaN(leftUs)) leaves.push(Math.max(leftUs, storedUs));
  }
  const { times, lags } = backlogSteps(Float64Array.from(enters).sort(), Float64Array.from(leaves).sort());

  const timeline: number[] = [];
  let step = -1;
  for (let w = 0; w < windows.length; w++) {
    const last = w === windows.length - 1;
    while (step + 1 < times.length && (last || times[step + 1] < windows[w].endUs)) step++;
    timeline.push(step < 0 ? 0 : lags[step]);
  }

  let peak = -1;
  for (let k = 0; k < times.length; k++) if (peak < 0 || lags[k] > lags[peak]) peak = k;
  if (peak < 0 || lags[peak] === 0) return { timeline, max: 0, maxAtUs: null, drainLevel: null, drainedUs: null };
  const maxAtUs = times[peak];
  const before = timeline.filter((_, w) => windows[w].endUs <= maxAtUs).sort((a, b) => a - b);
  const drainLevel = before.length === 0 ? 0 : before[Math.floor((before.length - 1) / 2)];
  let drainedUs: number | null = null;
  for (let k = peak + 1; k < times.length; k++)
    if (lags[k] <= drainLevel) {
      drainedUs = times[k];
      break;
    }
  return { timeline, max: lags[peak], maxAtUs, drainLevel, drainedUs };
}

/** NaN stands for "never": the earlier of two times that happened. */
function earliest(a: number, b: number): number {
  return Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.min(a, b);
}

/** Every distinct time something entered or left, with the backlog after all that happened at it. */
function backlogSteps(enters: Float64Array, leaves: Float64Array): { times: number[]; lags: number[] } {
  const times: number[] = [];
  const lags: number[] = [];
  let i = 0;
  let j = 0;
  let lag = 0;
  while (i < enters.length || j < leaves.length) {
    const t = Math.min(i < enters.length ? enters[i] : Infinity, j < leaves.length ? leaves[j] : Infinity);
    for (; i < enters.length && enters[i] === t; i++) lag++;
    for (; j < leaves.length && leaves[j] === t; j++) lag--;
    times.push(t);
    lags.push(lag);
  }
  return { times, lags };
}
