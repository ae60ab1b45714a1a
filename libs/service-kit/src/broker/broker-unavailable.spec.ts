import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { DrainingConnectionError, NoRespondersError, RequestError, TimeoutError } from '@nats-io/transport-node';
import { ConcurrencyError } from '@keelson/domain-kit';
import { StaleReadError } from '@keelson/event-store';
import { toReplyError } from '../requests/reply-error.js';
import { clusterTransitionCodes, isBrokerUnavailable } from './broker-unavailable.js';

const apiError = (code: number, errCode: number) => new JetStreamApiError({ code, err_code: errCode, description: `error ${errCode}` });
const noResponders = () => new RequestError('no responders', { cause: new NoRespondersError('$JS.API.STREAM.INFO.X') });

describe('isBrokerUnavailable', () => {
  it.each([
    ['a request that timed out', new TimeoutError()],
    ['a request nobody was subscribed to', noResponders()],
    ['the JetStream API without responders, as nats.js wraps it', new Error('jetstream is not enabled', { cause: noResponders() })],
    ['a meta group without a leader (10008)', apiError(503, clusterTransitionCodes.ClusterNotAvailable)],
    ['a stream asked during an election (10009)', apiError(500, clusterTransitionCodes.ClusterNotLeader)],
    [
      'an append whose failure was wrapped with its cause',
      new Error('append failed', { cause: apiError(503, clusterTransitionCodes.ClusterIncomplete) }),
    ],
    ['a connection draining for shutdown', new DrainingConnectionError()],
    ['a replica that stayed behind its leader while a read waited', new StaleReadError('EV_ARTIFACTS', 'ev.artifact.default.a-1', 9, 7)],
  ])('says yes for %s', (_case, err) => {
    expect(isBrokerUnavailable(err)).toBe(true);
  });

  it.each([
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'seq')")],
    ['a missing stream (a deployment fault)', apiError(404, JetStreamApiCodes.StreamNotFound)],
    [
      'JetStream not enabled for the account (configuration)',
      new Error('not enabled', { cause: apiError(503, JetStreamApiCodes.JetStreamNotEnabledForAccount) }),
    ],
    ['a lost optimistic-concurrency race', new ConcurrencyError('ev.rollout.default.r-1', 3)],
    ['something that is not an error', 'timeout'],
  ])('says no for %s', (_case, err) => {
    expect(isBrokerUnavailable(err)).toBe(false);
  });
});

describe('toReplyError', () => {
  it('tells the caller Unavailable for a broker briefly away, and Internal for a bug', () => {
    expect(toReplyError(new TimeoutError())).toMatchObject({ kind: 'Unavailable', code: 'broker.unavailable' });
    expect(toReplyError(apiError(503, clusterTransitionCodes.ClusterNotAvailable))).toMatchObject({
      kind: 'Unavailable',
      code: 'broker.unavailable',
    });
    expect(toReplyError(new Error('boom'))).toEqual({
      kind: 'Internal',
      code: 'internal',
      message: 'the service failed to handle the request',
    });
  });
});
