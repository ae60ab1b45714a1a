import type { orchestrator } from '@keelson/requests';
// The CLI is specified against the real api app; its fixture (responders, facade stand-in) is test-only code, not a dependency.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { startApiApp, type ApiTestApp } from '../../../api/src/test-fixtures/api-app.js';
import { keelson, type CliRun } from '../test-fixtures/run-cli.js';

const fleet = 'yard-5';

// An experiment on a group, as list-experiments answers it; only its group, status and settlement matter here.
const experimentOn = (groupId: string, status: orchestrator.ExperimentView['status'], settled: boolean): orchestrator.ExperimentView => ({
  fleet,
  experimentId: `x-${status}`,
  artifactName: 'yolo',
  candidate: '2.0.0',
  baseline: '1.0.0',
  groupId,
  split: 50,
  plan: { primary: 'confidence_mean:higher', guardrails: [], alpha: 0.05, minSamples: 100, maxDurationSeconds: 60 },
  onSuccess: {},
  createdAt: '2026-12-01T10:00:00.000Z',
  status,
  settled,
  arms: { candidate: [], control: [], untouchedCount: 0 },
  rollouts: {},
});

describe('keelson group list, show, add, remove and delete (groups-edit)', () => {
  let t: ApiTestApp;
  let run: (...args: string[]) => Promise<CliRun>;

  beforeAll(async () => {
    t = await startApiApp();
    run = (...args) => keelson(t.url, t.adminToken, ...args, '--fleet', fleet);
    for (const n of [1, 2, 3]) t.gateway.addDevice(fleet, `dev-g${n}`, `cam-g${n}`);
    expect((await run('group', 'create', 'dock', '--devices', 'cam-g1')).code).toBe(0);
  });
  afterAll(() => t.close());

  it('lists groups with their member counts and shows one by name or id', async () => {
    const list = await run('group', 'list');
    expect(list).toMatchObject({ code: 0, stderr: '' });
    expect(list.stdout).toMatch(/ID\s+NAME\s+DEVICES\s+UNRESOLVED\n\S+\s+dock\s+1\s+-/);
    const { groupId } = (await run('group', 'show', 'dock', '--json')).json();
    const shown = await run('group', 'show', groupId);
    expect(shown.stdout).toBe(`group dock (${groupId}): 1 devices\n  dev-g1\n`);
    expect(await run('group', 'show', 'nope')).toMatchObject({ code: 1, stderr: expect.stringContaining("group 'nope' was not found") });
  });

  it('adds devices, warning about names that match none, and removes members', async () => {
    const added = await run('group', 'add', 'dock', '--devices', 'cam-g2,cam-g3,cam-zz');
    expect(added).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('group dock'),
      stderr: expect.stringContaining('no device is named cam-zz'),
    });
    expect(t.gateway.groups[0]).toMatchObject({ deviceIds: ['dev-g1', 'dev-g2', 'dev-g3'], unresolvedNames: ['cam-zz'] });
    const removed = await run('group', 'remove', 'dock', '--devices', 'cam-g1,cam-zz', '--json');
    expect(removed.json()).toMatchObject({ name: 'dock', deviceIds: ['dev-g2', 'dev-g3'], unresolvedNames: [] });
  });

  it('refuses a removal naming a non-member with the API message, and usage mistakes before any request', async () => {
    const refused = await run('group', 'remove', 'dock', '--devices', 'cam-g2,cam-g9');
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringContaining('group.not-a-member') });
    expect(t.gateway.groups[0]!.deviceIds).toEqual(['dev-g2', 'dev-g3']);
    expect(await run('group', 'add', 'dock')).toMatchObject({ code: 2, stderr: expect.stringContaining('group add needs --devices') });
    expect(await run('group', 'remove', 'dock', '--devices', ' , ')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('group remove needs --devices'),
    });
  });

  it('refuses to delete a group an unsettled experiment is built on, then deletes it once the experiment settled', async () => {
    const { groupId } = t.gateway.groups[0]!;
    t.orchestrator.experiments.push(experimentOn(groupId, 'promoted', false), experimentOn('g-other', 'running', false));
    const refused = await run('group', 'delete', 'dock');
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringContaining("experiment 'x-promoted'; stop or decide it first") });
    expect(t.gateway.groups).toHaveLength(1);
    t.orchestrator.experiments.splice(0, 1, experimentOn(groupId, 'promoted', true));
    const deleted = await run('group', 'delete', groupId);
    expect(deleted).toMatchObject({ code: 0, stdout: `group dock (${groupId}) deleted; it held 2 devices\n` });
    expect((await run('group', 'list')).stdout).toBe('no groups\n');
  });
});
