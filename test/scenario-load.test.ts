import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  bundledScenariosDir,
  listBundledScenarios,
  resolveScenarioArgument,
} from '../scenarios/harness/bundled-scenarios.js';
import { loadScenario, parseScenarioText } from '../scenarios/harness/load-scenario.js';
import { ScenarioError } from '../scenarios/harness/scenario-error.js';
import { parseBitsPerSec, parseDurationUs, parseRatePerSec, parseSizeBytes } from '../models/kit/units.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'scenarios');
const fixture = (name: string) => relative(process.cwd(), join(FIXTURES, name));
const load = (name: string, overrides?: string[]) => loadScenario(fixture(name), { overrides });

/** A minimal valid scenario to vary in place. */
const MINIMAL = `name: minimal
duration: 10s
topology:
  nodes:
    server: { count: 2 }
    client: { count: 1 }
components:
  api: { type: queue-server, nodes: server, serviceTime: 2ms }
workloads:
  users: { type: poisson, nodes: client, target: api, rate: 100/s }
`;
const minimal = (extra = '', overrides?: string[]) =>
  parseScenarioText(MINIMAL + extra, 'minimal.yaml', { overrides }).scenario;

describe('distributions', () => {
  it('a mixture reads its parts in the same forms, durations in µs, a plain duration a constant', () => {
    const serviceTime =
      '{ type: mixture, parts: [{ weight: 0.9, distribution: { type: exponential, mean: 2ms } }, { weight: 0.1, distribution: { type: pareto, scale: 5ms, shape: 1.5 } }, { weight: 0.5, distribution: 250us }] }';
    const scenario = minimal('', [`components.api.serviceTime=${serviceTime}`]);
    expect(scenario.components.api.serviceTime).toEqual({
      type: 'mixture',
      parts: [
        { weight: 0.9, distribution: { type: 'exponential', mean: 2000 } },
        { weight: 0.1, distribution: { type: 'pareto', scale: 5000, shape: 1.5 } },
        { weight: 0.5, distribution: { type: 'constant', value: 250 } },
      ],
    });
  });
});

describe('extends', () => {
  const base = load('base.yaml').scenario;

  it('mappings merge key by key: the child changes workers and keeps the rest of components.api', () => {
    const child = load('child.yaml').scenario;
    expect(child.name).toBe('child');
    expect(child.components.api).toEqual({ ...base.components.api, workers: 8 });
    expect(child.components.api).toMatchObject({
      type: 'queue-server',
      nodes: 'server',
      queueCapacity: 100,
      serviceTime: { type: 'exponential', mean: 2000 },
    });
    // Everything the child does not mention is the base's.
    expect(child.topology).toEqual(base.topology);
    expect(child.workloads).toEqual(base.workloads);
    expect(child.slo).toEqual(base.slo);
    expect(child.seed).toBe(3);
    expect(child.description).toBe(base.description);
  });

  it("lists replace: the child's faults.timeline is its own, not appended to the base's", () => {
    expect(base.faults.timeline).toHaveLength(2);
    expect(load('child.yaml').scenario.faults.timeline).toEqual([
      { at: 20_000_000, action: 'pause', nodes: 'server', for: 1_000_000 },
    ]);
  });

  it('nests two levels, each base path relative to the file that names it', () => {
    // nested/grandchild.yaml extends ../child.yaml, which extends base.yaml next to itself.
    const grandchild = load(join('nested', 'grandchild.yaml')).scenario;
    const child = load('child.yaml').scenario;
    expect(grandchild.name).toBe('grandchild');
    expect(grandchild.seed).toBe(42);
    expect(grandchild.workloads.users).toEqual({ ...child.workloads.users, rate: 50 });
    expect(grandchild.components.api.workers).toBe(8);
    expect(grandchild.faults).toEqual(child.faults);
    expect(grandchild.duration).toBe(30_000_000);
  });

  it('text in hand resolves extends against the directory of the name it is given', () => {
    const text = 'extends: base.yaml\nname: from-text\nduration: 1m\n';
    const scenario = parseScenarioText(text, fixture('in-memory.yaml')).scenario;
    expect(scenario).toEqual({ ...base, name: 'from-text', duration: 60_000_000 });
  });

  it('the merged scenario has no extends key', () => {
    expect('extends' in load('child.yaml').scenario).toBe(false);
  });
});

describe('YAML anchors and merge keys', () => {
  it('<<: *defaults copies a mapping, and keys beside it override', () => {
    const { components } = load('anchors.yaml').scenario;
    expect(components.cache).toEqual({ ...components.api, nodes: 'cache', workers: 16 });
    expect(components.api).toMatchObject({
      nodes: 'server',
      workers: 4,
      queueCapacity: 50,
      serviceTime: { type: 'uniform', min: 1000, max: 3000 },
    });
  });

  it('root keys starting with x- hold anchors and are otherwise ignored', () => {
    const text = `x-server: &server { type: queue-server, serviceTime: 2ms, workers: 2 }\n${MINIMAL.replace(
      '  api: { type: queue-server, nodes: server, serviceTime: 2ms }',
      '  api: { <<: *server, nodes: server }',
    )}`;
    const { scenario } = parseScenarioText(text, 'extension.yaml');
    expect('x-server' in scenario).toBe(false);
    expect(scenario.components.api).toMatchObject({
      type: 'queue-server',
      workers: 2,
      serviceTime: { type: 'constant', value: 2000 },
    });
  });

  it('a problem in an anchored value is reported where the anchor is written, not where it is merged', () => {
    const text = MINIMAL.replace(
      '  api: { type: queue-server, nodes: server, serviceTime: 2ms }',
      '  api: &defaults { type: queue-server, nodes: server, serviceTime: 2 parsecs }\n  copy: { <<: *defaults, nodes: spare }',
    ).replace('    client: { count: 1 }', '    client: { count: 1 }\n    spare: { count: 1 }');
    let lines: string[] = [];
    try {
      parseScenarioText(text, 'anchored.yaml');
    } catch (error) {
      expect(error).toBeInstanceOf(ScenarioError);
      lines = (error as ScenarioError).message.split('\n');
    }
    const problem = '"2 parsecs" is not a duration; write a number and a unit, like 250us, 10ms, 2s, 5m or 1h';
    // Both components carry the bad value; both point at line 9, column 68, where it is written once.
    expect(lines).toEqual([
      `anchored.yaml:9:68 components.api.serviceTime: ${problem}`,
      `anchored.yaml:9:68 components.copy.serviceTime: ${problem}`,
    ]);
  });
});

describe('--set', () => {
  const base = load('base.yaml').scenario;

  it('a number', () => {
    expect(load('base.yaml', ['components.api.workers=16']).scenario.components.api.workers).toBe(16);
  });

  it("a string with a unit is parsed like the file's", () => {
    const scenario = load('base.yaml', ['duration=2m', 'workloads.users.rate=2/min']).scenario;
    expect(scenario.duration).toBe(120_000_000);
    expect(scenario.workloads.users.rate).toBeCloseTo(2 / 60, 15);
  });

  it('a flow list replaces the list', () => {
    const scenario = load('base.yaml', ['topology.regions=[us-east, eu-west, ap-south]']).scenario;
    expect(scenario.topology.regions).toEqual(['us-east', 'eu-west', 'ap-south']);
  });

  it('a new key under an existing mapping', () => {
    const scenario = load('base.yaml', ['slo.errorRate=2%', 'outputs.dir=out/here']).scenario;
    expect(scenario.slo.errorRate).toBe(0.02);
    expect(scenario.slo.availability).toEqual(base.slo.availability);
    expect(scenario.outputs).toEqual({ ...base.outputs, dir: 'out/here' });
  });

  it('a component parameter the file does not set', () => {
    expect(base.components.api.responseSize).toBe(0);
    expect(load('base.yaml', ['components.api.responseSize=4MiB']).scenario.components.api.responseSize).toBe(
      4 * 1024 * 1024,
    );
  });

  it('an item of an existing list, by index, and one past the end appends', () => {
    const scenario = load('base.yaml', [
      'faults.timeline.0.at=7s',
      'faults.timeline.2={at: 25s, action: heal}',
    ]).scenario;
    expect(scenario.faults.timeline.map((f) => f.at)).toEqual([7_000_000, 10_000_000, 25_000_000]);
    expect(scenario.faults.timeline[2]).toEqual({ at: 25_000_000, action: 'heal' });
  });

  it('applies to an extended file after the merge', () => {
    expect(load('child.yaml', ['components.api.workers=2']).scenario.components.api.workers).toBe(2);
  });

  it('leaves the file alone: the next load without --set is the base again', () => {
    load('base.yaml', ['components.api.workers=16']);
    expect(load('base.yaml').scenario).toEqual(base);
  });
});

describe('variants', () => {
  const loaded = load('variants.yaml');

  it('are listed in file order with their descriptions', () => {
    expect(loaded.variants.map((v) => [v.name, v.description])).toEqual([
      ['as-is', 'the base scenario, unchanged'],
      ['more-workers', ''],
      ['bigger-queue', ''],
    ]);
  });

  it('a variant without set is the base scenario', () => {
    expect(loaded.variants[0].scenario).toEqual(loaded.scenario);
    expect(loaded.variants[0].overrides).toEqual({});
  });

  it('each variant is the base plus its set, as if given with --set', () => {
    expect(loaded.variants[1].scenario).toEqual(load('variants.yaml', ['components.api.workers=8']).scenario);
    expect(loaded.variants[2].scenario).toEqual(
      load('variants.yaml', ['components.api.queueCapacity=500', 'workloads.users.rate=400/s']).scenario,
    );
    expect(loaded.variants[2].scenario.workloads.users.rate).toBe(400);
    expect(loaded.variants[2].scenario.components.api).toEqual({
      ...loaded.scenario.components.api,
      queueCapacity: 500,
    });
  });

  it('record their overrides as written', () => {
    expect(loaded.variants[1].overrides).toEqual({ 'components.api.workers': 8 });
    expect(loaded.variants[2].overrides).toEqual({
      'components.api.queueCapacity': 500,
      'workloads.users.rate': '400/s',
    });
  });

  it('are built on the base after --set', () => {
    const withSet = load('variants.yaml', ['components.api.queueCapacity=7']);
    expect(withSet.variants[1].scenario.components.api).toMatchObject({ workers: 8, queueCapacity: 7 });
    // ... but a variant's own set wins over the command line for the keys it sets.
    expect(withSet.variants[2].scenario.components.api.queueCapacity).toBe(500);
  });

  it('a scenario without variants has none', () => {
    expect(load('base.yaml').variants).toEqual([]);
  });
});

describe('the result is deeply frozen', () => {
  const loaded = load('variants.yaml');

  it('Object.isFrozen holds all the way down', () => {
    const nested: unknown[] = [
      loaded,
      loaded.scenario,
      loaded.scenario.topology,
      loaded.scenario.topology.regions,
      loaded.scenario.topology.nodes,
      loaded.scenario.topology.nodes.server,
      loaded.scenario.components.api,
      loaded.scenario.components.api.serviceTime,
      loaded.scenario.slo.latency,
      loaded.variants,
      loaded.variants[1],
      loaded.variants[1].overrides,
      loaded.variants[1].scenario.components.api,
    ];
    for (const value of nested) expect(Object.isFrozen(value)).toBe(true);
  });

  it('assigning throws (test files are strict-mode modules)', () => {
    const scenario = loaded.scenario as unknown as {
      components: { api: { workers: number } };
      topology: { regions: string[] };
      name: string;
    };
    expect(() => {
      scenario.components.api.workers = 99;
    }).toThrow(TypeError);
    expect(() => {
      scenario.name = 'changed';
    }).toThrow(TypeError);
    expect(() => scenario.topology.regions.push('mars')).toThrow(TypeError);
    expect(loaded.scenario.components.api.workers).toBe(4);
  });
});

describe('bundled scenarios', () => {
  const dir = bundledScenariosDir();
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();

  it('there are some', () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
  });

  it.each(files)('%s loads, with its variants', (file) => {
    const loaded = loadScenario(join(dir, file));
    expect(loaded.scenario.name).toBe(basename(file, '.yaml'));
    for (const variant of loaded.variants) expect(variant.scenario.name).toBe(loaded.scenario.name);
  });

  it("listBundledScenarios gives each one's name and the first line of its description", () => {
    const list = listBundledScenarios();
    expect(list.map((s) => s.name)).toEqual(files.map((f) => basename(f, '.yaml')));
    for (const entry of list) {
      const doc = parse(readFileSync(join(dir, `${entry.name}.yaml`), 'utf8')) as { description: string };
      expect(entry.description).toBe(doc.description.split('\n')[0].trim());
      expect(entry.description).not.toBe('');
      expect(entry.description).not.toContain('\n');
      expect(entry.file).toBe(join(dir, `${entry.name}.yaml`));
    }
  });
});

describe('resolveScenarioArgument', () => {
  const dir = bundledScenariosDir();

  it('a path to an existing file is returned as given', () => {
    expect(resolveScenarioArgument(fixture('base.yaml'))).toBe(fixture('base.yaml'));
  });

  it('a bundled scenario by name, with or without .yaml', () => {
    expect(resolveScenarioArgument('server-sizing')).toBe(join(dir, 'server-sizing.yaml'));
    expect(resolveScenarioArgument('server-sizing.yaml')).toBe(join(dir, 'server-sizing.yaml'));
  });

  it('an unknown name is a ScenarioError that points to faultline list', () => {
    expect(() => resolveScenarioArgument('no-such-scenario')).toThrow(ScenarioError);
    expect(() => resolveScenarioArgument('no-such-scenario')).toThrow(
      'no-such-scenario: no scenario file or bundled scenario named "no-such-scenario"; run faultline list to see the bundled ones',
    );
  });

  it('a path with a directory is not looked up among the bundled ones', () => {
    expect(() => resolveScenarioArgument('somewhere/server-sizing')).toThrow(/faultline list/);
  });
});

describe('units', () => {
  it('durations, in microseconds', () => {
    const cases: [string, number][] = [
      ['250us', 250],
      ['10ms', 10_000],
      ['2s', 2_000_000],
      ['5m', 300_000_000],
      ['1h', 3_600_000_000],
      ['1.5s', 1_500_000],
      ['0', 0],
      ['1d', 86_400_000_000],
      ['2min', 120_000_000],
    ];
    for (const [text, us] of cases) expect(parseDurationUs(text), text).toBe(us);
    for (const text of ['10', '10 parsecs', 's', '-1s', '1.s', '']) expect(parseDurationUs(text), text).toBeNull();
  });

  it('rates, per second', () => {
    expect(parseRatePerSec('500/s')).toBe(500);
    expect(parseRatePerSec('2/min')).toBeCloseTo(2 / 60, 15);
    expect(parseRatePerSec('10/ms')).toBe(10_000);
    expect(parseRatePerSec('2/day')).toBeCloseTo(2 / 86_400, 15);
    expect(parseRatePerSec('20/d')).toBeCloseTo(20 / 86_400, 15);
    expect(parseRatePerSec('500')).toBeNull();
  });

  it('sizes, in bytes: KB is 1000, MiB is 1024²', () => {
    expect(parseSizeBytes('1KB')).toBe(1000);
    expect(parseSizeBytes('4MiB')).toBe(4 * 1024 * 1024);
    expect(parseSizeBytes('512B')).toBe(512);
    expect(parseSizeBytes('1GB')).toBe(1e9);
    expect(parseSizeBytes('1 parsec')).toBeNull();
  });

  it('bandwidths, in bits per second', () => {
    expect(parseBitsPerSec('100Mbps')).toBe(100e6);
    expect(parseBitsPerSec('1Gbps')).toBe(1e9);
  });

  it('the same units in a scenario file', () => {
    const scenario = minimal(
      'warmup: 1.5s\nslo:\n  availability: { threshold: 250us, target: 99.9% }\n  errorRate: 0.5%\n',
      ['workloads.users.rate=2/min', 'workloads.users.requestSize=1KB', 'components.api.responseSize=4MiB'],
    );
    expect(scenario.duration).toBe(10_000_000);
    expect(scenario.warmup).toBe(1_500_000);
    expect(scenario.slo.availability.threshold).toBe(250);
    expect(scenario.workloads.users.rate).toBeCloseTo(2 / 60, 15);
    expect(scenario.workloads.users.requestSize).toBe(1000);
    expect(scenario.components.api.responseSize).toBe(4_194_304);
    expect(scenario.components.api.serviceTime).toEqual({ type: 'constant', value: 2000 });
  });

  it('99.9% is exactly the double 0.999, as is 0.999 written as a number', () => {
    expect(minimal('slo:\n  availability: { target: 99.9% }\n').slo.availability.target).toBe(0.999);
    expect(minimal('slo:\n  availability: { target: 0.999 }\n').slo.availability.target).toBe(0.999);
    expect(minimal('slo:\n  errorRate: 0.1%\n').slo.errorRate).toBe(0.001);
    expect(minimal('slo:\n  errorRate: 100%\n').slo.errorRate).toBe(1);
    expect(minimal('slo:\n  errorRate: 0%\n').slo.errorRate).toBe(0);
  });

  it('defaults fill in what a minimal file leaves out', () => {
    const scenario = minimal();
    expect(scenario).toMatchObject({ description: '', seed: 1, warmup: 0, variants: [] });
    expect(scenario.topology.regions).toEqual(['default']);
    expect(scenario.components.api.workers).toBe(1);
    expect(scenario.slo).toEqual({ window: 1_000_000, availability: { threshold: 1_000_000 }, latency: [] });
    expect(scenario.faults).toEqual({ timeline: [], random: [] });
  });
});
