import type { StreamRecord } from '../../models/measure/delivery-log.js';
import { LatencyHistogram } from '../../models/measure/latency-histogram.js';
import type { LatencySummary } from '../report-types.js';

/** From each processed message's production (its first send) to its first processing by this stream, in an HDR histogram. */
export function endToEndLatency(stream: StreamRecord): LatencySummary {
  const histogram = new LatencyHistogram();
  const { producedUs } = stream.topic;
  const { firstProcessedUs } = stream;
  for (let id = 0; id < firstProcessedUs.length; id++) {
    const processedUs = firstProcessedUs[id];
    if (!Number.isNaN(processedUs)) histogram.record(Math.max(0, processedUs - producedUs[id]));
  }
  return histogram.summary();
}
