# Shared by the suites that drive the built gainsay CLI against a real gainsayd. Source it after setting
# `bin` (the build's bin folder), then call `harness_setup NAME` and `start_daemon`.
#
#   work            a fresh folder, removed on exit with the daemon stopped
#   g ARGS…         runs the CLI
#   $json EXPR      parses JSON Lines on stdin into `data` and evaluates the Python assertion EXPR
#   expect_exit CODE PATTERN COMMAND…         exit code, and one stderr line matching the regex PATTERN
#   expect_exit_fixed CODE TEXT COMMAND…      the same with a fixed string
#   expect_usage_error PATTERN COMMAND…       exit 64, the first stderr line matching the regex PATTERN
#   expect_usage_error_fixed TEXT COMMAND…    the same with a fixed string
# and `check` from check.sh.

# shellcheck source=check.sh
. "$(dirname "${BASH_SOURCE[0]}")/check.sh"

harness_setup() {  # harness_setup NAME: the work folder, the socket, counters and the exit trap
  work=$(mktemp -d "/tmp/gsy-$1-XXXXXX")
  export GAINSAY_SOCKET=$work/gainsayd.sock
  export NO_COLOR=1
  passed=0 failed=0
  daemon_pid=""
  trap 'harness_cleanup' EXIT
  cat > "$work/json" <<'PY'
#!/usr/bin/python3
import json, sys
data = [json.loads(line) for line in sys.stdin if line.strip()]
exec(sys.argv[1])
PY
  chmod +x "$work/json"
  json=$work/json
}

harness_cleanup() { [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }

start_daemon() {  # start_daemon: gainsayd on $work/data and $GAINSAY_SOCKET, waited for (5 s at most)
  "$bin/gainsayd" --data-dir "$work/data" 2>"$work/daemon.log" &
  daemon_pid=$!
  for _ in $(seq 100); do [ -S "$GAINSAY_SOCKET" ] && break; sleep 0.05; done
}

g() { "$bin/gainsay" "$@"; }

_expect_exit() {  # _expect_exit GREP_FLAGS CODE PATTERN COMMAND…
  local flags=$1 want=$2 pattern=$3; shift 3
  "$@" >"$work/stdout" 2>"$work/stderr"; local got=$?
  [ "$got" -eq "$want" ] || { echo "exit $got, expected $want"; cat "$work/stderr"; return 1; }
  [ "$(wc -l < "$work/stderr")" -eq 1 ] || { echo "stderr is not one line:"; cat "$work/stderr"; return 1; }
  grep $flags -- "$pattern" "$work/stderr" || { echo "stderr lacks '$pattern':"; cat "$work/stderr"; return 1; }
}
expect_exit() { _expect_exit -q "$@"; }
expect_exit_fixed() { _expect_exit -qF "$@"; }

_expect_usage_error() {  # _expect_usage_error GREP_FLAGS PATTERN COMMAND…
  local flags=$1 pattern=$2; shift 2
  "$@" >"$work/stdout" 2>"$work/stderr"; local got=$?
  [ "$got" -eq 64 ] || { echo "exit $got, expected 64"; cat "$work/stderr"; return 1; }
  head -1 "$work/stderr" | grep $flags -- "$pattern" || { echo "first stderr line lacks '$pattern':"; cat "$work/stderr"; return 1; }
}
expect_usage_error() { _expect_usage_error -q "$@"; }
expect_usage_error_fixed() { _expect_usage_error -qF "$@"; }
