import type { CampaignPlan, RunRecord } from '../../campaigns/campaign-types.js';
import { buildSweepReport, type SweepReport } from '../../campaigns/sweep-report.js';
import { serverSizingMetrics, syntheticPlan, syntheticRecords } from './synthetic-campaign.js';

export interface SweepCampaign {
  plan: CampaignPlan;
  records: Map<string, RunRecord>;
  report: SweepReport;
}

function campaign(plan: CampaignPlan, keep?: Parameters<typeof syntheticRecords>[2]): SweepCampaign {
  const records = syntheticRecords(plan, (c, seed) => serverSizingMetrics(c, seed, plan), keep);
  return { plan, records, report: buildSweepReport(plan, records) };
}

const rates = (values: number[]) => ({
  path: 'workloads.users.rate',
  values: values.map((v) => `${v}/s`),
  numeric: { values, unit: 'per-sec' as const },
});

/** The shapes of campaign sweep.html must draw, from the usual to the degenerate. */
export function sweepCampaigns() {
  return {
    /** Arrival rate against three server sizes: the knee of the latency curve, bands per variant. */
    oneParameter: campaign(
      syntheticPlan({
        name: 'server-sizing',
        parameters: [rates([400, 600, 800, 1000, 1200, 1400])],
        variants: ['workers-4', 'workers-6', 'workers-8'],
        seeds: 12,
      }),
    ),
    /** Workers × rate without variants: lines per rate, a heat map. */
    twoParameters: campaign(
      syntheticPlan({
        name: 'server-sizing-grid',
        parameters: [{ path: 'components.api.workers', values: [4, 6, 8] }, rates([500, 750, 1000, 1250])],
        seeds: 8,
      }),
    ),
    /** Workers × rate under two variants, stopped before the last seed of some configurations finished. */
    twoParametersVariants: campaign(
      syntheticPlan({
        name: 'balancers',
        parameters: [{ path: 'components.api.workers', values: [4, 6, 8] }, rates([500, 1000])],
        variants: ['round-robin', 'least-loaded'],
        seeds: 6,
      }),
      (run) => run.seed !== 6 || run.configuration % 4 !== 0,
    ),
    /** No parameter, no variant: one configuration over the seeds. */
    single: campaign(syntheticPlan({ name: 'single', seeds: 5 })),
    /** Parameter values that are names, run on one seed: a categorical axis and no interval anywhere. */
    categoricalOneSeed: campaign(
      syntheticPlan({
        name: 'policies',
        parameters: [{ path: 'balancer.policy', values: ['round-robin', 'least-conn', 'random'] }],
        seeds: 1,
      }),
    ),
    /** Planned, nothing run yet. */
    nothingYet: campaign(
      syntheticPlan({
        name: 'nothing-yet',
        parameters: [{ path: 'components.api.workers', values: [4, 6, 8] }],
        variants: ['a', 'b'],
        seeds: 5,
      }),
      () => false,
    ),
  };
}
