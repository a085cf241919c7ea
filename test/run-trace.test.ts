import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EV_DELIVER, EV_TIMER } from '../engine/event-kinds.js';
import { HeapEventQueue, Simulation, TypedEventQueue, type TraceLine } from '../engine/index.js';
import { parseTraceFilter } from '../cli/trace-filter.js';
import type { Scenario } from '../scenarios/harness/scenario-schema.js';
import { faultline } from './support/run-cli.js';

let dir: string;
const at = (name: string) => join(dir, name);
const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as TraceLine);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'faultline-run-trace-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('faultline run --trace', () => {
  it('writes one trace per variant, filtered, and says where', async () => {
    const r = await faultline([
      'run',
      'split-brain',
      '--duration',
      '9s',
      '--exit-zero',
      '--out',
      at('out'),
      '--trace',
      at('t.jsonl'),
      '--trace-filter',
      'node=db-1,kind=message,kind=fault,at=7.9s..8.1s',
    ]);
    expect(r.code).toBe(0);
    for (const variant of ['no-fencing', 'fencing', 'fencing-semi-sync']) {
      const file = at(`t-${variant}.jsonl`);
      expect(r.stdout).toMatch(new RegExp(`trace: ${file} \\([\\d,]+ lines\\)`));
      const trace = lines(file);
      expect(trace.length).toBeGreaterThan(10);
      for (const l of trace) {
        expect(['send', 'deliver', 'fault']).toContain(l.kind);
        expect(l.timeUs).toBeGreaterThanOrEqual(7_900_000);
        expect(l.timeUs).toBeLessThan(8_100_000);
        expect([l.node, l.from, l.to, ...(l.nodes ?? [])]).toContain('db-1');
      }
      // The partition at 8 s cuts db-1 off: its messages across are dropped from then on.
      expect(trace.find((l) => l.kind === 'fault')).toMatchObject({ timeUs: 8_000_000, fault: 'partition' });
      expect(trace.some((l) => l.kind === 'send' && l.dropped === 'partition' && l.node === 'db-1')).toBe(true);
    }
    // Nothing left behind but the traces and the report folder.
    expect(readdirSync(dir).sort()).toEqual([
      'out',
      't-fencing-semi-sync.jsonl',
      't-fencing.jsonl',
      't-no-fencing.jsonl',
    ]);
  });

  it('stops at its line limit with a warning, and the trace says so on its last line', async () => {
    const r = await faultline([
      'run',
      'mm1',
      '--duration',
      '11s',
      '--json',
      '--trace',
      at('mm1.jsonl'),
      '--trace-limit',
      '100',
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /warning: trace .*mm1\.jsonl stopped at its limit of 100 lines, at [\d.]+m?s \(event \d+\)/,
    );
    const trace = lines(at('mm1.jsonl'));
    expect(trace).toHaveLength(101);
    expect(trace[100].kind).toBe('truncated');
  });

  it('refuses a bad filter before running anything, and writes nothing', async () => {
    const r = await faultline(['run', 'mm1', '--trace', at('bad.jsonl'), '--trace-filter', 'node=servr']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /--trace-filter node=servr: no node or node group is named "servr" \(did you mean "server"\?\)/,
    );
    expect(existsSync(at('bad.jsonl'))).toBe(false);
    const unwritable = await faultline([
      'run',
      'mm1',
      '--duration',
      '11s',
      '--json',
      '--trace',
      at('no/such/dir/t.jsonl'),
    ]);
    expect(unwritable.code).toBe(2);
    expect(unwritable.stderr).toMatch(/--trace .*t\.jsonl: cannot write it: no such file or directory \(ENOENT\)/);
  });
});

describe('--trace-filter', () => {
  it("node=<group> names that group's nodes only, not those of a group whose name it begins", () => {
    const scenario = { topology: { nodes: { db: { count: 2 }, 'db-fast': { count: 1 } } } } as unknown as Scenario;
    expect(parseTraceFilter('node=db', scenario).nodes).toEqual(['db-1', 'db-2']);
    expect(parseTraceFilter('node=db-fast', scenario).nodes).toEqual(['db-fast-1']);
  });
});

describe('Simulation.pendingEvents', () => {
  /** a sends b a message every 3 ms and keeps a timer; b holds what reaches it while paused. */
  function build(queue: 'typed' | 'heap'): Simulation {
    const sim = new Simulation({ seed: 9, queue });
    sim.addNode({
      name: 'a',
      process: (ctx) => ({
        onStart: () => ctx.setTimer(3_000, 1, { kind: 'tick' }),
        onTimer: () => {
          ctx.send(ctx.lookup('b'), { kind: 'ping' }, 10);
          ctx.setTimer(3_000, 1, { kind: 'tick' });
        },
        onMessage: () => {},
      }),
    });
    sim.addNode({ name: 'b', process: () => ({ onMessage: () => {} }) });
    sim.at(7_000, () => sim.pause(sim.nodeId('b')));
    return sim;
  }

  it('lists the same events in the same order for both queues, paused nodes holding theirs', () => {
    const snapshot = (queue: 'typed' | 'heap') => {
      const sim = build(queue);
      sim.run({ untilUs: 20_000 });
      return sim.pendingEvents().map(({ ref, ...rest }) => ({ ...rest, ref: JSON.stringify(ref) }));
    };
    const typed = snapshot('typed');
    expect(typed).toEqual(snapshot('heap'));
    expect(typed.filter((e) => e.kind === EV_TIMER && !e.held)).toHaveLength(1);
    const held = typed.filter((e) => e.held);
    expect(held.length).toBeGreaterThan(2);
    expect(held.every((e) => e.kind === EV_DELIVER)).toBe(true);
    expect(new TypedEventQueue().pending()).toEqual(new HeapEventQueue().pending());
  });
});
