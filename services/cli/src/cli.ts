import { parseArgs } from 'node:util';
import { ApiClient } from './api-client.js';
import { CliError, usageError, type CliIo } from './cli-io.js';
import type { Command } from './command.js';
import { artifactList, artifactPush } from './commands/artifact.commands.js';
import { artifactPublish } from './commands/artifact-publish.js';
import { auditExport } from './commands/audit-export.js';
import { auditList, auditVerify } from './commands/audit.commands.js';
import { auditSinkAdd, auditSinkList, auditSinkRemove, auditSinkResume, auditSinkShow } from './commands/audit-sink.commands.js';
import { deviceDecommission, deviceToken } from './commands/device.commands.js';
import { deviceList, deviceVersions } from './commands/device-list.js';
import { deviceShow } from './commands/device-show.js';
import { groupAdd, groupCreate, groupDelete, groupList, groupRemove, groupShow } from './commands/group.commands.js';
import { registryConnect, registryList, registryRemove, registryRotateCredentials, registryShow, registryTest } from './commands/registry.commands.js';
import { rolloutList } from './commands/rollout-list.js';
import { rolloutWatch } from './commands/rollout-watch.js';
import { channelList, channelSet } from './commands/channel.commands.js';
import { experimentCreate, experimentDecide, experimentList, experimentShow, experimentStop } from './commands/experiment.commands.js';
import { experimentWatch } from './commands/experiment-watch.js';
import { rolloutAbort, rolloutApprove, rolloutCreate, rolloutHalt, rolloutPromote, rolloutResume, rolloutRetry, rolloutShow } from './commands/rollout.commands.js';
import { tokenCreate, tokenList, tokenRevoke } from './commands/token.commands.js';
import { tufRootInit, tufRootSign } from './commands/tuf/tuf-ceremony.commands.js';
import { tufKeysExport, tufKeysRotate, tufRootImport, tufRootShow } from './commands/tuf/tuf-node.commands.js';

/** Every command by its words (`rollout show`, `tuf root init`): the one table help, dispatch and the docs check read. */
export const commands: Record<string, Command> = {
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

/** The help text: every command, the global flags and the environment. */
export function usage(): string {
  return [
    'usage: keelson <command> [flags]',
    '',
    ...Object.values(commands).map((c) => `  keelson ${c.usage}`),
    '',
    'every command takes --fleet FLEET (default: default) and --json (machine-readable output)',
    'environment: KEELSON_URL (default http://127.0.0.1:8080), KEELSON_TOKEN (the admin token, or an API token of the fleet)',
    '',
  ].join('\n');
}

function parse(command: Command, args: string[]) {
  try {
    return parseArgs({ args, options: { ...globalOptions, ...command.options }, allowPositionals: true, strict: true });
  } catch (err) {
    throw usageError(`${err instanceof Error ? err.message : String(err)}\n  usage: keelson ${command.usage}`);
  }
}

/**
 * Finds the command an argument list names and parses its flags, as a run would; throws a usage
 * error (CliError, exit code 2) for an unknown command or flag. Positionals are not counted here.
 */
export function parseCommandLine(argv: string[]) {
  // Commands are two words (`rollout show`) or three (`tuf root init`).
  const words = commands[argv.slice(0, 3).join(' ')] ? 3 : 2;
  const command = commands[argv.slice(0, words).join(' ')];
  if (!command) throw usageError(argv.length ? `unknown command '${argv.slice(0, 2).join(' ')}'\n${usage()}` : usage());
  return { command, ...parse(command, argv.slice(words)) };
}

async function dispatch(argv: string[], io: CliIo, json: boolean): Promise<number> {
  const { command, values, positionals } = parseCommandLine(argv);
  if (values.help) {
    io.stdout(`usage: keelson ${command.usage}\n`);
    return 0;
  }
  if (positionals.length !== command.args.length) throw usageError(`usage: keelson ${command.usage}`);
  const token = io.env.KEELSON_TOKEN;
  // Offline commands (the root ceremony) never reach the network and need no token.
  if (!token && !command.offline) throw usageError('KEELSON_TOKEN is not set: export the admin token `npm start` printed, or an API token (`keelson token create`)');
  const api = new ApiClient(io.env.KEELSON_URL || 'http://127.0.0.1:8080', token ?? '', typeof values.fleet === 'string' ? values.fleet : 'default');
  return command.run({ api, values, positionals, json, io });
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
    else if (json) io.stdout(`${JSON.stringify({ error: err.exitCode === 2 ? { kind: 'InvalidInput', code: 'cli.usage', message: err.message } : { kind: 'Internal', code: 'cli.failed', message: err.message } })}\n`);
    io.stderr(`keelson: ${err.message}\n`);
    return err.exitCode;
  }
}
