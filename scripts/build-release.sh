#!/usr/bin/env bash
# Builds the release binary exactly as the Dockerfile does, and copies it to OUT (default:
# ./gridwork-release). CI runs this script too, so the container's build steps are exercised on
# every change.
#
#   scripts/build-release.sh [--postgres] [OUT]
#
# --postgres builds with the PostgreSQL trait (`serve --postgres URL`), which links libpq:
# Debian's libpq-dev to build, libpq5 to run. The Dockerfile and CI build it so.
set -euo pipefail
cd "$(dirname "$0")/.."
traits=()
if [ "${1:-}" = "--postgres" ]; then
    traits=(--traits PostgreSQL)
    shift
fi
out="${1:-./gridwork-release}"
swift build -c release --static-swift-stdlib --product gridwork "${traits[@]}"
cp "$(swift build -c release --static-swift-stdlib --show-bin-path "${traits[@]}")/gridwork" "$out"
echo "built $out${traits:+ (with PostgreSQL)}"
