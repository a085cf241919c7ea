import type { ChatLog } from '../../models/measure/chat-log.js';
import type { ChatOutageReport, FaultEvent } from '../report-types.js';

/** A reporting window of `metrics.timeline`: the last may be shorter. */
export interface Window {
  startUs: number;
  endUs: number;
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));
const seconds = (w: Window) => Math.max(w.endUs - w.startUs, 1) / 1e6;

/**
 * Each server crash that dropped devices (the log's outages), with its
 * reconnect storm and whether the storm outlasted its cause, as
 * ChatOutageReport defines them: the baseline is the mean connect attempts
 * per second over the windows after the warm-up that end by the crash; a
 * window is calm when its attempts are at most b + 3√b + 1, b the baseline
 * over the window's length; the storm spans the windows from the first that
 * is not calm (at or after the crash's window) to the last that is not calm
 * before the next outage's window (or the end of the run). The cause is the
 * crashed server's downtime, up to the first restart of its node after the
 * crash in the run's fault log.
 */
export function chatOutages(
  log: ChatLog,
  windows: readonly Window[],
  faults: readonly FaultEvent[],
  nodeName: (node: number) => string,
): ChatOutageReport[] {
  const attempts = log.perWindow.connectAttempts;
  const refused = log.perWindow.connectsRefused;
  const windowOf = (us: number) => {
    const i = windows.findIndex((w) => us < w.endUs);
    return i === -1 ? windows.length - 1 : i;
  };
  const outages = [...log.outages].sort((a, b) => a.atUs - b.atUs);
  return outages.map((outage, k) => {
    const server = nodeName(outage.server);
    const first = windowOf(outage.atUs);
    const next = outages[k + 1];
    const stop = next === undefined ? windows.length : windowOf(next.atUs);
    let baseCount = 0;
    let baseSeconds = 0;
    for (let w = 0; w < first; w++)
      if (windows[w].startUs >= log.measureFromUs) {
        baseCount += attempts[w];
        baseSeconds += seconds(windows[w]);
      }
    const baselinePerSec = baseSeconds > 0 ? baseCount / baseSeconds : 0;
    const calm = (w: number) => {
      const expected = baselinePerSec * seconds(windows[w]);
      return attempts[w] <= expected + 3 * Math.sqrt(expected) + 1;
    };
    let stormFirst = -1;
    let stormLast = -1;
    let peakPerSec = 0;
    for (let w = first; w < stop; w++) {
      peakPerSec = Math.max(peakPerSec, attempts[w] / seconds(windows[w]));
      if (calm(w)) continue;
      if (stormFirst === -1) stormFirst = w;
      stormLast = w;
    }
    let stormAttempts = 0;
    let stormRefused = 0;
    for (let w = stormFirst; stormFirst !== -1 && w <= stormLast; w++) {
      stormAttempts += attempts[w];
      stormRefused += refused[w];
    }
    const back = faults.find((f) => f.kind === 'restart' && f.timeUs >= outage.atUs && f.nodes.includes(server));
    const serverBackUs = back?.timeUs ?? null;
    const stormEndUs = stormFirst === -1 ? null : windows[stormLast].endUs;
    const allReconnected = Number.isNaN(outage.allReconnectedUs) ? null : outage.allReconnectedUs;
    const afterServerBackUs =
      serverBackUs === null ? null : stormEndUs === null ? 0 : Math.max(0, stormEndUs - serverBackUs);
    return {
      server,
      atUs: outage.atUs,
      devicesDropped: outage.devicesDropped,
      allReconnectedUs: allReconnected,
      reconnectUs: allReconnected === null ? null : allReconnected - outage.atUs,
      reconnected: outage.reconnected,
      meanReconnectUs: outage.reconnected === 0 ? null : Math.round(outage.waitedUs / outage.reconnected),
      serverBackUs,
      baselineAttemptsPerSec: baseSeconds > 0 ? round(baselinePerSec, 3) : null,
      peakAttemptsPerSec: round(peakPerSec, 3),
      stormStartUs: stormFirst === -1 ? null : windows[stormFirst].startUs,
      stormEndUs,
      stormUs: stormEndUs === null ? 0 : stormEndUs - outage.atUs,
      stormAttempts,
      stormRefused,
      afterServerBackUs,
      outlastedCause: afterServerBackUs !== null && afterServerBackUs > 0,
    };
  });
}
