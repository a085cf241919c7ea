import { z } from 'zod';
import { durationDistribution } from '../kit/distribution-schema.js';
import { durationUs, fraction, positiveDurationUs, positiveInt } from '../kit/units.js';
import { cacheStoreParams } from '../caches/cache-store-params.js';

export const CDN_TIERS = ['edge', 'regional', 'shield'] as const;
export type CdnTierName = (typeof CDN_TIERS)[number];

const keyRange = z
  .tuple([positiveInt, positiveInt])
  .refine(([from, to]) => to >= from, 'the range ends before it starts: [from, to] with to >= from');

const contentType = z
  .strictObject({
    name: z.string().min(1).describe('The type’s name (html, image, video…): the key class lookups are counted under.'),
    keys: keyRange.optional().describe('Its keys from..to, both included (key r is the r-th most popular under Zipf).'),
    share: fraction
      .optional()
      .describe(
        'Or: this share of the keys, dealt by a stable hash of the key, so the type spans every popularity rank.',
      ),
    ttl: durationUs
      .optional()
      .describe(
        'How long its objects stay fresh in every PoP (the origin’s max-age for the type); the tier’s ttl when absent.',
      ),
  })
  .refine(
    (t) => (t.keys === undefined) !== (t.share === undefined),
    'give a content type either keys: [from, to] or share',
  );

const purge = z.strictObject({
  at: durationUs.describe('When the objects are replaced at the origin and the purge is issued.'),
  keys: keyRange.describe('The keys purged, from..to (both included).'),
});

export const cdnTierParams = z.strictObject({
  tier: z
    .enum(CDN_TIERS)
    .describe(
      'edge: the PoPs clients reach; regional: a mid tier the edges fill from; shield: the one tier in front of the origin (origin shield). Labels the tier in the report.',
    ),
  parent: z
    .string()
    .describe(
      'What a PoP fills a miss from: the next tier (a cdn-tier: its nearest PoP by the topology’s RTTs) or the origin (a kv-store: the node its sharding places the key on).',
    ),
  ...cacheStoreParams.shape,
  contentTypes: z
    .array(contentType)
    .optional()
    .describe(
      'TTL classes per content type: [{ name, keys: [from, to] or share, ttl }]; a key in none is `other`, with `ttl`. Absent: the parent tier’s types (give them once, on the tier in front of the origin).',
    ),
  push: z
    .strictObject({
      keys: positiveInt.describe('The most popular keys 1..keys are placed on every PoP of this tier when it starts.'),
    })
    .optional()
    .describe(
      'Push (pre-placed content): objects placed on every PoP at its start (again after a restart) in storage beside the cache, never evicted nor expired, re-pushed when a purge of them reaches the PoP; each placement is counted (pushedObjects, pushedBytes: bytes the origin sends). Pull only when absent.',
    ),
  purges: z
    .array(purge)
    .optional()
    .describe(
      'Objects replaced at the origin, each purged from every PoP after its purgeDelay; until a PoP applies it, it serves the old copy (counted as stale reads). Absent: the parent tier’s purges (give them once, on the tier in front of the origin).',
    ),
  purgeDelay: durationDistribution
    .default({ type: 'constant', value: 0 })
    .describe('How long after a purge each PoP of this tier applies it, drawn per PoP and purge (e.g. uniform 1s–5s).'),
  parentTimeout: positiveDurationUs
    .default(1_000_000)
    .describe(
      'A fill not answered within this goes to the next parent (the nearest after it); at the origin it fails (default 1s).',
    ),
  parentRetryAfter: positiveDurationUs
    .default(10_000_000)
    .describe('A parent that did not answer is skipped for this long, then tried again (default 10s).'),
});

export type CdnTierSettings = z.output<typeof cdnTierParams>;
