/**
 * How long the built CLI takes to start, as a user meets it: each command spawned, the median of several runs,
 * beside a bare `node -e 0` spawned the same way, so what is measured is faultline's own start.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
export const CLI = join(ROOT, 'dist', 'bin', 'faultline.js');

export interface StartupFigure {
  name: string;
  /** Median wall time of the whole process (ms). */
  medianMs: number;
  /** Over `node -e 0`, or for `run`, outside the simulation (ms); what the target is about. */
  overMs: number;
  targetMs?: number;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

function timed(args: string[]): { ms: number; stdout: string } {
  const started = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = performance.now() - started;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

/** Commands timed in rounds (one of each per round), so a busy moment of the machine hits them alike. */
export function startupBenchmarks(rounds = 9, runRounds = 5): StartupFigure[] {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  const commands: [string, string[], number | undefined][] = [
    ['node -e 0', ['-e', '0'], undefined],
    ['faultline --version', [CLI, '--version'], 200],
    ['faultline list', [CLI, 'list'], 200],
    ['faultline validate scenarios/mm1.yaml', [CLI, 'validate', 'scenarios/mm1.yaml'], 300],
  ];
  const times = commands.map(() => [] as number[]);
  for (let round = 0; round < rounds; round++) commands.forEach(([, args], i) => times[i].push(timed(args).ms));
  const node = median(times[0]);
  const figures: StartupFigure[] = commands.map(([name], i) => ({
    name,
    medianMs: median(times[i]),
    overMs: median(times[i]) - node,
    targetMs: commands[i][2],
  }));

  // The whole run less the report's `wall` seconds, which time the simulation itself.
  const out = mkdtempSync(join(tmpdir(), 'faultline-bench-'));
  try {
    const totals: number[] = [];
    const outside: number[] = [];
    for (let round = 0; round < runRounds; round++) {
      const run = timed([CLI, 'run', 'mm1', '--json', '--exit-zero', '--out', join(out, 'mm1')]);
      const { wall } = JSON.parse(run.stdout) as { wall: { seconds: number } };
      totals.push(run.ms);
      outside.push(run.ms - wall.seconds * 1000);
    }
    figures.push({
      name: 'faultline run mm1 --json --out <dir>',
      medianMs: median(totals),
      overMs: median(outside),
      targetMs: 300,
    });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  return figures;
}

/** The table, with each target met or missed. */
export function formatStartup(figures: StartupFigure[]): string {
  return figures
    .map((f) => {
      const over = f.name.startsWith('node')
        ? ''
        : f.name.includes(' run ')
          ? `${Math.round(f.overMs)} ms outside the simulation`
          : `${Math.round(f.overMs)} ms over node`;
      const target =
        f.targetMs === undefined
          ? ''
          : `${f.overMs <= f.targetMs ? 'met    ' : 'MISSED '} (target ${f.name.includes(' run ') ? 'under' : 'within'} ${f.targetMs} ms)`;
      return `  ${f.name.padEnd(40)} ${`${Math.round(f.medianMs)} ms`.padStart(8)}   ${over.padEnd(32)} ${target}`;
    })
    .join('\n');
}
