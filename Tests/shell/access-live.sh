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
cp -R "$root/Protos" "$root/Clients/shell/gainsay-rpc" "$work/client/"
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

echo "access: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
