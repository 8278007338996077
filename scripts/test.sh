#!/usr/bin/env bash
# Sets the machine up, then runs every workspace's tests (one vitest run over all projects).
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$FCV_ROOT"
npm test -- "$@"
