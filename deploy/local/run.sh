#!/usr/bin/env bash
# The whole platform on one machine, on the embedded defaults: Kafka (deploy/local/kafka.sh)
# and the four services, each as an API and a worker process on its own SQLite file.
#   run.sh start   start everything (safe to run twice), print URLs and a development token
#   run.sh stop    stop the services (Kafka keeps running: kafka.sh stop stops it)
#   run.sh status  which processes run
# Environment: SHOUHU_RUN_DIR (pids, logs, data; default .local/run), SHOUHU_KAFKA_BOOTSTRAP_SERVERS
# (use an existing broker instead of starting one), SHOUHU_<SERVICE>_API_PORT / _WORKER_PORT,
# SHOUHU_<SERVICE>_DATABASE_URL (PostgreSQL instead of SQLite), SHOUHU_KAFKA_TOPIC_PREFIX,
# SHOUHU_CLOCK_SPEED (a demonstration on an accelerated clock: 2880 = a month in 15 minutes) and
# SHOUHU_CLOCK_START (the virtual time it starts at, ISO with offset; default now).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RUN_DIR="${SHOUHU_RUN_DIR:-$ROOT/.local/run}"
SERVICES=(registry pairing alerts reporting)
declare -A DEFAULT_API=([registry]=8001 [pairing]=8002 [alerts]=8003 [reporting]=8004)
declare -A DEFAULT_WORKER=([registry]=9001 [pairing]=9002 [alerts]=9003 [reporting]=9004)
PY="$ROOT/.venv/bin/python"

port_of() { # service kind(API|WORKER)
  local var="SHOUHU_${1^^}_${2}_PORT"
  if [[ -n "${!var:-}" ]]; then echo "${!var}"
  elif [[ $2 == API ]]; then echo "${DEFAULT_API[$1]}"
  else echo "${DEFAULT_WORKER[$1]}"; fi
}

ensure_venv() {
  if [[ -x "$ROOT/.venv/bin/shouhu-registry" && "$ROOT/.venv" -nt "$ROOT/uv.lock" ]]; then
    "$PY" "$ROOT/tools/fetch_web_assets.py"  # the dashboard's chart library (no-op when it is there)
    return
  fi
  bash "$ROOT/deploy/local/install.sh"
}

alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

wait_ready() { # url seconds
  "$PY" - "$1" "$2" <<'PY'
import sys, time, urllib.request
url, deadline = sys.argv[1], time.monotonic() + float(sys.argv[2])
while time.monotonic() < deadline:
    try:
        with urllib.request.urlopen(url, timeout=3) as r:
            if r.status == 200:
                sys.exit(0)
    except Exception:
        pass
    time.sleep(0.5)
sys.exit(1)
PY
}

start() {
  ensure_venv
  mkdir -p "$RUN_DIR/pids" "$RUN_DIR/logs" "$RUN_DIR/data"
  if [[ -z "${SHOUHU_KAFKA_BOOTSTRAP_SERVERS:-}" ]]; then
    bash "$ROOT/deploy/local/kafka.sh" start
    export SHOUHU_KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:${SHOUHU_KAFKA_PORT:-19092}"
  fi
  export SHOUHU_DATA_DIR="${SHOUHU_DATA_DIR:-$RUN_DIR/data}"
  # The local run is development unless told otherwise: settings themselves have no default.
  export SHOUHU_ENV="${SHOUHU_ENV:-dev}"
  shared_clock
  for svc in "${SERVICES[@]}"; do
    "$ROOT/.venv/bin/shouhu-$svc" init-db
    for kind in api worker; do
      local pidf="$RUN_DIR/pids/$svc-$kind.pid"
      if alive "$pidf"; then echo "$svc $kind already running (pid $(cat "$pidf"))"; continue; fi
      env "SHOUHU_${svc^^}_API_PORT=$(port_of "$svc" API)" "SHOUHU_${svc^^}_WORKER_PORT=$(port_of "$svc" WORKER)" \
        setsid nohup "$ROOT/.venv/bin/shouhu-$svc" "$kind" >>"$RUN_DIR/logs/$svc-$kind.log" 2>&1 &
      echo $! >"$pidf"
    done
  done
  local failed=0
  for svc in "${SERVICES[@]}"; do
    for kind in API WORKER; do
      local port; port="$(port_of "$svc" "$kind")"
      if ! wait_ready "http://127.0.0.1:$port/readyz" 90; then
        echo "!! $svc ${kind,,} is not ready on port $port; last log lines:" >&2
        tail -n 30 "$RUN_DIR/logs/$svc-${kind,,}.log" >&2 || true
        failed=1
      fi
    done
  done
  [[ $failed == 0 ]] || { echo "start failed; see $RUN_DIR/logs" >&2; exit 1; }
  echo
  echo "守护 Shouhu is running / 平台已启动 (Kafka ${SHOUHU_KAFKA_BOOTSTRAP_SERVERS})"
  printf '  %-10s %-34s %s\n' service "API (/docs, /healthz, /readyz, /metrics)" "worker (/metrics)"
  for svc in "${SERVICES[@]}"; do
    printf '  %-10s %-34s %s\n' "$svc" "http://127.0.0.1:$(port_of "$svc" API)" "http://127.0.0.1:$(port_of "$svc" WORKER)"
  done
  echo
  echo "Development admin token (开发用管理员令牌, 12 h):"
  local token; token="$(SHOUHU_ENV="${SHOUHU_ENV:-dev}" "$ROOT/.venv/bin/shouhu-registry" dev-token)"
  echo "$token"
  echo
  echo "Dashboard / 数据看板 (add ?unit_id=<org unit id> before the #; the token stays in the fragment):"
  echo "  http://127.0.0.1:$(port_of reporting API)/dashboard#token=$token"
  echo
  if [[ -n "${SHOUHU_CLOCK_SPEED:-}${SHOUHU_CLOCK_START:-}" ]]; then print_virtual_time; fi
  echo "Logs: $RUN_DIR/logs   Stop: make stop"
}

# One wall-time epoch for all eight processes, so that they agree on the virtual time; kept in
# $RUN_DIR/clock.epoch while the platform runs, so a second `run.sh start` joins the same clock.
shared_clock() {
  [[ -n "${SHOUHU_CLOCK_SPEED:-}${SHOUHU_CLOCK_START:-}" ]] || { rm -f "$RUN_DIR/clock.epoch"; return; }
  if [[ -z "${SHOUHU_CLOCK_EPOCH:-}" ]]; then
    if [[ -s "$RUN_DIR/clock.epoch" ]] && any_alive; then
      SHOUHU_CLOCK_EPOCH="$(cat "$RUN_DIR/clock.epoch")"
    else
      SHOUHU_CLOCK_EPOCH="$(date -u +%Y-%m-%dT%H:%M:%S.%3N+00:00)"
    fi
  fi
  export SHOUHU_CLOCK_EPOCH
  echo "$SHOUHU_CLOCK_EPOCH" >"$RUN_DIR/clock.epoch"
}

any_alive() {
  local pidf
  for pidf in "$RUN_DIR"/pids/*.pid; do [[ -e "$pidf" ]] && alive "$pidf" && return 0; done
  return 1
}

print_virtual_time() {
  "$PY" - <<'PY'
from shouhu_kit.clock import CHINA_TZ, AcceleratedClock, SystemClock
from shouhu_kit.settings import ServiceSettings

s = ServiceSettings()
wall, virtual = s.virtual_epoch(SystemClock().now())
now = AcceleratedClock(epoch_wall=wall, epoch_virtual=virtual, speed=s.clock_speed).now().astimezone(CHINA_TZ)
print(f"Accelerated clock / 加速时钟: {s.clock_speed:g}x since {wall.isoformat()} (wall);"
      f" virtual now {now:%Y-%m-%d %H:%M} Beijing time; a day passes every {86400 / s.clock_speed:g} s")
PY
}

stop() {
  [[ -d "$RUN_DIR/pids" ]] || { echo "nothing to stop"; return; }
  for pidf in "$RUN_DIR"/pids/*.pid; do
    [[ -e "$pidf" ]] || continue
    if alive "$pidf"; then kill "$(cat "$pidf")" 2>/dev/null || true; fi
  done
  for pidf in "$RUN_DIR"/pids/*.pid; do
    [[ -e "$pidf" ]] || continue
    for _ in $(seq 1 50); do alive "$pidf" || break; sleep 0.2; done
    if alive "$pidf"; then kill -9 "$(cat "$pidf")" 2>/dev/null || true; fi
    rm -f "$pidf"
  done
  rm -f "$RUN_DIR/clock.epoch"
  echo "services stopped (Kafka still runs: deploy/local/kafka.sh stop)"
}

status() {
  local rc=0
  for svc in "${SERVICES[@]}"; do
    for kind in api worker; do
      if alive "$RUN_DIR/pids/$svc-$kind.pid"; then echo "$svc $kind: running"; else echo "$svc $kind: stopped"; rc=3; fi
    done
  done
  return $rc
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 64 ;;
esac
