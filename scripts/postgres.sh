#!/usr/bin/env bash
# PostgreSQL from Debian, for the control plane's storage tests: they start a throwaway cluster on
# 127.0.0.1 themselves (control-plane/src/db/test-postgres.ts), so nothing is configured or started
# here (apt never starts services on these machines anyway).
#   bash scripts/postgres.sh install    apt-get install postgresql, unless initdb is already there
#   source scripts/postgres.sh          defines fcv_postgres_installed and fcv_postgres_install

fcv_postgres_installed() {
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null
}

fcv_postgres_install() {
  if fcv_postgres_installed; then return 0; fi
  printf '[postgres] installing PostgreSQL from Debian (apt-get install postgresql)\n' >&2
  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql; } >&2 ||
    return 1
  fcv_postgres_installed || {
    printf '[postgres] postgresql is installed but there is no /usr/lib/postgresql/*/bin/initdb\n' >&2
    return 1
  }
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  case "${1:-}" in
    install) fcv_postgres_install ;;
    *)
      echo "usage: bash scripts/postgres.sh install" >&2
      exit 2
      ;;
  esac
fi
