#!/usr/bin/env bash
# Builds the release binary exactly as the Dockerfile does, and copies it to $1 (default: ./gridwork-release).
# CI runs this script too, so the container's build steps are exercised on every change.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-./gridwork-release}"
swift build -c release --static-swift-stdlib --product gridwork
cp "$(swift build -c release --static-swift-stdlib --show-bin-path)/gridwork" "$out"
echo "built $out"
