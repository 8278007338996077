#!/usr/bin/env bash
# The main job on the embedded defaults: set the machine up, then run the whole pipeline on the
# shipped sample (or on the log params.yaml / --set point at). Extra arguments go to `fcv pipeline`.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$FCV_ROOT"
node trainer/dist/fcv.mjs pipeline "$@"
