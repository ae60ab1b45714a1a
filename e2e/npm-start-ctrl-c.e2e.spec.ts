import { startNpmStart, type RunningStart } from './support/npm-start.js';

// Ctrl-C in a terminal sends SIGINT to every process of the foreground job at once: npm start,
// PostgreSQL, nats-server, the services and the simulated fleet. npm start must still stop what it
// started and give the terminal back (it once printed "stopping…" and hung). SIGTERM to the group,
// as `timeout` and supervisors send it, is npm-start.e2e.spec.ts's last test.
describe('npm start under Ctrl-C', () => {
  let running: RunningStart;

  beforeAll(async () => {
    running = await startNpmStart(1);
  }, 300_000);

  afterAll(async () => {
    await running?.dispose();
  }, 60_000);

  it('stops everything on a SIGINT to its process group, says so and exits 0', async () => {
    expect(running.leftovers()).not.toBe(''); // its processes run, found by its home
    process.kill(-running.process.pid!, 'SIGINT');
    expect(await running.exited()).toBe(0);
    expect(running.printed()).toContain('keelson: SIGINT, stopping…');
    expect(running.leftovers()).toBe('');
  }, 90_000);
});
