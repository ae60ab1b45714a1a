import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sendRequest } from '@keelson/service-kit';
import { eventStreams, EventStore } from '@keelson/event-store';
import { parseEnrollmentEvent, type EnrollmentEvent } from '@keelson/events';
import { csrFor, csrSignedByAnotherKey, deviceKeys, rsaAlgorithm } from '../test-fixtures/device-keys.js';
import { operatorMeta, startEnrollApp, type EnrollApp } from '../test-fixtures/enroll-app.js';
import { EnrollmentTokens } from './enrollment-tokens.js';
import { RefusalLog } from './refusal-log.js';
import { revokeEnrollmentToken } from './revoke-enrollment-token.contract.js';

// What enrollment refuses, and that a refusal creates nothing. The happy paths are in enroll.e2e.spec.ts.
describe('POST /v1/enroll refusals', () => {
  let t: EnrollApp;
  beforeAll(async () => {
    t = await startEnrollApp();
  });
  afterAll(() => t?.close());

  describe('refuses with 401, records EnrollmentRefused and creates nothing else', () => {
    const expectNothingCreated = async (before: { devices: number; rows: number }) => {
      expect(Object.keys(await t.subjects('ev.device.>')).length).toBe(before.devices);
      expect(await t.credentialRows()).toBe(before.rows);
    };
    const snapshot = async () => ({ devices: Object.keys(await t.subjects('ev.device.>')).length, rows: await t.credentialRows() });

    it('a replayed token', async () => {
      const { token, tokenId } = await t.issue();
      expect((await t.post(await t.enrollBody(token))).status).toBe(201);
      const before = await snapshot();
      const replay = await t.post(await t.enrollBody(token));
      expect([replay.status, replay.body.error.code]).toEqual([401, 'enrollment.used']);
      expect(await t.lastEventOn(`${t.naming.subjectPrefix}ev.enrollment.plant-7.${tokenId}`)).toEqual({
        type: 'EnrollmentRefused',
        schemaVersion: 1,
        data: { fleet: 'plant-7', tokenId, reason: 'used' },
      });
      await expectNothingCreated(before);
    });

    it('the loser of two devices racing for one token', async () => {
      const { token } = await t.issue();
      const [a, b] = await Promise.all([t.post(await t.enrollBody(token)), t.post(await t.enrollBody(token))]);
      expect([a.status, b.status].sort()).toEqual([201, 401]);
      expect([a, b].find((r) => r.status === 401)!.body.error.code).toBe('enrollment.used');
    });

    it('an expired token', async () => {
      const store = new EventStore<EnrollmentEvent>({
        nc: t.nc,
        naming: t.naming,
        stream: eventStreams.gateway,
        parse: parseEnrollmentEvent,
      });
      const { token, tokenId } = await new EnrollmentTokens(store).issue(
        { fleet: 'plant-7', ttlSeconds: 60, labels: {} },
        { ...operatorMeta, commandId: 'old-token' },
        new Date(Date.now() - 120_000),
      );
      const before = await snapshot();
      const res = await t.post(await t.enrollBody(token));
      expect([res.status, res.body.error.code]).toEqual([401, 'enrollment.expired']);
      expect(await t.lastEventOn(`${t.naming.subjectPrefix}ev.enrollment.plant-7.${tokenId}`)).toMatchObject({
        type: 'EnrollmentRefused',
        data: { reason: 'expired' },
      });
      await expectNothingCreated(before);
    });

    it('a revoked token', async () => {
      const { token, tokenId } = await t.issue();
      await sendRequest(t.nc, t.naming, revokeEnrollmentToken, { fleet: 'plant-7', tokenId });
      const before = await snapshot();
      const res = await t.post(await t.enrollBody(token));
      expect([res.status, res.body.error.code]).toEqual([401, 'enrollment.revoked']);
      await expectNothingCreated(before);
    });

    it('a made-up token, without creating a CA or asking the signer for its fleet, audited in the audit fleet', async () => {
      const before = await snapshot();
      const forged = `ghost-fleet.et-00000000deadbeef.${'A'.repeat(43)}`;
      const res = await t.post(await t.enrollBody(forged));
      expect([res.status, res.body.error.code]).toEqual([401, 'enrollment.unknown']);
      expect(await t.lastEventOn(`${t.naming.subjectPrefix}ev.enrollment.plant-hq.refusals`)).toMatchObject({
        type: 'EnrollmentAttemptsRefused',
        schemaVersion: 1,
        data: { fleet: 'plant-hq', claimedFleet: 'ghost-fleet', reason: 'unknown', attempts: 1 },
      });
      expect(Object.keys(await t.subjects('ev.enrollment.ghost-fleet.>'))).toEqual([]); // no aggregate for a token that does not exist
      expect(existsSync(join(t.dataDir, 'ca', 'ghost-fleet'))).toBe(false);
      expect(t.rootRequests).not.toContain('ghost-fleet');
      await expectNothingCreated(before);
    });

    it("a wrong secret for a real token, audited on its fleet's refusal log, not on the token", async () => {
      const { token, tokenId } = await t.issue();
      const guessed = `${token.slice(0, token.lastIndexOf('.'))}.${'B'.repeat(43)}`;
      const res = await t.post(await t.enrollBody(guessed));
      expect([res.status, res.body.error.code]).toEqual([401, 'enrollment.unknown']);
      expect(await t.lastEventOn(`${t.naming.subjectPrefix}ev.enrollment.plant-7.refusals`)).toMatchObject({
        type: 'EnrollmentAttemptsRefused',
        data: { fleet: 'plant-7', reason: 'unknown' },
      });
      expect(await t.lastEventOn(`${t.naming.subjectPrefix}ev.enrollment.plant-7.${tokenId}`)).toMatchObject({
        type: 'EnrollmentTokenIssued',
      });
      expect((await t.post(await t.enrollBody(token))).status).toBe(201); // the real token still works
    });

    it('garbage that is no token at all, audited in the audit fleet', async () => {
      const before = await snapshot();
      const res = await t.post(await t.enrollBody('let-me-in'));
      expect([res.status, res.body.error.code]).toEqual([401, 'enrollment.malformed']);
      expect(await t.lastEventOn(`${t.naming.subjectPrefix}ev.enrollment.plant-hq.refusals`)).toMatchObject({
        type: 'EnrollmentAttemptsRefused',
        data: { fleet: 'plant-hq', claimedFleet: 'let-me-in', reason: 'malformed', attempts: 1 },
      });
      await expectNothingCreated(before);
    });

    it('a flood of attempts, audited within a bounded number of events that still count every attempt', async () => {
      const store = new EventStore<EnrollmentEvent>({
        nc: t.nc,
        naming: t.naming,
        stream: eventStreams.gateway,
        parse: parseEnrollmentEvent,
      });
      const refusals = t.app.get(RefusalLog);
      await refusals.flush();
      const { token, tokenId } = await t.issue();
      expect((await t.post(await t.enrollBody(token))).status).toBe(201);
      const logs = [
        `${t.naming.subjectPrefix}ev.enrollment.plant-hq.refusals`,
        `${t.naming.subjectPrefix}ev.enrollment.plant-7.refusals`,
        `${t.naming.subjectPrefix}ev.enrollment.plant-7.${tokenId}`,
      ];
      const lastSeqs = await Promise.all(logs.map(async (subject) => (await store.load(subject)).lastSeq));
      const attempts = 60;
      const answers = await Promise.all(
        Array.from({ length: attempts }, (_, i) => t.post({ token: i % 2 ? `junk-${i}` : token, csr: 'x', name: 'flood' })),
      );
      expect(answers.filter((a) => a.body.error?.code === 'enrollment.malformed')).toHaveLength(30);
      expect(answers.filter((a) => a.body.error?.code === 'enrollment.used')).toHaveLength(30);
      await refusals.flush();
      const written = (
        await Promise.all(logs.map(async (subject, i) => (await store.load(subject, lastSeqs[i])).events.map((r) => r.event)))
      ).flat();
      expect(written.length).toBeLessThanOrEqual(25 + 2); // this minute's budget, then one summary per fleet and reason
      const counted = (reason: string) =>
        written.reduce(
          (n, e) =>
            n +
            (e.type === 'EnrollmentAttemptsRefused' && e.data.reason === reason
              ? e.data.attempts
              : e.type === 'EnrollmentRefused' && e.data.reason === reason
                ? 1
                : 0),
          0,
        );
      expect([counted('malformed'), counted('used')]).toEqual([30, 30]);
    });

    // Last in this block: losers that arrive after the winner are refused at the check, which spends
    // this minute's one-by-one audit budget the tests above count on.
    it('every loser of a burst of devices racing for one token, with exactly one device enrolled', async () => {
      const { token, tokenId } = await t.issue();
      const bodies = await Promise.all(Array.from({ length: 24 }, () => t.enrollBody(token)));
      const before = await snapshot();
      const answers = await Promise.all(bodies.map(t.post));
      expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
      expect(answers.filter((a) => a.status !== 201).map((a) => [a.status, a.body.error.code])).toEqual(
        Array.from({ length: 23 }, () => [401, 'enrollment.used']),
      );
      const winner = answers.find((a) => a.status === 201)!.body;
      expect(await t.credentialRows()).toBe(before.rows + 1);
      expect(Object.keys(await t.subjects('ev.device.>')).length).toBe(before.devices + 1);
      const redeemed = (
        await new EventStore<EnrollmentEvent>({
          nc: t.nc,
          naming: t.naming,
          stream: eventStreams.gateway,
          parse: parseEnrollmentEvent,
        }).load(`${t.naming.subjectPrefix}ev.enrollment.plant-7.${tokenId}`)
      ).events.filter((r) => r.event.type === 'EnrollmentTokenRedeemed');
      expect(redeemed.map((r) => r.event.type === 'EnrollmentTokenRedeemed' && r.event.data.deviceId)).toEqual([winner.deviceId]);
    });
  });

  describe('refuses a bad request with 400 and leaves the token usable', () => {
    it('a CSR signed by another key, an RSA key, a missing name', async () => {
      const { token } = await t.issue();
      const before = { devices: Object.keys(await t.subjects('ev.device.>')).length, rows: await t.credentialRows() };
      const forged = await t.post(await t.enrollBody(token, await csrSignedByAnotherKey()));
      expect([forged.status, forged.body.error.code]).toEqual([400, 'csr.invalid']);
      expect(forged.body.error.message).toMatch(/proof of possession/);
      const rsa = await t.post(await t.enrollBody(token, await csrFor(await deviceKeys(rsaAlgorithm))));
      expect([rsa.status, rsa.body.error.message]).toEqual([400, expect.stringMatching(/ECDSA P-256/)]);
      const { name: _name, ...nameless } = await t.enrollBody(token);
      const invalid = await t.post(nameless);
      expect([invalid.status, invalid.body.error.code]).toEqual([400, 'enroll.invalid']);
      expect(Object.keys(await t.subjects('ev.device.>')).length).toBe(before.devices);
      expect(await t.credentialRows()).toBe(before.rows);
      expect((await t.post(await t.enrollBody(token))).status).toBe(201);
    });

    it('a body that is not JSON, one over 100 KiB, one that is not sent as JSON (the Nest route answers it)', async () => {
      const { token } = await t.issue();
      const before = { devices: Object.keys(await t.subjects('ev.device.>')).length, rows: await t.credentialRows() };
      const raw = async (body: string, contentType = 'application/json') => {
        const res = await fetch(`${t.url}/v1/enroll?from=spec`, { method: 'POST', headers: { 'content-type': contentType }, body });
        return [res.status, ((await res.json()) as { error: { code: string } }).error.code];
      };
      expect(await raw('{"token": "')).toEqual([400, 'enroll.invalid']);
      expect(await raw(JSON.stringify({ ...(await t.enrollBody(token)), name: 'x'.repeat(101 * 1024) }))).toEqual([
        413,
        'enroll.too-large',
      ]);
      expect(await raw(JSON.stringify(await t.enrollBody(token)), 'text/plain')).toEqual([400, 'enroll.invalid']);
      expect(Object.keys(await t.subjects('ev.device.>')).length).toBe(before.devices);
      expect(await t.credentialRows()).toBe(before.rows);
      expect((await t.post(await t.enrollBody(token))).status).toBe(201);
    });
  });
});
