import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import type { INestApplication, Type } from '@nestjs/common';
import { ModulesContainer, NestFactory } from '@nestjs/core';
import { collectDefaultMetrics } from 'prom-client';
import { RequestServer } from '../requests/request-server.js';
import type { ServiceConfig } from '../config.js';
import { recordCertificateExpiry } from './certificate-expiry.metric.js';
import { httpServerSpans } from '../tracing/http-server-spans.js';
import { startTracing } from '../tracing/start-tracing.js';
import { TraceConsoleLogger } from '../tracing/trace-logger.js';

let defaultMetricsOn = false;

/** How a service's HTTPS port treats clients, beyond serving its certificate. */
export interface ServiceAppOptions {
  /**
   * Mutual TLS: ask every client for a certificate, without refusing the handshake when there is
   * none or it chains to no CA the server knows. The handshake still proves the client holds the
   * certificate's key; the app decides per request whom to trust (`getPeerX509Certificate()`), for
   * CAs it learns at run time (the registry facade and each fleet's device CA).
   */
  requestClientCertificate?: boolean;
  /**
   * The listen backlog: how many connections the kernel holds for the service before it accepts
   * them (Node's default 511, capped by `net.core.somaxconn`). Beyond it, a SYN is dropped and the
   * client retries it after 1, 3, 7… s, a connect timing out after ~127 s.
   */
  listenBacklog?: number;
  /** Requests under this path prefix run in a server span each (`httpServerSpans`), a child of the caller's `traceparent`. */
  serverSpans?: string;
}

/**
 * Creates the Nest app of a service with JSON logs (with trace ids inside spans), OpenTelemetry
 * tracing when the `OTEL_*` variables ask for it, and shutdown hooks, on HTTPS when `config.tls`
 * is set; does not listen.
 */
export async function createServiceApp(module: Type, config: ServiceConfig, options: ServiceAppOptions = {}): Promise<INestApplication> {
  if (!defaultMetricsOn) {
    collectDefaultMetrics({ labels: { service: config.service } });
    defaultMetricsOn = true;
  }
  await startTracing(config.service); // before Nest: off unless OTEL_* variables name an exporter
  // Inside a Jest worker only warnings and errors are printed: a spec file boots many apps.
  const logLevels = process.env.JEST_WORKER_ID ? (['warn', 'error', 'fatal'] as const) : undefined;
  const logger = new TraceConsoleLogger({ json: true, prefix: config.service, ...(logLevels ? { logLevels: [...logLevels] } : {}) });
  // The certificate file may hold the chain (server, then CA): devices that pin the CA see it.
  const clientCertificates = options.requestClientCertificate ? { requestCert: true, rejectUnauthorized: false } : {};
  const httpsOptions = config.tls
    ? { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile), ...clientCertificates }
    : undefined;
  if (httpsOptions) recordCertificateExpiry(config.service, httpsOptions.cert);
  const app = await NestFactory.create(module, { logger, ...(httpsOptions ? { httpsOptions } : {}) });
  app.enableShutdownHooks();
  if (options.serverSpans) app.use(httpServerSpans(options.serverSpans));
  connectRequestServer(app);
  return app;
}

/**
 * Connects the app's `RequestServer` (InfrastructureModule) as a Nest microservice: Nest registers
 * every `@RequestPattern` handler with it now, closes it at shutdown. Subjects open per module, in
 * the `ServiceRunner`'s order, so `startAllMicroservices` is not needed (and opens nothing).
 */
function connectRequestServer(app: INestApplication): void {
  // An app without the InfrastructureModule (a bare HTTP spec) serves no requests; `get` would exit the process.
  const provided = [...app.get(ModulesContainer).values()].some((m) => m.providers.has(RequestServer));
  if (provided) app.connectMicroservice({ strategy: app.get(RequestServer, { strict: false }) });
}

/**
 * Starts a service: creates the app, listens on `KEELSON_HTTP_HOST:KEELSON_HTTP_PORT`, and prints
 * one JSON line `{"event":"listening","service","url"}` that launchers wait for.
 */
export async function runService(module: Type, config: ServiceConfig, options: ServiceAppOptions = {}): Promise<INestApplication> {
  const app = await createServiceApp(module, config, options);
  if (options.listenBacklog === undefined) await app.listen(config.httpPort, config.httpHost);
  // Nest passes the arguments after the port to `server.listen(port, host, backlog, callback)`; its types stop at the host.
  else
    await (app.listen as unknown as (port: number, host: string, backlog: number) => Promise<unknown>).call(
      app,
      config.httpPort,
      config.httpHost,
      options.listenBacklog,
    );
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  process.stdout.write(`${JSON.stringify({ event: 'listening', service: config.service, url })}\n`);
  return app;
}
