import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../cli/program.js';
import { registerBuiltinModels } from '../models/builtin-models.js';
import { modelDefinitions, modelTypes } from '../models/kit/registry.js';

/**
 * The binary loads only the models a scenario names (`run`, `validate`); everything else, these tests included,
 * has every model loaded as the registry is imported. Both must say the same about every scenario, good or bad.
 */
const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'dist', 'bin', 'faultline.js');
let work: string;

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build (npm test does)`);
  work = mkdtempSync(join(tmpdir(), 'faultline-on-demand-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The binary, which loads models on demand. */
function binary(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same command in this process, where every model is loaded. */
async function inProcess(args: string[]) {
  let stdout = '';
  let stderr = '';
  const cwd = process.cwd();
  process.chdir(ROOT);
  try {
    const code = await main(args, {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      env: { ...process.env },
    });
    return { code, stdout, stderr };
  } finally {
    process.chdir(cwd);
  }
}

describe('models loaded on demand', () => {
  it('every bundled model is announced in the order the format lists them, and registered as announced', () => {
    registerBuiltinModels();
    const types = modelTypes();
    expect(types.every((m) => m.definition !== undefined)).toBe(true);
    expect(modelDefinitions().map((m) => m.type)).toEqual(types.map((m) => m.type));
  });

  it('validate gives the same lines and exit code for every bad and good fixture', async () => {
    const dirs = ['test/fixtures/bad-scenarios', 'test/fixtures/scenarios', 'scenarios'];
    const files = dirs.flatMap((dir) =>
      readdirSync(join(ROOT, dir))
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => relative(ROOT, join(ROOT, dir, f))),
    );
    expect(files.length).toBeGreaterThan(80);
    // All in one command: validate checks every file and prints each one's lines.
    expect(binary(['validate', ...files])).toEqual(await inProcess(['validate', ...files]));
  }, 180_000);

  it('a type named only by a variant, an override or in the wrong section gets the same problems', async () => {
    const variant = join(work, 'variant-type.yaml');
    writeFileSync(
      variant,
      [
        'extends: ' + join(ROOT, 'scenarios', 'mm1.yaml'),
        'variants:',
        '  - name: raft',
        '    set: { components.station.type: raft }',
        '  - name: workload-as-component',
        '    set: { components.station.type: poisson }',
        '  - name: unknown',
        '    set: { components.station.type: raftt }',
        '',
      ].join('\n'),
    );
    const missingType = join(work, 'missing-type.yaml');
    writeFileSync(
      missingType,
      ['extends: ' + join(ROOT, 'scenarios', 'mm1.yaml'), 'components:', '  cache: { nodes: server }', ''].join('\n'),
    );
    for (const args of [
      ['validate', variant],
      ['validate', missingType],
      ['run', 'mm1', '--duration', '1s', '--set', 'components.station.type=leader-follower'],
      ['run', 'mm1', '--duration', '1s', '--set', 'workloads.users.type=queue-server'],
      ['run', 'mm1', '--duration', '1s', '--set', 'components.station={type: cache, nodes: server, capacty: 3}'],
    ]) {
      const alone = binary(args);
      expect(alone.code, args.join(' ')).toBe(2);
      expect(alone, args.join(' ')).toEqual(await inProcess(args));
    }
  }, 180_000);
});
