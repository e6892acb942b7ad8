#!/usr/bin/env bash
# End-to-end checks of the built binaries: the real gainsayd on a temp socket, driven by the real
# gainsay CLI and by the shell wire client (socat + protoc).
#   Tests/shell/live-tests.sh BIN_DIR
set -uo pipefail
bin=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/gsy-live-XXXXXX)
sock=$work/gainsayd.sock
passed=0 failed=0
daemon_pid=""

cleanup() {
  [ -n "$daemon_pid" ] && kill -9 "$daemon_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# Daemons expected to refuse to start run under `timeout 10`: a daemon that starts instead fails the
# check (exit 124) rather than holding the suite.
# shellcheck source=lib/check.sh
. "$(dirname "$0")/lib/check.sh"

start_daemon() {
  "$bin/gainsayd" --socket "$sock" --data-dir "$work/data" 2>>"$work/daemon.log" &
  daemon_pid=$!
  for _ in $(seq 100); do
    [ -S "$sock" ] && "$bin/gainsay" status --socket "$sock" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "gainsayd did not start:"; cat "$work/daemon.log"; return 1
}

expect_exit() {  # expect_exit CODE COMMAND...
  local want=$1; shift
  "$@"; local got=$?
  [ "$got" -eq "$want" ] || { echo "exit code $got, expected $want"; return 1; }
}

status_json() {
  "$bin/gainsay" status --socket "$sock" --json | /usr/bin/python3 -c '
import json, sys
status = json.loads(sys.stdin.read())
assert status["status"] == "SERVING_STATUS_SERVING", status
assert status["protocolVersion"] == 1, status
assert status["methods"] >= 2, status'
}

socket_is_private() {
  [ "$(stat -c %a "$sock")" = 600 ] || { echo "socket mode $(stat -c %a "$sock")"; return 1; }
}

second_daemon_refused() {
  ! "$bin/gainsayd" --socket "$sock" --data-dir "$work/data2" 2>"$work/second.log" || return 1
  grep -q "already using" "$work/second.log" || { cat "$work/second.log"; return 1; }
  "$bin/gainsay" status --socket "$sock" >/dev/null  # the first one still serves
}

second_daemon_on_data_dir_refused() {
  ! "$bin/gainsayd" --socket "$work/other.sock" --data-dir "$work/data" 2>"$work/third.log" || return 1
  grep -q "already using the data directory" "$work/third.log" || { cat "$work/third.log"; return 1; }
  "$bin/gainsay" status --socket "$sock" >/dev/null
}

private_files() {
  [ "$(stat -c %a "$work/data")" = 700 ] && [ "$(stat -c %a "$work/data/ledger.sqlite")" = 600 ] ||
    { ls -la "$work/data"; return 1; }
}

describe_saves_descriptor_set() {
  "$bin/gainsay" describe --socket "$sock" --descriptor-set-out "$work/set.desc" | grep -q 'gainsay.v1.Meta/Health' &&
    printf '' | protoc --descriptor_set_in="$work/set.desc" --encode=gainsay.v1.HealthRequest >/dev/null
}

sigterm_removes_socket() {
  kill -TERM "$daemon_pid" && wait "$daemon_pid"; local rc=$?
  daemon_pid=""
  [ "$rc" -eq 0 ] || { echo "gainsayd exited with $rc"; return 1; }
  [ ! -e "$sock" ] || { echo "socket left behind"; return 1; }
}

stale_socket_replaced() {
  start_daemon || return 1
  kill -9 "$daemon_pid"; wait "$daemon_pid" 2>/dev/null; daemon_pid=""
  [ -S "$sock" ] || { echo "expected a stale socket after kill -9"; return 1; }
  start_daemon
}

symlinked_socket_refused() {  # the CLI does not follow a symbolic link to a socket
  ln -sf "$sock" "$work/link.sock"
  "$bin/gainsay" status --socket "$work/link.sock" 2>"$work/link.err"; local rc=$?
  [ "$rc" -eq 73 ] && grep -q "is a symbolic link" "$work/link.err" || { echo "exit $rc"; cat "$work/link.err"; return 1; }
}

open_socket_folder_refused() {  # gainsayd: one line on stderr, exit 1, nothing put in the folder
  mkdir -p "$work/open" && chmod 0777 "$work/open"
  timeout 10 "$bin/gainsayd" --socket "$work/open/g.sock" --data-dir "$work/data-open" 2>"$work/open.err"; local rc=$?
  [ "$rc" -eq 1 ] && [ "$(wc -l <"$work/open.err")" -eq 1 ] && grep -q "socket folder $work/open is writable by" "$work/open.err" &&
    [ -z "$(ls -A "$work/open")" ] || { echo "exit $rc"; cat "$work/open.err"; ls -la "$work/open"; return 1; }
}

loose_data_folder_tightened() {  # an existing data folder of ours, 0755, is made 0700
  mkdir -p "$work/data-loose" && chmod 0755 "$work/data-loose"
  "$bin/gainsayd" --socket "$work/loose.sock" --data-dir "$work/data-loose" 2>>"$work/daemon.log" &
  local pid=$!
  for _ in $(seq 100); do [ -S "$work/loose.sock" ] && break; sleep 0.05; done
  local mode; mode=$(stat -c %a "$work/data-loose")
  kill -TERM "$pid"; wait "$pid"
  [ "$mode" = 700 ] || { echo "data folder mode $mode"; return 1; }
}

check "gainsayd starts on a temp socket" start_daemon
check "gainsay status" "$bin/gainsay" status --socket "$sock"
check "gainsay status --json" status_json
check "the socket is private (0600)" socket_is_private
check "the CLI refuses a symbolic link to the socket: exit 73 (FAILED_PRECONDITION)" symlinked_socket_refused
check "gainsayd refuses a socket folder others can write to: exit 1, one line" open_socket_folder_refused
check "an existing data folder of ours, 0755, is tightened to 0700" loose_data_folder_tightened
check "gainsay describe saves a descriptor set protoc can use" describe_saves_descriptor_set
check "shell wire client: socat + protoc" sh "$root/Tests/shell/wire-smoke.sh" "$sock"
check "a second daemon on the same socket refuses to start" second_daemon_refused
check "a second daemon on the same data directory refuses to start" second_daemon_on_data_dir_refused
check "the data directory and database are private" private_files
check "SIGTERM stops gracefully and removes the socket" sigterm_removes_socket
check "no daemon: exit 78 (UNAVAILABLE) with a clear message" \
  expect_exit 78 "$bin/gainsay" status --socket "$sock"
check "a stale socket from a killed daemon is replaced" stale_socket_replaced

echo "live: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
