import { z } from 'zod';
import { FleetQuery, ListQuery } from '../../http/request.schemas.js';
import {
  ApiTokenCreated,
  ApiTokenList,
  ApiTokenParams,
  ApiTokenRevokedView,
  CreateApiTokenRequest,
  RevokeApiTokenRequest,
} from '../../operators/api-token.schemas.js';
import {
  ImportRootResponse,
  OnlineKeysView,
  RotateOnlineKeyRequest,
  RotateOnlineKeyResponse,
  SignedRootDocument,
  TufRootView,
} from '../../tuf/tuf.schemas.js';
import type { RouteDoc } from './route-doc.js';

const AgentBundleList = z.object({
  bundles: z.array(z.object({ version: z.string(), arch: z.enum(['x64', 'arm64']), file: z.string(), sha256: z.string() })),
});
const AgentBundleParams = z.object({ file: z.string().describe('keelson-agent-<version>-linux-<arch>.tar.gz, or the same with .sha256') });
const AgentBundleFile = z.string().describe('the bundle (application/gzip) or its sha256 line (text/plain)');
const AgentInstaller = z.string().describe('a POSIX sh script (text/x-shellscript)');

/** Trust and access: the TUF root and online keys, the agent bundles and installer, API tokens. */
export const trustRoutes: RouteDoc[] = [
  {
    method: 'get',
    path: '/v1/agent/bundles',
    operationId: 'listAgentBundles',
    withoutBroker: true,
    summary: 'The agent release bundles served, newest per architecture, with their sha256 (no token needed)',
    tag: 'agent',
    status: 200,
    response: AgentBundleList,
  },
  {
    method: 'get',
    path: '/v1/agent/bundles/:file',
    operationId: 'getAgentBundle',
    withoutBroker: true,
    summary: 'One agent bundle (.tar.gz) or its .sha256 file (no token needed)',
    tag: 'agent',
    params: AgentBundleParams,
    status: 200,
    response: AgentBundleFile,
  },
  {
    method: 'get',
    path: '/v1/agent/install.sh',
    operationId: 'getAgentInstaller',
    withoutBroker: true,
    summary: 'The installer the enroll line runs: downloads, checks, installs and enrolls the agent (no token needed)',
    tag: 'agent',
    status: 200,
    response: AgentInstaller,
  },
  {
    method: 'post',
    path: '/v1/tokens',
    operationId: 'createApiToken',
    summary: 'Issue an API token for this fleet (the secret is in this answer only); admin',
    tag: 'tokens',
    query: FleetQuery,
    body: CreateApiTokenRequest,
    status: 201,
    response: ApiTokenCreated,
  },
  {
    method: 'get',
    path: '/v1/tokens',
    operationId: 'listApiTokens',
    summary: "The fleet's API tokens, newest first, without secrets; admin",
    tag: 'tokens',
    query: ListQuery,
    status: 200,
    response: ApiTokenList,
  },
  {
    method: 'delete',
    path: '/v1/tokens/:tokenId',
    operationId: 'revokeApiToken',
    summary: 'Revoke an API token: refused from now on; admin',
    tag: 'tokens',
    params: ApiTokenParams,
    query: FleetQuery,
    body: RevokeApiTokenRequest,
    status: 200,
    response: ApiTokenRevokedView,
  },
  {
    method: 'get',
    path: '/v1/tuf/root',
    operationId: 'getTufRoot',
    summary: 'The signed TUF root in force and whether the fleet is in the development trust setup',
    tag: 'tuf',
    query: FleetQuery,
    status: 200,
    response: TufRootView,
  },
  {
    method: 'post',
    path: '/v1/tuf/root',
    operationId: 'importTufRoot',
    summary: 'Put an offline-signed root in force (version + 1, signed by the current and the new root thresholds)',
    tag: 'tuf',
    query: FleetQuery,
    body: SignedRootDocument,
    status: 200,
    response: ImportRootResponse,
  },
  {
    method: 'get',
    path: '/v1/tuf/online-keys',
    operationId: 'exportTufOnlineKeys',
    summary: 'The root in force and the public online keys, for an offline root ceremony',
    tag: 'tuf',
    query: FleetQuery,
    status: 200,
    response: OnlineKeysView,
  },
  {
    method: 'post',
    path: '/v1/tuf/online-keys/rotate',
    operationId: 'rotateTufOnlineKey',
    summary: 'A new key for targets, snapshot or timestamp (pending until a new root names it in production)',
    tag: 'tuf',
    query: FleetQuery,
    body: RotateOnlineKeyRequest,
    status: 200,
    response: RotateOnlineKeyResponse,
  },
];
