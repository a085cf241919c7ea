/**
 * A scenario of one queue server behind Poisson clients and nothing else: a
 * run whose report has none of the families' sections (caches, delivery,
 * feed, chat), for the tests that those stay out of it. `variants` is YAML
 * appended as is.
 */
export function plainScenario(
  name: string,
  options: { seed?: number; duration?: string; rate?: string; variants?: string } = {},
): string {
  const { seed = 3, duration = '2s', rate = '50/s', variants = '' } = options;
  return `
name: ${name}
seed: ${seed}
duration: ${duration}
topology:
  regions: [dc]
  nodes: { server: { count: 1 }, client: { count: 1 } }
components:
  api: { type: queue-server, nodes: server, serviceTime: { type: constant, value: 1ms } }
workloads:
  users: { type: poisson, nodes: client, target: api, rate: ${rate} }
${variants}`;
}
