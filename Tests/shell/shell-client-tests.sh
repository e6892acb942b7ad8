#!/usr/bin/env bash
# The shell client (Clients/shell/gainsay-rpc, protoc + socat) and its example scripts against a real
# gainsayd: unary and streaming calls, errors and exit codes, bad input.
#   Tests/shell/shell-client-tests.sh BIN_DIR
set -uo pipefail
bin=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
rpc=$root/Clients/shell/gainsay-rpc
examples=$root/Clients/shell/examples
work=$(mktemp -d /tmp/gsy-shell-XXXXXX)
export GAINSAY_SOCKET=$work/gainsayd.sock
passed=0 failed=0
daemon_pid=""
cleanup() { [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# shellcheck source=lib/check.sh
. "$(dirname "$0")/lib/check.sh"

expect_exit() {  # expect_exit CODE PATTERN COMMAND...
  local want=$1 pattern=$2; shift 2
  "$@" >"$work/stdout" 2>"$work/stderr"; local got=$?
  [ "$got" -eq "$want" ] || { echo "exit $got, expected $want"; cat "$work/stderr"; return 1; }
  grep -q -- "$pattern" "$work/stderr" || { echo "stderr lacks '$pattern':"; cat "$work/stderr"; return 1; }
}

check "no daemon: UNAVAILABLE, exit 78" expect_exit 78 "cannot reach gainsayd" sh "$rpc" gainsay.v1.Meta/Health

"$bin/gainsayd" --data-dir "$work/data" 2>"$work/daemon.log" &
daemon_pid=$!
for _ in $(seq 100); do [ -S "$GAINSAY_SOCKET" ] && break; sleep 0.05; done

id_of() { sed -n 's/^  *id: "\(.*\)"$/\1/p; s/^id: "\(.*\)"$/\1/p' | head -1; }

speaker=$(echo 'speaker { name: "Vladimir Putin" country: "RU" }' | "$rpc" gainsay.v1.Ledger/CreateSpeaker | id_of)
check "unary: the reply in text format" bash -c "[[ '$speaker' == spk_* ]]"
claim=$(echo "claim { speaker_id: \"$speaker\" text: \"There is no discrimination of gay people in Russia\" said_on { year: 2013 } topics: \"lgbt\" }" |
  "$rpc" gainsay.v1.Ledger/CreateClaim | id_of)
check "nested requests" bash -c "[[ '$claim' == clm_* ]]"
for n in 1 2 3; do
  echo "claim { speaker_id: \"$speaker\" text: \"The propaganda law protects children $n\" said_on { year: 2013 month: $n } }" |
    "$rpc" gainsay.v1.Ledger/CreateClaim > /dev/null
done
check "an empty request from empty input" bash -c "'$rpc' gainsay.v1.Meta/Health < /dev/null | grep -qx 'status: SERVING_STATUS_SERVING'"
streamed() {
  echo 'query: "propaganda"' | "$rpc" gainsay.v1.Ledger/Search > "$work/hits"
  [ "$(grep -c '^resource_id:' "$work/hits")" -eq 3 ] || { cat "$work/hits"; return 1; }
}
check "server streaming prints every message" streamed
check "an empty stream prints nothing and succeeds" bash -c "[ -z \"\$(echo 'query: \"nothing-matches-this\"' | '$rpc' gainsay.v1.Ledger/Search)\" ]"
check "NOT_FOUND: exit 69, status on stderr" expect_exit 69 "NOT_FOUND" sh -c "echo 'id: \"clm_nope\"' | '$rpc' gainsay.v1.Ledger/GetClaim"
check "INVALID_ARGUMENT names the field: exit 67" expect_exit 67 "claim.text" sh -c "echo 'claim { speaker_id: \"$speaker\" text: \" \" said_on { year: 2013 } }' | '$rpc' gainsay.v1.Ledger/CreateClaim"
check "input that is not text format: exit 67" expect_exit 67 "text format" sh -c "echo 'nonsense {' | '$rpc' gainsay.v1.Ledger/GetClaim"
check "unknown method: exit 76 UNIMPLEMENTED" expect_exit 76 "UNIMPLEMENTED" sh "$rpc" gainsay.v1.Ledger/DeleteClaim
check "bad usage: exit 64" expect_exit 64 "usage\|METHOD" sh "$rpc" not-a-method
check "a deadline the server enforces" expect_exit 68 "DEADLINE_EXCEEDED" sh -c "'$rpc' -t 1 gainsay.v1.Ledger/Watch < /dev/null"

source=$(printf 'source { title: "Russia: anti-LGBT law" outlet: "Human Rights Watch" kind: SOURCE_KIND_NGO_REPORT archived_text: "The law has been used to harass LGBT people and activists." }\n' |
  "$rpc" gainsay.v1.Ledger/CreateSource | id_of)
echo "link { claim_id: \"$claim\" source_id: \"$source\" relation: RELATION_CONTRADICTS quote { exact: \"used to harass LGBT people\" } }" |
  "$rpc" gainsay.v1.Ledger/CreateLink > /dev/null
check "example: daily-contradictions" bash -c "'$examples/daily-contradictions' 24 > '$work/daily' && grep -q 'used to harass LGBT people' '$work/daily' && grep -q '1 new contradiction' '$work/daily'"
check "example: tag-claims" bash -c "'$examples/tag-claims' propaganda-law 'propaganda' | grep -q 'tagged 3' && '$examples/tag-claims' propaganda-law 'propaganda' | grep -q '3 already had it' && echo 'topic: \"propaganda-law\"' | '$rpc' gainsay.v1.Ledger/ListClaims | grep -c '^  id:' | grep -qx 3"
follow() {
  # In its own process group, so that the whole pipeline (gainsay-rpc, socat) can be stopped.
  setsid "$examples/follow-claims" > "$work/follow" 2>&1 &
  local follower=$!
  sleep 1
  echo "claim { speaker_id: \"$speaker\" text: \"A followed statement\" said_on { year: 2014 } }" | "$rpc" gainsay.v1.Ledger/CreateClaim > /dev/null
  for _ in $(seq 50); do grep -q 'A followed statement' "$work/follow" && break; sleep 0.1; done
  kill -- "-$follower" 2>/dev/null; wait "$follower" 2>/dev/null
  grep -q 'create clm_.*: "A followed statement"' "$work/follow" || { cat "$work/follow"; return 1; }
}
check "example: follow-claims" follow

echo "shell client: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
