import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveStream, RandomStream } from '../engine/index.js';
import { edgeListOf, loadSocialGraph } from '../models/feed/edge-list-file.js';
import { socialGraphOf } from '../models/feed/shared-social-graph.js';
import { generateSocialGraph } from '../models/feed/social-graph-generator.js';
import { checkSocialGraphParams, socialGraphParams } from '../models/feed/social-graph-params.js';
import type { InstanceContext } from '../models/kit/model-contract.js';
import type { SocialGraph } from '../models/parts/social-graph.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'faultline-edge-list-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const params = socialGraphParams.parse({ inactiveShare: 0 });
let files = 0;
function fileWith(text: string): string {
  const path = join(dir, `edges-${files++}.txt`);
  writeFileSync(path, text);
  return path;
}
const load = (text: string) => loadSocialGraph(fileWith(text), params, new RandomStream('edge list'));

/** Every follow as "follower followee" in the file's ids, sorted. */
function followsByFileId(graph: SocialGraph, ids: ArrayLike<number>): string[] {
  const follows: string[] = [];
  for (let u = 0; u < graph.users; u++)
    for (let i = graph.followeeStart[u]; i < graph.followeeStart[u + 1]; i++)
      follows.push(`${ids[u]} ${ids[graph.followees[i]]}`);
  return follows.sort();
}

/** A minimal instance context: the two members socialGraphOf uses. */
function contextWithSharing(): InstanceContext {
  const values = new Map<string, unknown>();
  return {
    shared: <T>(key: string, build: () => T) => {
      if (!values.has(key)) values.set(key, build());
      return values.get(key) as T;
    },
    stream: (path: string, purpose: string) => deriveStream(7, path, purpose),
  } as unknown as InstanceContext;
}

describe('loadSocialGraph', () => {
  it('renumbers sparse ids in ascending order and drops repeated follows and self-follows, counting them', () => {
    const graph = load('# who follows whom\n10 20\n20\t10\r\n\n  30 10   # trailing comment\n10 20\n40 40\n');
    expect(graph.users).toBe(4);
    expect(Array.from(graph.edgeList.fileIds)).toEqual([10, 20, 30, 40]);
    expect(Array.from(graph.followeeStart)).toEqual([0, 1, 2, 3, 3]);
    expect(Array.from(graph.followees)).toEqual([1, 0, 0]);
    expect(Array.from(graph.followerStart)).toEqual([0, 2, 3, 3, 3]);
    expect(Array.from(graph.followers)).toEqual([1, 2, 0]);
    expect(graph.edgeList).toMatchObject({ followLines: 5, duplicates: 1, selfFollows: 1 });
    expect(edgeListOf(graph)).toBe(graph.edgeList);
    expect(graph.celebrities.length).toBe(0);
    expect(graph.requestedExponent).toBeNaN();
    expect(Array.from(graph.postRatePerSec).every((rate) => rate > 0)).toBe(true);
  });

  it('reads back a generated graph written in any order, with ids beyond 32 bits', () => {
    const generated = generateSocialGraph(
      socialGraphParams.parse({ users: 300, meanFollows: 6 }),
      new RandomStream('round trip'),
    );
    const fileId = (u: number) => 5_000_000_000 + 3 * u;
    const lines = followsByFileId(
      generated,
      Array.from({ length: 300 }, (_, u) => fileId(u)),
    ).reverse();
    const loaded = load(`${lines.join('\n')}\n${lines[0]}\n`);
    expect(loaded.edgeList.duplicates).toBe(1);
    expect(followsByFileId(loaded, loaded.edgeList.fileIds)).toEqual(lines.slice().reverse());
    expect(edgeListOf(generated)).toBeUndefined();
  });

  it.each([
    ['7\n', 'edges:1: one id where a follow needs two; write "follower followee", like "17 42"'],
    ['1 2\n1 2 3\n', 'edges:2: 3 fields where a follow needs two'],
    ['1 2\n\n# c\n4 x9\n', 'edges:4: "x9" is not a user id; user ids are non-negative whole numbers, like "17 42"'],
    ['1 -2\n', 'edges:1: "-2" is negative'],
    ['1 2.5\n', 'edges:1: "2.5" is not a user id'],
    ['1 99999999999999999\n', 'edges:1: user id 99999999999999999 is too large'],
    ['# nothing\n\n', 'edges: no follows found'],
  ])('refuses %j with the file and line', (text, message) => {
    const path = join(dir, 'edges');
    writeFileSync(path, text);
    const relativePath = relative(process.cwd(), path);
    expect(() => loadSocialGraph(relativePath, params, new RandomStream('x'))).toThrow(
      `${relativePath.slice(0, -'edges'.length)}${message}`,
    );
  });

  it('says when the file cannot be read', () => {
    expect(() => loadSocialGraph(join(dir, 'missing.txt'), params, new RandomStream('x'))).toThrow(
      /cannot read the social graph file ".*missing.txt" \(.*\): no such file; give an edge-list file's path/,
    );
    mkdirSync(join(dir, 'folder'));
    expect(() => loadSocialGraph(join(dir, 'folder'), params, new RandomStream('x'))).toThrow(/it is a directory/);
  });
});

describe('checkSocialGraphParams with a file', () => {
  it('reports the file’s first problem before a run, and nothing for a good file', () => {
    const check = (text: string) => checkSocialGraphParams(socialGraphParams.parse({ file: fileWith(text) }));
    expect(check('1 2\n2 3\n')).toEqual([]);
    expect(check('1 2\n2\n')).toEqual([
      { path: ['file'], message: expect.stringMatching(/:2: one id where a follow needs two/) },
    ]);
    // Self-follows are dropped: a file of nothing else leaves no graph.
    expect(check('# loops\n4 4\n7 7\n')).toEqual([
      {
        path: ['file'],
        message: expect.stringMatching(/every follow in the file is a user following itself \(like "4 4"\)/),
      },
    ]);
    expect(check('4 4\n4 7\n')).toEqual([]);
  });
});

describe('socialGraphOf', () => {
  it('builds one graph per component, shared by whoever asks, from a file or generated', () => {
    const ctx = contextWithSharing();
    const generatedParams = socialGraphParams.parse({ users: 200 });
    const first = socialGraphOf(ctx, 'feed', generatedParams);
    expect(socialGraphOf(ctx, 'feed', generatedParams)).toBe(first);
    expect(first.followers).toEqual(
      generateSocialGraph(generatedParams, deriveStream(7, 'feed', 'social-graph')).followers,
    );
    const fromFile = socialGraphOf(ctx, 'other', socialGraphParams.parse({ file: fileWith('1 2\n2 3\n') }));
    expect(fromFile.users).toBe(3);
    expect(edgeListOf(fromFile)?.followLines).toBe(2);
  });
});
