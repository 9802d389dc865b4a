#!/usr/bin/env bash
# Local infrastructure for Shouhu in one command: Kafka and PostgreSQL.
#
#   deploy/local/infra.sh up     [kafka|postgres]   start (both by default)
#   deploy/local/infra.sh down   [kafka|postgres]   stop  (both by default)
#   deploy/local/infra.sh status [kafka|postgres]   exit 0 only if all run
#
# Ports and paths are the ones kafka.sh and postgres.sh take from the
# environment (SHOUHU_KAFKA_PORT, SHOUHU_PG_PORT, ...).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

usage() {
    echo "usage: $(basename "$0") {up|down|status} [kafka|postgres]" >&2
    exit 64
}

[[ $# -ge 1 && $# -le 2 ]] || usage
action="$1"
case "${2:-all}" in
all) services=(kafka postgres) ;;
kafka | postgres) services=("$2") ;;
*) usage ;;
esac

case "$action" in
up) verb=start ;;
down) verb=stop ;;
status) verb=status ;;
*) usage ;;
esac

rc=0
for svc in "${services[@]}"; do
    if [[ "$verb" == status ]]; then
        # Report every service, then fail if any is down.
        bash "$SCRIPT_DIR/$svc.sh" status || rc=$?
    else
        bash "$SCRIPT_DIR/$svc.sh" "$verb"
    fi
done
exit "$rc"
