import { gateway, type RequestContract, type RequestInput } from '@keelson/requests';
import { eventStreams, EventStore } from '@keelson/event-store';
import { parseGroupEvent } from '@keelson/events';
import { sendRequest } from '@keelson/service-kit';
import { eventually } from '@keelson/testing';
import { startDeviceHalf, type DeviceHalfApp } from '../test-fixtures/device-half-app.js';
import { groupIdOf } from './group.decider.js';

const fleet = 'plant-9';

describe('groups and device queries against real NATS and PostgreSQL', () => {
  let gw: DeviceHalfApp;
  const call = <C extends RequestContract>(contract: C, input: RequestInput<C>) => sendRequest(gw.nc, gw.naming, contract, input);

  beforeAll(async () => {
    gw = await startDeviceHalf();
    await gw.enroll(fleet, 'd-0001', 'cam-01');
    await gw.enroll(fleet, 'd-0002', 'cam-02');
    await gw.enroll(fleet, 'd-0003', 'cam-03');
    await gw.enroll('other-fleet', 'd-0009', 'cam-04');
    await eventually(async () => (await call(gateway.listDevices, { fleet })).items.length === 3);
  });
  afterAll(() => gw?.close());

  it('lists a fleet’s devices newest first, page by page, and never another fleet’s', async () => {
    const first = await call(gateway.listDevices, { fleet, limit: 2 });
    expect(first.items.map((d) => d.name)).toEqual(['cam-03', 'cam-02']);
    const second = await call(gateway.listDevices, { fleet, limit: 2, cursor: first.nextCursor });
    expect(second).toEqual({
      items: [
        expect.objectContaining({ deviceId: 'd-0001', status: 'active', reachable: false, desiredGeneration: 0, labels: { line: '7' } }),
      ],
    });
  });

  it('finds a device by id or by name, and says which one it could not find', async () => {
    await expect(call(gateway.getDevice, { fleet, name: 'cam-02' })).resolves.toMatchObject({ deviceId: 'd-0002' });
    await expect(call(gateway.getDevice, { fleet, deviceId: 'd-0001' })).resolves.toMatchObject({
      name: 'cam-01',
      installed: [],
      assignments: [],
    });
    await expect(call(gateway.getDevice, { fleet, deviceId: 'd-0009' })).rejects.toMatchObject({
      name: 'NotFound',
      code: 'device.not-found',
    });
  });

  it('creates a group from names, keeping and returning the names that match no device of the fleet', async () => {
    const group = await call(gateway.createGroup, {
      fleet,
      name: 'line 7',
      deviceNames: ['cam-01', 'cam-03', 'cam-04', 'cam-77', 'd-0002'],
    });
    expect(group).toEqual({
      fleet,
      groupId: groupIdOf(fleet, 'line 7'),
      name: 'line 7',
      deviceIds: ['d-0001', 'd-0003', 'd-0002'],
      unresolvedNames: ['cam-04', 'cam-77'],
    });
    // readable at once, by id and by name, and soon in the list
    await expect(call(gateway.getGroup, { fleet, groupId: group.groupId })).resolves.toEqual(group);
    await expect(call(gateway.getGroup, { fleet, name: 'line 7' })).resolves.toEqual(group);
    await eventually(async () => (await call(gateway.listGroups, { fleet })).items.length === 1);
    expect((await call(gateway.listGroups, { fleet })).items).toEqual([group]);
  });

  it('refuses a second group of the same name and an unknown group', async () => {
    await expect(call(gateway.createGroup, { fleet, name: 'line 7', deviceNames: ['cam-02'] })).rejects.toMatchObject({
      name: 'RuleViolation',
      code: 'group.name-taken',
    });
    await expect(call(gateway.getGroup, { fleet, name: 'line 8' })).rejects.toMatchObject({ name: 'NotFound', code: 'group.not-found' });
    await expect(call(gateway.createGroup, { fleet, name: 'empty', deviceNames: [] })).rejects.toMatchObject({ name: 'InvalidInput' });
    const groups = new EventStore({ nc: gw.nc, naming: gw.naming, stream: eventStreams.gateway, parse: parseGroupEvent });
    expect((await groups.load(groups.subject('group', fleet, groupIdOf(fleet, 'line 7')))).events).toHaveLength(1);
  });

  describe('editing a group (groups-edit)', () => {
    const groupId = groupIdOf(fleet, 'line 9');
    const store = () => new EventStore({ nc: gw.nc, naming: gw.naming, stream: eventStreams.gateway, parse: parseGroupEvent });
    const typesOf = async () => (await store().load(store().subject('group', fleet, groupId))).events.map((r) => r.event.type);

    it('adds by name or id, keeps unknown names, and the list reads the new members', async () => {
      await call(gateway.createGroup, { fleet, name: 'line 9', deviceNames: ['cam-01', 'cam-66'] });
      const grown = await call(gateway.addGroupMembers, { fleet, groupId, deviceNames: ['d-0002', 'cam-03', 'cam-67', 'cam-01'] });
      expect(grown).toEqual({
        fleet,
        groupId,
        name: 'line 9',
        deviceIds: ['d-0001', 'd-0002', 'd-0003'],
        unresolvedNames: ['cam-66', 'cam-67'],
      });
      await expect(call(gateway.getGroup, { fleet, name: 'line 9' })).resolves.toEqual(grown);
      await eventually(
        async () => (await call(gateway.listGroups, { fleet })).items.find((g) => g.groupId === groupId)?.deviceIds.length === 3,
      );
      // adding members it holds already records nothing
      await call(gateway.addGroupMembers, { fleet, groupId, deviceNames: ['cam-02', 'cam-66'] });
      expect(await typesOf()).toEqual(['GroupCreated', 'GroupMembersChanged']);
    });

    it('removes by name, id or kept name, and refuses a non-member without removing anything', async () => {
      await expect(call(gateway.removeGroupMembers, { fleet, groupId, deviceNames: ['cam-01', 'cam-04'] })).rejects.toMatchObject({
        name: 'InvalidInput',
        code: 'group.not-a-member',
        message: expect.stringContaining("'cam-04' is not a member"),
      });
      expect((await call(gateway.getGroup, { fleet, groupId })).deviceIds).toHaveLength(3);
      const shrunk = await call(gateway.removeGroupMembers, { fleet, groupId, deviceNames: ['cam-01', 'd-0003', 'cam-66'] });
      expect(shrunk).toMatchObject({ deviceIds: ['d-0002'], unresolvedNames: ['cam-67'] });
      await eventually(
        async () => (await call(gateway.listGroups, { fleet })).items.find((g) => g.groupId === groupId)?.deviceIds.length === 1,
      );
    });

    it('deletes a group, answering with what it held; the name is free again and a second delete is NotFound', async () => {
      await expect(call(gateway.deleteGroup, { fleet, groupId })).resolves.toMatchObject({ name: 'line 9', deviceIds: ['d-0002'] });
      await expect(call(gateway.getGroup, { fleet, groupId })).rejects.toMatchObject({ code: 'group.not-found' });
      await expect(call(gateway.deleteGroup, { fleet, groupId })).rejects.toMatchObject({ name: 'NotFound', code: 'group.not-found' });
      await expect(call(gateway.addGroupMembers, { fleet, groupId, deviceNames: ['cam-01'] })).rejects.toMatchObject({
        code: 'group.not-found',
      });
      await eventually(async () => !(await call(gateway.listGroups, { fleet })).items.some((g) => g.groupId === groupId));
      await expect(call(gateway.createGroup, { fleet, name: 'line 9', deviceNames: ['cam-03'] })).resolves.toMatchObject({
        deviceIds: ['d-0003'],
      });
      expect(await typesOf()).toEqual(['GroupCreated', 'GroupMembersChanged', 'GroupMembersChanged', 'GroupDeleted', 'GroupCreated']);
    });
  });
});
