#!/bin/sh
# keelson-agent: runs the agent with the Node this bundle carries, wherever the bundle was unpacked.
# No npm and no system Node needed on the device.
# V8 flags, for a process that idles most of its life (measured: bench/agent-footprint, bench/README.md):
#   --max-semi-space-size=1  a 1 MiB young generation instead of up to 16 MiB per semi-space;
#   --no-opt --no-maglev     no optimising compilers: the agent has no hot JS loop (hashing and TLS are
#                            native), and their code and compile memory cost ~10 MiB resident;
#   --optimize-for-size      V8's low-memory mode (smaller code and caches, heap kept tighter): -2.6 MiB
#                            idle, CPU per update unchanged within the bench's 10 ms ticks.
# Not --jitless: it removes WebAssembly, which Node's fetch needs (probes and plain-http fetches).
set -eu
self=$(readlink -f "$0")
prefix=$(dirname "$(dirname "$self")")
exec "$prefix/node/bin/node" --max-semi-space-size=1 --no-opt --no-maglev --optimize-for-size "$prefix/lib/node_modules/@keelson/agent/bin/keelson-agent.mjs" "$@"
