/** The services of a Keelson installation, in the order they start (each may call the ones before). */
export const platformServices = ['signer', 'registry-facade', 'device-gateway', 'rollout-orchestrator', 'audit', 'api'] as const;
export type PlatformService = (typeof platformServices)[number];

/** Where each service listens, relative to the API port, so two stacks side by side never collide. */
export const portOffsets = {
  api: 0,
  nats: 1,
  mqtt: 2,
  natsMonitor: 3,
  postgres: 4,
  'registry-facade': 5,
  'device-gateway': 6,
  signer: 7,
  'rollout-orchestrator': 8,
  audit: 9,
} as const;

/** Secrets one installation keeps across restarts; none of them is ever logged. */
export interface PlatformSecrets {
  /** Password of each service's own, least-privilege NATS user (`keelson-<service>`). */
  natsServicePasswords: Record<PlatformService, string>;
  /** Password of the unrestricted `keelson-services` user, which exists only with `diagnosticsUser` (benches, debugging). */
  natsServicesPassword: string;
  natsSystemPassword: string;
  /** The gateway's restricted system-account user (lists and closes device connections, nothing else). */
  natsGatewaySystemPassword: string;
  /** Service-to-service HTTP (the api's upload to the facade). */
  internalToken: string;
  /** The operator admin token the api accepts. */
  adminToken: string;
  /** nkey seed (account) that signs auth-callout answers; its public key is in the NATS config. */
  authCalloutSeed: string;
  /** The signer's key-encryption secret (`KEELSON_SIGNER_KEY_SECRET`): its TUF keys are sealed under it. */
  signerKeySecret: string;
  /** The gateway's key-encryption secret (`KEELSON_DEVICE_CA_KEY_SECRET`): every fleet's device CA key is sealed under it. */
  deviceCaKeySecret: string;
  /** The facade's key-encryption secret (`KEELSON_REGISTRY_CREDENTIALS_SECRET`): upstream registry credentials are sealed under it. */
  registryCredentialsSecret: string;
  /** The audit's key-encryption secret (`KEELSON_AUDIT_SINK_SECRET`): the webhook sinks' signing secrets are sealed under it. */
  auditSinkSecret: string;
}
