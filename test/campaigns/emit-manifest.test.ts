import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubernetesJob, slurmScript, type ManifestOptions } from '../../campaigns/emit-manifest.js';

let work: string;
const at = (...parts: string[]) => join(work, ...parts);

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'faultline-emit-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const SCENARIO_YAML = `name: server sizing
description: "Workers against arrival rate"
sweep:
  seeds: 20
  parameters:
    components.api.workers: [4, 6, 8]
`;

/** Arguments with spaces, both quotes, a dollar and a glob: each must reach faultline as one argument, unchanged. */
const AWKWARD = ['--set', 'workloads.users.name=it\'s a "test"', '--param', 'x=$(whoami) $HOME *', '--yes'];

const options = (extra: Partial<ManifestOptions> = {}): ManifestOptions => ({
  scenarioName: 'Server sizing',
  scenarioYaml: SCENARIO_YAML,
  scenarioPath: at('scenarios dir', 'server-sizing.yaml'),
  shards: 4,
  seeds: 20,
  extraArgs: AWKWARD,
  ...extra,
});

describe('kubernetesJob', () => {
  const documents = () =>
    parseAllDocuments(kubernetesJob({ ...options(), image: 'ghcr.io/example/faultline:0.1.0' })).map((doc) => {
      expect(doc.errors).toEqual([]);
      return doc.toJS();
    });

  it('is a ConfigMap with the scenario, a claim for the results and an Indexed Job of one pod per shard', () => {
    const [configMap, claim, job] = documents();
    expect(configMap).toMatchObject({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'faultline-server-sizing-scenario' },
    });
    expect(configMap.data).toEqual({ 'server-sizing.yaml': SCENARIO_YAML });
    expect(claim).toMatchObject({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'faultline-results' },
    });
    expect(claim.spec.accessModes).toEqual(['ReadWriteMany']);

    expect(job).toMatchObject({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'faultline-server-sizing-sweep' },
    });
    expect(job.spec).toMatchObject({
      completionMode: 'Indexed',
      completions: 4,
      parallelism: 4,
      backoffLimitPerIndex: 2,
    });
    const pod = job.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.volumes).toEqual([
      { name: 'scenario', configMap: { name: 'faultline-server-sizing-scenario' } },
      { name: 'results', persistentVolumeClaim: { claimName: 'faultline-results' } },
    ]);
    const [container] = pod.containers;
    expect(container.image).toBe('ghcr.io/example/faultline:0.1.0');
    expect(container.volumeMounts).toEqual([
      { name: 'scenario', mountPath: '/scenario', readOnly: true },
      { name: 'results', mountPath: '/results' },
    ]);
    expect(container.env).toEqual([
      { name: 'FAULTLINE_SHARD_COUNT', value: '4' },
      {
        name: 'JOB_COMPLETION_INDEX',
        valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } },
      },
    ]);
    expect([...container.command, ...container.args]).toEqual([
      'faultline',
      'sweep',
      '/scenario/server-sizing.yaml',
      '--store',
      '/results/shard-$(JOB_COMPLETION_INDEX).db',
      '--seeds',
      '20',
      '--set',
      'workloads.users.name=it\'s a "test"',
      '--param',
      // Kubernetes reads $$ as a literal $, so the user's $(whoami) is not expanded.
      'x=$$(whoami) $$HOME *',
      '--yes',
    ]);
  });

  it('names the claim as asked', () => {
    const text = kubernetesJob({ ...options(), image: 'faultline', volumeClaim: 'shared-results' });
    const job = parseAllDocuments(text)[2].toJS();
    expect(job.spec.template.spec.volumes[1]).toEqual({
      name: 'results',
      persistentVolumeClaim: { claimName: 'shared-results' },
    });
    expect(parseAllDocuments(text)[1].toJS().metadata.name).toBe('shared-results');
  });
});

describe('slurmScript', () => {
  /** A fake program on PATH that writes its arguments, one per NUL, to a file named after it. */
  function fakeProgram(bin: string, name: string): void {
    const path = join(bin, name);
    writeFileSync(path, `#!/bin/sh\nprintf '%s\\0' "$@" > "$FAKE_OUT/${name}.args"\n`);
    chmodSync(path, 0o755);
  }

  function runScript(script: string, taskId: string) {
    const folder = mkdtempSync(join(work, 'slurm-'));
    const bin = join(folder, 'bin');
    mkdirSync(bin);
    fakeProgram(bin, 'faultline');
    fakeProgram(bin, 'apptainer');
    writeFileSync(join(folder, 'job.sh'), script);
    const r = spawnSync('bash', [join(folder, 'job.sh')], {
      cwd: folder,
      encoding: 'utf8',
      env: { PATH: `${bin}:/usr/bin:/bin`, FAKE_OUT: folder, SLURM_ARRAY_TASK_ID: taskId },
    });
    const args = (name: string) => {
      try {
        return readFileSync(join(folder, `${name}.args`), 'utf8')
          .split('\0')
          .slice(0, -1);
      } catch {
        return null;
      }
    };
    return { ...r, folder, faultline: args('faultline'), apptainer: args('apptainer') };
  }

  it('is a job array of one task per shard, each sweeping its shard into its own store', () => {
    const script = slurmScript(options());
    expect(script.split('\n').filter((line) => line.startsWith('#SBATCH'))).toEqual([
      '#SBATCH --job-name=faultline-server-sizing',
      '#SBATCH --array=0-3',
      '#SBATCH --output=faultline-server-sizing-%A_%a.out',
    ]);
    expect(script.trimEnd().split('\n').at(-1)).toBe(
      '#   faultline merge faultline-results/shard-*.db --into faultline-results/all.db --out faultline-results/sweep',
    );

    const r = runScript(script, '2');
    expect(r.status, r.stderr).toBe(0);
    expect(r.apptainer).toBeNull();
    expect(r.faultline).toEqual([
      'sweep',
      at('scenarios dir', 'server-sizing.yaml'),
      '--store',
      join(r.folder, 'faultline-results', 'shard-2.db'),
      '--seeds',
      '20',
      ...AWKWARD,
    ]);
  });

  it('runs faultline inside the image through Apptainer when one is given', () => {
    const r = runScript(
      slurmScript(options({ image: 'ghcr.io/example/faultline:0.1.0', resultsDir: 'my results' })),
      '0',
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.faultline).toBeNull();
    const results = join(r.folder, 'my results');
    expect(r.apptainer).toEqual([
      'exec',
      '--bind',
      at('scenarios dir'),
      '--bind',
      results,
      'docker://ghcr.io/example/faultline:0.1.0',
      'faultline',
      'sweep',
      at('scenarios dir', 'server-sizing.yaml'),
      '--store',
      join(results, 'shard-0.db'),
      '--seeds',
      '20',
      ...AWKWARD,
    ]);
  });

  it('refuses to run outside a job array, saying how to submit it', () => {
    const r = spawnSync('bash', ['-c', slurmScript(options())], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('submit this script with sbatch');
  });
});
