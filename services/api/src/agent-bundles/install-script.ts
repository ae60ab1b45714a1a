import { createHash } from 'node:crypto';
import type { AgentBundle } from './agent-bundle-shelf.js';

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * The installer the enroll line runs, with this platform's address and each bundle's sha256 written
 * in: the line pins the script's sha256, the script pins the bundle's. Plain POSIX sh, meant to be read.
 */
export function installScript(platformUrl: string, bundles: AgentBundle[]): string {
  const pins = bundles.map((b) => `bundle_${b.arch}=${quote(b.file)}; sha256_${b.arch}=${b.sha256}`).join('\n');
  return `#!/bin/sh
# Installs the Keelson agent on this device and enrolls it. In order, it:
#  1. downloads the agent bundle for this machine's architecture from the platform below;
#  2. checks the bundle's sha256 against the one written here, and stops if they differ (nothing installed);
#  3. unpacks it into PREFIX (--prefix, default /opt/keelson): the agent, its packages and its own Node;
#  4. enrolls the device: PREFIX/bin/keelson-agent enroll ... --data-dir DATA (--data-dir, default /var/lib/keelson);
#     a DATA that is already enrolled is an upgrade: its identity is kept and nothing is enrolled;
#  5. where systemd runs and we are root: adds the system user keelson, installs keelson-agent.service,
#     enables and (re)starts it. Elsewhere it prints the command that runs the agent.
# Usage: sh keelson-install.sh --gateway URL --token TOKEN [--ca-fingerprint sha256:HEX] [--root-file ROOT.json]
#                              [--name NAME] [--prefix DIR] [--data-dir DIR]
#        (on an enrolled device --gateway and --token may be left out: only the agent's files change)
set -eu
platform=${quote(platformUrl)}
${pins}
prefix=/opt/keelson; data_dir=/var/lib/keelson; gateway=; token=; pin=; root_file=; name=
fail() { echo "keelson-install: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || fail "$1 needs a value"
  case $1 in
    --gateway) gateway=$2 ;; --token) token=$2 ;; --ca-fingerprint) pin=$2 ;; --root-file) root_file=$2 ;;
    --name) name=$2 ;; --prefix) prefix=$2 ;; --data-dir) data_dir=$2 ;;
    *) fail "unknown option $1" ;;
  esac
  shift 2
done
upgrade=; [ ! -f "$data_dir/identity/enrollment.json" ] || upgrade=1
[ -n "$upgrade" ] || { [ -n "$gateway" ] && [ -n "$token" ]; } || fail "--gateway and --token are required"
case $(uname -m) in x86_64|amd64) arch=x64 ;; aarch64|arm64) arch=arm64 ;; *) fail "no agent bundle for $(uname -m)" ;; esac
eval "bundle=\\\${bundle_$arch:-}; expected=\\\${sha256_$arch:-}"
[ -n "$bundle" ] || fail "the platform serves no agent bundle for linux-$arch"
parent=$(dirname "$prefix"); mkdir -p "$parent"
work=$(mktemp -d "$parent/.keelson-install.XXXXXX"); trap 'rm -rf "$work"' EXIT
echo "keelson-install: downloading $bundle" >&2
if command -v curl >/dev/null; then curl -fsSL -o "$work/$bundle" "$platform/v1/agent/bundles/$bundle"
else wget -q -O "$work/$bundle" "$platform/v1/agent/bundles/$bundle"; fi
actual=$(sha256sum "$work/$bundle" | cut -d' ' -f1)
[ "$actual" = "$expected" ] || fail "$bundle: sha256 is $actual, expected $expected: refusing to install it"
mkdir "$work/unpacked"; tar -xzf "$work/$bundle" -C "$work/unpacked"
top=$(ls -d "$work/unpacked"/keelson-agent-*)
sed "s#/opt/keelson/#$prefix/#g" "$top/systemd/keelson-agent.service" > "$work/unit" && mv "$work/unit" "$top/systemd/keelson-agent.service"
rm -rf "$prefix.old"; [ ! -e "$prefix" ] || mv "$prefix" "$prefix.old"
mv "$top" "$prefix"; rm -rf "$prefix.old"
if [ -n "$upgrade" ]; then
  echo "keelson-install: $data_dir is already enrolled: upgraded the agent in $prefix to $bundle and kept the device's identity" >&2
else
  set -- enroll --gateway "$gateway" --token "$token" --data-dir "$data_dir"
  [ -z "$pin" ] || set -- "$@" --ca-fingerprint "$pin"
  [ -z "$root_file" ] || set -- "$@" --root-file "$root_file"
  [ -z "$name" ] || set -- "$@" --name "$name"
  "$prefix/bin/keelson-agent" "$@"
fi
if [ -d /run/systemd/system ] && [ "$(id -u)" = 0 ] && [ "$data_dir" = /var/lib/keelson ]; then
  id keelson >/dev/null 2>&1 || useradd --system --home-dir /var/lib/keelson --shell /usr/sbin/nologin keelson
  chown -R keelson:keelson "$data_dir"
  cp "$prefix/systemd/keelson-agent.service" /etc/systemd/system/keelson-agent.service
  # restart, not just start: after an upgrade the running agent is the old one
  systemctl daemon-reload && systemctl enable keelson-agent.service && systemctl restart keelson-agent.service
  echo "keelson-install: keelson-agent.service is running (journalctl -u keelson-agent)" >&2
else
  echo "keelson-install: installed in $prefix; systemd is not managing it here. Run the agent (restart it if it runs) with:" >&2
  echo "  $prefix/bin/keelson-agent run --data-dir $data_dir" >&2
fi
`;
}

export const sha256Of = (text: string) => createHash('sha256').update(text).digest('hex');
