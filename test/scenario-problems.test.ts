import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../scenarios/harness/load-scenario.js';
import { ScenarioError } from '../scenarios/harness/scenario-error.js';
import { registerBuiltinModels } from '../models/builtin-models.js';
import { modelDefinitions } from '../models/kit/registry.js';

registerBuiltinModels();
/** The registered model types, as the messages list them; new models must not break these tests. */
const COMPONENT_TYPES = modelDefinitions('component')
  .map((m) => m.type)
  .join(', ');
const WORKLOAD_TYPES = modelDefinitions('workload')
  .map((m) => m.type)
  .join(', ');

/**
 * One fixture per kind of mistake, each with several instances of it, so a
 * file shows that every problem is listed at once, in file order, each at
 * the place a person would fix it.
 */

const BAD = join(import.meta.dirname, 'fixtures', 'bad-scenarios');
const bad = (name: string) => relative(process.cwd(), join(BAD, name));

function problems(name: string): string[] {
  try {
    loadScenario(bad(name));
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    return (error as ScenarioError).message.split('\n');
  }
  throw new Error(`${name} loaded without problems`);
}

const lines = (name: string, expected: string[]) =>
  expect(problems(name)).toEqual(expected.map((line) => `${bad(name)}:${line}`));

describe('each kind of mistake, every instance reported', () => {
  it('duplicate keys, nested and at the root, with their field paths', () => {
    lines('duplicate-keys.yaml', [
      '7:5 topology.nodes.server: duplicate key "server"',
      '14:5 components.api.workers: duplicate key "workers"',
      '15:1 duration: duplicate key "duration"',
    ]);
  });

  it('an alias with no anchor before it', () => {
    lines('unresolved-alias.yaml', ['5:13 (yaml): no anchor "&defaults" before this alias']);
  });

  it('a document that is a list, not a mapping', () => {
    lines('not-a-mapping.yaml', [
      '1:1 (root): a scenario is a mapping of keys such as name, duration, topology and components',
    ]);
  });

  it('wrong types name what was expected and what was found', () => {
    lines('wrong-types.yaml', [
      '2:7 seed: expected a number, got "lucky"',
      '5:12 topology.regions: expected a list, got "us-east"',
      '7:22 topology.nodes.server.count: expected a whole number, got 2.5',
      '8:13 topology.nodes.client: expected a mapping, got 3',
      '10:41 topology.links.0.fifo: expected true or false, got "yes"',
      '16:14 components.api.workers: expected a number, got "many"',
      '21:13 workloads.users.target: expected a string, got a list',
      '23:6 slo: expected a mapping, got "99%"',
    ]);
  });

  it('unknown keys point at the key, with the nearest known one when there is one', () => {
    lines('unknown-keys.yaml', [
      '3:1 bogus: unknown key "bogus"',
      '6:25 topology.nodes.server.regoin: unknown key "regoin" (did you mean "region"?)',
      '10:5 components.api.serviceTime: missing required key "serviceTime"',
      '12:5 components.api.serviceTim: unknown key "serviceTim" (did you mean "serviceTime"?)',
      '13:5 components.api.queue_capacity: unknown key "queue_capacity" (did you mean "queueCapacity"?)',
      // `nodes` is a key of other actions, not of heal.
      '22:31 faults.timeline.0.nodes: unknown key "nodes"',
    ]);
  });

  it('missing keys point at the first key of the mapping that lacks them', () => {
    lines('missing-keys.yaml', [
      '1:1 name: missing required key "name"',
      '1:1 duration: missing required key "duration"',
      '8:5 components.api.serviceTime: missing required key "serviceTime"',
      '12:5 workloads.users.rate: missing required key "rate"',
      '17:7 faults.timeline.0.nodes: missing required key "nodes"',
      '19:9 faults.timeline.1.at: missing required key "at"',
    ]);
  });

  it('bad units: unknown ones, and bare numbers with the unit they may have meant', () => {
    const durations = 'write a number and a unit, like 250us, 10ms, 2s, 5m or 1h';
    lines('bad-units.yaml', [
      '2:11 duration: 60 has no unit; write a duration like 60s or 60ms',
      `3:9 warmup: "10 parsecs" is not a duration; ${durations}`,
      '5:22 topology.link.bandwidth: 100 has no unit; write a bandwidth like 100Mbps',
      '13:18 components.api.serviceTime: 5 has no unit; write a duration like 5s or 5ms',
      '14:19 components.api.responseSize: "4 furlongs" is not a size; write a number and a unit, like 512B, 1KB or 4MB',
      '20:11 workloads.users.rate: 500 has no unit; write a rate like 500/s',
      `21:14 workloads.users.timeout: "1 fortnight" is not a duration; ${durations}`,
    ]);
  });

  it('values out of range', () => {
    const share = 'must be between 0 and 1 (0% to 100%)';
    lines('out-of-range.yaml', [
      '2:11 duration: must be above zero',
      '4:17 topology.link.loss: must be between 0 and 1; for a percentage write 1.5%',
      `4:33 topology.link.duplicate: ${share}`,
      '4:47 topology.link.jitter: a duration cannot be negative',
      '6:22 topology.nodes.server.count: must be at least 1, got 0',
      '13:14 components.api.workers: must be at least 1, got 0',
      '19:11 workloads.users.rate: a rate must be above zero',
      `21:27 slo.availability.target: ${share}`,
      '23:21 slo.latency.0.percentile: must be above 0, got 0',
      '24:21 slo.latency.1.percentile: must be at most 100, got 101',
    ]);
  });

  it("distributions: the branch meant is the one reported, in the file's units", () => {
    lines('distributions.yaml', [
      '5:25 topology.rtt.sameRegion.type: expected a duration like 5ms, or a distribution with type constant, uniform, exponential, normal, lognormal, pareto, empirical or mixture',
      '6:51 topology.rtt.crossRegion.max: max must be at least min (80ms)',
      '15:20 components.api.serviceTime.mean: missing required key "mean"',
      '15:39 components.api.serviceTime.meen: unknown key "meen" (did you mean "mean"?)',
      '21:38 components.store.serviceTime.points.2.0: the last point is percentile 100 (the maximum)',
      '21:38 components.store.serviceTime.points.2.0: percentiles must increase; the point before is at 50',
      '21:42 components.store.serviceTime.points.2.1: values must not decrease; the point before is 5ms',
    ]);
  });

  it("mixtures: each part's weight and distribution checked where it is written; parts are not mixtures", () => {
    lines('mixtures.yaml', [
      '15:21 components.api.serviceTime.parts.0.weight: must be above 0, got 0',
      '16:38 components.api.serviceTime.parts.1.distribution: 5 has no unit; write a duration like 5s or 5ms',
      '17:40 components.api.serviceTime.parts.2.distribution.mean: missing required key "mean"',
      '17:59 components.api.serviceTime.parts.2.distribution.meen: unknown key "meen" (did you mean "mean"?)',
      '18:46 components.api.serviceTime.parts.3.distribution.type: a part cannot be a mixture itself; list its parts in this mixture, weights multiplied',
      '19:13 components.api.serviceTime.parts.4.distribution: missing required key "distribution"',
      '23:42 components.cache.serviceTime.parts: must have at least 2 items, got 1',
      '23:78 components.cache.serviceTime.parts.0.distribution.type: expected a duration like 5ms, or a distribution with type constant, uniform, exponential, normal, lognormal, pareto or empirical',
    ]);
  });

  it('references to regions, node groups, nodes and components that are not defined', () => {
    const unknown = 'is not a node, node group or region';
    lines('references.yaml', [
      '7:30 topology.rtt.between.0.regions.1: no region "ap-south"; topology.regions lists "us-east", "eu-west"',
      '9:43 topology.nodes.server.region.1: no region "mars"; topology.regions lists "us-east", "eu-west"',
      `12:27 topology.links.0.to: "servers" ${unknown} (did you mean "server"?)`,
      '22:13 workloads.users.target: no component "ap"; components defines "api"',
      `26:39 faults.timeline.0.nodes: "server-3" ${unknown}; group "server" has 2 nodes, server-1 to server-2`,
      `27:64 faults.timeline.1.sides.1.1: "moon" ${unknown}; nodes are named <group>-<n>, like server-1`,
      '28:40 faults.timeline.2.node: "server" is a node group; name one node, like server-1',
      '29:58 faults.timeline.3.bridge: "client-2" is not a node; group "client" has one node, client-1',
      `31:46 faults.random.0.nodes.1: "db" ${unknown}; nodes are named <group>-<n>, like server-1`,
    ]);
  });

  it('messaging: a queue dead-lettering into itself, a producer writing to a server, a bad acks, a subscription of a queue', () => {
    expect(
      problems('messaging-references.yaml').map((p) => p.slice(bad('messaging-references.yaml').length + 1)),
    ).toEqual([
      '6:56 components.jobs.deadLetterQueue: "jobs" is this component itself; name another one',
      '9:54 workloads.orders.target: "web" is not a queue, pubsub or log component (it is a queue-server)',
      '9:78 workloads.orders.acks: expected 0, 1 or all',
      '10:81 workloads.workers.subscription: jobs is a queue, which has no subscriptions; remove subscription',
    ]);
  });

  it('node groups: one name for a region and a group, a group running nothing, a group running two', () => {
    lines('hosting.yaml', [
      '7:5 topology.nodes.client: "client" names both a region and a node group; rename one so selectors are unambiguous',
      '8:5 topology.nodes.spare: node group "spare" runs nothing; name it in a component\'s or workload\'s "nodes"',
      '16:12 components.auth.nodes: node group "server" already runs component "api"; each group runs one component or workload',
    ]);
  });

  it('discriminators: an unknown model type, fault action or process type, and a missing type', () => {
    lines('bad-discriminators.yaml', [
      `9:11 components.api.type: type must be one of the component models: ${COMPONENT_TYPES}`,
      `13:5 workloads.users.type: missing required key "type" (one of ${WORKLOAD_TYPES})`,
      '18:25 faults.timeline.0.action: action must be one of crash, restart, pause, resume, partition, partition-majority, isolate, bridge, partition-ring, partition-one-way, heal, clock-jump, clock-drift, degrade, restore-links',
      '20:15 faults.random.0.type: type must be one of crash-restart, random-kill',
    ]);
  });

  it("variants: a name used twice, a seed, and each variant's bad overrides at their set entries", () => {
    lines('variants.yaml', [
      '24:11 variants.1.name: variant "small" is defined twice',
      '25:36 variants.1.set.components.api.workers: must be at least 1, got 0',
      '25:39 variants.1.set.seed: variants share the seed so their runs compare; set it at the top level or with --seed',
      '27:36 variants.2.set.components.api.workerz: unknown key "workerz" (did you mean "workers"?)',
      '27:58 variants.2.set.topology..nodes: "topology..nodes" is not a field path; write dotted keys, like components.api.workers or faults.timeline.0.at',
    ]);
  });

  it('a variant that breaks a valid base elsewhere says which variant', () => {
    lines('variant-problems.yaml', [
      '20:39 faults.timeline.0.nodes: "server-2" is not a node, node group or region; group "server" has one node, server-1 (with variant "small")',
      '25:36 variants.1.set.components.api.workers: must be at least 1, got 0',
      '27:36 variants.2.set.components.api.workerz: unknown key "workerz" (did you mean "workers"?)',
    ]);
  });

  it("through extends, each problem is in the file that wrote the value: base problems first, then the child's", () => {
    const base = bad('base-with-errors.yaml');
    expect(problems('extends-base-errors.yaml')).toEqual([
      `${base}:1:11 duration: "10 parsecs" is not a duration; write a number and a unit, like 250us, 10ms, 2s, 5m or 1h`,
      `${base}:11:14 components.api.workers: must be at least 1, got 0`,
      `${bad('extends-base-errors.yaml')}:5:20 components.api.queueCapacity: must be at least 0, got -1`,
    ]);
  });
});
