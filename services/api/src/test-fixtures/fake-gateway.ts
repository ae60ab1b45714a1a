import { randomBytes } from 'node:crypto';
import { gateway, type ParsedRequestInput } from '@keelson/requests';
import { InvalidInput, NotFound, RuleViolation } from '@keelson/domain-kit';
import { handlerFor, type RequestContext, type RequestHandler } from '@keelson/service-kit';
import { pageOf } from './fake-page.js';

/**
 * The gateway's operator requests over real NATS, backed by memory: the real gateway is built by
 * others, and the api must only depend on the contracts. Records every caller context.
 */
export class FakeGateway {
  readonly devices: gateway.DeviceView[] = [];
  readonly groups: gateway.GroupView[] = [];
  readonly contexts: RequestContext[] = [];
  /** The last list-devices request as the gateway received it (filters and sort included). */
  lastDeviceQuery: ParsedRequestInput<typeof gateway.listDevices> | undefined;
  /** What each enrollment token was asked for (labels, lifetime), as the gateway received it. */
  readonly issued: ParsedRequestInput<typeof gateway.issueEnrollmentToken>[] = [];

  addDevice(fleet: string, deviceId: string, name: string, more: Partial<gateway.DeviceView> = {}): gateway.DeviceView {
    const view: gateway.DeviceView = {
      fleet,
      deviceId,
      name,
      status: 'active',
      labels: {},
      hardware: { architecture: 'arm64' },
      reachable: true,
      enrolledAt: '2026-11-20T10:00:00.000Z',
      installed: [],
      desiredGeneration: 0,
      assignments: [],
      ...more,
    };
    this.devices.push(view);
    return view;
  }

  private group(fleet: string, groupId: string): gateway.GroupView {
    const found = this.groups.find((g) => g.fleet === fleet && g.groupId === groupId);
    if (!found) throw new NotFound('group', groupId);
    return found;
  }

  handlers(): RequestHandler[] {
    const seen = <T>(ctx: RequestContext, value: T): T => (this.contexts.push(ctx), value);
    return [
      handlerFor(gateway.issueEnrollmentToken, async (input, ctx) => {
        this.issued.push(input);
        const tokenId = `et-${randomBytes(4).toString('hex')}`;
        return seen(ctx, {
          tokenId,
          token: `ket_${input.fleet}_${tokenId}_${randomBytes(18).toString('base64url')}`,
          expiresAt: new Date(Date.now() + input.ttlSeconds * 1000).toISOString(),
        });
      }),
      handlerFor(gateway.listDevices, async (input, ctx) => {
        this.lastDeviceQuery = input;
        return seen(
          ctx,
          pageOf(
            this.devices.filter((d) => d.fleet === input.fleet),
            input,
          ),
        );
      }),
      handlerFor(gateway.countInstalledVersions, async (input, ctx) => {
        const active = this.devices.filter((d) => d.fleet === input.fleet && d.status === 'active');
        const counts = new Map<string, number>();
        for (const a of active.flatMap((d) => d.installed))
          counts.set(`${a.name}@${a.version}`, (counts.get(`${a.name}@${a.version}`) ?? 0) + 1);
        const versions = [...counts].map(([key, devices]) => ({ name: key.split('@')[0]!, version: key.split('@')[1]!, devices }));
        return seen(ctx, { activeDevices: active.length, withoutArtifacts: active.filter((d) => !d.installed.length).length, versions });
      }),
      handlerFor(gateway.getDevice, async (input, ctx) => {
        const found = this.devices.find(
          (d) => d.fleet === input.fleet && ('deviceId' in input ? d.deviceId === input.deviceId : d.name === input.name),
        );
        if (!found) throw new NotFound('device', 'deviceId' in input ? input.deviceId : input.name);
        return seen(ctx, found);
      }),
      handlerFor(gateway.createGroup, async (input, ctx) => {
        if (this.groups.some((g) => g.fleet === input.fleet && g.name === input.name))
          throw new RuleViolation('group.name-taken', `a group '${input.name}' exists`);
        const matched = input.deviceNames.map((n) => this.devices.find((d) => d.fleet === input.fleet && d.name === n));
        const view: gateway.GroupView = {
          fleet: input.fleet,
          groupId: `g-${randomBytes(4).toString('hex')}`,
          name: input.name,
          deviceIds: matched.flatMap((d) => (d ? [d.deviceId] : [])),
          unresolvedNames: input.deviceNames.filter((_, i) => !matched[i]),
        };
        this.groups.push(view);
        return seen(ctx, view);
      }),
      handlerFor(gateway.getGroup, async (input, ctx) => {
        const found = this.groups.find(
          (g) => g.fleet === input.fleet && ('groupId' in input ? g.groupId === input.groupId : g.name === input.name),
        );
        if (!found) throw new NotFound('group', 'groupId' in input ? input.groupId : input.name);
        return seen(ctx, found);
      }),
      handlerFor(gateway.addGroupMembers, async (input, ctx) => {
        const group = this.group(input.fleet, input.groupId);
        for (const name of input.deviceNames) {
          const device = this.devices.find((d) => d.fleet === input.fleet && (d.name === name || d.deviceId === name));
          if (device && !group.deviceIds.includes(device.deviceId)) group.deviceIds.push(device.deviceId);
          if (!device && !group.unresolvedNames.includes(name)) group.unresolvedNames.push(name);
        }
        return seen(ctx, group);
      }),
      handlerFor(gateway.removeGroupMembers, async (input, ctx) => {
        const group = this.group(input.fleet, input.groupId);
        const idOf = (name: string) => this.devices.find((d) => d.fleet === input.fleet && d.name === name)?.deviceId ?? name;
        const strangers = input.deviceNames.filter((n) => !group.deviceIds.includes(idOf(n)) && !group.unresolvedNames.includes(n));
        if (strangers.length)
          throw new InvalidInput(
            'group.not-a-member',
            strangers.map((n) => ({ path: ['deviceNames', n], message: `'${n}' is not a member` })),
          );
        group.deviceIds = group.deviceIds.filter((d) => !input.deviceNames.map(idOf).includes(d));
        group.unresolvedNames = group.unresolvedNames.filter((n) => !input.deviceNames.includes(n));
        return seen(ctx, group);
      }),
      handlerFor(gateway.deleteGroup, async (input, ctx) => {
        const group = this.group(input.fleet, input.groupId);
        this.groups.splice(this.groups.indexOf(group), 1);
        return seen(ctx, group);
      }),
      handlerFor(gateway.findDevices, async (input, ctx) => {
        const wanted = (d: gateway.DeviceView) =>
          (!input.deviceIds || input.deviceIds.includes(d.deviceId)) && (!input.names || input.names.includes(d.name));
        const items = this.devices.filter((d) => d.fleet === input.fleet && d.status === 'active' && wanted(d));
        return seen(ctx, {
          items: items.slice(0, input.limit).map(({ deviceId, name, labels, hardware }) => ({ deviceId, name, labels, hardware })),
        });
      }),
      handlerFor(gateway.listGroups, async (input, ctx) => seen(ctx, { items: this.groups.filter((g) => g.fleet === input.fleet) })),
    ];
  }
}
