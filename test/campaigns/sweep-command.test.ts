import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ResultStore } from '../../campaigns/result-store.js';
import { main } from '../../cli/program.js';
import { faultline } from '../support/run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'faultline-sweep-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** mm1 at two rates over three seeds, two simulated seconds each: six short runs. */
const CAMPAIGN = [
  'sweep',
  'mm1',
  '--param',
  'workloads.users.rate=[500/s, 700/s]',
  '--seeds',
  '3',
  '--duration',
  '2s',
  '--set',
  'warmup=0s',
  // One thread: the suite runs its files side by side already; the first test sweeps on two.
  '--jobs',
  '1',
];

const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8');

describe('faultline sweep', () => {
  const single = join(work, 'single');

  it('runs every configuration over every seed and writes sweep.json, sweep.html and results.csv', async () => {
    const { code, stderr, stdout } = await faultline([...CAMPAIGN, '--jobs', '2', '--out', single]);
    expect(code, stderr).toBe(0);
    expect(stderr).toContain('mm1: 2 configurations × 3 seeds = 6 runs');
    expect(stdout).toContain(join(single, 'sweep.html'));
    for (const file of ['sweep.json', 'sweep.html', 'results.csv', 'results.db'])
      expect(existsSync(join(single, file))).toBe(true);
    expect(read(single, 'results.csv').trim().split('\n')).toHaveLength(1 + 6);
    const report = JSON.parse(read(single, 'sweep.json'));
    expect(report.runs).toEqual({ planned: 6, completed: 6, missing: 0 });
  });

  it('runs only what the store lacks: a second sweep runs nothing and writes the same files', async () => {
    const before = read(single, 'sweep.json');
    const { code, stderr } = await faultline([...CAMPAIGN, '--out', single]);
    expect(code, stderr).toBe(0);
    expect(stderr).toContain('6 already in');
    expect(stderr).toContain('0 to run');
    expect(read(single, 'sweep.json')).toBe(before);
  });

  it('gives the same sweep.json and results.csv from shards merged as from one machine', async () => {
    const shards = join(work, 'shards');
    const a = await faultline([...CAMPAIGN, '--shard', '0/2', '--store', join(shards, 'a.db')]);
    // The Kubernetes Indexed Job's variables pick the other slice.
    const b = await faultline([...CAMPAIGN, '--store', join(shards, 'b.db')], {
      JOB_COMPLETION_INDEX: '1',
      FAULTLINE_SHARD_COUNT: '2',
    });
    expect([a.code, b.code], a.stderr + b.stderr).toEqual([0, 0]);
    expect(a.stderr).toContain('3 in this shard');
    const merged = join(work, 'merged');
    const m = await faultline([
      'merge',
      join(shards, 'a.db'),
      join(shards, 'b.db'),
      '--into',
      join(shards, 'all.db'),
      '--out',
      merged,
    ]);
    expect(m.code, m.stderr).toBe(0);
    expect(read(merged, 'sweep.json')).toBe(read(single, 'sweep.json'));
    expect(read(merged, 'results.csv')).toBe(read(single, 'results.csv'));
  });

  it('emits a Kubernetes Indexed Job whose pods, run as written, merge into the same campaign', async () => {
    const { code, stdout, stderr } = await faultline([
      ...CAMPAIGN,
      '--emit',
      'k8s',
      '--image',
      'faultline:test',
      '--shards',
      '2',
    ]);
    expect(code, stderr).toBe(0);
    const [configMap, , job] = parseAllDocuments(stdout).map((d) => d.toJS());
    const dir = join(work, 'k8s');
    mkdirSync(dir);
    const [[name, scenario]] = Object.entries(configMap.data as Record<string, string>);
    writeFileSync(join(dir, name), scenario);
    const container = job.spec.template.spec.containers[0];
    expect(job.spec).toMatchObject({ completionMode: 'Indexed', completions: 2, parallelism: 2 });
    const stores = [0, 1].map((index) => join(dir, `shard-${index}.db`));
    for (const [index, store] of stores.entries()) {
      // What the pod runs: its args, with the mounts' paths made local and JOB_COMPLETION_INDEX expanded.
      const args = (container.args as string[]).map((arg) =>
        arg.replace(`/scenario/${name}`, join(dir, name)).replace('/results/shard-$(JOB_COMPLETION_INDEX).db', store),
      );
      const env = Object.fromEntries(
        (container.env as { name: string; value?: string }[]).map((e) => [e.name, e.value ?? String(index)]),
      );
      const pod = await faultline(args, env);
      expect(pod.code, pod.stderr).toBe(0);
    }
    const merged = await faultline(['merge', ...stores, '--into', join(dir, 'all.db'), '--out', join(dir, 'sweep')]);
    expect(merged.code, merged.stderr).toBe(0);
    expect(read(join(dir, 'sweep'), 'sweep.json')).toBe(read(single, 'sweep.json'));
  });

  it('stops cleanly on Ctrl-C, keeping every finished run, and a second sweep finishes the rest', async () => {
    const dir = join(work, 'interrupted');
    const controller = new AbortController();
    let stderr = '';
    const code = await main([...CAMPAIGN, '--out', dir], {
      stdout: { write: () => true },
      stderr: {
        write: (text: string) => {
          stderr += text;
          if (text.includes('paused at stored')) controller.abort('SIGINT');
          return true;
        },
      },
      env: { NO_COLOR: '1', FAULTLINE_TEST_PAUSE_AT: 'stored' },
      signal: controller.signal,
    });
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/of 6 runs are in .*results\.db: run the same command again/);
    expect(existsSync(join(dir, 'sweep.json'))).toBe(false);
    const store = ResultStore.open(join(dir, 'results.db'));
    const held = store.runCount();
    store.close();
    expect(held).toBeGreaterThanOrEqual(1);
    expect(held).toBeLessThan(6);
    const again = await faultline([...CAMPAIGN, '--out', dir]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`${held} already in`);
    expect(read(dir, 'sweep.json')).toBe(read(single, 'sweep.json'));
  });

  it('refuses bad options with exit 2 and a reason', async () => {
    for (const [args, message] of [
      [['--shard', '2/2'], /--shard 2\/2/],
      [['--shard', 'x'], /--shard x/],
      [['--param', 'components.nope.workers=[1]'], /--param components\.nope/],
      [['--seeds', '0'], /whole number of seeds above 0/],
    ] as const) {
      const { code, stderr } = await faultline([...CAMPAIGN, ...args, '--out', join(work, 'never')]);
      expect(code, stderr).toBe(2);
      expect(stderr).toMatch(message);
    }
    expect(existsSync(join(work, 'never', 'sweep.json'))).toBe(false);
  });
});
