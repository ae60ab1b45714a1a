import { AddAuditSinkRequest, AuditSinkList, AuditSinkParams, AuditSinkRemoved, AuditSinkView } from '../../audit/audit-sinks.schemas.js';
import { AuditExportBody, AuditExportQuery, AuditPage, AuditQuery, AuditVerdict } from '../../audit/audit.schemas.js';
import { FleetQuery } from '../../http/request.schemas.js';
import type { RouteDoc } from './route-doc.js';

/** The audit trail: entries, export, verification and webhook sinks. */
export const auditRoutes: RouteDoc[] = [
  {
    method: 'get',
    path: '/v1/audit',
    operationId: 'queryAudit',
    summary: 'Audit entries, oldest first',
    tag: 'audit',
    query: AuditQuery,
    status: 200,
    response: AuditPage,
  },
  {
    method: 'get',
    path: '/v1/audit/export',
    operationId: 'exportAudit',
    summary: 'Every entry from since to until, streamed as NDJSON or CSV',
    tag: 'audit',
    query: AuditExportQuery,
    status: 200,
    response: AuditExportBody,
  },
  {
    method: 'get',
    path: '/v1/audit/verify',
    operationId: 'verifyAudit',
    summary:
      'Walk the whole hash chain (every fleet): its length and head, or the first broken link; the admin token only, never an API token',
    tag: 'audit',
    status: 200,
    response: AuditVerdict,
  },
  {
    method: 'post',
    path: '/v1/audit/sinks',
    operationId: 'addAuditSink',
    summary:
      'Add a webhook sink: every entry of the fleet POSTed in chain order, signed with the secret (sealed, never returned); admin only',
    tag: 'audit',
    query: FleetQuery,
    body: AddAuditSinkRequest,
    status: 201,
    response: AuditSinkView,
  },
  {
    method: 'get',
    path: '/v1/audit/sinks',
    operationId: 'listAuditSinks',
    summary: 'The webhook sinks, with position, failures in a row, dead letters and whether paused',
    tag: 'audit',
    query: FleetQuery,
    status: 200,
    response: AuditSinkList,
  },
  {
    method: 'get',
    path: '/v1/audit/sinks/:name',
    operationId: 'getAuditSink',
    summary: 'One webhook sink',
    tag: 'audit',
    params: AuditSinkParams,
    query: FleetQuery,
    status: 200,
    response: AuditSinkView,
  },
  {
    method: 'post',
    path: '/v1/audit/sinks/:name/resume',
    operationId: 'resumeAuditSink',
    summary: 'Resume a sink paused on a dead letter: the same entry is tried again',
    tag: 'audit',
    params: AuditSinkParams,
    query: FleetQuery,
    status: 200,
    response: AuditSinkView,
  },
  {
    method: 'delete',
    path: '/v1/audit/sinks/:name',
    operationId: 'removeAuditSink',
    summary: 'Remove a webhook sink and destroy its sealed secret',
    tag: 'audit',
    params: AuditSinkParams,
    query: FleetQuery,
    status: 200,
    response: AuditSinkRemoved,
  },
];
