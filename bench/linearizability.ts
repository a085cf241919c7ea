import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Bench } from 'tinybench';
import { parseHistory } from '../reports/consistency/history-formats.js';
import { pairOperations } from '../reports/consistency/history.js';
import { checkLinearizability } from '../reports/consistency/linearizability.js';
import { kvSpec, registerSpec, type SequentialSpec } from '../reports/consistency/sequential-specs.js';

export interface CheckerFigure {
  name: string;
  /** Mean wall time of one check, parsing included (ms). */
  meanMs: number;
  /** The slowest single history of the set (ms), for sets of many. */
  slowestMs?: number;
}

const JEPSEN = join(import.meta.dirname, '..', 'test', 'fixtures', 'jepsen');

function checkFile(path: string, spec: SequentialSpec): boolean {
  return checkLinearizability(pairOperations(parseHistory(readFileSync(path, 'utf8')), spec.isReadOnly), spec)
    .linearizable;
}

/** The checker on the real Jepsen histories: every etcd log, and the 50-client kv files. */
export async function checkerBenchmarks(): Promise<CheckerFigure[]> {
  const etcd = readdirSync(join(JEPSEN, 'etcd'))
    .filter((f) => f.endsWith('.log'))
    .map((f) => join(JEPSEN, 'etcd', f));
  const bench = new Bench({ time: 1000, warmupTime: 200 });
  bench.add('all 103 etcd register logs', () => {
    for (const f of etcd) checkFile(f, registerSpec);
  });
  for (const f of ['c50-ok.txt', 'c50-bad.txt'])
    bench.add(`kv ${f} (50 clients, 10 keys)`, () => checkFile(join(JEPSEN, 'kv', f), kvSpec));
  await bench.run();
  let slowestMs = 0;
  for (const f of etcd) {
    const t0 = performance.now();
    checkFile(f, registerSpec);
    slowestMs = Math.max(slowestMs, performance.now() - t0);
  }
  return bench.tasks.map((task) => {
    const r = task.result;
    if (!('period' in r)) throw new Error(`benchmark "${task.name}" did not complete: ${r.state}`);
    return { name: task.name, meanMs: r.period, ...(task.name.startsWith('all') ? { slowestMs } : {}) };
  });
}
