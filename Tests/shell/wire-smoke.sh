#!/bin/sh
# Speaks the wire protocol to a running gainsayd with nothing but printf, od, protoc and socat, as
# docs/PROTOCOL.md section 15 describes: a cross-language check of the framing and the envelope.
#   Tests/shell/wire-smoke.sh SOCKET
set -eu
SOCK=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
PROTOC="protoc -I $root/Protos -I /usr/include"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

fail() { echo "wire-smoke: FAIL: $*" >&2; exit 1; }

u32() { printf "$(printf '\\%03o\\%03o\\%03o\\%03o' \
  $(( ($1 >> 24) & 255 )) $(( ($1 >> 16) & 255 )) $(( ($1 >> 8) & 255 )) $(( $1 & 255 )))"; }
u8() { printf "$(printf '\\%03o' "$1")"; }
frame() { u32 "$(wc -c < "$4")"; u32 "$1"; u8 "$2"; u8 "$3"; cat "$4"; }
pbescape() { od -An -v -to1 "$1" | tr -s ' \n' '\n\n' | sed '/^$/d; s/^/\\/' | tr -d '\n'; }
envelope() {
  { printf 'method: "%s"\npayload: "%s"\n' "$1" "$(pbescape "$2")"
    [ -n "${3:-}" ] && printf 'timeout_micros: %s\n' "$3"; } |
    $PROTOC --encode=gainsay.v1.RpcCall gainsay/v1/rpc.proto
}

: > empty.bin
printf 'service: "gainsay.v1.Nope"\n' | $PROTOC --encode=gainsay.v1.HealthRequest gainsay/v1/meta.proto > nope.bin
envelope gainsay.v1.Meta/Health   empty.bin         > call1.bin
envelope gainsay.v1.Meta/Describe empty.bin 5000000 > call2.bin
envelope gainsay.v1.Meta/Health   nope.bin  5000000 > call3.bin
envelope x.Y/Z                    empty.bin         > call4.bin
{ printf 'GAINSAY/1\n'
  frame 1 1 0 call1.bin; frame 2 1 0 call2.bin; frame 3 1 0 call3.bin; frame 4 1 0 call4.bin
} > request.bin

socat -t 30 - UNIX-CONNECT:"$SOCK" < request.bin > reply.bin

[ "$(head -c 10 reply.bin)" = GAINSAY/1 ] || fail "no Gainsay preface in the reply"
size=$(wc -c < reply.bin); off=10; frames=0
while [ "$off" -lt "$size" ]; do
  # shellcheck disable=SC2046
  set -- $(od -An -v -tu1 -j "$off" -N 10 reply.bin)
  [ $# -eq 10 ] || fail "truncated frame header at byte $off"
  len=$(( ($1 << 24) | ($2 << 16) | ($3 << 8) | $4 ))
  sid=$(( ($5 << 24) | ($6 << 16) | ($7 << 8) | $8 ))
  tail -c +$((off + 11)) reply.bin | head -c "$len" > "s$sid-t$9-f${10}.bin"
  off=$((off + 10 + len)); frames=$((frames + 1))
done
[ "$frames" -eq 4 ] || fail "expected 4 frames, got $frames"

health=$($PROTOC --decode=gainsay.v1.HealthResponse gainsay/v1/meta.proto < s1-t2-f1.bin)
[ "$health" = "status: SERVING_STATUS_SERVING" ] || fail "Health said: $health"
nope=$($PROTOC --decode=gainsay.v1.HealthResponse gainsay/v1/meta.proto < s3-t2-f1.bin)
[ "$nope" = "status: SERVING_STATUS_SERVICE_UNKNOWN" ] || fail "Health(gainsay.v1.Nope) said: $nope"
unknown=$($PROTOC --decode=gainsay.v1.RpcStatus gainsay/v1/rpc.proto < s4-t3-f0.bin)
echo "$unknown" | grep -q '^code: 12$' || fail "unknown method: $unknown"
echo "$unknown" | grep -q '^reason: "UNKNOWN_METHOD"$' || fail "unknown method: $unknown"
$PROTOC --decode=gainsay.v1.DescribeResponse gainsay/v1/meta.proto < s2-t2-f1.bin > describe.txt
grep -q 'name: "gainsay.v1.Meta/Health"' describe.txt || fail "Describe does not list Meta/Health"
grep -q '^protocol_version: 1$' describe.txt || fail "Describe: protocol version"

# The descriptor set from Describe is enough for protoc on its own.
grep '^descriptor_set: ' describe.txt | $PROTOC --encode=gainsay.v1.DescribeResponse gainsay/v1/meta.proto > field4.bin
n=$(wc -c < field4.bin); k=1
while [ $(( (n - 1 - k) >> (7 * k) )) -gt 0 ]; do k=$((k + 1)); done
tail -c +$((2 + k)) field4.bin > gainsay.desc
protoc --descriptor_set_in=gainsay.desc --decode=gainsay.v1.HealthResponse < s1-t2-f1.bin | grep -q SERVING ||
  fail "the descriptor set from Describe does not decode a HealthResponse"
echo "wire-smoke: 4 calls over socat with protoc: ok"
