import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { parseScenarioText, type LoadedScenario } from '../scenarios/harness/load-scenario.js';
import { ScenarioError } from '../scenarios/harness/scenario-error.js';
import { formatDurationUnit, parseDurationUs } from '../models/kit/units.js';

/**
 * Properties over generated scenario documents: every valid document the
 * generator makes is accepted, and a document survives YAML parse → serialize
 * → parse unchanged in meaning.
 */

const REGIONS = ['us-east', 'eu-west', 'ap-south'] as const;

/** A duration as people write it, in one of several units; `min` in microseconds. */
const durationText = (minUs = 0): fc.Arbitrary<string> =>
  fc
    .oneof(
      fc.integer({ min: 0, max: 2_000_000 }).map((n) => `${n}us`),
      fc.integer({ min: 0, max: 100_000 }).map((n) => `${n}ms`),
      fc.integer({ min: 0, max: 3_600 }).map((n) => `${n}s`),
      fc
        .tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 1, max: 9 }))
        .map(([whole, tenth]) => `${whole}.${tenth}s`),
      fc.integer({ min: 0, max: 120 }).map((n) => `${n}m`),
      fc.integer({ min: 0, max: 2 }).map((n) => `${n}h`),
      fc.constant('0'),
    )
    .filter((text) => parseDurationUs(text)! >= minUs);

const positiveDuration = durationText(1);
const percentage = fc.oneof(
  fc.integer({ min: 0, max: 1000 }).map((n) => n / 1000),
  fc.integer({ min: 0, max: 1000 }).map((n) => `${n / 10}%`),
);

const serviceTime = fc.oneof(
  positiveDuration,
  positiveDuration.map((mean) => ({ type: 'exponential', mean })),
  fc.tuple(durationText(), durationText()).map(([a, b]) => {
    const [min, max] = parseDurationUs(a)! <= parseDurationUs(b)! ? [a, b] : [b, a];
    return { type: 'uniform', min, max };
  }),
  fc
    .tuple(positiveDuration, fc.integer({ min: 1, max: 20 }))
    .map(([median, s]) => ({ type: 'lognormal', median, sigma: s / 10 })),
);

/** Only the keys whose value is defined, so YAML never sees an undefined. */
const defined = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

interface Shape {
  name: string;
  seed: number;
  durationS: number;
  regions: string[];
  counts: { server: number; client: number; cache: number | null };
}

const shape: fc.Arbitrary<Shape> = fc.record({
  name: fc.constantFrom('alpha', 'beta-2', 'gamma_three', 'x'),
  seed: fc.nat({ max: 2 ** 31 }),
  durationS: fc.integer({ min: 1, max: 3_600 }),
  regions: fc.shuffledSubarray([...REGIONS], { minLength: 1 }),
  counts: fc.record({
    server: fc.integer({ min: 1, max: 5 }),
    client: fc.integer({ min: 1, max: 5 }),
    cache: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }),
  }),
});

/** Fault selectors naming only what the document defines: `*`, regions, groups, nodes, or a list of them. */
function selector(s: Shape): fc.Arbitrary<string | string[]> {
  const groups = Object.entries(s.counts).filter((e): e is [string, number] => e[1] !== null);
  const nodes = groups.flatMap(([group, count]) => Array.from({ length: count }, (_, i) => `${group}-${i + 1}`));
  const one = fc.constantFrom('*', ...s.regions, ...groups.map(([g]) => g), ...nodes);
  return fc.oneof(one, fc.array(one, { minLength: 1, maxLength: 3 }));
}

/** A partition's sides: nodes split in two, since a node on two sides is refused. */
function disjointSides(s: Shape): fc.Arbitrary<string[][]> {
  const nodes = Object.entries(s.counts).flatMap(([group, count]) =>
    Array.from({ length: count ?? 0 }, (_, i) => `${group}-${i + 1}`),
  );
  return fc
    .shuffledSubarray(nodes, { minLength: 2 })
    .chain((list) => fc.integer({ min: 1, max: list.length - 1 }).map((k) => [list.slice(0, k), list.slice(k)]));
}

function timelineFault(s: Shape): fc.Arbitrary<Record<string, unknown>> {
  // Before the end of the run: a fault at or after it is refused.
  const at = fc
    .integer({ min: 0, max: s.durationS * 1000 - 1 })
    .map((ms) => (ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`));
  const forUs = fc.option(positiveDuration, { nil: undefined });
  const nodes = selector(s);
  return fc.oneof(
    fc.record({ at, nodes, for: forUs }).map((f) => defined({ at: f.at, action: 'crash', nodes: f.nodes, for: f.for })),
    fc.record({ at, nodes, for: forUs }).map((f) => defined({ at: f.at, action: 'pause', nodes: f.nodes, for: f.for })),
    fc
      .record({ at, sides: disjointSides(s), for: forUs })
      .map((f) => defined({ at: f.at, action: 'partition', sides: f.sides, for: f.for })),
    fc.record({ at }).map((f) => ({ at: f.at, action: 'heal' })),
    fc
      .record({ at, nodes, by: fc.tuple(fc.boolean(), positiveDuration) })
      .map((f) => ({ at: f.at, action: 'clock-jump', nodes: f.nodes, by: `${f.by[0] ? '-' : ''}${f.by[1]}` })),
    fc
      .record({
        at,
        from: fc.option(nodes, { nil: undefined }),
        to: fc.option(nodes, { nil: undefined }),
        loss: fc.option(percentage, { nil: undefined }),
        latencyFactor: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }),
        for: forUs,
      })
      .map((f) =>
        defined({
          at: f.at,
          action: 'degrade',
          from: f.from,
          to: f.to,
          loss: f.loss,
          latencyFactor: f.latencyFactor,
          for: f.for,
        }),
      ),
  );
}

/** A window no longer than the run, which validation requires. */
const slo = (s: Shape) =>
  fc.record(
    {
      window: positiveDuration.filter((text) => parseDurationUs(text)! <= s.durationS * 1_000_000),
      availability: fc.record({ threshold: positiveDuration, target: percentage }, { requiredKeys: [] }),
      latency: fc.array(fc.record({ percentile: fc.constantFrom(50, 90, 99, 99.9, 100), under: positiveDuration }), {
        maxLength: 3,
      }),
      errorRate: percentage,
    },
    { requiredKeys: [] },
  );

const regionField = (s: Shape) =>
  fc.option(
    fc.oneof(fc.constantFrom(...s.regions), fc.array(fc.constantFrom(...s.regions), { minLength: 1, maxLength: 4 })),
    { nil: undefined },
  );

/** A valid scenario document, as the object a YAML file would parse to. */
const scenarioDocument: fc.Arbitrary<Record<string, unknown>> = shape.chain((s) =>
  fc
    .record({
      durationText: fc.constantFrom(
        `${s.durationS}s`,
        `${s.durationS * 1000}ms`,
        s.durationS % 60 === 0 ? `${s.durationS / 60}m` : `${s.durationS}s`,
      ),
      writeRegions: fc.boolean(),
      serverRegion: regionField(s),
      clientRegion: regionField(s),
      cacheRegion: regionField(s),
      api: fc.record({
        serviceTime,
        workers: fc.option(fc.integer({ min: 1, max: 16 }), { nil: undefined }),
        queueCapacity: fc.option(fc.integer({ min: 0, max: 1000 }), { nil: undefined }),
      }),
      cacheServiceTime: serviceTime,
      target: fc.constantFrom('api', ...(s.counts.cache === null ? [] : ['cache'])),
      rate: fc.oneof(
        fc.integer({ min: 1, max: 5000 }).map((n) => `${n}/s`),
        fc.integer({ min: 1, max: 600 }).map((n) => `${n}/min`),
      ),
      timeout: fc.option(positiveDuration, { nil: undefined }),
      timeline: fc.option(fc.array(timelineFault(s), { minLength: 1, maxLength: 4 }), { nil: undefined }),
      slo: fc.option(slo(s), { nil: undefined }),
    })
    .map((d) => {
      // Without topology.regions everything is in the one region "default"; only then may nodes omit theirs... or name none.
      const regionsWritten =
        d.writeRegions ||
        s.regions.length > 1 ||
        d.serverRegion !== undefined ||
        d.clientRegion !== undefined ||
        d.cacheRegion !== undefined;
      const nodes: Record<string, unknown> = {
        server: defined({ count: s.counts.server, region: d.serverRegion }),
        client: defined({ count: s.counts.client, region: d.clientRegion }),
      };
      const components: Record<string, unknown> = {
        api: defined({ type: 'queue-server', nodes: 'server', ...d.api }),
      };
      if (s.counts.cache !== null) {
        nodes.cache = defined({ count: s.counts.cache, region: d.cacheRegion });
        components.cache = { type: 'queue-server', nodes: 'cache', serviceTime: d.cacheServiceTime };
      }
      // Fault selectors may name regions, so regions are written whenever the generator picked any.
      const topology = defined({ regions: regionsWritten || d.timeline !== undefined ? s.regions : undefined, nodes });
      return defined({
        name: s.name,
        seed: s.seed,
        duration: d.durationText,
        topology,
        components,
        workloads: {
          users: defined({ type: 'poisson', nodes: 'client', target: d.target, rate: d.rate, timeout: d.timeout }),
        },
        faults: d.timeline === undefined ? undefined : { timeline: d.timeline },
        slo: d.slo,
      });
    }),
);

/** Loads text, turning a ScenarioError into a failure that shows the document and every problem. */
function accept(text: string): LoadedScenario {
  try {
    return parseScenarioText(text, 'generated.yaml');
  } catch (error) {
    if (error instanceof ScenarioError)
      throw new Error(`a valid document was refused:\n${error.message}\n--- document ---\n${text}`);
    throw error;
  }
}

describe('generated scenario documents', () => {
  it('every valid document is accepted (no false errors)', () => {
    fc.assert(
      fc.property(scenarioDocument, (doc) => {
        const { scenario } = accept(stringify(doc));
        expect(scenario.name).toBe(doc.name);
        expect(scenario.seed).toBe(doc.seed);
        expect(scenario.duration).toBe(parseDurationUs(doc.duration as string));
      }),
      { numRuns: 150 },
    );
  });

  it('parse → serialize → parse gives the same scenario', () => {
    fc.assert(
      fc.property(scenarioDocument, (doc) => {
        const text = stringify(doc);
        const a = accept(text).scenario;
        const again = stringify(parse(text));
        const b = accept(again).scenario;
        expect(b).toEqual(a);
        // Flow style and comments aside, the YAML itself is stable too.
        expect(parse(again)).toEqual(parse(text));
      }),
      { numRuns: 100 },
    );
  });
});

describe('durations', () => {
  it('parseDurationUs(formatDurationUnit(x)) === x for whole microseconds in [0, 1e13]', () => {
    const wholeUs = fc.oneof(
      fc.integer({ min: 0, max: 1e13 }),
      // Multiples of each unit, so every branch of formatDurationUnit is taken.
      ...[1_000, 1_000_000, 60_000_000, 3_600_000_000, 86_400_000_000].map((unit) =>
        fc.integer({ min: 0, max: Math.floor(1e13 / unit) }).map((n) => n * unit),
      ),
    );
    fc.assert(
      fc.property(wholeUs, (us) => {
        const text = formatDurationUnit(us);
        expect(parseDurationUs(text), text).toBe(us);
      }),
      { numRuns: 2000 },
    );
  });

  it('formatDurationUnit picks the largest unit that keeps the number whole', () => {
    expect(
      [0, 250, 10_000, 1_500_000, 2_000_000, 300_000_000, 3_600_000_000, 86_400_000_000, 90_000_000].map(
        formatDurationUnit,
      ),
    ).toEqual(['0', '250us', '10ms', '1500ms', '2s', '5m', '1h', '1d', '90s']);
  });
});

describe('durations with a decimal point', () => {
  it('are exactly the whole number of microseconds they write, in every unit', () => {
    const units: [string, number][] = [
      ['ms', 1_000],
      ['s', 1_000_000],
      ['m', 60_000_000],
      ['h', 3_600_000_000],
    ];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000_000 }), fc.constantFrom(...units), (us, [unit, scale]) => {
        // Written with as many decimals as the unit needs: 4100000 µs is 4.1s.
        const digits = Math.log10(scale);
        const whole = Math.floor(us / scale);
        if (!Number.isInteger(digits)) return;
        const fraction = String(us % scale)
          .padStart(digits, '0')
          .replace(/0+$/, '');
        const text = fraction === '' ? `${whole}${unit}` : `${whole}.${fraction}${unit}`;
        expect(parseDurationUs(text)).toBe(us);
      }),
      { numRuns: 500 },
    );
    expect(parseDurationUs('4.1s')).toBe(4_100_000);
    expect(parseDurationUs('16.1s')).toBe(16_100_000);
    expect(parseDurationUs('.5ms')).toBe(500);
  });
});
