import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentState } from '../data-dir/agent-state.js';
import type { DataDirLayout } from '../data-dir/layout.js';

/**
 * The targets whose partial downloads are worth keeping: those of every assignment the journal
 * still holds, except ones that ended installed (their bytes are in a version directory now) and
 * reverts (they download nothing). A download that failed for the network keeps its partial file
 * while the platform still assigns the target: a retried rollout resumes it. Once the desired
 * state drops the assignment, the journal forgets it and its partial file is abandoned.
 */
export function wantedDownloads(state: AgentState): Set<string> {
  const wanted = new Set<string>();
  for (const { assignment, phase, outcome } of Object.values(state.assignments)) {
    if (assignment.action === 'revert' || (phase === 'done' && outcome === 'healthy')) continue;
    wanted.add(assignment.artifact.sha256);
  }
  return wanted;
}

/**
 * Removes the partial downloads of targets no assignment wants any more (and anything else left in
 * the downloads directory, such as a half-written file of another name); returns what it removed.
 * A missing directory (no download was ever cut off) is nothing to do.
 */
export async function prunePartialDownloads(layout: DataDirLayout, state: AgentState): Promise<string[]> {
  const wanted = wantedDownloads(state);
  const removed: string[] = [];
  for (const entry of await readdir(layout.downloadsDir).catch(() => [] as string[])) {
    if (wanted.has(entry.replace(/\.part$/, '')) && entry.endsWith('.part')) continue;
    await rm(join(layout.downloadsDir, entry), { recursive: true, force: true });
    removed.push(entry);
  }
  return removed;
}
