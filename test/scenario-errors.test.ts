import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveScenarioArgument } from '../scenarios/harness/bundled-scenarios.js';
import { loadScenario, parseScenarioText, type LoadedScenario } from '../scenarios/harness/load-scenario.js';
import { ScenarioError } from '../scenarios/harness/scenario-error.js';
import { registerBuiltinModels } from '../models/builtin-models.js';
import { modelDefinitions } from '../models/kit/registry.js';

registerBuiltinModels();
/** The registered component types, as the messages list them; new models must not break these tests. */
const COMPONENT_TYPES = modelDefinitions('component')
  .map((m) => m.type)
  .join(', ');

/**
 * Every malformed file in test/fixtures/bad-scenarios is a mistake someone
 * could make; each test pins the exact lines the loader prints for it, so a
 * change in wording or position is a deliberate one.
 */

const BAD = join(import.meta.dirname, 'fixtures', 'bad-scenarios');
const GOOD = join(import.meta.dirname, 'fixtures', 'scenarios');

/** A fixture's path relative to the working directory, as a user would type it (and as messages print it). */
const bad = (name: string) => relative(process.cwd(), join(BAD, name));
const good = (name: string) => relative(process.cwd(), join(GOOD, name));

/** Runs `load`, which must throw a ScenarioError, and returns its message's lines. */
function problemLines(load: () => LoadedScenario): string[] {
  let result: LoadedScenario | undefined;
  let error: unknown;
  try {
    result = load();
  } catch (e) {
    error = e;
  }
  expect(result, 'a bad scenario must not load').toBeUndefined();
  expect(error).toBeInstanceOf(ScenarioError);
  const message = (error as ScenarioError).message;
  // For people, not developers: no stack frames, no source file names of the loader, no error class names.
  expect(message).not.toMatch(/^\s+at\s/m);
  expect(message).not.toMatch(/\.(ts|js):\d+/);
  expect(message).not.toMatch(/\b(TypeError|RangeError|ZodError|YAMLParseError)\b/);
  // `.problems` and `.message` say the same.
  expect((error as ScenarioError).problems).toHaveLength(message.split('\n').length);
  return message.split('\n');
}

const loadBad = (name: string, overrides?: string[]) => problemLines(() => loadScenario(bad(name), { overrides }));

describe('malformed scenario files: every problem as file:line:col path: message', () => {
  it('a YAML syntax error (an unclosed flow list) is reported where the parser gave up', () => {
    const f = bad('unclosed-flow-list.yaml');
    expect(loadBad('unclosed-flow-list.yaml')).toEqual([
      `${f}:5:3 (yaml): Flow sequence in block collection must be sufficiently indented and end with a ]`,
    ]);
  });

  it('a check that depends on the topology: a limit too small to split over the gateways', () => {
    const f = bad('limit-too-small-to-split.yaml');
    expect(loadBad('limit-too-small-to-split.yaml')).toEqual([
      `${f}:13:44 components.gateway.limit.requests: 3 split over 4 gateways leaves some with none; raise it to at least 4`,
    ]);
  });

  it('a duplicate key points at the second occurrence', () => {
    const f = bad('duplicate-key.yaml');
    expect(loadBad('duplicate-key.yaml')).toEqual([`${f}:13:5 components.api.workers: duplicate key "workers"`]);
  });

  it('a number where a list is required names the expected shape and what was found', () => {
    const f = bad('regions-not-a-list.yaml');
    expect(loadBad('regions-not-a-list.yaml')).toEqual([`${f}:4:12 topology.regions: expected a list, got 3`]);
  });

  it('a misspelled key points at the key and suggests the nearest known one', () => {
    const f = bad('misspelled-key.yaml');
    expect(loadBad('misspelled-key.yaml')).toEqual([
      `${f}:12:5 components.api.wrokers: unknown key "wrokers" (did you mean "workers"?)`,
    ]);
  });

  it('an unknown key at the root is named (no suggestion when nothing is close)', () => {
    const f = bad('unknown-root-key.yaml');
    expect(loadBad('unknown-root-key.yaml')).toEqual([`${f}:4:1 timeout: unknown key "timeout"`]);
  });

  it('a missing required key (duration) is reported at the first key of its mapping', () => {
    const f = bad('missing-duration.yaml');
    expect(loadBad('missing-duration.yaml')).toEqual([`${f}:1:1 duration: missing required key "duration"`]);
  });

  it('a duration with an unknown unit (10 parsecs) shows the units that work', () => {
    const f = bad('bad-unit.yaml');
    expect(loadBad('bad-unit.yaml')).toEqual([
      `${f}:2:11 duration: "10 parsecs" is not a duration; write a number and a unit, like 250us, 10ms, 2s, 5m or 1h`,
    ]);
  });

  it('a bare number where a duration is required is refused, never guessed', () => {
    const f = bad('bare-number-duration.yaml');
    expect(loadBad('bare-number-duration.yaml')).toEqual([
      `${f}:15:14 workloads.users.timeout: 500 has no unit; write a duration like 500s or 500ms`,
    ]);
  });

  it('a reporting window of zero (it once passed validation and crashed the run)', () => {
    expect(problemLines(() => loadScenario(resolveScenarioArgument('mm1'), { overrides: ['slo.window=0'] }))).toEqual([
      '--set slo.window: must be above zero: the timelines count per window',
    ]);
  });

  it('a negative rate', () => {
    const f = bad('negative-rate.yaml');
    expect(loadBad('negative-rate.yaml')).toEqual([`${f}:10:61 workloads.users.rate: a rate must be above zero`]);
  });

  it('a probability above 1, as a number (1.5) and as a percentage (150%)', () => {
    const f = bad('loss-above-one.yaml');
    expect(loadBad('loss-above-one.yaml')).toEqual([
      `${f}:5:11 topology.link.loss: must be between 0 and 1; for a percentage write 1.5%`,
      `${f}:10:41 topology.links.0.loss: must be between 0 and 1 (0% to 100%)`,
    ]);
  });

  it("a component's nodes naming an undefined node group (and the group it meant, left idle)", () => {
    const f = bad('undefined-node-group.yaml');
    expect(loadBad('undefined-node-group.yaml')).toEqual([
      `${f}:5:5 topology.nodes.server: node group "server" runs nothing; name it in a component's or workload's "nodes"`,
      `${f}:8:37 components.api.nodes: no node group "servers"; topology.nodes defines "server", "client"`,
    ]);
  });

  it('a workload target naming no component', () => {
    const f = bad('unknown-target.yaml');
    expect(loadBad('unknown-target.yaml')).toEqual([
      `${f}:10:50 workloads.users.target: no component "backend"; components defines "api"`,
    ]);
  });

  it('a node group placed in an undefined region points at that item of the region list', () => {
    const f = bad('undefined-region.yaml');
    expect(loadBad('undefined-region.yaml')).toEqual([
      `${f}:6:43 topology.nodes.server.region.1: no region "us-west"; topology.regions lists "us-east", "eu-west"`,
    ]);
  });

  it('a fault selector naming a node that does not exist', () => {
    const f = bad('unknown-fault-node.yaml');
    expect(loadBad('unknown-fault-node.yaml')).toEqual([
      `${f}:13:40 faults.timeline.0.nodes: "server-3" is not a node, node group or region; group "server" has 2 nodes, server-1 to server-2`,
    ]);
  });

  it('an extends cycle across two files is named file by file, at the extends that closes it', () => {
    expect(loadBad('cycle-one.yaml')).toEqual([
      `${bad('cycle-two.yaml')}:2:10 extends: extends cycle: cycle-one.yaml -> cycle-two.yaml -> cycle-one.yaml`,
    ]);
    expect(loadBad('cycle-two.yaml')).toEqual([
      `${bad('cycle-one.yaml')}:1:10 extends: extends cycle: cycle-two.yaml -> cycle-one.yaml -> cycle-two.yaml`,
    ]);
  });

  it('an error inside a base file reached through extends is reported at its place in the base file', () => {
    expect(loadBad('extends-broken-base.yaml')).toEqual([
      `${bad('broken-base.yaml')}:12:14 components.api.workers: expected a number, got "none"`,
    ]);
  });

  it('extends naming a file that is not there points at the extends key', () => {
    const f = bad('extends-nowhere.yaml');
    expect(loadBad('extends-nowhere.yaml')).toEqual([
      `${f}:1:10 extends: cannot read ${good('no-such-base.yaml')}: no such file`,
    ]);
  });

  it('a node group that runs nothing', () => {
    const f = bad('idle-group.yaml');
    expect(loadBad('idle-group.yaml')).toEqual([
      `${f}:7:5 topology.nodes.spare: node group "spare" runs nothing; name it in a component's or workload's "nodes"`,
    ]);
  });

  it('two components on one node group: the second is reported', () => {
    const f = bad('shared-group.yaml');
    expect(loadBad('shared-group.yaml')).toEqual([
      `${f}:9:39 components.cache.nodes: node group "server" already runs component "api"; each group runs one component or workload`,
    ]);
  });

  it("a variant's invalid override points at the variant's set entry, under the path it overrides", () => {
    const f = bad('bad-variant.yaml');
    expect(loadBad('bad-variant.yaml')).toEqual([
      `${f}:16:31 variants.1.set.components.api.workers: expected a whole number, got 2.5`,
    ]);
  });

  it('a distribution with an unknown type lists the types there are', () => {
    const f = bad('bad-distribution.yaml');
    expect(loadBad('bad-distribution.yaml')).toEqual([
      `${f}:11:26 components.api.serviceTime.type: expected a duration like 5ms, or a distribution with type constant, uniform, exponential, normal, lognormal, pareto, empirical or mixture`,
    ]);
  });

  it('a file with many mistakes reports all of them at once, top to bottom', () => {
    const f = bad('many-problems.yaml');
    expect(loadBad('many-problems.yaml')).toEqual([
      `${f}:1:7 name: a scenario name is lower case letters, digits, "-" and "_", starting with a letter`,
      `${f}:6:22 topology.nodes.server.count: must be at least 1, got 0`,
      `${f}:7:33 topology.nodes.client.region: no region "us-west"; topology.regions lists "us-east"`,
      `${f}:19:11 workloads.users.rate: 100 has no unit; write a rate like 100/s`,
      `${f}:21:27 slo.availability.target: must be between 0 and 1; for a percentage write 99.9%`,
    ]);
  });
});

describe('--set problems', () => {
  const base = () => good('base.yaml');
  const loadSet = (...overrides: string[]) => problemLines(() => loadScenario(base(), { overrides }));

  it('an argument without "=" shows the form', () => {
    expect(loadSet('x')).toEqual(['--set x: expected path=value, like components.api.workers=8']);
  });

  it('an invalid value is reported against the --set path, not a line of the file', () => {
    expect(loadSet('components.api.workers=lots')).toEqual([
      '--set components.api.workers: expected a number, got "lots"',
    ]);
  });

  it('an index into a list the scenario does not have', () => {
    expect(loadSet('topology.links.0.loss=1%')).toEqual([
      '--set topology.links.0.loss: topology.links is not set, so it has no item 0; set the whole list instead, like topology.links=[...]',
    ]);
    expect(loadSet('faults.random.0.nodes=server')).toEqual([
      '--set faults.random.0.nodes: faults.random is not set, so it has no item 0; set the whole list instead, like faults.random=[...]',
    ]);
  });

  it('an index past the end of an existing list', () => {
    expect(loadSet('faults.timeline.5.at=1s')).toEqual([
      '--set faults.timeline.5.at: faults.timeline is a list of 2; "5" is not an index from 0 to 2',
    ]);
  });

  it('a path through a plain value', () => {
    expect(loadSet('name.first=x')).toEqual([
      '--set name.first: name is "base", not a mapping or list, so it has no "first"',
    ]);
  });

  it('an unknown key set from the command line gets the same hint as in a file', () => {
    expect(loadSet('components.api.wrkers=3')).toEqual([
      '--set components.api.wrkers: unknown key "wrkers" (did you mean "workers"?)',
    ]);
  });

  it('a value that is not YAML', () => {
    expect(loadSet('topology.regions=[us-east')).toEqual([
      '--set topology.regions=[us-east: the value is not valid YAML: Flow sequence must end with a ]',
    ]);
  });

  it('a field of a component that is not there names the components there are (it once said "missing type")', () => {
    expect(loadSet('components.db.workers=3')).toEqual([
      '--set components.db.workers: there is no component "db" (components: api); to add one, set its whole mapping, like components.db={type: ..., nodes: ...}',
    ]);
    expect(loadSet('components.apy.workers=3')[0]).toMatch(/there is no component "apy" \(did you mean "api"\?\)/);
  });

  it("a mapping made by --set is the --set's problem, not the file's", () => {
    expect(loadSet('components.db={workers: 3}')).toEqual([
      `--set components.db.type: missing required key "type" (one of ${COMPONENT_TYPES})`,
    ]);
  });

  it("invalid --set values come before the file's own problems, all in one report", () => {
    const f = bad('unknown-target.yaml');
    expect(loadBad('unknown-target.yaml', ['duration=5', 'components.api.workers=-1'])).toEqual([
      '--set duration: 5 has no unit; write a duration like 5s or 5ms',
      '--set components.api.workers: must be at least 1, got -1',
      `${f}:10:50 workloads.users.target: no component "backend"; components defines "api"`,
    ]);
  });

  it('malformed --set arguments are all reported, before anything is validated', () => {
    expect(loadBad('unknown-target.yaml', ['x', 'duration=5', '=3'])).toEqual([
      '--set x: expected path=value, like components.api.workers=8',
      '--set =3: "" is not a field path; write dotted keys, like components.api.workers or faults.timeline.0.at',
    ]);
  });
});

describe('text that is not a scenario', () => {
  it.each([
    ['an empty file', ''],
    ['a list', '- name: x\n- duration: 1s\n'],
    ['a plain string', 'just some text\n'],
  ])('%s', (_label, text) => {
    expect(problemLines(() => parseScenarioText(text, 'typed.yaml'))).toEqual([
      'typed.yaml:1:1 (root): a scenario is a mapping of keys such as name, duration, topology and components',
    ]);
  });

  it('a file that does not exist', () => {
    expect(problemLines(() => loadScenario('no/such/scenario.yaml'))).toEqual(['no/such/scenario.yaml: no such file']);
  });
});
