#!/bin/sh
# keelson-agent: runs the agent with the Node this bundle carries, wherever the bundle was unpacked.
# No npm and no system Node needed on the device.
set -eu
self=$(readlink -f "$0")
prefix=$(dirname "$(dirname "$self")")
exec "$prefix/node/bin/node" "$prefix/lib/node_modules/@keelson/agent/bin/keelson-agent.mjs" "$@"
