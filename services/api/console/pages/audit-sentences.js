// Audit entries as sentences an operator reads: who did what to which device, rollout or artifact,
// with device and operator names instead of ids where the console knows them. The raw event stays
// one click away on the audit page; a type this module has no words for says its name and subject.

/** Who acted, from the `<kind>:<id>` actor: `operator admin`, `device sim-1`, `the platform`. */
export function actorName(actor, deviceName) {
  const [kind, ...rest] = String(actor ?? '').split(':');
  const id = rest.join(':');
  if (kind === 'operator') return `operator ${id}`;
  if (kind === 'device') return `device ${deviceName(id)}`;
  if (kind === 'service') return `the ${id} service`;
  return 'the platform';
}

const wave = (d) => `wave ${d.wave + 1}`;
const rollout = (d) => `rollout ${d.rolloutId}`;
const artifact = (a) => (a ? `${a.name}@${a.version}` : 'an artifact');
const because = (reason) => (reason ? ` (${reason})` : '');
const count = (n, one, many) => `${n} ${n === 1 ? one : many}`;

// Each sentence is told the event's data, a device-name lookup and the entry's subject.
const phrases = {
  ArtifactReceived: (d) => `received artifact ${artifact(d)}`,
  ArtifactPublished: (d) => `published artifact ${artifact(d)}`,
  ArtifactRejected: (d) => `rejected an artifact${because(d.reason)}`,
  ChannelPromoted: (d) =>
    `pointed channel ${d.channel} of ${d.artifact.name} at ${d.artifact.version}${d.previousVersion ? ` (was ${d.previousVersion})` : ''}${d.rolloutId ? ` after ${rollout(d)}` : ''}`,
  GroupCreated: (d, name) =>
    `created group ${d.name} with ${memberList(d.deviceIds, name)}${d.unresolvedNames?.length ? `; no device is named ${d.unresolvedNames.join(', ')}` : ''}`,
  GroupMembersChanged: (d, name) => `set the members of group ${d.groupId} to ${memberList(d.deviceIds, name)}`,
  GroupDeleted: (d) => `deleted group ${d.groupId}`,
  DeviceEnrolled: (d) => `enrolled device ${d.name}`,
  DeviceReenrolled: (d) => `re-enrolled device ${d.name}`,
  DeviceDecommissioned: (d, name) => `decommissioned device ${name(d.deviceId)}${because(d.reason)}`,
  DeviceReachabilityChanged: (d, name) => `saw device ${name(d.deviceId)} go ${d.reachable ? 'online' : 'offline'}`,
  DeviceReportedProgress: (d, name) => `heard device ${name(d.deviceId)} report ${d.state} in ${rollout(d)}${because(d.reason)}`,
  DeviceCertificateRenewed: (d, name) => `renewed the certificate of device ${name(d.deviceId)}`,
  DesiredStateChanged: (d, name) => `set what device ${name(d.deviceId)} should run (generation ${d.generation})`,
  RolloutCreated: (d) =>
    `created ${rollout(d)} of ${artifact(d.artifact)} to ${count(d.deviceCount ?? d.deviceIds?.length ?? 0, 'device', 'devices')}`,
  WaveStarted: (d) => `started ${wave(d)} of ${rollout(d)}`,
  DevicesAssigned: (d, name) => `assigned ${memberList(d.deviceIds, name)} in ${wave(d)} of ${rollout(d)}`,
  WaveAwaitingApproval: (d) => `held ${wave(d)} of ${rollout(d)} for approval`,
  WaveApproved: (d) => `approved ${wave(d)} of ${rollout(d)}`,
  DeviceOutcomeRecorded: (d, name) => `recorded device ${name(d.deviceId)} as ${d.state} in ${rollout(d)}${because(d.reason)}`,
  DeviceExcluded: (d, name) => `left device ${name(d.deviceId)} out of ${rollout(d)}${because(d.reason)}`,
  RolloutHalted: (d) => `halted ${rollout(d)}${d.automatic ? ' by its halt rule' : ''}${because(d.reason)}`,
  RolloutResumed: (d) => `resumed ${rollout(d)}`,
  RolloutAborted: (d) => `aborted ${rollout(d)}, ${d.mode === 'revert' ? 'reverting' : 'keeping'} updated devices`,
  RolloutFinished: (d) => `finished ${rollout(d)}: ${d.outcome}`,
  EnrollmentTokenIssued: () => 'issued an enrollment token',
  EnrollmentTokenRedeemed: (d, name) => `enrolled device ${name(d.deviceId)} with a token`,
  EnrollmentTokenRevoked: () => 'revoked an enrollment token',
};

function memberList(ids = [], name) {
  if (ids.length === 0) return 'no devices';
  const shown = ids.slice(0, 5).map(name).join(', ');
  return ids.length > 5 ? `${shown} and ${ids.length - 5} more` : shown;
}

/** Every device id an entry mentions, so the page can look their names up once. */
export function deviceIdsOf(entry) {
  const d = entry.data ?? {};
  const ids = [d.deviceId, ...(Array.isArray(d.deviceIds) ? d.deviceIds.slice(0, 5) : [])];
  if (String(entry.keelsonactor).startsWith('device:')) ids.push(entry.keelsonactor.slice('device:'.length));
  return ids.filter((id) => typeof id === 'string' && id);
}

/** The entry as one sentence: `Operator admin approved wave 2 of rollout r-1.` */
export function sentenceOf(entry, deviceName) {
  const type = String(entry.type).split('.').pop();
  const phrase = phrases[type];
  let what;
  try {
    what = phrase ? phrase(entry.data ?? {}, deviceName) : `recorded ${type}${entry.subject ? ` on ${entry.subject}` : ''}`;
  } catch {
    what = `recorded ${type}`; // an older shape of the event: the raw event still says it all
  }
  const who = actorName(entry.keelsonactor, deviceName);
  return `${who[0].toUpperCase()}${who.slice(1)} ${what}.`;
}
