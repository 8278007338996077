#!/usr/bin/env bash
# The main job: set the machine up, then run the whole loop on the embedded defaults (train on the
# shipped sample, register in MLflow, promote through the control plane's gates, serve at the edge
# and in the widget, Prometheus) until Ctrl-C; `--check` runs it headless and checks the edge, the
# widget and the trainer agree. `--help` for the options (scripts/loop/args.ts).
set -euo pipefail
FCV_LOOP_STARTED_MS=$(date +%s%3N)
export FCV_LOOP_STARTED_MS
source "$(dirname "$0")/setup.sh"
FCV_SETUP_SECONDS=$(( ($(date +%s%3N) - FCV_LOOP_STARTED_MS) / 100 ))
FCV_SETUP_SECONDS="${FCV_SETUP_SECONDS%?}.${FCV_SETUP_SECONDS: -1}"
export FCV_SETUP_SECONDS
cd "$FCV_ROOT"
exec node scripts/loop/main.ts "$@"
