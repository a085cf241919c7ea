import type { RandomStream } from '../../engine/index.js';
import type { SocialGraph } from '../parts/social-graph.js';
import type { SocialGraphParams } from './social-graph-params.js';
import { drawUserRates } from './social-graph-rates.js';
import { graphRows, rowStarts, sortRows, transposeRows } from './social-graph-rows.js';
import { readEdgeList } from './edge-list-read.js';

/**
 * Follower graphs from edge-list files, the form SNAP and most graph dumps
 * use (the format is in edge-list-read.ts). Ids need not be dense: the users
 * are every id that appears, numbered 0..n−1 in ascending id order. A follow
 * listed twice counts once and a self-follow is dropped; both are counted.
 */

/** What loading found beside the graph: for the report and for people checking their file. */
export interface EdgeListSummary {
  /** The path as the scenario gave it, and where it resolved. */
  readonly path: string;
  readonly resolvedPath: string;
  /** Lines holding a follow (blank and comment lines excluded). */
  readonly followLines: number;
  /** Follows listed again after their first line, dropped. */
  readonly duplicates: number;
  /** Lines where a user follows itself, dropped. */
  readonly selfFollows: number;
  /** The id in the file of each user 0..n−1 (ascending). */
  readonly fileIds: Float64Array;
}

/** A graph loaded from an edge-list file, with what the loading found. */
export interface EdgeListGraph extends SocialGraph {
  readonly edgeList: EdgeListSummary;
}

/** The file's summary when the graph was loaded from one. */
export function edgeListOf(graph: SocialGraph): EdgeListSummary | undefined {
  return 'edgeList' in graph ? (graph as EdgeListGraph).edgeList : undefined;
}

/**
 * Loads `path` (relative to the working directory unless absolute) and
 * draws rates for its users as for a generated graph (rateSpread,
 * inactiveShare). Throws EdgeListError on a file that cannot be read or
 * has a line that is not a follow (checkSocialGraphParams reports those
 * before a run).
 */
export function loadSocialGraph(
  path: string,
  params: Pick<SocialGraphParams, 'postRate' | 'readRate' | 'rateSpread' | 'inactiveShare'>,
  rng: RandomStream,
): EdgeListGraph {
  const { resolvedPath, ids, count } = readEdgeList(path);
  const { fileIds, userOf } = renumber(ids, count * 2);
  const users = fileIds.length;

  const outDegree = new Int32Array(users);
  const from = new Int32Array(count);
  const to = new Int32Array(count);
  let selfFollows = 0;
  let kept = 0;
  for (let e = 0; e < count; e++) {
    const follower = userOf(ids[2 * e]);
    const followee = userOf(ids[2 * e + 1]);
    if (follower === followee) {
      selfFollows++;
      continue;
    }
    from[kept] = follower;
    to[kept++] = followee;
    outDegree[follower]++;
  }
  const start = rowStarts(outDegree);
  const items = new Int32Array(kept);
  const cursor = start.slice(0, users);
  for (let e = 0; e < kept; e++) items[cursor[from[e]]++] = to[e];
  const rows = { start, items };
  sortRows(rows);
  const unique = dropRepeats(rows);
  const followers = transposeRows(users, unique);
  return {
    users,
    ...graphRows(followers, unique),
    ...drawUserRates(users, { ...params, celebrities: [] }, rng),
    celebrities: new Int32Array(0),
    requestedExponent: NaN,
    edgeList: {
      path,
      resolvedPath,
      followLines: count,
      duplicates: kept - unique.items.length,
      selfFollows,
      fileIds,
    },
  };
}

/**
 * Users numbered by ascending file id. Ids within a few times the number of
 * ids map through a dense table; sparse ids (64-bit hashes, say) by binary
 * search over the sorted distinct ids.
 */
function renumber(ids: Float64Array, length: number): { fileIds: Float64Array; userOf: (id: number) => number } {
  const sorted = ids.slice(0, length).sort();
  let distinct = 0;
  for (let i = 0; i < length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[distinct++] = sorted[i];
  const fileIds = sorted.slice(0, distinct);
  const largest = fileIds[distinct - 1];
  if (largest < Math.max(1 << 20, 4 * distinct)) {
    const table = new Int32Array(largest + 1);
    for (let u = 0; u < distinct; u++) table[fileIds[u]] = u;
    return { fileIds, userOf: (id) => table[id] };
  }
  return {
    fileIds,
    userOf: (id) => {
      let low = 0;
      let high = distinct - 1;
      while (low < high) {
        const middle = (low + high) >>> 1;
        if (fileIds[middle] < id) low = middle + 1;
        else high = middle;
      }
      return low;
    },
  };
}

/** Sorted rows without repeated items, compacted into new arrays. */
function dropRepeats({ start, items }: { start: Int32Array; items: Int32Array }): {
  start: Int32Array;
  items: Int32Array;
} {
  const rows = start.length - 1;
  const uniqueStart = new Int32Array(rows + 1);
  let kept = 0;
  for (let u = 0; u < rows; u++) {
    for (let i = start[u]; i < start[u + 1]; i++)
      if (i === start[u] || items[i] !== items[i - 1]) items[kept++] = items[i];
    uniqueStart[u + 1] = kept;
  }
  return { start: uniqueStart, items: kept === items.length ? items : items.slice(0, kept) };
}
