import { readFileSync } from 'node:fs';
import { keelson } from '../services/cli/src/test-fixtures/run-cli.js';
import { startFleet, type TestFleet } from './support/fleet.js';
import { auditOf, createGroup, eventually, getRollout, waitForRollout } from './support/operator.js';
import { afterEarlierAssignments, atTheGate, bytesOf, deviceViews, onVersionOne, reachabilityNoted } from './support/rollout-gates.js';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

// Issue 5: an operator's hand on a running rollout — the manual gate, abort keep, abort revert with a
// device offline, and approve racing abort.
describe('rollout control by an operator', () => {
  let platform: TestPlatform;
  let fleet: TestFleet;
  const byName = (name: string) => fleet.devices.find((d) => d.name === name)!;
  const nameOf = (deviceId: string) => fleet.devices.find((d) => d.deviceId === deviceId)?.name;
  const active = (name: string, artifact: string) => readFileSync(byName(name).activeFile(artifact, 'model.onnx'));
  const cli = (...args: string[]) => keelson(platform.apiUrl, platform.adminToken, ...args);

  beforeAll(async () => {
    // a stopped device counts as unreachable after 12 s of silence (heartbeats every 5 s), not 90
    platform = await startTestPlatform({ serviceEnv: { 'device-gateway': { KEELSON_DEVICE_OFFLINE_SECONDS: '12' } } });
    fleet = await startFleet(platform, { count: 8 });
    await createGroup(platform, 'bay-a', ['sim-1', 'sim-2', 'sim-3', 'sim-4']);
    await createGroup(platform, 'bay-b', ['sim-5', 'sim-6', 'sim-7', 'sim-8']);
  }, 240_000);

  afterAll(async () => {
    await fleet?.stop();
    await platform?.destroy();
  }, 60_000);

  it('waits at a manual gate until an operator approves, and the approval is audited with its actor', async () => {
    await onVersionOne(platform, 'gatekeeper', 'bay-a');
    const gate = await atTheGate(platform, 'gatekeeper', 'bay-a');
    // Nothing moves on its own: a device of the waiting wave drops off and comes back, and each
    // time the orchestrator decides about the rollout again (DeviceReachabilityNoted): still waiting.
    const away = byName(nameOf(gate.waiting[0]!)!);
    await away.stop();
    await reachabilityNoted(platform, gate.rolloutId, away, false);
    await away.restart();
    const upToTheMarkers = await reachabilityNoted(platform, gate.rolloutId, away, true);
    expect([
      ...new Set(upToTheMarkers.filter((e) => /\.(WaveApproved|WaveStarted|DevicesAssigned)$/.test(e.type)).map((e) => e.data.wave)),
    ]).toEqual([0]);
    expect((await getRollout(platform, gate.rolloutId)).status).toBe('awaiting-approval');
    for (const id of gate.waiting)
      expect(
        (await deviceViews(platform)).find((v) => v.deviceId === id)!.assignments.filter((a) => a.rolloutId === gate.rolloutId),
      ).toEqual([]);

    // Halted at the gate, an approval changes nothing and says why (API and CLI); resumed, the wave waits at its gate again.
    expect((await platform.api(`/v1/rollouts/${gate.rolloutId}/halt`, { body: { reason: 'checking the canaries' } })).status).toBe(200);
    const refused = await platform.api<{ error: { code: string; message: string } }>(`/v1/rollouts/${gate.rolloutId}/approve`, {
      body: {},
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: 'rollout.halted',
      message: expect.stringContaining('is halted (checking the canaries): nothing to approve until it is resumed'),
    });
    const viaCli = await cli('rollout', 'approve', gate.rolloutId);
    expect(viaCli).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('is halted (checking the canaries): nothing to approve until it is resumed'),
    });
    expect((await platform.api<{ status: string }>(`/v1/rollouts/${gate.rolloutId}/resume`, { body: {} })).body.status).toBe(
      'awaiting-approval',
    );

    const approved = await platform.api(`/v1/rollouts/${gate.rolloutId}/approve`, { body: {} });
    expect(approved.status).toBe(200);
    expect((await waitForRollout(platform, gate.rolloutId, ['succeeded', 'failed', 'halted'])).status).toBe('succeeded');
    const approvals = await eventually('the approval in the audit log', async () => {
      const found = (await auditOf(platform, `rollout=${gate.rolloutId}`)).filter((e) => e.type.endsWith('WaveApproved'));
      return found.length ? found : undefined;
    });
    expect(approvals).toHaveLength(1);
    expect(approvals[0]!.keelsonactor).toMatch(/^operator/);
  }, 180_000);

  it('abort keep leaves the updated devices on the new version and the others on the old', async () => {
    await onVersionOne(platform, 'keeper', 'bay-a');
    const gate = await atTheGate(platform, 'keeper', 'bay-a');
    const aborted = await platform.api<{ status: string; abortMode: string }>(`/v1/rollouts/${gate.rolloutId}/abort`, {
      body: { mode: 'keep' },
    });
    expect(aborted.body).toMatchObject({ status: 'aborted', abortMode: 'keep' });
    await afterEarlierAssignments(platform, 'keeper', nameOf(gate.updated[0]!)!);
    for (const id of gate.updated) expect(active(nameOf(id)!, 'keeper')).toEqual(bytesOf('keeper', '2.0.0'));
    for (const id of gate.waiting) expect(active(nameOf(id)!, 'keeper')).toEqual(bytesOf('keeper', '1.0.0'));
    const views = await deviceViews(platform);
    const assignmentsOf = (id: string) => views.find((v) => v.deviceId === id)!.assignments.filter((a) => a.rolloutId === gate.rolloutId);
    for (const id of gate.waiting) expect(assignmentsOf(id)).toEqual([]);
    for (const id of gate.updated) expect(assignmentsOf(id).every((a) => !a.assignmentId.endsWith('-r'))).toBe(true);
  }, 180_000);

  it('abort revert sends each updated device back, never waiting for one that is offline: it reverts when it returns', async () => {
    await onVersionOne(platform, 'reverter', 'bay-b');
    const gate = await atTheGate(platform, 'reverter', 'bay-b');
    const [online, offline] = gate.updated.map((id) => byName(nameOf(id)!));
    await offline!.stop();
    // `rollout watch`, open across the abort: it must go on with the reverts, not stop at the abort
    const watching = cli('rollout', 'watch', gate.rolloutId);

    const aborted = await platform.api<{ status: string }>(`/v1/rollouts/${gate.rolloutId}/abort`, { body: { mode: 'revert' } });
    expect(aborted.body).toMatchObject({ status: 'aborted' });
    const revertOf = (deviceId: string) => `${gate.rolloutId}-${deviceId}-r`;
    const revertState = async (deviceId: string) =>
      (await deviceViews(platform)).find((v) => v.deviceId === deviceId)?.assignments.find((a) => a.assignmentId === revertOf(deviceId))
        ?.state;
    await eventually('the online device reverted', async () => ((await revertState(online!.deviceId)) === 'healthy' ? true : undefined));
    expect(active(online!.name, 'reverter')).toEqual(bytesOf('reverter', '1.0.0'));
    expect(active(offline!.name, 'reverter')).toEqual(bytesOf('reverter', '2.0.0')); // still away, still on 2.0.0

    // The watch ends once the online device reverted and the offline one is known unreachable, and says which revert is pending.
    const watched = await watching;
    expect(watched.code).toBe(1); // aborted
    const lines = watched.stdout.split('\n');
    // The outcome says how long the revert's step took; the step itself comes live (QoS 0, never
    // replayed) and is shown if it reached the watch before the outcome.
    const revertLines = lines.filter((l) => l.includes(`${online!.name}  rever`)).map((l) => l.slice(10));
    expect(revertLines.at(-1)).toMatch(
      new RegExp(`^${online!.name}  reverted from reverter@2\\.0\\.0 to its previous version  \\(apply and probe \\d+\\.\\d s\\)$`),
    );
    expect(revertLines.slice(0, -1)).toEqual(
      revertLines.length > 1 ? [`${online!.name}  reverting: applying (swap back, then probe)`] : [],
    );
    expect(lines.filter((l) => l.includes(`${offline!.name}  rever`))).toEqual([]);
    expect(lines.slice(-4)).toEqual([
      'reverts: 1 reverted, 0 failed, 1 pending on offline devices',
      `pending until they return: ${offline!.name}`,
      'rollout aborted',
      '',
    ]);
    // A client connecting now replays the same story and gets the same end.
    const replayed = await cli('rollout', 'watch', gate.rolloutId, '--json');
    const endOf = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(endOf(replayed.stdout)).toEqual({
      event: 'end',
      data: {
        rolloutId: gate.rolloutId,
        status: 'aborted',
        reverts: { devices: 2, reverted: 1, failed: 0, inFlight: 0, offline: 1, decommissioned: 0, offlineDeviceIds: [offline!.deviceId] },
      },
    });

    await offline!.restart();
    await eventually(
      'the returning device reverted',
      async () => ((await revertState(offline!.deviceId)) === 'healthy' ? true : undefined),
      90_000,
    );
    expect(active(offline!.name, 'reverter')).toEqual(bytesOf('reverter', '1.0.0'));
    const after = await cli('rollout', 'watch', gate.rolloutId, '--json');
    expect(endOf(after.stdout).data.reverts).toMatchObject({ devices: 2, reverted: 2, offline: 0, offlineDeviceIds: [] });
    for (const id of gate.waiting) expect(active(nameOf(id)!, 'reverter')).toEqual(bytesOf('reverter', '1.0.0'));
  }, 240_000);

  it('approve racing abort ends in one consistent outcome: aborted, and only started waves were assigned', async () => {
    await onVersionOne(platform, 'racer', 'bay-b');
    const gate = await atTheGate(platform, 'racer', 'bay-b');
    const [approve, abort] = await Promise.all([
      platform.api(`/v1/rollouts/${gate.rolloutId}/approve`, { body: {} }),
      platform.api(`/v1/rollouts/${gate.rolloutId}/abort`, { body: { mode: 'keep' } }),
    ]);
    expect(abort.status).toBe(200);
    expect([200, 409]).toContain(approve.status); // approving an aborted rollout is refused, not an error
    const final = await getRollout(platform, gate.rolloutId);
    expect(final.status).toBe('aborted');

    // Whatever the order: one abort; a device is assigned only if the stream says its wave started
    // (an abort landing before the assignment goes out stops it), and each device ends whole on one
    // version — the new one if it was assigned, the old one otherwise.
    const events = await eventually('the abort in the audit log', async () => {
      const entries = await auditOf(platform, `rollout=${gate.rolloutId}`);
      return entries.some((e) => e.type.endsWith('RolloutAborted')) ? entries : undefined;
    });
    expect(events.filter((e) => e.type.endsWith('RolloutAborted'))).toHaveLength(1);
    const started = new Set(
      events.filter((e) => /\.(WaveStarted|DevicesAssigned)$/.test(e.type)).flatMap((e) => (e.data.deviceIds ?? []) as string[]),
    );
    await afterEarlierAssignments(platform, 'racer', nameOf(gate.updated[0]!)!);
    const bayB = ['sim-5', 'sim-6', 'sim-7', 'sim-8'];
    for (const view of (await deviceViews(platform)).filter((v) => nameOf(v.deviceId) && bayB.includes(nameOf(v.deviceId)!))) {
      const assignment = view.assignments.find((a) => a.rolloutId === gate.rolloutId);
      const name = nameOf(view.deviceId)!;
      if (assignment) {
        expect({ name, startedWave: started.has(view.deviceId) }).toEqual({ name, startedWave: true });
        await eventually(`${name} finished its update`, async () =>
          readFileSync(byName(name).activeFile('racer', 'model.onnx')).equals(bytesOf('racer', '2.0.0')) ? true : undefined,
        );
      } else {
        expect({ name, version: active(name, 'racer').toString().split(' ')[1] }).toEqual({ name, version: '1.0.0' });
      }
    }
  }, 180_000);
});
