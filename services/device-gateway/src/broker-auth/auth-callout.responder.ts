import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Clock } from '@keelson/service-kit';
import { isDevicePassword } from '../credentials/device-password.js';
import type { DeviceCredentialsStore } from '../credentials/device-credentials.store.js';
import { brokerAuthDecisions } from './broker-auth.metrics.js';
import {
  authorizationResponseClaims,
  deviceUserClaims,
  readAuthorizationRequest,
  type AuthorizationRequest,
  type RefusalReason,
} from './device-authorization.js';
import { decodeSignedJwt, type NkeyJwtSigner } from './nkey-jwt.js';

/** Where nats-server asks who may connect (auth callout, nats-server 2.10+). */
export const authCalloutSubject = '$SYS.REQ.USER.AUTH';

const deviceIdPattern = /^[a-z0-9][a-z0-9-]{0,62}$/;

export interface AuthCalloutOptions {
  nc: NatsConnection;
  signer: NkeyJwtSigner;
  credentials: DeviceCredentialsStore;
  subjectPrefix: string;
  clock: Clock;
  /** How long one admission lasts; the server closes the connection then and the agent reconnects. */
  sessionSeconds?: number;
  /** Told about failures that are not refusals (database down, malformed server messages). */
  onError?: (err: unknown) => void;
}

/**
 * Answers the broker's authorization requests for devices: the MQTT client id must be the user name,
 * the user name an enrolled device that is not decommissioned, and the password its own. An admitted
 * device gets a short-lived user JWT that confines it to its own topics; everything else is refused.
 */
export class AuthCalloutResponder {
  private subscription: Subscription | undefined;
  private readonly decisions = brokerAuthDecisions();

  constructor(private readonly o: AuthCalloutOptions) {}

  start(): void {
    // One queue group across gateway replicas: each request is answered once.
    this.subscription = this.o.nc.subscribe(authCalloutSubject, {
      queue: 'gateway',
      callback: (err, msg) => (err ? this.o.onError?.(err) : void this.answer(msg.reply, this.read(msg))),
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.drain();
  }

  /** Decides one request; exposed for specs that drive it without a broker. */
  async decide(request: AuthorizationRequest): Promise<{ deviceId: string } | { refused: RefusalReason }> {
    if (!request.mqttClientId) return { refused: 'not-mqtt' };
    if (!request.user || !request.password) return { refused: 'missing-credentials' };
    // Binding the client id to the credentials stops one device from taking over another's MQTT session.
    if (request.user !== request.mqttClientId) return { refused: 'client-id-mismatch' };
    if (!deviceIdPattern.test(request.user)) return { refused: 'unknown-device' };
    const credentials = await this.o.credentials.find(request.user);
    if (!credentials) return { refused: 'unknown-device' };
    if (credentials.revoked) return { refused: 'decommissioned' };
    if (!isDevicePassword(request.password, credentials.password)) return { refused: 'bad-password' };
    return { deviceId: credentials.deviceId };
  }

  /**
   * The request, read the moment it arrives: the Msg is not kept while the credentials are looked
   * up (its payload is a view into the connection's read buffer, which a waiting request kept alive:
   * up to 64 KiB each during a connection storm, in the old generation until a full collection).
   */
  private read(msg: Msg): AuthorizationRequest | null {
    try {
      return readAuthorizationRequest(decodeSignedJwt(msg.string()));
    } catch (err) {
      this.o.onError?.(err);
      return null;
    }
  }

  private async answer(reply: string | undefined, request: AuthorizationRequest | null): Promise<void> {
    if (!request) {
      this.decisions.inc({ outcome: 'refused', reason: 'malformed-request' });
      return; // nothing to address an answer to; the server times the connection out
    }
    const respond = (jwt: string) => void (reply && this.o.nc.publish(reply, jwt));
    const now = this.o.clock.now();
    try {
      const decision = await this.decide(request);
      if ('refused' in decision) {
        this.decisions.inc({ outcome: 'refused', reason: decision.refused });
        respond(this.o.signer.sign(authorizationResponseClaims(request, { error: 'not authorized' }), now));
        return;
      }
      const user = this.o.signer.sign(
        deviceUserClaims(request, decision.deviceId, this.o.subjectPrefix, now, this.o.sessionSeconds ?? 3600),
        now,
      );
      respond(this.o.signer.sign(authorizationResponseClaims(request, { jwt: user }), now));
      this.decisions.inc({ outcome: 'admitted', reason: 'ok' });
    } catch (err) {
      // Fail closed: an infrastructure failure refuses the connection; the agent retries.
      this.decisions.inc({ outcome: 'refused', reason: 'error' });
      this.o.onError?.(err);
      respond(this.o.signer.sign(authorizationResponseClaims(request, { error: 'authorization unavailable' }), now));
    }
  }
}
