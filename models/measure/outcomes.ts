/**
 * How a request ended and how long it took: the vocabulary models record while
 * a run goes on and reports read afterwards. Latencies are whole microseconds.
 */

export interface LatencySummary {
  count: number;
  meanUs: number;
  p50Us: number;
  p90Us: number;
  p95Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
}

/** Points of the empirical CDF: latency and the share of requests at or under it. */
export type CdfPoint = [latencyUs: number, fraction: number];

export type ErrorKind = 'timeout' | 'rejected' | 'dropped' | 'unavailable';
export type ErrorCounts = Record<ErrorKind, number>;
