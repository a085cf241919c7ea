import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadScenario, parseScenarioText } from '../scenarios/harness/load-scenario.js';
import { applyOverrides, parseSetArgument, type Override } from '../scenarios/harness/overrides.js';
import { ScenarioError } from '../scenarios/harness/scenario-error.js';
import { faultline } from './support/run-cli.js';

// The documented limits (README, "Scenario files"), written out so that this file also runs against code without them.
const MAX_SCENARIO_FILE_BYTES = 1024 * 1024;
const MAX_PROBLEMS_LISTED = 100;
const MAX_VARIANTS = 1000;

/** Input that once got through validation, crashed a run or polluted Object.prototype (issue 13, items 3 and 9–12). */

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'faultline-guards-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const TINY = `name: tiny
duration: 2s
topology:
  nodes:
    client: {}
    api: {}
components:
  api: { type: queue-server, nodes: api, workers: 1, serviceTime: 1ms }
workloads:
  users: { type: poisson, nodes: client, target: api, rate: 10/s }
`;

function write(name: string, text: string): string {
  const file = join(work, name);
  writeFileSync(file, text);
  return file;
}

/** The problem lines a load throws, or [] when it loads. */
function problems(load: () => unknown): string[] {
  try {
    load();
    return [];
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    return error.message.split('\n');
  }
}

const text = (body: string, file = 'in.yaml') => problems(() => parseScenarioText(body, join(work, file)));

describe('prototype keys', () => {
  it('a path through __proto__, constructor or prototype is refused and Object.prototype stays clean', () => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      expect(parseSetArgument(`${key}.polluted=1`)).toMatch(`"${key}" is not a scenario field`);
      expect(parseSetArgument(`topology.nodes.${key}=1`)).toMatch(`"${key}" is not a scenario field`);
      // Even handed a path directly, the overrides do not walk into the prototype.
      const override: Override = { text: `${key}.polluted`, path: [key, 'polluted'], value: 1 };
      expect(applyOverrides({}, [override])).toHaveProperty('problems');
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('--set __proto__.polluted=1 is one clear error (exit 2), not an internal error', async () => {
    const file = write('tiny.yaml', TINY);
    const r = await faultline(['run', file, '--set', '__proto__.polluted=1', '--out', join(work, 'never')]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('--set __proto__.polluted=1: "__proto__" is not a scenario field');
    expect(r.stderr.split('\n').filter((l) => l.includes('__proto__'))).toHaveLength(1);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("a variant's set through __proto__ is one error at its place", () => {
    expect(text(`${TINY}variants:\n  - name: a\n    set: { __proto__.polluted: 1 }\n`)).toEqual([
      expect.stringMatching(
        /in\.yaml:13:\d+ variants\.0\.set\.__proto__\.polluted: "__proto__" is not a scenario field/,
      ),
    ]);
  });

  it('a __proto__ key in the file, and a name that is a prototype key, are refused', () => {
    expect(text(`${TINY}__proto__: { a: 1 }\n`)).toEqual([
      expect.stringMatching(/in\.yaml:11:1 __proto__: "__proto__" is not a scenario field or name/),
    ]);
    expect(text(TINY.replaceAll('api', 'constructor'))).toContainEqual(
      expect.stringMatching(/in\.yaml:8:3 components\.constructor: "constructor" is not a scenario field or name/),
    );
    // A name inherited from Object.prototype is not taken for a node group.
    expect(text(`${TINY}faults: { timeline: [{ at: 1s, action: crash, nodes: toString }] }\n`)).toEqual([
      expect.stringMatching(/faults\.timeline\.0\.nodes: "toString" is not a node, node group or region/),
    ]);
  });
});

describe('input that was silently accepted', () => {
  it('--seed takes decimal digits only', async () => {
    const file = write('tiny.yaml', TINY);
    for (const seed of ['', '0x10', '1e3', ' 7', '-1', '9007199254740992']) {
      const r = await faultline(['run', file, '--seed', seed, '--out', join(work, 'never')]);
      expect(r.code, seed).toBe(2);
      expect(r.stderr).toContain('a seed is a whole number');
    }
  });

  it('--set extends=… is refused instead of ignored', () => {
    const file = write('tiny.yaml', TINY);
    expect(problems(() => loadScenario(file, { overrides: ['extends=other.yaml'] }))).toEqual([
      '--set extends=other.yaml: extends cannot be overridden; point the file itself at another base, or copy it',
    ]);
  });

  it('YAML tags other than the core ones are refused where they are written', () => {
    expect(text(TINY.replace('name: tiny', 'name: tiny\ndescription: !evil hi'))).toEqual([
      expect.stringMatching(/in\.yaml:2:\d+ description: the YAML tag !evil is not supported/),
    ]);
    expect(text(TINY.replace('name: tiny', 'name: tiny\ndescription: !!js/function "x"'))).toEqual([
      expect.stringMatching(/in\.yaml:2:\d+ description: the YAML tag !!js\/function is not supported/),
    ]);
    expect(text(TINY.replace('name: tiny', 'name: tiny\ndescription: !!str plain'))).toEqual([]);
  });
});

describe('what scenario files may be', () => {
  it('a device, a FIFO or a folder is refused without reading it, at the extends that names it', () => {
    const fifo = join(work, 'fifo');
    spawnSync('mkfifo', [fifo]);
    mkdirSync(join(work, 'folder'), { recursive: true });
    for (const [target, message] of [
      ['/dev/zero', 'not a regular file'],
      ['/dev/urandom', 'not a regular file'],
      [fifo, 'not a regular file'],
      [join(work, 'folder'), 'a folder, not a scenario file'],
    ]) {
      expect(text(`extends: ${target}\n${TINY}`)).toEqual([
        expect.stringMatching(new RegExp(`in\\.yaml:1:10 extends: cannot read ${target}: ${message}`)),
      ]);
    }
    expect(problems(() => loadScenario(fifo))).toEqual([expect.stringMatching(/fifo: not a regular file/)]);
  });

  it('a file over the size limit is refused, whether named or extended', () => {
    const big = write('big.yaml', `${TINY}x-padding: "${'a'.repeat(MAX_SCENARIO_FILE_BYTES)}"\n`);
    expect(problems(() => loadScenario(big))).toEqual([
      expect.stringMatching(/big\.yaml: \d+ bytes, more than a scenario file may hold \(1 MiB\)/),
    ]);
    expect(text(`extends: big.yaml\nname: other\n`)).toEqual([
      expect.stringMatching(/in\.yaml:1:10 extends: cannot read .*big\.yaml: \d+ bytes, more than/),
    ]);
  });

  it('many unknown keys are listed up to a limit and counted past it', () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `unknownKey${i}: 1`).join('\n');
    const lines = text(`${TINY}${keys}\n`);
    expect(lines).toHaveLength(MAX_PROBLEMS_LISTED + 1);
    expect(lines[0]).toMatch(/in\.yaml:11:1 unknownKey0: unknown key "unknownKey0"/);
    expect(lines.at(-1)).toMatch(`in.yaml: and ${20_000 - MAX_PROBLEMS_LISTED} more problems`);
  });

  it(`at most ${MAX_VARIANTS} variants`, () => {
    const variants = Array.from({ length: MAX_VARIANTS + 1 }, (_, i) => `  - { name: v${i} }`).join('\n');
    expect(text(`${TINY}variants:\n${variants}\n`)).toEqual([
      expect.stringMatching(/in\.yaml:12:3 variants: a scenario may have at most 1000 variants/),
    ]);
  });
});

describe('limits a run would hit are validation errors', () => {
  it('a quorum store of more than 4096 nodes', () => {
    const store = TINY.replace('api: {}', 'api: { count: 5000 }').replace(
      '{ type: queue-server, nodes: api, workers: 1, serviceTime: 1ms }',
      '{ type: quorum-store, nodes: api }',
    );
    expect(text(store.replace('type: poisson', 'type: store-client').replace(', rate: 10/s', ''))).toContainEqual(
      expect.stringMatching(/components\.api\.nodes: a quorum store has at most 4096 nodes .* its node group has 5000/),
    );
  });

  it('partitions whose sides overlap, or that split too few nodes', () => {
    const faults = `faults:
  timeline:
    - { at: 1s, action: partition-ring, nodes: api }
    - { at: 1s, action: partition-majority, nodes: api-1 }
    - { at: 1s, action: partition, sides: [api, [client, api-1]] }
    - { at: 1s, action: bridge, sideA: api, bridge: api-1, sideB: client }
    - { at: 1s, action: partition-one-way, from: '*', to: api }
  random:
    - { type: crash-restart, nodes: b, mtbf: 1s, mttr: 1s }
`;
    const scenario = TINY.replace('api: {}', 'api: { count: 2, region: a }').replace(
      'topology:',
      'topology:\n  regions: [a, b]',
    );
    expect(text(scenario + faults).map((l) => l.replace(/^.*?:\d+:\d+ /, ''))).toEqual([
      'faults.timeline.0.nodes: selects 2 nodes; a ring partition needs at least 3',
      'faults.timeline.1.nodes: selects one node; a majority-minority partition needs at least 2',
      'faults.timeline.2.sides.1: api-1 is on side 0 too; a node can be on one side of a partition',
      'faults.timeline.3.bridge: api-1 is on a side too; the bridge is a node of neither side',
      'faults.timeline.4.to: api-1 is in "from" too; a node can be on one side of a partition',
      'faults.random.0.nodes: selects no nodes (no node group runs in that region)',
    ]);
  });
});

describe('messages point at the real place', () => {
  it('a missing or null key, a collection as a key and !!set each get their own message and place', () => {
    const emitWarning = vi.spyOn(process, 'emitWarning');
    try {
      expect(text(`${TINY}: 1\n`)).toEqual([
        'in.yaml:11:1 (root): a key is missing or empty before this value; write name: value'.replace(
          'in.yaml',
          join(work, 'in.yaml'),
        ),
      ]);
      expect(text(`${TINY}x-a: { null: 1 }\n`)).toEqual([
        expect.stringMatching(/in\.yaml:11:8 x-a: a key is missing or empty/),
      ]);
      expect(text(`${TINY}? [a, b]\n: 1\n`)).toEqual([
        expect.stringMatching(/in\.yaml:11:3 \(root\): a key is a name, not a mapping or list/),
      ]);
      expect(text(TINY.replace('topology:', 'topology: !!set'))).toContainEqual(
        expect.stringMatching(/in\.yaml:4:3 topology: the YAML tag !!set is not supported/),
      );
      expect(emitWarning).not.toHaveBeenCalled();
    } finally {
      emitWarning.mockRestore();
    }
  });

  it('control characters from a file are escaped in problems and in the run summary', async () => {
    expect(text(`${TINY}"evil\\u001b[2J\\u0007": 1\n`)).toEqual([
      expect.stringContaining('unknown key "evil\\u001b[2J\\u0007"'),
    ]);
    const file = write(
      'bell.yaml',
      TINY.replace('name: tiny', 'name: tiny\ndescription: "ring \\u0007\\u001b]0;title\\u0007"'),
    );
    const r = await faultline(['run', file, '--out', join(work, 'bell-out')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('ring \\u0007\\u001b]0;title\\u0007');
    expect(r.stdout).not.toMatch(/[\u0007\u001b]/);
  });
});
