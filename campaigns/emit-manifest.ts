import { dirname, resolve } from 'node:path';
import { stringify } from 'yaml';

/** What `faultline sweep <scenario> --emit k8s|slurm` knows of the campaign. */
export interface ManifestOptions {
  /** The scenario's name; names the job, its files and the scenario in the container. */
  scenarioName: string;
  /** The scenario file as resolved (Kubernetes carries it in a ConfigMap). */
  scenarioYaml: string;
  /** The scenario file on the shared file system (Slurm runs it from there); made absolute. */
  scenarioPath: string;
  /** A container image with `faultline` on its PATH: required for Kubernetes, optional for Slurm (Apptainer). */
  image?: string;
  shards: number;
  seeds: number;
  /** Passed to every shard's `faultline sweep` as they are: --set, --param, --yes… */
  extraArgs: string[];
  /** Kubernetes: the PersistentVolumeClaim the shards' stores go to (default `faultline-results`). */
  volumeClaim?: string;
  /** Slurm: the folder the shards' stores go to, relative to where sbatch runs (default `faultline-results`). */
  resultsDir?: string;
}

/** The most a ConfigMap holds, scenario and all. */
const CONFIG_MAP_MAX_BYTES = 1024 * 1024 - 4096;

function checkCounts(options: ManifestOptions): void {
  for (const [name, value] of [
    ['shards', options.shards],
    ['seeds', options.seeds],
  ] as const)
    if (!Number.isSafeInteger(value) || value < 1)
      throw new RangeError(`${name} must be a whole number above 0, not ${value}`);
}

/** A name Kubernetes and Slurm accept: lower-case letters, digits and dashes, at most `max` characters. */
function resourceName(text: string, max: number): string {
  const name = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, max)
    .replace(/^-+|-+$/g, '');
  return name === '' ? 'scenario' : name;
}

/** `text` as one word for sh and bash: bare when it is safe so, else in single quotes. */
export function shellQuote(text: string): string {
  return /^[A-Za-z0-9_\/.:=@%+,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Kubernetes expands `$(VAR)` in args; `$$` is its escape for a literal `$`. */
const literalForKubernetes = (arg: string) => arg.replace(/\$/g, '$$$$');

/**
 * A Kubernetes Indexed Job running the campaign as `shards` shards, as one
 * multi-document YAML: a ConfigMap carrying the scenario, a
 * PersistentVolumeClaim for the shards' stores, and the Job. Each pod runs
 * `faultline sweep` on its shard (JOB_COMPLETION_INDEX of
 * FAULTLINE_SHARD_COUNT) into /results/shard-<index>.db; a failed index is
 * retried on its own, and a retried shard runs only the runs it lacks.
 */
export function kubernetesJob(options: ManifestOptions & { image: string }): string {
  checkCounts(options);
  const base = `faultline-${resourceName(options.scenarioName, 40)}`;
  const file = `${resourceName(options.scenarioName, 60)}.yaml`;
  const claim = options.volumeClaim ?? 'faultline-results';
  const job = `${base}-sweep`;
  if (Buffer.byteLength(options.scenarioYaml) > CONFIG_MAP_MAX_BYTES)
    throw new RangeError(
      `the scenario is ${Buffer.byteLength(options.scenarioYaml)} bytes, more than a Kubernetes ConfigMap holds (1 MiB)`,
    );

  const configMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${base}-scenario`, labels: { 'app.kubernetes.io/name': 'faultline' } },
    data: { [file]: options.scenarioYaml },
  };
  const volumeClaim = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: claim, labels: { 'app.kubernetes.io/name': 'faultline' } },
    spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '1Gi' } } },
  };
  const args = [
    'sweep',
    `/scenario/${file}`,
    '--store',
    '/results/shard-$(JOB_COMPLETION_INDEX).db',
    '--seeds',
    String(options.seeds),
    ...options.extraArgs.map(literalForKubernetes),
  ];
  const indexedJob = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: job, labels: { 'app.kubernetes.io/name': 'faultline' } },
    spec: {
      completionMode: 'Indexed',
      completions: options.shards,
      parallelism: options.shards,
      backoffLimitPerIndex: 2,
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': 'faultline' } },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'faultline',
              image: options.image,
              command: ['faultline'],
              args,
              env: [
                { name: 'FAULTLINE_SHARD_COUNT', value: String(options.shards) },
                // Declared so that $(JOB_COMPLETION_INDEX) in args expands: Kubernetes expands only declared variables.
                {
                  name: 'JOB_COMPLETION_INDEX',
                  valueFrom: {
                    fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" },
                  },
                },
              ],
              volumeMounts: [
                { name: 'scenario', mountPath: '/scenario', readOnly: true },
                { name: 'results', mountPath: '/results' },
              ],
            },
          ],
          volumes: [
            { name: 'scenario', configMap: { name: configMap.metadata.name } },
            { name: 'results', persistentVolumeClaim: { claimName: claim } },
          ],
        },
      },
    },
  };

  const header = [
    `# faultline sweep of ${options.scenarioName}: ${options.shards} shards × ${options.seeds} seeds as a Kubernetes Indexed Job.`,
    '#   kubectl apply -f this-file.yaml',
    `#   kubectl wait --for=condition=complete --timeout=24h job/${job}`,
    `# Then merge the shards' stores, in a pod that mounts the claim ${claim} at /results:`,
    '#   faultline merge /results/shard-*.db --into /results/all.db --out /results/sweep',
    `# The claim asks for ReadWriteMany storage; if ${claim} exists already, delete its document below.`,
  ];
  const documents = [configMap, volumeClaim, indexedJob].map((doc) => stringify(doc, { lineWidth: 0 }));
  return `${header.map((line) => line.replace(/\n/g, ' ')).join('\n')}\n${documents.join('---\n')}`;
}

/**
 * A Slurm batch script running the campaign as a job array of `shards`
 * tasks, each `faultline sweep` on its shard into
 * <resultsDir>/shard-<task>.db, inside `apptainer exec docker://<image>`
 * when an image is given. Ends with the `faultline merge` command to run
 * once every task has finished.
 */
export function slurmScript(options: ManifestOptions): string {
  checkCounts(options);
  const name = `faultline-${resourceName(options.scenarioName, 40)}`;
  const scenario = resolve(options.scenarioPath);
  const results = options.resultsDir ?? 'faultline-results';
  const sweep = [
    'faultline',
    'sweep',
    shellQuote(scenario),
    '--store',
    '"$results/shard-${SLURM_ARRAY_TASK_ID}.db"',
    '--seeds',
    String(options.seeds),
    ...options.extraArgs.map(shellQuote),
  ];
  const command =
    options.image === undefined
      ? sweep
      : [
          'apptainer',
          'exec',
          '--bind',
          shellQuote(dirname(scenario)),
          '--bind',
          '"$results"',
          shellQuote(`docker://${options.image}`),
          ...sweep,
        ];
  return [
    '#!/bin/bash',
    `# faultline sweep of ${options.scenarioName.replace(/\n/g, ' ')}: ${options.shards} shards × ${options.seeds} seeds as a Slurm job array.`,
    '# Submit with: sbatch this-file.sh',
    `#SBATCH --job-name=${name}`,
    `#SBATCH --array=0-${options.shards - 1}`,
    `#SBATCH --output=${name}-%A_%a.out`,
    'set -euo pipefail',
    ': "${SLURM_ARRAY_TASK_ID:?submit this script with sbatch: each task of its job array runs one shard}"',
    '',
    `mkdir -p ${shellQuote(results)}`,
    `results=$(CDPATH= cd -- ${shellQuote(results)} && pwd)`,
    command.join(' '),
    '',
    '# When every task has finished, combine the shards:',
    `#   faultline merge ${shellQuote(results)}/shard-*.db --into ${shellQuote(`${results}/all.db`)} --out ${shellQuote(`${results}/sweep`)}`,
    '',
  ].join('\n');
}
