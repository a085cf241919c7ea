import { z } from 'zod';
import { sweepSection } from './sweep-section.js';
import { registerBuiltinModels } from '../../models/builtin-models.js';
import type { ModelDefinition } from '../../models/kit/model-contract.js';
import { modelTypes } from '../../models/kit/registry.js';
import { durationDistribution } from '../../models/kit/distribution-schema.js';
import {
  bitsPerSec,
  durationUs,
  fraction,
  nonNegativeInt,
  positiveInt,
  signedDurationUs,
} from '../../models/kit/units.js';

/**
 * The scenario file format, one strict zod schema: unknown keys are errors,
 * every value is parsed from human units once, here. Components and workloads
 * are discriminated by `type` over the registered models, so the format grows
 * with the model registry.
 */

const NAME = /^[a-z][a-z0-9_-]*$/;
const name = (what: string) =>
  z.string().regex(NAME, `a ${what} name is lower case letters, digits, "-" and "_", starting with a letter`);

/** A node, a node group, a region, or `*`; or a list of them. */
const selector = z
  .union([z.string().min(1), z.array(z.string().min(1)).min(1)], {
    error: 'expected a node, group or region name, "*", or a list of them',
  })
  .describe('A node (api-1), a node group (api), a region (us-east), "*", or a list of them.');

const regionList = z.union([name('region'), z.array(name('region')).min(1)], {
  error: 'expected a region name or a list of them',
});

const linkFields = {
  latency: durationDistribution.optional().describe('One-way delay: a duration or a distribution.'),
  jitter: durationUs.optional().describe('Extra delay drawn uniformly from [0, jitter) per message.'),
  loss: fraction.optional().describe('Chance a message is lost.'),
  duplicate: fraction.optional().describe('Chance a message is delivered twice.'),
  reorder: fraction.optional().describe('Chance a message is held back by reorderDelay and overtaken.'),
  reorderDelay: durationUs.optional(),
  bandwidth: bitsPerSec.optional().describe('Serialization rate, like 1Gbps; messages queue behind each other.'),
  fifo: z.boolean().optional().describe('Deliver in send order, as TCP does.'),
};

/** The most nodes a scenario may have, all groups together: the engine keeps state per node (about 1 KB each, more with links). */
export const MAX_NODES = 100_000;

const topology = z.strictObject({
  regions: z.array(name('region')).min(1).default(['default']).describe('Region names; nodes are placed in them.'),
  rtt: z
    .strictObject({
      sameRegion: durationDistribution.optional().describe('Round trip inside a region (default 0.5–1 ms uniform).'),
      crossRegion: durationDistribution.optional().describe('Round trip between regions (default 50–100 ms uniform).'),
      between: z
        .array(z.strictObject({ regions: z.tuple([name('region'), name('region')]), rtt: durationDistribution }))
        .default([])
        .describe('Round trips for particular region pairs (symmetric).'),
    })
    .default({ between: [] }),
  link: z
    .strictObject({
      ...linkFields,
      latency: z
        .never({
          error:
            'link latency comes from the round trips; set topology.rtt (sameRegion, crossRegion or between) instead',
        })
        .optional(),
    })
    .optional()
    .describe('Defaults for every link (latency comes from the RTTs).'),
  nodes: z
    .record(
      name('node group'),
      z.strictObject({
        count: positiveInt
          .max(MAX_NODES, `a scenario has at most ${MAX_NODES} nodes`)
          .default(1)
          .describe('Nodes in the group, named <group>-1 … <group>-<count>.'),
        region: regionList
          .optional()
          .describe('A region, or a list the nodes are spread over in turn. Default: the first region.'),
        clockOffset: signedDurationUs.optional().describe('Each node clock starts this far from true time.'),
        clockDriftPpm: z.number().optional().describe('Clock drift in parts per million.'),
      }),
    )
    .describe('Node groups; each runs exactly one component or workload.'),
  links: z
    .array(z.strictObject({ from: selector, to: selector, bothWays: z.boolean().default(false), ...linkFields }))
    .default([])
    .describe('Overrides for the links from one set of nodes to another.'),
});

const forUs = durationUs.optional().describe('Undo the fault after this long.');
const at = durationUs.describe('Simulated time of the fault.');

const timelineFault = z.discriminatedUnion(
  'action',
  [
    z.strictObject({ at, action: z.literal('crash'), nodes: selector, for: forUs }),
    z.strictObject({ at, action: z.literal('restart'), nodes: selector }),
    z.strictObject({ at, action: z.literal('pause'), nodes: selector, for: forUs }),
    z.strictObject({ at, action: z.literal('resume'), nodes: selector }),
    z.strictObject({
      at,
      action: z.literal('partition'),
      sides: z.array(selector).min(2).describe('Each side talks only within itself.'),
      for: forUs,
    }),
    z.strictObject({ at, action: z.literal('partition-majority'), nodes: selector, for: forUs }),
    z.strictObject({ at, action: z.literal('isolate'), node: z.string(), from: selector.optional(), for: forUs }),
    z.strictObject({
      at,
      action: z.literal('bridge'),
      sideA: selector,
      bridge: z.string(),
      sideB: selector,
      for: forUs,
    }),
    z.strictObject({ at, action: z.literal('partition-ring'), nodes: selector, for: forUs }),
    z.strictObject({ at, action: z.literal('partition-one-way'), from: selector, to: selector, for: forUs }),
    z.strictObject({ at, action: z.literal('heal') }),
    z.strictObject({ at, action: z.literal('clock-jump'), nodes: selector, by: signedDurationUs }),
    z.strictObject({ at, action: z.literal('clock-drift'), nodes: selector, ppm: z.number() }),
    z.strictObject({
      at,
      action: z.literal('degrade'),
      id: z.string().optional(),
      from: selector.optional(),
      to: selector.optional(),
      latencyFactor: z.number().min(0).optional(),
      extraLatency: durationUs.optional(),
      loss: fraction.optional(),
      for: forUs,
    }),
    z.strictObject({ at, action: z.literal('restore-links'), id: z.string().optional() }),
  ],
  {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? 'action must be one of crash, restart, pause, resume, partition, partition-majority, isolate, bridge, partition-ring, partition-one-way, heal, clock-jump, clock-drift, degrade, restore-links'
        : undefined,
  },
);

const faultProcess = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('crash-restart'),
    name: name('fault process').optional(),
    nodes: selector,
    mtbf: durationUs.describe('Mean uptime before each node fails (exponential).'),
    mttr: durationUs.describe('Mean time to repair (exponential).'),
    start: durationUs.optional(),
    end: durationUs.optional(),
  }),
  z.strictObject({
    type: z.literal('random-kill'),
    name: name('fault process').optional(),
    nodes: selector,
    meanInterval: durationUs.describe('Mean time between kills (Poisson).'),
    down: durationDistribution.describe('How long a killed node stays down.'),
    start: durationUs.optional(),
    end: durationUs.optional(),
  }),
]);

const slo = z
  .strictObject({
    window: durationUs
      .refine((d) => d > 0, 'must be above zero: the timelines count per window')
      .default(1_000_000)
      .describe('The reporting window for timelines (default 1s).'),
    availability: z
      .strictObject({
        threshold: durationUs
          .default(1_000_000)
          .describe('A request is available if it succeeds within this (default 1s).'),
        target: fraction.optional().describe('The availability objective, like 99.9%.'),
      })
      .default({ threshold: 1_000_000 }),
    latency: z
      .array(
        z.strictObject({
          percentile: z.number().gt(0).max(100).describe('Like 99.9.'),
          under: durationUs,
          operation: z.string().optional().describe('Only this operation; all requests when absent.'),
        }),
      )
      .default([])
      .describe('Latency objectives: p<percentile> of successful requests at or under <under>.'),
    errorRate: fraction.optional().describe('The largest share of finished requests that may fail.'),
  })
  .default({ window: 1_000_000, availability: { threshold: 1_000_000 }, latency: [] });

const outputs = z
  .strictObject({
    dir: z.string().optional().describe('Where to write outputs (default out/<scenario>-<seed>).'),
    charts: z.boolean().default(true).describe('Write one SVG per chart.'),
    html: z.boolean().default(true).describe('Write report.html.'),
    messageDiagram: z
      .strictObject({
        at: durationUs
          .optional()
          .describe(
            'Centre the window here. Default: the first crash, pause or partition (else the first fault of any kind).',
          ),
        before: durationUs.default(250_000).describe('How much of the window lies before its centre (default 250ms).'),
        after: durationUs
          .refine((d) => d > 0, 'must be above zero')
          .default(1_500_000)
          .describe('How much of the window lies after its centre (default 1.5s).'),
      })
      .default({ before: 250_000, after: 1_500_000 })
      .describe("The window of the consistency section's message diagram."),
  })
  .default({ charts: true, html: true, messageDiagram: { before: 250_000, after: 1_500_000 } });

const variant = z.strictObject({
  name: name('variant'),
  description: z.string().optional(),
  set: z
    .record(z.string(), z.unknown())
    .default({})
    .describe('Overrides of the base scenario, by path: { "components.api.workers": 8 }.'),
});

/**
 * The instances of one role, discriminated by `type` over every known model. A
 * model not loaded yet (the CLI loads only those its scenario names, see
 * load-scenario.ts) stands in by its type alone: no document that reaches the
 * schema names it, and the type list in messages stays complete.
 */
function instanceSchema(role: ModelDefinition['role']) {
  const models = modelTypes(role);
  const nodes = () => name('node group').describe('The node group it runs on.');
  const options = models.map(({ type, definition }) => {
    const params: z.ZodObject = definition?.params ?? z.strictObject({});
    const literal = z.literal(type);
    return params.extend({ type: definition ? literal.describe(definition.description) : literal, nodes: nodes() });
  });
  if (options.length === 0) return z.never();
  const types = models.map((m) => m.type).join(', ');
  return z.discriminatedUnion('type', options as [(typeof options)[0], ...(typeof options)[number][]], {
    error: (issue) => (issue.code === 'invalid_union' ? `type must be one of the ${role} models: ${types}` : undefined),
  });
}

export function scenarioSchema() {
  registerBuiltinModels();
  const schema = z.strictObject({
    $schema: z.string().optional(),
    extends: z.string().optional().describe('A scenario file this one overrides (a path relative to this file).'),
    name: name('scenario'),
    description: z.string().default(''),
    seed: nonNegativeInt.default(1).describe('Every random number derives from this.'),
    duration: durationUs.refine((d) => d > 0, 'must be above zero').describe('Simulated time to run.'),
    warmup: durationUs.default(0).describe('Requests sent before this are left out of the metrics.'),
    stop: z
      .strictObject({
        afterRequests: positiveInt.describe('End at the first window boundary after this many requests finished.'),
      })
      .optional(),
    topology,
    components: z.record(name('component'), instanceSchema('component')).default({}),
    workloads: z.record(name('workload'), instanceSchema('workload')).default({}),
    faults: z
      .strictObject({ timeline: z.array(timelineFault).default([]), random: z.array(faultProcess).default([]) })
      .default({ timeline: [], random: [] }),
    slo,
    outputs,
    variants: z
      .array(variant)
      .max(MAX_VARIANTS, `a scenario may have at most ${MAX_VARIANTS} variants; split it into several files`)
      .default([])
      .describe('Named sets of overrides; `faultline run` runs each with the same seed.'),
    sweep: sweepSection.optional(),
  });
  return schema.superRefine((scenario, ctx) => {
    const groups = Object.entries(scenario.topology.nodes);
    const nodes = groups.reduce((sum, [, g]) => sum + g.count, 0);
    // One group over the limit is reported at its count already.
    if (nodes > MAX_NODES && groups.every(([, g]) => g.count <= MAX_NODES)) {
      const [largest] = groups.reduce((a, b) => (b[1].count > a[1].count ? b : a));
      ctx.addIssue({
        code: 'custom',
        path: ['topology', 'nodes', largest, 'count'],
        message: `the groups hold ${nodes} nodes together; a scenario has at most ${MAX_NODES}`,
      });
    }
    const at = scenario.outputs.messageDiagram.at;
    if (at !== undefined && at >= scenario.duration)
      ctx.addIssue({
        code: 'custom',
        path: ['outputs', 'messageDiagram', 'at'],
        message: `is at or after the end of the run (duration ${scenario.duration / 1e6}s): the diagram's window would be empty`,
      });
  });
}

export type Scenario = z.output<ReturnType<typeof scenarioSchema>>;
export type TimelineFault = z.output<typeof timelineFault>;
export type FaultProcess = z.output<typeof faultProcess>;

/** The JSON Schema of scenario files (input form, with unit patterns), for editors. */
export function scenarioJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(scenarioSchema(), { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    ...schema,
    patternProperties: {
      [`^${EXTENSION_PREFIX}`]: { description: 'Free-form: a place for YAML anchors to reuse; ignored.' },
    },
  };
}

/** Each variant is a whole run; more than this is a mistake, or a sweep better split over files. */
export const MAX_VARIANTS = 1000;

/** Root keys starting with this hold YAML anchors for reuse (as in Compose files); the loader drops them. */
export const EXTENSION_PREFIX = 'x-';
