import { Controller, Get, Inject } from '@nestjs/common';
import { audit } from '@keelson/requests';
import { OperatorRequests } from '../http/operator-requests.js';

/** How long a verification may take: it reads every entry, so far longer than an ordinary request. */
const verifyTimeoutMs = 10 * 60_000;

/**
 * The installation's hash chain, verified through the audit service. The chain spans every fleet, and
 * its answer (length, head, the first broken entry's stream, sequence and hashes) is about all of them:
 * only the bootstrap admin token may ask (the auth guard refuses every API token, whatever its fleet
 * or role), so a fleet's token learns nothing of another fleet's trail.
 */
@Controller('v1/audit')
export class AuditChainController {
  constructor(@Inject(OperatorRequests) private readonly requests: OperatorRequests) {}

  /** The walk reads the whole table a page at a time, so a long chain gets a long timeout. */
  @Get('verify')
  verify() {
    return this.requests.call(audit.verifyAudit, {}, { timeoutMs: verifyTimeoutMs });
  }
}
