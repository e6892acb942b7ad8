#!/usr/bin/env bash
# Live access control with real Unix users (needs root, as CI has): the daemon's owner is admin, a user
# the config names is a reader, anyone else is refused; identity comes from SO_PEERCRED, so nothing in the
# request can change it. The calls go through the shell client, run as those users.
#   Tests/shell/access-live.sh BIN_DIR
set -uo pipefail
bin=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
if [ "$(id -u)" -ne 0 ]; then
  echo "access: 0 passed, 0 failed, 1 skipped (needs root to create test users)"
  exit 0
fi
passed=0 failed=0
work=$(mktemp -d /tmp/gsy-access-XXXXXX)
chmod 0711 "$work"
daemon_pid=""
cleanup() { [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

for user in gainsay-test-reader gainsay-test-nobody; do
  id "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
done

# What the test users run must be readable by them.
mkdir -p "$work/client"
cp -R "$root/Protos" "$root/Clients/shell/gainsay-rpc" "$bin/gainsay" "$work/client/"
chmod -R a+rX "$work/client"
cat > "$work/config.json" <<JSON
{ "roles": { "users": { "gainsay-test-reader": "reader" } } }
JSON
sock=$work/run/gainsayd.sock
"$bin/gainsayd" --socket "$sock" --data-dir "$work/data" --config "$work/config.json" 2>"$work/daemon.log" &
daemon_pid=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done

rpc() {  # rpc USER METHOD REQUEST_TEXT
  local user=$1 method=$2 request=$3
  printf '%s\n' "$request" | runuser -u "$user" -- env TMPDIR=/tmp \
    "$work/client/gainsay-rpc" -s "$sock" -p "$work/client/Protos" "$method"
}

# Daemons expected to refuse to start run under `timeout 10`: a daemon that starts instead fails the
# check (exit 124) rather than holding the suite.
# shellcheck source=lib/check.sh
. "$(dirname "$0")/lib/check.sh"

owner_is_admin() { rpc root gainsay.v1.Ledger/GetCaller '' | grep -q 'role: ROLE_ADMIN'; }
owner_writes() { rpc root gainsay.v1.Ledger/CreateSpeaker 'speaker { name: "Ramzan Kadyrov" }' | grep -q '^id: "spk_'; }
reader_is_reader() { rpc gainsay-test-reader gainsay.v1.Ledger/GetCaller '' | grep -q 'role: ROLE_READER'; }
reader_reads() { rpc gainsay-test-reader gainsay.v1.Ledger/GetSpeaker 'id: "Ramzan Kadyrov"' | grep -q 'name: "Ramzan Kadyrov"'; }
reader_cannot_write() {
  rpc gainsay-test-reader gainsay.v1.Ledger/CreateSpeaker 'speaker { name: "Someone" }' 2>"$work/err"
  local rc=$?
  [ $rc -eq 71 ] && grep -q PERMISSION_DENIED "$work/err" || { echo "exit $rc"; cat "$work/err"; return 1; }
}
stranger_refused() {
  rpc gainsay-test-nobody gainsay.v1.Ledger/ListClaims '' 2>"$work/err"
  local rc=$?
  [ $rc -eq 71 ] || { echo "exit $rc"; cat "$work/err"; return 1; }
}
audit_names_the_owner() {
  rpc root gainsay.v1.Ledger/ListAuditEvents '' | grep -q 'user_name: "root"'
}
# The attacks of the security report, as a real other user.
folder_taken_over_refused() {  # another user made the socket folder first (0777): the daemon refuses
  mkdir -p "$work/taken" && chown gainsay-test-nobody "$work/taken" && chmod 0777 "$work/taken"
  timeout 10 "$bin/gainsayd" --socket "$work/taken/g.sock" --data-dir "$work/data-taken" 2>"$work/taken.err"; local rc=$?
  [ "$rc" -eq 1 ] && [ "$(wc -l <"$work/taken.err")" -eq 1 ] && grep -q "socket folder $work/taken" "$work/taken.err" ||
    { echo "exit $rc"; cat "$work/taken.err"; return 1; }
}
private_folder_of_another_user_refused() {  # even 0700, a folder someone else owns is refused
  mkdir -p "$work/theirs" && chown gainsay-test-nobody "$work/theirs" && chmod 0700 "$work/theirs"
  timeout 10 "$bin/gainsayd" --socket "$work/s2/g.sock" --data-dir "$work/theirs" 2>"$work/theirs.err"; local rc=$?
  [ "$rc" -eq 1 ] && grep -q "data folder $work/theirs belongs to gainsay-test-nobody" "$work/theirs.err" ||
    { echo "exit $rc"; cat "$work/theirs.err"; return 1; }
}
lock_file_of_another_user_refused() {  # a pre-made lock file is refused unless it is the daemon user's own
  mkdir -p "$work/data-lock" && chmod 0700 "$work/data-lock"
  printf '\033]0;pwned\007' >"$work/data-lock/gainsayd.lock" && chown gainsay-test-nobody "$work/data-lock/gainsayd.lock"
  timeout 10 "$bin/gainsayd" --socket "$work/s3/g.sock" --data-dir "$work/data-lock" 2>"$work/lock.err"; local rc=$?
  [ "$rc" -eq 1 ] && grep -q "lock file $work/data-lock/gainsayd.lock is a file owned by gainsay-test-nobody" "$work/lock.err" &&
    ! grep -q $'\033' "$work/lock.err" || { echo "exit $rc"; cat -v "$work/lock.err"; return 1; }
}
fake_server_refused_by_cli() {  # another user's folder with their own "gainsayd": the CLI will not talk to it
  mkdir -p "$work/fake" && chown gainsay-test-nobody "$work/fake" && chmod 0777 "$work/fake"
  runuser -u gainsay-test-nobody -- socat UNIX-LISTEN:"$work/fake/gainsayd.sock",fork SYSTEM:'cat >/dev/null' &
  local fake=$!
  for _ in $(seq 100); do [ -S "$work/fake/gainsayd.sock" ] && break; sleep 0.05; done
  "$bin/gainsay" status --timeout 3 --socket "$work/fake/gainsayd.sock" 2>"$work/fake.err"; local rc=$?
  kill "$fake" 2>/dev/null; wait "$fake" 2>/dev/null
  [ "$rc" -eq 73 ] && grep -q "socket's folder $work/fake belongs to gainsay-test-nobody" "$work/fake.err" ||
    { echo "exit $rc"; cat "$work/fake.err"; return 1; }
}
stranger_idle_connection_closed() {  # no role: a connection that sends nothing is closed at once, not held
  # socat ends when the daemon closes; if it did not, timeout would end it after 10 s (exit 124); the daemon allows 2 s.
  (printf 'GAINSAY/1\n'; sleep 12) | runuser -u gainsay-test-nobody -- timeout 10 socat -t 1 - UNIX-CONNECT:"$sock" >"$work/idle.out"
  local rc=$?
  [ "$rc" -ne 124 ] && grep -q NO_ROLE "$work/idle.out" || { echo "exit $rc"; od -c "$work/idle.out" | head; return 1; }
}
stranger_closed_after_one_call() {  # no role: GetCaller is answered, then GOAWAY PERMISSION_DENIED
  rpc gainsay-test-nobody gainsay.v1.Ledger/GetCaller '' 2>"$work/err" | grep -q 'user_name: "gainsay-test-nobody"' ||
    { cat "$work/err"; return 1; }
}
stranger_status() {  # gainsay status as a user without a role: one line saying so, exit 71
  runuser -u gainsay-test-nobody -- "$work/client/gainsay" status --socket "$sock" >/dev/null 2>"$work/err"
  local rc=$?
  [ $rc -eq 71 ] && grep -q "have no role on it" "$work/err" && [ "$(wc -l < "$work/err")" -eq 1 ] ||
    { echo "exit $rc"; cat "$work/err"; return 1; }
}
# The same roles on the gRPC socket, through grpcio run as each user (a copy of the venv's stubs they can read).
grpc_sock=$work/run/gainsayd.grpc.sock
# shellcheck source=../../Scripts/lib/ensure-dependencies.sh
. "$root/Scripts/lib/ensure-dependencies.sh"
py=$(gainsay_python_grpc 2>/dev/null) && cp -R "$(dirname "$(dirname "$py")")/stubs" "$work/client/stubs" &&
  chmod -R a+rX "$work/client/stubs" "$(dirname "$(dirname "$py")")"
grpc_as() {  # grpc_as USER METHOD: prints the call's outcome (the role, or the status code and reason)
  runuser -u "$1" -- env PYTHONPATH="$work/client/stubs" "$py" - "$grpc_sock" "$2" <<'PY'
import sys, grpc
from gainsay.v1 import ledger_pb2, ledger_pb2_grpc, speaker_pb2
from grpc_status import rpc_status
from google.rpc import error_details_pb2
ledger = ledger_pb2_grpc.LedgerStub(grpc.insecure_channel("unix://" + sys.argv[1]))
try:
    if sys.argv[2] == "GetCaller":
        caller = ledger.GetCaller(ledger_pb2.GetCallerRequest(), timeout=10)
        print(ledger_pb2.Role.Name(caller.role), caller.actor.user_name)
    else:
        ledger.CreateSpeaker(speaker_pb2.CreateSpeakerRequest(speaker=speaker_pb2.Speaker(name="Someone")), timeout=10)
        print("created")
except grpc.RpcError as error:
    status = rpc_status.from_call(error)
    reasons = []
    for detail in status.details if status else []:
        info = error_details_pb2.ErrorInfo()
        if detail.Unpack(info):
            reasons.append(info.reason)
    print(error.code().name, *reasons)
PY
}
grpc_roles() {
  [ -n "${py:-}" ] || { echo "no Python with grpcio"; return 1; }
  local out
  out=$(grpc_as root GetCaller); [ "$out" = "ROLE_ADMIN root" ] || { echo "root: $out"; return 1; }
  out=$(grpc_as gainsay-test-reader GetCaller); [ "$out" = "ROLE_READER gainsay-test-reader" ] || { echo "reader: $out"; return 1; }
  out=$(grpc_as gainsay-test-reader CreateSpeaker)
  [ "$out" = "PERMISSION_DENIED ROLE_REQUIRED" ] || { echo "reader writes: $out"; return 1; }
  out=$(grpc_as gainsay-test-nobody GetCaller)
  [ "$out" = "ROLE_UNSPECIFIED gainsay-test-nobody" ] || { echo "nobody: $out"; return 1; }
  out=$(grpc_as gainsay-test-nobody CreateSpeaker); [ "${out%% *}" = "PERMISSION_DENIED" ] || { echo "nobody writes: $out"; return 1; }
  ! grep -q 'name: "Someone"' <(rpc root gainsay.v1.Ledger/ListSpeakers '')
}

database_unreadable_by_others() {
  ! runuser -u gainsay-test-reader -- cat "$work/data/ledger.sqlite" >/dev/null 2>&1
}

check "the daemon's owner is admin" owner_is_admin
check "the owner can write" owner_writes
check "a configured user is a reader" reader_is_reader
check "a reader can read" reader_reads
check "a reader cannot write: PERMISSION_DENIED (exit 71)" reader_cannot_write
check "a user without a role is refused" stranger_refused
check "the audit log names the Unix user" audit_names_the_owner
check "other users cannot read the database file" database_unreadable_by_others
check "a socket folder made first by another user (0777) is refused: exit 1, one line" folder_taken_over_refused
check "a data folder owned by another user is refused" private_folder_of_another_user_refused
check "a lock file owned by another user is refused, its content never printed" lock_file_of_another_user_refused
check "the CLI refuses a socket in another user's writable folder: exit 73" fake_server_refused_by_cli
check "a user without a role may still call GetCaller" stranger_closed_after_one_call
check "gainsay status tells a user without a role that they have none: exit 71" stranger_status
check "a user without a role holding an idle connection is closed with NO_ROLE" stranger_idle_connection_closed
check "gRPC socket: admin, reader and no role as on the socket; a reader's write PERMISSION_DENIED ROLE_REQUIRED" grpc_roles

echo "access: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
