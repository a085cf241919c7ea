import { z } from 'zod';
import { PERCENT_RE } from '../kit/unit-text.js';
import { fraction, ratePerSec } from '../kit/units.js';
import { edgeListFileProblem } from './edge-list-read.js';

/**
 * The knobs of a follower graph, generated or loaded: how many users, how
 * many accounts each follows on average, how unequal follower counts are
 * (the power-law exponent α), which accounts are celebrities with exact
 * follower counts, and how often users post and read. The generator is
 * social-graph-generator.ts; an edge-list file is read by edge-list-file.ts.
 */

/** The lowest and highest in-degree exponents the generator accepts. */
export const MIN_EXPONENT = 2;
export const MAX_EXPONENT = 3.5;

/**
 * A celebrity's follower count: a whole number of users, or a share of all
 * users written as a percentage (`30%`). A bare fraction is refused, since
 * `1` would be ambiguous between one follower and everyone.
 */
const celebrityFollowers = z
  .union([z.number(), z.string()], { error: 'expected a number of followers like 50000 or a share like 30%' })
  .transform((value, ctx): { count: number } | { share: number } => {
    if (typeof value === 'number') {
      if (Number.isInteger(value) && value >= 1) return { count: value };
      const message =
        value > 0 && value < 1
          ? `a follower count is a whole number; for a share of all users write ${Number((value * 100).toPrecision(12))}%`
          : 'a follower count is a whole number of users, at least 1 (or a share like 30%)';
      ctx.issues.push({ code: 'custom', input: value, message });
      return z.NEVER;
    }
    const share = PERCENT_RE.test(value) ? Number(`${value.trim().slice(0, -1).trim()}e-2`) : NaN;
    if (share > 0 && share <= 1) return { share };
    ctx.issues.push({
      code: 'custom',
      input: value,
      message: PERCENT_RE.test(value)
        ? 'a share of users must be above 0% and at most 100%'
        : `"${value}" is not a follower count; write a number like 50000 or a share like 30%`,
    });
    return z.NEVER;
  })
  .meta({ description: 'a number of followers like 50000, or a share of all users like 30%' });

export const celebrityParams = z.strictObject({
  followers: celebrityFollowers.describe(
    'How many users follow this account, exactly: a count like 50000 or a share of all users like 30% (a share of the other users, rounded down).',
  ),
  postRate: ratePerSec
    .optional()
    .describe("This account's posting rate, like 10/day; drawn like any active user's when absent."),
});

/** The most users a graph may have: each costs memory in the graph, the service's timelines and the workload's picks. */
export const MAX_USERS = 50_000_000;

export const socialGraphParams = z.strictObject({
  users: z
    .int()
    .min(2)
    .max(MAX_USERS, {
      error: `must be at most ${MAX_USERS / 1e6} million: every user takes memory (its rates and rows in the graph, its timeline, the workload's picks) beside its follows, so a bigger graph would not fit; feed-scale runs a million`,
    })
    .default(10_000)
    .describe('Users in the graph, numbered 0..users−1. Ignored when `file` is given (its ids make the users).'),
  meanFollows: z
    .number()
    .positive()
    .default(20)
    .describe(
      'Mean accounts each user follows (the mean out-degree); users × meanFollows follows in all, celebrities’ followers included. Out-degrees are Poisson-like around it: each follow’s follower is a uniformly chosen user. Ignored with `file`.',
    ),
  exponent: z
    .number({ error: 'expected a number like 2.3' })
    .refine(
      (a) => a > MIN_EXPONENT && a <= MAX_EXPONENT,
      `must be above ${MIN_EXPONENT} and at most ${MAX_EXPONENT}: at 2 or below the mean follower count has no finite value, and above ${MAX_EXPONENT} the tail is too thin to call heavy (Twitter measures about 2.3)`,
    )
    .default(2.3)
    .describe(
      'The exponent α of the follower-count distribution, P(k followers) ∝ k^−α (its complementary CDF falls as k^−(α−1)); about 2.3 on Twitter. Above 2 and at most 3.5. Ignored with `file`.',
    ),
  celebrities: z
    .array(celebrityParams)
    .default([])
    .describe(
      'Accounts with exact follower counts, placed on users 0, 1, 2, … in this order; their followers are chosen uniformly, and ordinary follows never pick them. Not allowed with `file`.',
    ),
  postRate: ratePerSec
    .default(2 / 86_400)
    .describe(
      'Mean posting rate of an active user, like 2/day (the default); each active user’s own rate is drawn around it (see rateSpread).',
    ),
  readRate: ratePerSec
    .default(20 / 86_400)
    .describe(
      'Mean feed-reading rate of an active user, like 20/day (the default); each active user’s own rate is drawn around it.',
    ),
  rateSpread: z
    .number()
    .min(0)
    .max(4)
    .default(1)
    .describe(
      'The σ of the lognormal each active user’s post and read rates are drawn from (independently), scaled so their means are postRate and readRate: 0 gives everyone the mean, 1 a heavy tail where the busiest 1% post about 7 times the mean.',
    ),
  inactiveShare: fraction
    .default(0.2)
    .describe(
      'Share of users who never post or read (both rates 0), like 20%: they still follow and are followed, so pushed timeline writes to them are wasted. Celebrities are always active.',
    ),
  file: z
    .string()
    .min(1)
    .optional()
    .describe(
      'An edge-list file to load instead of generating: one follow per line, "follower followee" as non-negative integer ids separated by whitespace, # comments and blank lines allowed; ids are renumbered 0..n−1 in ascending order, duplicates and self-follows dropped. A relative path is taken from the directory faultline runs in.',
    ),
});

export type SocialGraphParams = z.output<typeof socialGraphParams>;
export type CelebrityParams = z.output<typeof celebrityParams>;

/** A celebrity's exact follower count among `users` users (a share rounds down, at least 1). */
export function celebrityFollowerCount(celebrity: CelebrityParams, users: number): number {
  const { followers } = celebrity;
  return 'count' in followers ? followers.count : Math.max(1, Math.floor(followers.share * (users - 1)));
}

/**
 * The most follows a generated graph may be asked for. A follow takes 8
 * bytes in the graph (4 each way) and about as much again while a run uses
 * it (pulled rows, the analytic costs): at 500 million, 4 GiB for the graph
 * alone. Row offsets are 32-bit, so 2^31 would be the hard limit anyway.
 */
export const MAX_FOLLOWS = 500_000_000;

/** Bytes a follow takes in the graph's two edge arrays. */
const BYTES_PER_FOLLOW = 8;

/** The follows the graph holds in all: users × meanFollows, rounded. */
export function totalFollows(params: SocialGraphParams): number {
  return Math.round(params.users * params.meanFollows);
}

/** Bytes as GiB, one decimal. */
function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}

/**
 * Problems between fields that the schema cannot see, with paths inside the
 * graph's parameters (a caller nesting them under `graph` prefixes its own):
 * impossible follower counts, and an edge-list file that cannot be read or
 * has a line that is not a follow (the file is parsed for that).
 */
export function checkSocialGraphParams(params: SocialGraphParams): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  if (params.file !== undefined) {
    // Read here so a missing file or a bad line is a scenario problem, reported before the run (and read again to build).
    const fileProblem = edgeListFileProblem(params.file);
    if (fileProblem !== undefined) problems.push({ path: ['file'], message: fileProblem });
    if (params.celebrities.length > 0)
      problems.push({
        path: ['celebrities'],
        message:
          'celebrities cannot be placed in a graph loaded from a file (its follower counts are what the file says); remove them, or drop `file` to generate the graph',
      });
    return problems;
  }
  const { users, meanFollows, celebrities } = params;
  // A user follows at most everyone else; past half of them the generator
  // spends most of its draws rejecting follows a user already has.
  if (meanFollows > (users - 1) / 2)
    problems.push({
      path: ['meanFollows'],
      message: `${meanFollows} follows per user is more than half of the ${users - 1} others each user can follow; lower meanFollows or raise users`,
    });
  if (celebrities.length > users)
    problems.push({
      path: ['celebrities'],
      message: `${celebrities.length} celebrities but only ${users} users; list at most ${users}`,
    });
  let celebrityFollows = 0;
  celebrities.forEach((celebrity, i) => {
    const followers = celebrityFollowerCount(celebrity, users);
    celebrityFollows += followers;
    if (followers > users - 1)
      problems.push({
        path: ['celebrities', i, 'followers'],
        message: `${followers} followers but only ${users - 1} other users can follow this account; at most ${users - 1}`,
      });
  });
  const follows = totalFollows(params);
  if (follows > MAX_FOLLOWS)
    problems.push({
      path: ['meanFollows'],
      message: `users × meanFollows is ${follows} follows: the graph alone would take ${gib(follows * BYTES_PER_FOLLOW)} of memory (${BYTES_PER_FOLLOW} bytes a follow, and about as much again in a run); at most ${MAX_FOLLOWS / 1e6} million follows (${gib(MAX_FOLLOWS * BYTES_PER_FOLLOW)}), so lower users or meanFollows`,
    });
  // Celebrities are always active; without any, nobody would post or read.
  if (params.inactiveShare === 1 && celebrities.length === 0)
    problems.push({
      path: ['inactiveShare'],
      message:
        'with every user inactive (100%) and no celebrities nobody posts or reads: the run would have no requests; lower inactiveShare',
    });
  if (celebrityFollows > follows)
    problems.push({
      path: ['celebrities'],
      message: `the celebrities' followers add up to ${celebrityFollows}, more than the ${follows} follows of the whole graph (users × meanFollows); raise meanFollows or lower their follower counts`,
    });
  return problems;
}
