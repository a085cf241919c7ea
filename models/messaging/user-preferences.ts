import { hash32, inHashedShare } from '../parts/hash.js';

/**
 * Quiet hours (do not disturb) on a simulated day: each user is quiet from
 * `startUs` for `lengthUs` of their own day. A day is `dayUs` long: 24h
 * for the real thing, or shorter so a run of a minute sees a whole cycle
 * (a 60s day with 20s of quiet keeps a third of users quiet at any moment,
 * as 8 hours of 24 do).
 */
export interface QuietHours {
  dayUs: number;
  startUs: number;
  lengthUs: number;
}

const OPT_OUT_SEED = 0x6f70_7430;
const TIME_ZONE_SEED = 0x747a_6f6e;

/**
 * What users asked of one channel, as a worker reads it: whether a user opted
 * out of it, and whether it is within their quiet hours now. Both come from a
 * hash of the user id (the message key) instead of a preference table, so
 * every worker node agrees without one: a share `optedOut` of users opted
 * out (a different share of users per channel, by `channelSeed`), and each
 * user's time zone offset is spread uniformly over the day (users all round
 * the world). A user's time of day is (clock + offset) mod day, on the clock
 * of the worker asking.
 */
export class UserPreferences {
  constructor(
    private readonly optedOutShare: number,
    private readonly quiet: QuietHours | null,
    private readonly channelSeed: number,
  ) {
    if (!(optedOutShare >= 0 && optedOutShare <= 1))
      throw new RangeError(`optedOut must be a share in [0, 1], got ${optedOutShare}`);
    if (quiet !== null && !(quiet.dayUs > 0 && quiet.lengthUs >= 0 && quiet.lengthUs < quiet.dayUs))
      throw new RangeError(
        `quiet hours must be shorter than the day (${quiet.lengthUs}µs of a ${quiet.dayUs}µs day): shorten them or lengthen the day`,
      );
  }

  optedOut(user: number): boolean {
    return inHashedShare(user, OPT_OUT_SEED ^ this.channelSeed, this.optedOutShare);
  }

  /** How long until `user`'s quiet hours end, at `clockUs` on the asking node's clock; 0 when they are not quiet. */
  quietForUs(user: number, clockUs: number): number {
    const q = this.quiet;
    if (q === null || q.lengthUs === 0) return 0;
    const offsetUs = Math.floor((hash32(user, TIME_ZONE_SEED) / 2 ** 32) * q.dayUs);
    const intoQuietUs = mod(clockUs + offsetUs - q.startUs, q.dayUs);
    return intoQuietUs < q.lengthUs ? q.lengthUs - intoQuietUs : 0;
  }
}

function mod(a: number, n: number): number {
  const r = a % n;
  return r < 0 ? r + n : r;
}

/** A 32-bit seed from a channel's name, so each channel opts out its own users. */
export function channelSeed(channel: string): number {
  let h = 0;
  for (let i = 0; i < channel.length; i++) h = hash32(h ^ channel.charCodeAt(i), i);
  return h;
}
