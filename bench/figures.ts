/**
 * The regression guard behind `npm run bench -- --check` and `--record`: figures are kept per machine in
 * bench/figures.json, under a fingerprint (CPU model and core count), since figures from another machine say
 * nothing about this one.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';

export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** Throughputs are better higher, times lower. */
  better: 'higher' | 'lower';
}

export interface Fingerprint {
  cpu: string;
  cores: number;
}

export interface RecordedMachine {
  fingerprint: Fingerprint;
  node: string;
  /** ISO date of the recording. */
  recorded: string;
  figures: Figure[];
}

export interface FiguresFile {
  machines: RecordedMachine[];
}

/** A drop of more than this share fails the check. */
export const ALLOWED_DROP = 0.25;

export function machineFingerprint(cpuList: { model: string }[] = cpus()): Fingerprint {
  return { cpu: cpuList[0]?.model.trim() ?? 'unknown', cores: cpuList.length };
}

const describe = (f: Fingerprint) => `${f.cpu}, ${f.cores} core${f.cores === 1 ? '' : 's'}`;
const sameMachine = (a: Fingerprint, b: Fingerprint) => a.cpu === b.cpu && a.cores === b.cores;

/**
 * How much worse `current` is than `recorded`, as a share of the recorded performance: 0.3 is 30% slower. For
 * times, performance is the inverse of the time, so a time that doubles is a drop of 50%.
 */
export function dropOf(recorded: Figure, current: Figure): number {
  return recorded.better === 'higher' ? 1 - current.value / recorded.value : 1 - recorded.value / current.value;
}

const show = (f: Figure) =>
  `${f.value >= 100 ? Math.round(f.value).toLocaleString('en-US') : f.value.toFixed(2)} ${f.unit}`;

/** `--check`: every figure against the one recorded on this machine; exit 1 when any dropped more than 25%. */
export function checkFigures(
  file: FiguresFile | undefined,
  fingerprint: Fingerprint,
  current: Figure[],
): { code: 0 | 1; lines: string[] } {
  const machine = file?.machines.find((m) => sameMachine(m.fingerprint, fingerprint));
  if (machine === undefined)
    return {
      code: 0,
      lines: [
        `No recorded figures for this machine (${describe(fingerprint)}): nothing to compare.`,
        'Record them with npm run bench -- --record, and commit bench/figures.json.',
      ],
    };
  const lines = [`Compared with the figures recorded on ${machine.recorded.slice(0, 10)} (${describe(fingerprint)}):`];
  const dropped: string[] = [];
  for (const now of current) {
    const then = machine.figures.find((f) => f.name === now.name);
    if (then === undefined) {
      lines.push(`  new      ${now.name}: ${show(now)} (not recorded)`);
      continue;
    }
    const drop = dropOf(then, now);
    const change = `${show(then)} -> ${show(now)} (${drop > 0 ? `${(drop * 100).toFixed(0)}% worse` : `${(-drop * 100).toFixed(0)}% better`})`;
    if (drop > ALLOWED_DROP) dropped.push(now.name);
    lines.push(`  ${drop > ALLOWED_DROP ? 'DROPPED ' : 'ok      '} ${now.name}: ${change}`);
  }
  for (const then of machine.figures)
    if (!current.some((f) => f.name === then.name)) lines.push(`  missing  ${then.name}: recorded but not measured`);
  if (dropped.length === 0) {
    lines.push(`No figure dropped more than ${ALLOWED_DROP * 100}%.`);
    return { code: 0, lines };
  }
  lines.push(
    `${dropped.length} figure${dropped.length === 1 ? '' : 's'} dropped more than ${ALLOWED_DROP * 100}%: ${dropped.join('; ')}`,
  );
  return { code: 1, lines };
}

/**
 * Before `--check` fails: each figure that dropped more than 25% and can be measured again on its own
 * (`measureAgain` by name) is measured once more, and the better of the two kept. On a shared machine one
 * busy moment made single figures drop; a real regression drops twice.
 */
export async function measureDropsAgain(
  file: FiguresFile | undefined,
  fingerprint: Fingerprint,
  current: Figure[],
  measureAgain: ReadonlyMap<string, () => Promise<number>>,
): Promise<{ figures: Figure[]; lines: string[] }> {
  const machine = file?.machines.find((m) => sameMachine(m.fingerprint, fingerprint));
  const figures: Figure[] = [];
  const lines: string[] = [];
  for (const now of current) {
    const then = machine?.figures.find((f) => f.name === now.name);
    const again = measureAgain.get(now.name);
    if (then === undefined || again === undefined || dropOf(then, now) <= ALLOWED_DROP) {
      figures.push(now);
      continue;
    }
    const second = { ...now, value: await again() };
    const kept = dropOf(then, second) < dropOf(then, now) ? second : now;
    lines.push(`  measured again: ${now.name}: ${show(now)}, then ${show(second)}; kept ${show(kept)}`);
    figures.push(kept);
  }
  return { figures, lines };
}

/** `--record`: the file with this machine's figures replaced by `current`; other machines' stay. */
export function recordFigures(
  file: FiguresFile | undefined,
  fingerprint: Fingerprint,
  current: Figure[],
  node: string,
  recorded: Date,
): FiguresFile {
  const others = (file?.machines ?? []).filter((m) => !sameMachine(m.fingerprint, fingerprint));
  return {
    machines: [...others, { fingerprint, node, recorded: recorded.toISOString(), figures: current }],
  };
}

export function readFiguresFile(path: string): FiguresFile | undefined {
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as FiguresFile;
}

export function writeFiguresFile(path: string, file: FiguresFile): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(file, null, 2)}\n`);
  renameSync(temporary, path);
}
