import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Assignment } from '@keelson/events';
import type { AgentState, AssignmentRecord } from '../data-dir/agent-state.js';
import { DataDirLayout } from '../data-dir/layout.js';
import { prunePartialDownloads, wantedDownloads } from './partial-downloads.js';

const digest = (c: string) => c.repeat(64);
const record = (
  id: string,
  sha256: string,
  fields: Partial<AssignmentRecord> = {},
  action: Assignment['action'] = 'install',
): AssignmentRecord => ({
  assignment: {
    assignmentId: id,
    rolloutId: 'r-1',
    action,
    artifact: { name: 'yolo', version: id, kind: 'model', targetPath: `model/yolo/${id}/m.onnx`, sha256, length: 3 },
    probe: { kind: 'file', path: '/run/ready', timeoutSeconds: 5, attempts: 1, initialDelaySeconds: 0 },
  },
  phase: 'pending',
  ...fields,
});
const stateOf = (...records: AssignmentRecord[]): AgentState => ({
  schemaVersion: 1,
  seenGeneration: 1,
  appliedGeneration: 0,
  versions: {},
  assignments: Object.fromEntries(records.map((r) => [r.assignment.assignmentId, r])),
});

describe('partial downloads kept across restarts, and the ones abandoned removed', () => {
  let layout: DataDirLayout;
  beforeEach(() => (layout = new DataDirLayout(mkdtempSync(join(tmpdir(), 'keelson-partials-')))));
  afterEach(() => rmSync(layout.root, { recursive: true, force: true }));

  it('wants the targets of unfinished installs and of failed ones the journal still holds, not of installed ones or reverts', () => {
    const state = stateOf(
      record('1.0.0', digest('a'), { phase: 'downloading' }),
      record('2.0.0', digest('b'), { phase: 'done', outcome: 'failed', reason: 'could not fetch' }),
      record('3.0.0', digest('c'), { phase: 'done', outcome: 'healthy' }),
      record('4.0.0', digest('d'), {}, 'revert'),
    );
    expect([...wantedDownloads(state)].sort()).toEqual([digest('a'), digest('b')]);
  });

  it('removes partial files no assignment wants and stray entries, and keeps the wanted one', async () => {
    mkdirSync(layout.downloadsDir, { recursive: true });
    for (const c of ['a', 'c', 'e']) writeFileSync(layout.partialDownload(digest(c)), 'some bytes');
    writeFileSync(join(layout.downloadsDir, `${digest('a')}.other`), 'x');
    mkdirSync(join(layout.downloadsDir, 'stray-dir'));
    const removed = await prunePartialDownloads(
      layout,
      stateOf(record('1.0.0', digest('a')), record('3.0.0', digest('c'), { phase: 'done', outcome: 'healthy' })),
    );
    expect(removed.sort()).toEqual([`${digest('a')}.other`, `${digest('c')}.part`, `${digest('e')}.part`, 'stray-dir'].sort());
    expect(readdirSync(layout.downloadsDir)).toEqual([`${digest('a')}.part`]);
  });

  it('finds nothing to do without a downloads directory', async () => {
    expect(await prunePartialDownloads(layout, stateOf())).toEqual([]);
  });
});
