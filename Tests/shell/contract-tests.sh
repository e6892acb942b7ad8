#!/usr/bin/env bash
# docs/PROTOCOL.md as a client author reads it, against the real gainsayd, the real CLI and the shell
# wire client: Watch's confirmation, the request-id in the log, deadlines, what CreateSource returns, and
# what an open Watch and a running call meet when the daemon shuts down.
#   Tests/shell/contract-tests.sh BIN_DIR
set -uo pipefail
bin=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/gsy-contract-XXXXXX)
export GAINSAY_SOCKET=$work/gainsayd.sock
export NO_COLOR=1
passed=0 failed=0
daemon_pid=""
cleanup() {
  [ -n "$daemon_pid" ] && kill -9 "$daemon_pid" 2>/dev/null
  jobs -p | xargs -r kill 2>/dev/null
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
# shellcheck source=lib/check.sh
. "$(dirname "$0")/lib/check.sh"
g() { "$bin/gainsay" "$@"; }
rpc() { "$root/Clients/shell/gainsay-rpc" "$@"; }

start_daemon() {
  "$bin/gainsayd" --socket "$GAINSAY_SOCKET" --data-dir "$work/data" --log-level debug 2>>"$work/daemon.log" &
  daemon_pid=$!
  for _ in $(seq 200); do
    [ -S "$GAINSAY_SOCKET" ] && g status >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  cat "$work/daemon.log"; return 1
}
check "gainsayd starts, logging at debug level" start_daemon
speaker=$(g speaker add "Ramzan Kadyrov" --alias "Рамзан Кадыров" --country RU)

# wait_for FILE TEXT [TENTHS]: until FILE holds TEXT.
wait_for() {
  for _ in $(seq "${3:-100}"); do grep -qF -- "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "not in $1 in time: $2"; cat "$1"; return 1
}

confirmed_watch() {
  local round out
  for round in 1 2 3 4 5; do
    out=$work/watch-$round.out
    g watch --type claim --confirm-subscription > "$out" 2>&1 &
    local watcher=$!
    wait_for "$out" "subscribed after sequence " || return 1
    # At once: with the confirmation printed, the change cannot be missed.
    local id
    id=$(g claim add "«У нас нет геев», round $round" --speaker "$speaker" --said 2017-07-14) || return 1
    wait_for "$out" "$id" 50 || return 1
    kill "$watcher"; wait "$watcher" 2>/dev/null
    [ "$(head -n 1 "$out" | cut -d' ' -f1-3)" = "subscribed after sequence" ] || { cat "$out"; return 1; }
  done
}
check "watch --confirm-subscription: its first line says it is live; a claim added then is printed" confirmed_watch

confirmed_watch_json() {
  local out=$work/watch.json
  g --json watch --confirm-subscription --after 1 > "$out" 2>&1 &
  local watcher=$!
  wait_for "$out" '"subscribed"' || return 1
  kill "$watcher"; wait "$watcher" 2>/dev/null
  /usr/bin/python3 - "$out" <<'EOF'
import json, sys
lines = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
# The replay (events after sequence 1) comes first, then the confirmation, naming the last one replayed.
confirmation = [l for l in lines if l.get("subscribed")]
assert len(confirmation) == 1, lines
replayed = lines[: lines.index(confirmation[0])]
assert replayed and all(not l.get("subscribed") for l in replayed), lines
assert int(confirmation[0]["sequence"]) == int(replayed[-1]["sequence"]), lines
assert "resource" not in confirmation[0], confirmation
EOF
}
check "watch --json --confirm-subscription --after 1: the replay, then {\"subscribed\": true, \"sequence\": last}" \
  confirmed_watch_json

request_id_logged() {
  rpc -r "desk-42.check_7" gainsay.v1.Ledger/ListSpeakers </dev/null >/dev/null || return 1
  wait_for "$work/daemon.log" "desk-42.check_7" 30 || return 1
  grep -F "desk-42.check_7" "$work/daemon.log" | grep -q "call ended" || { grep -F desk-42 "$work/daemon.log"; return 1; }
  grep -F "desk-42.check_7" "$work/daemon.log" | grep -q "gainsay.v1.Ledger/ListSpeakers"
}
check "a request-id sent by the shell client is in the daemon's debug log line for the call" request_id_logged

bad_request_id() {
  rpc -r 'a"b' gainsay.v1.Meta/Health </dev/null 2>"$work/err"; local status=$?
  [ "$status" -eq 64 ] && grep -q "request id\|-r takes" "$work/err"
}
check "the shell client refuses a request id that would break its text format: exit 64" bad_request_id

create_source_reply() {
  local text
  text=$(printf 'Глава Чечни заявил:\u00a0«У нас нет геев».\nHe said \u201cwe don'"'"'t have any gays\u201d.')
  printf '%s' "$text" > "$work/text.txt"
  g --json source add --title "Interview" --outlet HBO --text-file "$work/text.txt" > "$work/source.json" || return 1
  /usr/bin/python3 - "$work/source.json" "$text" <<'EOF'
import hashlib, json, sys
source = json.load(open(sys.argv[1]))
text = sys.argv[2]
assert "archivedText" not in source, source
assert int(source["archivedTextSize"]) == len(text.encode()), source
assert source["archivedTextSha256"] == hashlib.sha256(text.encode()).hexdigest(), source
EOF
}
check "CreateSource returns the archived text's size and hash, not the text" create_source_reply

deadline_of_1us() {
  # The shell client takes whole seconds; a raw envelope with timeout_micros 1 goes through socat.
  local call="$work/call.bin"
  printf 'method: "gainsay.v1.Meta/Health"\ntimeout_micros: 1\n' |
    protoc -I "$root/Protos" --encode=gainsay.v1.RpcCall gainsay/v1/rpc.proto > "$call" || return 1
  /usr/bin/python3 - "$call" "$work/frames.bin" <<'EOF'
import struct, sys
payload = open(sys.argv[1], "rb").read()
open(sys.argv[2], "wb").write(b"GAINSAY/1\n" + struct.pack(">IIBB", len(payload), 1, 1, 0) + payload)
EOF
  socat -t 5 - "UNIX-CONNECT:$GAINSAY_SOCKET" < "$work/frames.bin" > "$work/reply.bin" || return 1
  /usr/bin/python3 - "$work/reply.bin" <<'EOF'
import struct, sys
data = open(sys.argv[1], "rb").read()
assert data[:10] == b"GAINSAY/1\n", data
length, stream, kind, flags = struct.unpack(">IIBB", data[10:20])
assert (stream, kind) == (1, 3), (stream, kind)
status = data[20:20 + length]
assert status[:2] == b"\x08\x04", status  # code 4, DEADLINE_EXCEEDED
assert b"DEADLINE_EXCEEDED" in status, status
EOF
}
check "Health with a deadline of 1 µs ends with DEADLINE_EXCEEDED (socat + protoc)" deadline_of_1us

shutdown_ends_watch() {
  local out=$work/watch-shutdown.out
  g watch --confirm-subscription > "$out" 2>"$work/watch-shutdown.err" &
  local watcher=$!
  wait_for "$out" "subscribed after sequence " || return 1
  local start=$SECONDS
  kill -TERM "$daemon_pid"
  wait "$watcher"; local status=$?
  [ "$status" -eq 78 ] || { echo "watch exited $status, expected 78 (UNAVAILABLE)"; cat "$work/watch-shutdown.err"; return 1; }
  grep -q "shutting down" "$work/watch-shutdown.err" || { cat "$work/watch-shutdown.err"; return 1; }
  [ $((SECONDS - start)) -le 5 ] || { echo "the watch took $((SECONDS - start)) s to end"; return 1; }
  wait "$daemon_pid"; local daemon_status=$?
  daemon_pid=""
  [ "$daemon_status" -eq 0 ] || { echo "gainsayd exited $daemon_status"; return 1; }
  [ $((SECONDS - start)) -le 5 ] || { echo "gainsayd took $((SECONDS - start)) s to stop with only a watch open"; return 1; }
  [ ! -e "$GAINSAY_SOCKET" ]
}
check "SIGTERM ends an open watch at once (exit 78, 'shutting down') and the daemon stops without the 10 s wait" \
  shutdown_ends_watch

refused_while_down() {
  g status 2>"$work/err"; local status=$?
  [ "$status" -eq 78 ]
}
check "after the stop, a new connection is UNAVAILABLE: exit 78" refused_while_down

echo "contract: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
