#!/usr/bin/env bash
# Smoke test of the image on this machine: builds a Node 24 base from Debian packages (once), the
# Keelson image from deploy/container/Containerfile, then runs end-to-end spec files with the six
# services in containers (podman, read-only root filesystem, unprivileged user) against the test
# harness's own nats-server and PostgreSQL, and real agents over MQTT.
#   bash deploy/container/smoke.sh                      # e2e/core-loop.e2e.spec.ts
#   bash deploy/container/smoke.sh e2e/bad-input.e2e.spec.ts …
# Needs podman, runc and mmdebstrap (apt-get install podman runc mmdebstrap), npm install and npm run build.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$repo"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$repo/deploy/container/containers.conf}"
export PATH="$repo/node_modules/.bin:$PATH"
base="${KEELSON_NODE_BASE:-localhost/keelson-node-base:24}"
image="${KEELSON_SMOKE_IMAGE:-localhost/keelson:dev}"
podman image exists "$base" || bash deploy/container/base/build-base.sh "$base"
podman build --network=host --build-arg NODE_IMAGE="$base" -f deploy/container/Containerfile -t "$image" .
[ "$#" -gt 0 ] || set -- e2e/core-loop.e2e.spec.ts
KEELSON_SERVICE_IMAGE="$image" node --experimental-vm-modules node_modules/jest/bin/jest.js --runInBand "$@"
