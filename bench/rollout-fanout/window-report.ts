import type { WindowStats } from './profile-window.js';

const per = (n: number, devices: number) => (n / devices).toFixed(2);

/** The `--cpu-prof` part of the report: counts per device update, and where the profiles are. */
export function printWindowStats(stats: WindowStats, devices: number, dir: string): void {
  const { nats, postgres } = stats;
  const dbs = Object.entries(postgres.databases)
    .filter(([, c]) => c.xactCommit + c.xactRollback > 0)
    .sort((a, b) => b[1].xactCommit - a[1].xactCommit);
  const callsByDb = new Map<string, number>();
  for (const s of postgres.statements) callsByDb.set(s.database, (callsByDb.get(s.database) ?? 0) + s.calls);
  const allCalls = postgres.statements.reduce((n, s) => n + s.calls, 0);
  const allXacts = dbs.reduce((n, [, c]) => n + c.xactCommit + c.xactRollback, 0);
  const lines = [
    `  per device update   (window counters ÷ ${devices} devices; profiles and window.json in ${dir})`,
    `    nats-server         ${per(nats.inMsgs, devices)} messages in, ${per(nats.outMsgs, devices)} out, ${per(nats.inBytes / 1024, devices)} KiB in, ${per(nats.outBytes / 1024, devices)} KiB out, ${per(nats.jsApiRequests, devices)} JetStream API requests (${nats.jsApiErrors} errors), ${nats.slowConsumers} slow consumers`,
    ...Object.entries(stats.natsByClient)
      .sort((a, b) => b[1].inMsgs + b[1].outMsgs - a[1].inMsgs - a[1].outMsgs)
      .map(
        ([name, c]) =>
          `      ${name.padEnd(28)} ${per(c.inMsgs, devices).padStart(7)} messages sent ${per(c.outMsgs, devices).padStart(7)} received`,
      ),
    `    simulated fleet     ${per(stats.fleet.httpRequests, devices)} HTTPS requests, ${per(stats.fleet.tcpConnections, devices)} new TCP connections, TLS handshakes ${per(stats.fleet.tlsFullHandshakes, devices)} full + ${per(stats.fleet.tlsResumedHandshakes, devices)} resumed`,
    `    postgresql          ${per(allXacts, devices)} transactions, ${per(allCalls, devices)} statements (BEGIN/COMMIT included)`,
    ...dbs.map(
      ([name, c]) =>
        `      ${name.padEnd(28)} ${per(c.xactCommit + c.xactRollback, devices).padStart(7)} xacts ${per(callsByDb.get(name) ?? 0, devices).padStart(7)} statements  rows: ${per(c.tupInserted, devices)} ins ${per(c.tupUpdated, devices)} upd ${per(c.tupDeleted, devices)} del ${per(c.tupFetched, devices)} fetched`,
    ),
    `    top statements      (calls per device update, database, mean ms, query)`,
    ...postgres.statements
      .slice(0, 15)
      .map(
        (s) =>
          `      ${per(s.calls, devices).padStart(7)}  ${s.database.padEnd(22)} ${(s.totalMs / Math.max(1, s.calls)).toFixed(3).padStart(7)}  ${s.query.slice(0, 110)}`,
      ),
    `    cpu profiles        ${Object.entries(stats.profiles)
      .map(([name, file]) => `${name}: ${file}`)
      .join('\n                        ')}`,
  ];
  console.log(lines.join('\n'));
}
