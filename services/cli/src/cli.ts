import { parseArgs } from 'node:util';
import { ApiClient } from './api-client.js';
import { CliError, usageError, type CliIo } from './cli-io.js';
import type { Action } from './action.js';
import { artifactList, artifactPush } from './actions/artifact.actions.js';
import { artifactPublish } from './actions/artifact-publish.js';
import { auditExport } from './actions/audit-export.js';
import { auditList, auditVerify } from './actions/audit.actions.js';
import { auditSinkAdd, auditSinkList, auditSinkRemove, auditSinkResume, auditSinkShow } from './actions/audit-sink.actions.js';
import { deviceDecommission, deviceToken } from './actions/device.actions.js';
import { deviceList, deviceVersions } from './actions/device-list.js';
import { deviceShow } from './actions/device-show.js';
import { groupAdd, groupCreate, groupDelete, groupList, groupRemove, groupShow } from './actions/group.actions.js';
import {
  registryConnect,
  registryList,
  registryRemove,
  registryRotateCredentials,
  registryShow,
  registryTest,
} from './actions/registry.actions.js';
import { rolloutList } from './actions/rollout-list.js';
import { rolloutWatch } from './actions/rollout-watch.js';
import { channelList, channelSet } from './actions/channel.actions.js';
import { experimentCreate, experimentDecide, experimentList, experimentShow, experimentStop } from './actions/experiment.actions.js';
import { experimentWatch } from './actions/experiment-watch.js';
import {
  rolloutAbort,
  rolloutApprove,
  rolloutCreate,
  rolloutHalt,
  rolloutPromote,
  rolloutResume,
  rolloutRetry,
  rolloutShow,
} from './actions/rollout.actions.js';
import { tokenCreate, tokenList, tokenRevoke } from './actions/token.actions.js';
import { tufRootInit, tufRootSign } from './actions/tuf/tuf-ceremony.actions.js';
import { tufKeysExport, tufKeysRotate, tufRootImport, tufRootShow } from './actions/tuf/tuf-node.actions.js';

/** Every action by its words (`rollout show`, `tuf root init`): the one table help, dispatch and the docs check read. */
export const actions: Record<string, Action> = {
  'artifact push': artifactPush,
  'artifact list': artifactList,
  'artifact publish': artifactPublish,
  'device token': deviceToken,
  'device list': deviceList,
  'device versions': deviceVersions,
  'device show': deviceShow,
  'device decommission': deviceDecommission,
  'group create': groupCreate,
  'group list': groupList,
  'group show': groupShow,
  'group add': groupAdd,
  'group remove': groupRemove,
  'group delete': groupDelete,
  'registry connect': registryConnect,
  'registry list': registryList,
  'registry show': registryShow,
  'registry test': registryTest,
  'registry rotate-credentials': registryRotateCredentials,
  'registry remove': registryRemove,
  'rollout create': rolloutCreate,
  'rollout list': rolloutList,
  'rollout show': rolloutShow,
  'rollout watch': rolloutWatch,
  'rollout approve': rolloutApprove,
  'rollout halt': rolloutHalt,
  'rollout resume': rolloutResume,
  'rollout abort': rolloutAbort,
  'rollout retry': rolloutRetry,
  'rollout promote': rolloutPromote,
  'channel list': channelList,
  'channel set': channelSet,
  'experiment create': experimentCreate,
  'experiment list': experimentList,
  'experiment show': experimentShow,
  'experiment watch': experimentWatch,
  'experiment stop': experimentStop,
  'experiment decide': experimentDecide,
  'audit list': auditList,
  'audit export': auditExport,
  'audit verify': auditVerify,
  'audit sink add': auditSinkAdd,
  'audit sink list': auditSinkList,
  'audit sink show': auditSinkShow,
  'audit sink resume': auditSinkResume,
  'audit sink remove': auditSinkRemove,
  'token create': tokenCreate,
  'token list': tokenList,
  'token revoke': tokenRevoke,
  'tuf root show': tufRootShow,
  'tuf root init': tufRootInit,
  'tuf root sign': tufRootSign,
  'tuf root import': tufRootImport,
  'tuf keys export': tufKeysExport,
  'tuf keys rotate': tufKeysRotate,
};

const globalOptions = { fleet: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;

/** The help text: every action, the global flags and the environment. */
export function usage(): string {
  return [
    'usage: keelson <command> [flags]',
    '',
    ...Object.values(actions).map((c) => `  keelson ${c.usage}`),
    '',
    'every command takes --fleet FLEET (default: default) and --json (machine-readable output)',
    'environment: KEELSON_URL (default http://127.0.0.1:8080), KEELSON_TOKEN (the admin token, or an API token of the fleet)',
    '',
  ].join('\n');
}

function parse(action: Action, args: string[]) {
  try {
    return parseArgs({ args, options: { ...globalOptions, ...action.options }, allowPositionals: true, strict: true });
  } catch (err) {
    throw usageError(`${err instanceof Error ? err.message : String(err)}\n  usage: keelson ${action.usage}`);
  }
}

/**
 * Finds the action an argument list names and parses its flags, as a run would; throws a usage
 * error (CliError, exit code 2) for an unknown command or flag. Positionals are not counted here.
 */
export function parseCommandLine(argv: string[]) {
  // Commands are two words (`rollout show`) or three (`tuf root init`).
  const words = actions[argv.slice(0, 3).join(' ')] ? 3 : 2;
  const action = actions[argv.slice(0, words).join(' ')];
  if (!action) throw usageError(argv.length ? `unknown command '${argv.slice(0, 2).join(' ')}'\n${usage()}` : usage());
  return { action, ...parse(action, argv.slice(words)) };
}

async function dispatch(argv: string[], io: CliIo, json: boolean): Promise<number> {
  const { action, values, positionals } = parseCommandLine(argv);
  if (values.help) {
    io.stdout(`usage: keelson ${action.usage}\n`);
    return 0;
  }
  if (positionals.length !== action.args.length) throw usageError(`usage: keelson ${action.usage}`);
  const token = io.env.KEELSON_TOKEN;
  // Offline actions (the root ceremony) never reach the network and need no token.
  if (!token && !action.offline)
    throw usageError('KEELSON_TOKEN is not set: export the admin token `npm start` printed, or an API token (`keelson token create`)');
  const api = new ApiClient(
    io.env.KEELSON_URL || 'http://127.0.0.1:8080',
    token ?? '',
    typeof values.fleet === 'string' ? values.fleet : 'default',
  );
  return action.run({ api, values, positionals, json, io });
}

/** Runs one CLI invocation and returns its exit code: 0 done, 1 failed, 2 bad usage. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  if (argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout(usage());
    return 0;
  }
  const json = argv.includes('--json');
  try {
    return await dispatch(argv, io, json);
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    if (json && err.body) io.stdout(`${JSON.stringify(err.body, null, 2)}\n`);
    else if (json)
      io.stdout(
        `${JSON.stringify({ error: err.exitCode === 2 ? { kind: 'InvalidInput', code: 'cli.usage', message: err.message } : { kind: 'Internal', code: 'cli.failed', message: err.message } })}\n`,
      );
    io.stderr(`keelson: ${err.message}\n`);
    return err.exitCode;
  }
}
