export { ephemeralRangeStart, freePort, freePortBlock } from './free-port.js';
export { isAlive, stopStaleProcess, writePidFile } from './pid-file.js';
export { renderNatsConfig, type NatsClusterConfig, type NatsConfigInput, type NatsUser } from './nats-config.js';
export { startNatsServer, type RunningNats, type StartNatsOptions } from './nats-server.js';
export { startNatsCluster, type RunningNatsCluster, type StartNatsClusterOptions } from './nats-cluster.js';
export { startEmbeddedPostgres, type RunningPostgres, type StartPostgresOptions } from './postgres.js';
export * from './stack/index.js';
export { ensureLocalTls, certificateFingerprint, type LocalTls } from './tls/local-tls.js';
