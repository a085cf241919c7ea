import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunRecord, RunSpec } from '../../campaigns/campaign-types.js';
import { runOnFleet } from '../../campaigns/fleet-coordinator.js';
import { FleetRunFailed, RedisUnreachable } from '../../campaigns/fleet-errors.js';
import { serveFleet } from '../../campaigns/fleet-worker.js';
import { QUEUE_NAME } from '../../campaigns/job-queue.js';
import { ResultStore } from '../../campaigns/result-store.js';
import { runOne } from '../../campaigns/run-one.js';
import { resolveScenarioArgument } from '../../scenarios/harness/bundled-scenarios.js';
import { loadScenario } from '../../scenarios/harness/load-scenario.js';
import { faultline } from '../support/run-cli.js';
import { redisMissing, startRedisServer, type RedisServer } from '../support/redis-server.js';

/**
 * The Redis fleet end to end: a real redis-server, the coordinator in this
 * process, workers as `faultline worker` processes (or in this process), one
 * of them killed mid-run. Without redis-server these skip, except under CI,
 * where they fail.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'dist', 'bin', 'faultline.js');
const VERSION = '0.1.0';

/** mm1 runs of a few hundred milliseconds: long enough to be caught mid-run, short enough for the suite. */
function specs(seeds: number[], overrides: string[] = []): RunSpec[] {
  const { scenario } = loadScenario(resolveScenarioArgument('mm1'), {
    overrides: ['duration=150s', 'warmup=1s', ...overrides],
  });
  return seeds.map((seed) => ({ key: `mm1-c0-s${seed}`, configuration: 0, seed, scenario, faultlineVersion: VERSION }));
}

/** What must match between machines: everything but the wall time and who ran it. */
const comparable = ({ wallMs: _wallMs, worker: _worker, ...rest }: RunRecord) => rest;

/** Stored records by key, and how often each key was delivered. */
function recorder() {
  const stored = new Map<string, RunRecord>();
  const deliveries = new Map<string, number>();
  return {
    stored,
    deliveries,
    onRecord(record: RunRecord) {
      stored.set(record.key, record);
      deliveries.set(record.key, (deliveries.get(record.key) ?? 0) + 1);
    },
  };
}

describe('unreachable Redis and bad worker options', () => {
  it('fails fast with a sentence, not a retry loop', async () => {
    const error = await runOnFleet(specs([1]), { redisUrl: 'redis://127.0.0.1:1', onRecord() {} }).catch((e) => e);
    expect(error).toBeInstanceOf(RedisUnreachable);
    expect(error.message).toBe(
      'cannot reach Redis at redis://127.0.0.1:1: connection refused; start redis-server or check --redis',
    );
  });

  it('faultline worker says what is wrong with its options, exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['--redis', 'http://127.0.0.1:6379'], /--redis: "http:\/\/127.0.0.1:6379" is not a Redis URL/],
      [['--redis', 'redis://127.0.0.1:1', '--jobs', '0'], /--jobs <n>.*whole number of runs at once above 0/],
      [['--redis', 'redis://127.0.0.1:1', '--lock-timeout', 'soon'], /--lock-timeout: "soon" is not a duration/],
      [['--redis', 'redis://127.0.0.1:1', '--lock-timeout', '100ms'], /--lock-timeout: 100ms is too short/],
      [
        ['--redis', 'redis://:secret@127.0.0.1:1'],
        /cannot reach Redis at redis:\/\/:\*\*\*@127.0.0.1:1: connection refused/,
      ],
      [[], /required option '--redis <url>'/],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = await faultline(['worker', ...args]);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr).toMatch(message);
      expect(stderr).not.toMatch(/secret/);
    }
  });
});

const skip = redisMissing !== null && !process.env.CI;

describe.skipIf(skip)(`a fleet on a real Redis${skip ? ` (skipped: ${redisMissing})` : ''}`, () => {
  let redis: RedisServer;
  const children: ChildProcess[] = [];
  const stops: AbortController[] = [];
  const workersDone: Promise<void>[] = [];

  beforeAll(async () => {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build (npm test does)`);
    // Under CI a missing redis-server fails here, with the reason, instead of skipping.
    redis = await startRedisServer();
  });
  afterAll(() => redis?.stop());
  beforeEach(async () => {
    const client = new Redis(redis.url);
    await client.flushall();
    client.disconnect();
  });
  afterEach(async () => {
    for (const stop of stops.splice(0)) stop.abort();
    await Promise.all(workersDone.splice(0));
    for (const child of children.splice(0))
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  /** A fleet worker in this process; its lines go to `lines`. */
  function inProcessWorker(lines: string[] = []) {
    const stop = new AbortController();
    stops.push(stop);
    const done = serveFleet({
      redisUrl: redis.url,
      threads: 1,
      lockMs: 2000,
      signal: stop.signal,
      faultlineVersion: VERSION,
      log: (line) => lines.push(line),
    });
    workersDone.push(done);
    return { lines, stop, done };
  }

  async function waitingJobs(): Promise<number> {
    const queue = new Queue(QUEUE_NAME, { connection: new Redis(redis.url, { maxRetriesPerRequest: null }) });
    const counts = await queue.getJobCounts();
    await queue.close();
    (queue.opts.connection as Redis).disconnect();
    return counts.waiting ?? 0;
  }

  async function until(condition: () => boolean | Promise<boolean>) {
    while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 50));
  }

  it('two worker processes, one killed mid-run: every run stored once, equal to a local run', async () => {
    const planned = specs([1, 2, 3, 4, 5, 6]);
    const { stored, deliveries, onRecord } = recorder();
    const fleet = runOnFleet(planned, { redisUrl: redis.url, onRecord });

    let killed: { pid: number; seed: number } | undefined;
    const outputs = new Map<number, string[]>();
    const errors = new Map<number, string>();
    for (let i = 0; i < 2; i++) {
      const child = spawn(
        process.execPath,
        [BIN, 'worker', '--redis', redis.url, '--jobs', '1', '--lock-timeout', '2s'],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      children.push(child);
      child.stderr!.on('data', (chunk: Buffer) =>
        errors.set(child.pid!, (errors.get(child.pid!) ?? '') + chunk.toString()),
      );
      const lines: string[] = [];
      outputs.set(child.pid!, lines);
      createInterface({ input: child.stdout! }).on('line', (line) => {
        lines.push(line);
        // The first worker to take a run dies holding it.
        const took = /^took configuration 0, seed (\d+)/.exec(line);
        if (took !== null && killed === undefined) {
          child.kill('SIGKILL');
          killed = { pid: child.pid!, seed: Number(took[1]) };
        }
      });
    }

    const summary = await fleet;
    expect(summary).toMatchObject({ recorded: 6, total: 6, duplicates: 0, stopped: false });
    expect([...deliveries.values()]).toEqual([1, 1, 1, 1, 1, 1]);
    expect(killed).toBeDefined();
    const survivor = children.find((child) => child.pid !== killed!.pid)!;
    // The run the killed worker held was taken up by the other once its lock expired.
    expect(stored.get(`mm1-c0-s${killed!.seed}`)!.worker).toBe(`${hostname()}:${survivor.pid}`);
    expect(outputs.get(killed!.pid)!.filter((line) => line.startsWith('finished'))).toEqual([]);

    for (const spec of planned)
      expect(comparable(stored.get(spec.key)!)).toEqual(comparable(await runOne(spec, 'local')));

    // SIGTERM stops a worker cleanly, with the signal's exit code.
    const exited = new Promise<number | null>((resolve) => survivor.once('exit', (code) => resolve(code)));
    survivor.kill('SIGTERM');
    expect(await exited).toBe(143);
    expect(errors.get(survivor.pid!)).toBe(
      'faultline: exit 143: stopped by SIGTERM; runs in flight went back to the queue\n',
    );
    expect(await waitingJobs()).toBe(0);
  });

  it('faultline sweep --redis stores every run once and writes what a local sweep writes', async () => {
    inProcessWorker();
    inProcessWorker();
    const work = mkdtempSync(join(tmpdir(), 'faultline-fleet-sweep-'));
    try {
      const campaign = ['sweep', 'mm1', '--param', 'workloads.users.rate=[500/s, 700/s]', '--seeds', '3'];
      const short = ['--duration', '2s', '--set', 'warmup=0s', '--quiet'];
      const fleet = await faultline([...campaign, ...short, '--redis', redis.url, '--out', join(work, 'fleet')]);
      const local = await faultline([...campaign, ...short, '--out', join(work, 'local')]);
      expect([fleet.code, local.code], fleet.stderr + local.stderr).toEqual([0, 0]);
      for (const file of ['sweep.json', 'results.csv'])
        expect(readFileSync(join(work, 'fleet', file), 'utf8')).toBe(readFileSync(join(work, 'local', file), 'utf8'));
      const store = ResultStore.open(join(work, 'fleet', 'results.db'), { readOnly: true });
      const records = [...store.records(store.campaigns()[0].runs.map((r) => r.key)).values()];
      const workers = new Set(records.map((r) => r.worker));
      expect(store.runCount()).toBe(6);
      store.close();
      expect([...workers].every((w) => w === `${hostname()}:${process.pid}`)).toBe(true);
      expect(await waitingJobs()).toBe(0);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('a run that throws on a worker fails the campaign, naming the run and the error', async () => {
    inProcessWorker();
    const planned = [...specs([1]), ...specs([9], ['workloads.users.rate=1000000000/s'])];
    planned[1] = { ...planned[1], key: 'mm1-too-fast-s9' };
    const error = await runOnFleet(planned, { redisUrl: redis.url, onRecord() {} }).catch((e) => e);
    expect(error).toBeInstanceOf(FleetRunFailed);
    expect(error.message).toMatch(
      new RegExp(
        `^run configuration 0, seed 9 failed on worker ${hostname()}:${process.pid}: ` +
          'mm1: the run would take at least 1.50e\\+11 events',
      ),
    );
  });

  it('a worker refuses a run planned by another faultline version, failing the campaign', async () => {
    inProcessWorker();
    const planned = specs([1]).map((spec) => ({ ...spec, faultlineVersion: '0.0.9' }));
    await expect(runOnFleet(planned, { redisUrl: redis.url, onRecord() {} })).rejects.toThrow(
      `run configuration 0, seed 1 failed on worker ${hostname()}:${process.pid}: this worker runs faultline 0.1.0 ` +
        'but the run was planned by faultline 0.0.9, whose results could differ',
    );
  });

  it('a worker stopped mid-run gives its run back to the queue at once', async () => {
    const stopCoordinator = new AbortController();
    const coordinator = runOnFleet(specs([1], ['duration=600s']), {
      redisUrl: redis.url,
      onRecord() {},
      signal: stopCoordinator.signal,
    });
    const worker = inProcessWorker();
    await until(() => worker.lines.some((line) => line.startsWith('took')));
    worker.stop.abort();
    await worker.done;
    expect(worker.lines.slice(-1)).toEqual(['gave configuration 0, seed 1 back to the queue']);
    expect(await waitingJobs()).toBe(1);
    stopCoordinator.abort();
    expect(await coordinator).toMatchObject({ recorded: 0, stopped: true });
  });

  it('enqueuing a campaign twice runs each run once', async () => {
    const planned = specs([1, 2, 3]);
    const events = new QueueEvents(QUEUE_NAME, { connection: new Redis(redis.url, { maxRetriesPerRequest: null }) });
    await events.waitUntilReady();
    let duplicated = 0;
    events.on('duplicated', () => duplicated++);
    const first = recorder();
    const second = recorder();
    const stopFirst = new AbortController();
    const coordinators = [
      runOnFleet(planned, { redisUrl: redis.url, onRecord: first.onRecord, signal: stopFirst.signal }),
      runOnFleet(planned, { redisUrl: redis.url, onRecord: second.onRecord }),
    ];
    // Both have enqueued (the second enqueue of each run was refused as a duplicate) before any worker starts.
    await until(() => duplicated === 3);
    await events.close();
    expect(await waitingJobs()).toBe(3);
    // The first coordinator stops: its runs stay queued, for the second.
    stopFirst.abort();
    expect(await coordinators[0]).toMatchObject({ recorded: 0, stopped: true });

    const worker = inProcessWorker();
    expect(await coordinators[1]).toMatchObject({ recorded: 3, duplicates: 0, stopped: false });
    expect([...second.deliveries.values()]).toEqual([1, 1, 1]);
    expect(worker.lines.filter((line) => line.startsWith('took'))).toHaveLength(3);
  });

  it('a coordinator started after the runs finished collects them without running them again', async () => {
    const planned = specs([4, 5]);
    const stopEarly = new AbortController();
    const early = runOnFleet(planned, { redisUrl: redis.url, onRecord() {}, signal: stopEarly.signal });
    await until(async () => (await waitingJobs()) === 2);
    stopEarly.abort();
    expect(await early).toMatchObject({ recorded: 0, stopped: true });

    const worker = inProcessWorker();
    await until(() => worker.lines.filter((line) => line.startsWith('finished')).length === 2);
    const later = recorder();
    expect(await runOnFleet(planned, { redisUrl: redis.url, onRecord: later.onRecord })).toMatchObject({
      recorded: 2,
      collectedEarlier: 2,
      stopped: false,
    });
    expect([...later.stored.keys()].sort()).toEqual(['mm1-c0-s4', 'mm1-c0-s5']);
    expect(worker.lines.filter((line) => line.startsWith('took'))).toHaveLength(2);
    expect(await waitingJobs()).toBe(0);
  });
});
