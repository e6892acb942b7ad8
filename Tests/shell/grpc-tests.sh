#!/usr/bin/env bash
# Standard gRPC on gainsayd's second socket (gainsayd.grpc.sock), as a client author meets it with grpcio:
# the Python example and the CLI on one ledger, server reflection (v1alpha and v1), grpc.health.v1,
# errors with google.rpc.Status details, deadlines, cancellation and request ids in the log, a
# server-streaming call, garbage and compressed or oversized messages, the drain on SIGTERM, and
# --grpc-socket off; with hand-built HTTP/2 (grpc/rawh2.py): reflection's back-pressure, stream errors
# that leave the connection, content types, and the drain with unfinished requests and health calls.
#   Tests/shell/grpc-tests.sh BIN_DIR
set -uo pipefail
bin=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/gsy-grpc-XXXXXX)
export GAINSAY_SOCKET=$work/gainsayd.sock
unset GAINSAY_GRPC_SOCKET
grpc=$work/gainsayd.grpc.sock
# Where the snippets' grpccheck.channel() connects.
export GSY_GRPC_SOCKET=$grpc
export NO_COLOR=1
passed=0 failed=0 skipped=0
daemon_pid="" off_pid="" spare_pid=""
cleanup() {
  [ -n "$daemon_pid" ] && kill -9 "$daemon_pid" 2>/dev/null
  [ -n "$off_pid" ] && kill -9 "$off_pid" 2>/dev/null
  [ -n "$spare_pid" ] && kill -9 "$spare_pid" 2>/dev/null
  jobs -p | xargs -r kill 2>/dev/null
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
skip() { skipped=$((skipped + 1)); echo "skip $1"; }
# shellcheck source=lib/check.sh
. "$(dirname "$0")/lib/check.sh"
# shellcheck source=../../Scripts/lib/ensure-dependencies.sh
. "$root/Scripts/lib/ensure-dependencies.sh"
py=$(gainsay_python_grpc) || { echo "grpc: no Python with grpcio (gainsay_python_grpc failed)"; exit 1; }
stubs=$(dirname "$(dirname "$py")")/stubs
g() { "$bin/gainsay" "$@"; }
# gpy ARGS... <<'EOF': a Python snippet with grpcio, the gainsay.v1 stubs, grpc/grpccheck.py and grpc/rawh2.py
# importable.
gpy() { PYTHONPATH="$stubs:$root/Tests/shell/grpc" "$py" - "$@"; }
example() { "$py" "$root/Clients/python/gainsay_example.py" --socket "$grpc" --stubs "$stubs" --json; }
reflection_list() { "$py" "$root/Clients/python/reflection_list.py" --socket "$grpc" "$@"; }

# wait_for FILE TEXT [TENTHS]: until FILE holds TEXT.
wait_for() {
  for _ in $(seq "${3:-100}"); do grep -qF -- "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "not in $1 in time: $2"; tail -n 20 "$1"; return 1
}

start_daemon() {
  "$bin/gainsayd" --socket "$GAINSAY_SOCKET" --data-dir "$work/data" --log-level debug 2>>"$work/daemon.log" &
  daemon_pid=$!
  for _ in $(seq 200); do
    [ -S "$GAINSAY_SOCKET" ] && [ -S "$grpc" ] && g status >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  ls -l "$work"; cat "$work/daemon.log"; return 1
}
check "gainsayd starts with its gRPC socket beside its own (gainsayd.grpc.sock)" start_daemon

# example_steps FILE WRITES [SPEAKER]: the example's JSON lines are the steps in order, with WRITES
# changes seen, one per write; prints "CLAIM SPEAKER SOURCE LINK".
example_steps() {
  "$py" - "$@" <<'EOF'
import json, os, pwd, sys
path, writes = sys.argv[1], int(sys.argv[2])
lines = [json.loads(line) for line in open(path) if line.strip()]
# REPEATS_FOUND (the daemon's note that the claim is already logged) may come between the changes.
steps = [l["step"] for l in lines if l["step"] != "repeats"]
expected = ["caller", "watching", "speaker", "claim", "source", "link"] + ["change"] * writes + ["evidence"]
assert steps == expected, (steps, expected)
by = {l["step"]: l for l in lines}
assert by["caller"] == {"step": "caller", "user": pwd.getpwuid(os.getuid()).pw_name, "role": "ROLE_ADMIN"}, by["caller"]
assert by["watching"]["subscribed"] is True, by["watching"]
speaker, claim, source, link = (by[s]["id"] for s in ("speaker", "claim", "source", "link"))
if len(sys.argv) > 3:
    assert speaker == sys.argv[3], ("the second run did not reuse the speaker", speaker, sys.argv[3])
assert speaker.startswith("spk_") and claim.startswith("clm_") and source.startswith("src_") and link.startswith("lnk_"), by
assert by["speaker"]["name"] == "Ramzan Kadyrov", by["speaker"]
assert by["claim"]["text"] == "We don\u2019t have any gays", by["claim"]
assert by["source"]["archived_text_size"] == 125, by["source"]
assert by["link"]["relation"] == "RELATION_CONTRADICTS", by["link"]
# The quote is found after "The newspaper reported that\u00a0": 28 characters in.
assert by["link"]["quote_start"] == 28, by["link"]
changes = [l for l in lines if l["step"] == "change"]
written = ([speaker] if writes == 4 else []) + [claim, source, link]
assert [c["resource"] for c in changes] == written, (changes, written)
assert all(c["action"] == "AUDIT_ACTION_CREATE" for c in changes), changes
first = by["watching"]["sequence"] + 1
sequences = [c["sequence"] for c in changes]
assert sequences[0] == first and sequences == sorted(set(sequences)), (by["watching"], changes)
notes = [l for l in lines if l["step"] == "repeats"]
assert len(sequences) + len(notes) == sequences[-1] - first + 1, (changes, notes)
assert all(n["claim"] == claim and n["found"] for n in notes), notes
assert by["evidence"] == {"step": "evidence", "claim": claim, "contradicting": 1}, by["evidence"]
print(claim, speaker, source, link)
EOF
}

claim="" speaker="" source=""
example_and_cli() {
  example > "$work/example-1.json" 2>"$work/example-1.err"; local status=$?
  [ "$status" -eq 0 ] || { echo "gainsay_example.py exited $status"; cat "$work/example-1.err" "$work/example-1.json"; return 1; }
  local ids
  ids=$(example_steps "$work/example-1.json" 4) || { cat "$work/example-1.json"; return 1; }
  read -r claim speaker source _ <<<"$ids"
  # The same claim over our own socket, by the CLI.
  g claim show "$claim" --json > "$work/claim.json" || return 1
  "$py" - "$work/claim.json" "$claim" "$speaker" "$source" <<'EOF'
import json, sys
shown = json.load(open(sys.argv[1]))
claim, speaker, source = sys.argv[2:5]
assert shown["id"] == claim, shown
assert shown["text"] == "We don\u2019t have any gays", shown
assert shown["speakerId"] == speaker and shown["speakerName"] == "Ramzan Kadyrov", shown
assert shown["saidOn"] == {"year": 2017, "month": 7}, shown
assert shown["evidence"] == {"contradicting": 1}, shown["evidence"]
assert [(l["relation"], l["source"]["id"]) for l in shown["links"]] == [("contradicts", source)], shown["links"]
EOF
}
check "gainsay_example.py over gRPC: claim, contradicting link, one change per write; the CLI sees the same claim" \
  example_and_cli

example_again() {
  [ -n "$speaker" ] || { echo "no speaker from the first run"; return 1; }
  example > "$work/example-2.json" 2>"$work/example-2.err"; local status=$?
  [ "$status" -eq 0 ] || { echo "gainsay_example.py exited $status"; cat "$work/example-2.err" "$work/example-2.json"; return 1; }
  local ids second
  # The speaker exists (ALREADY_EXISTS names it): 3 writes, the same speaker, a new claim.
  ids=$(example_steps "$work/example-2.json" 3 "$speaker") || { cat "$work/example-2.json"; return 1; }
  read -r second _ <<<"$ids"
  [ "$second" != "$claim" ] || { echo "the second run returned the first claim $claim"; return 1; }
  [ "$(g speaker list --json | grep -o '"Ramzan Kadyrov"' | wc -l)" -eq 1 ] || { g speaker list --json; return 1; }
}
check "gainsay_example.py a second time: exit 0, reusing the speaker (3 writes, 3 changes)" example_again

reflection_lists() {
  reflection_list > "$work/services" 2>&1 || { cat "$work/services"; return 1; }
  printf '%s\n' gainsay.v1.Ledger gainsay.v1.Meta grpc.health.v1.Health grpc.reflection.v1.ServerReflection \
    grpc.reflection.v1alpha.ServerReflection > "$work/services.expected"
  diff "$work/services.expected" "$work/services" || return 1
  reflection_list gainsay.v1.Ledger > "$work/ledger.methods" 2>&1 || { cat "$work/ledger.methods"; return 1; }
  grep -qxF 'gainsay.v1.Ledger.Watch(gainsay.v1.WatchRequest) returns (stream gainsay.v1.ChangeEvent)' \
    "$work/ledger.methods" || { cat "$work/ledger.methods"; return 1; }
  grep -qxF 'gainsay.v1.Ledger.GetClaim(gainsay.v1.GetClaimRequest) returns (gainsay.v1.Claim)' \
    "$work/ledger.methods" || { cat "$work/ledger.methods"; return 1; }
  # Every rpc of ledger.proto, no more.
  local rpcs
  rpcs=$(grep -c '^ *rpc ' "$root/Protos/gainsay/v1/ledger.proto")
  [ "$(wc -l < "$work/ledger.methods")" -eq "$rpcs" ] || { echo "expected $rpcs methods"; cat "$work/ledger.methods"; return 1; }
  reflection_list grpc.health.v1.Health > "$work/health.methods" 2>&1 || { cat "$work/health.methods"; return 1; }
  diff - "$work/health.methods" <<'EOF' || return 1
grpc.health.v1.Health.Check(grpc.health.v1.HealthCheckRequest) returns (grpc.health.v1.HealthCheckResponse)
grpc.health.v1.Health.List(grpc.health.v1.HealthListRequest) returns (grpc.health.v1.HealthListResponse)
grpc.health.v1.Health.Watch(grpc.health.v1.HealthCheckRequest) returns (stream grpc.health.v1.HealthCheckResponse)
EOF
  reflection_list nope.v1.Nothing > "$work/nope.out" 2>"$work/nope.err"; local status=$?
  [ "$status" -ne 0 ] || { echo "describing nope.v1.Nothing exited 0"; cat "$work/nope.out"; return 1; }
  [ ! -s "$work/nope.out" ] && [ "$(wc -l < "$work/nope.err")" -eq 1 ] || { cat "$work/nope.out" "$work/nope.err"; return 1; }
  grep -q '^reflection_list: .*nope\.v1\.Nothing' "$work/nope.err" || { cat "$work/nope.err"; return 1; }
}
check "reflection (v1alpha, reflection_list.py): the five services, Ledger's and Health's methods; an unknown one fails in one line" \
  reflection_lists

reflection_v1() {
  gpy <<'EOF'
import grpccheck
from google.protobuf import descriptor_pb2
from grpc_reflection.v1alpha import reflection_pb2
Request = reflection_pb2.ServerReflectionRequest
with grpccheck.channel() as channel:
    # v1's messages are v1alpha's, wire for wire.
    info = channel.stream_stream(
        "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
        request_serializer=Request.SerializeToString,
        response_deserializer=reflection_pb2.ServerReflectionResponse.FromString)
    requests = [Request(list_services=""), Request(file_containing_symbol="gainsay.v1.Claim"),
                Request(file_by_filename="nope.proto")]
    responses = list(info(iter(requests), timeout=10))
assert len(responses) == 3, responses
for request, response in zip(requests, responses):
    assert response.original_request == request, (request, response.original_request)
kinds = [r.WhichOneof("message_response") for r in responses]
assert kinds == ["list_services_response", "file_descriptor_response", "error_response"], kinds
services = [s.name for s in responses[0].list_services_response.service]
assert services == ["gainsay.v1.Ledger", "gainsay.v1.Meta", "grpc.health.v1.Health",
                    "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"], services
files = [descriptor_pb2.FileDescriptorProto.FromString(b)
         for b in responses[1].file_descriptor_response.file_descriptor_proto]
names = [f.name for f in files]
assert names[0] == "gainsay/v1/claim.proto", names
assert "Claim" in [m.name for m in files[0].message_type], files[0].message_type
assert "google/protobuf/timestamp.proto" in names, names
assert len(set(names)) == len(names), names
# The set is closed under imports: a client can build the pool from it alone.
missing = [(f.name, d) for f in files for d in f.dependency if d not in names]
assert not missing, missing
error = responses[2].error_response
assert error.error_code == 5, error
assert "nope.proto" in error.error_message, error
print("files:", names)
EOF
}
check "reflection v1: list_services, file_containing_symbol gainsay.v1.Claim (with its imports), NOT_FOUND for nope.proto" \
  reflection_v1

health() {
  gpy <<'EOF'
import grpc, grpccheck
from grpc_health.v1 import health_pb2, health_pb2_grpc
SERVING = health_pb2.HealthCheckResponse.SERVING
with grpccheck.channel() as channel:
    health = health_pb2_grpc.HealthStub(channel)
    for service in ("", "gainsay.v1.Ledger", "gainsay.v1.Meta", "grpc.health.v1.Health"):
        status = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=5).status
        assert status == SERVING, (service, status)
    error = grpccheck.fails(health.Check, health_pb2.HealthCheckRequest(service="nope"), timeout=5)
    print("Check(nope):", grpccheck.describe(error))
    assert error.code() == grpc.StatusCode.NOT_FOUND, grpccheck.describe(error)
    listed = health.List(health_pb2.HealthListRequest(), timeout=5)
    statuses = {name: response.status for name, response in listed.statuses.items()}
    expected = {name: SERVING for name in ("", "gainsay.v1.Ledger", "gainsay.v1.Meta", "grpc.health.v1.Health",
                                           "grpc.reflection.v1.ServerReflection",
                                           "grpc.reflection.v1alpha.ServerReflection")}
    assert statuses == expected, statuses
EOF
}
check "grpc.health.v1: Check \"\" and gainsay.v1.Ledger SERVING, Check nope NOT_FOUND, List: every service SERVING" health

errors() {
  gpy <<'EOF'
import grpc, grpccheck
from gainsay.v1 import claim_pb2, common_pb2, ledger_pb2_grpc, speaker_pb2
with grpccheck.channel() as channel:
    ledger = ledger_pb2_grpc.LedgerStub(channel)
    speaker = ledger.CreateSpeaker(speaker_pb2.CreateSpeakerRequest(
        speaker=speaker_pb2.Speaker(name="Errors Check", kind=speaker_pb2.SPEAKER_KIND_PERSON)), timeout=10)
    error = grpccheck.fails(ledger.CreateClaim, claim_pb2.CreateClaimRequest(claim=claim_pb2.Claim(
        speaker_id=speaker.id, text="", said_on=common_pb2.PartialDate(year=2017, month=7))), timeout=10)
    print("CreateClaim(text=''):", grpccheck.describe(error))
    found = grpccheck.details(error)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, grpccheck.describe(error)
    assert found["status"], "no grpc-status-details-bin"
    assert "claim.text" in [field for field, _ in found["violations"]], found

    error = grpccheck.fails(ledger.GetClaim, claim_pb2.GetClaimRequest(id="clm_0000000000000000"), timeout=5)
    print("GetClaim(clm_0000000000000000):", grpccheck.describe(error))
    found = grpccheck.details(error)
    assert error.code() == grpc.StatusCode.NOT_FOUND, grpccheck.describe(error)
    assert found["domain"] == "gainsay.v1", found
    assert found["metadata"] == {"resource": "clm_0000000000000000"}, found

    for path in ("/gainsay.v1.Ledger/NoSuchMethod", "/nope.v1.Nothing/Call"):
        error = grpccheck.fails(channel.unary_unary(path), b"", timeout=5)
        print(path + ":", grpccheck.describe(error))
        found = grpccheck.details(error)
        assert error.code() == grpc.StatusCode.UNIMPLEMENTED, grpccheck.describe(error)
        assert (found["reason"], found["domain"]) == ("UNKNOWN_METHOD", "gainsay.v1"), found
EOF
}
check "errors: INVALID_ARGUMENT with a BadRequest for claim.text, NOT_FOUND naming the id, UNIMPLEMENTED UNKNOWN_METHOD" errors

deadlines() {
  gpy <<'EOF'
import time, grpc, grpccheck
from gainsay.v1 import audit_pb2, ledger_pb2, ledger_pb2_grpc, search_pb2
with grpccheck.channel() as channel:
    ledger = ledger_pb2_grpc.LedgerStub(channel)
    start = time.monotonic()
    watch = ledger.Watch(audit_pb2.WatchRequest(confirm_subscription=True), timeout=0.5)
    seen = []
    try:
        for event in watch:
            seen.append(event)
    except grpc.RpcError as error:
        code = error.code()
    else:
        code = "ended with OK"
    elapsed = time.monotonic() - start
    assert code == grpc.StatusCode.DEADLINE_EXCEEDED, code
    assert elapsed < 3, elapsed
    assert seen and seen[0].subscribed, ("the watch never started", seen)
    # A generous deadline: the calls complete.
    caller = ledger.GetCaller(ledger_pb2.GetCallerRequest(), timeout=30)
    assert caller.role == ledger_pb2.ROLE_ADMIN, caller
    list(ledger.Search(search_pb2.SearchRequest(query="gays"), timeout=30))
    print("watch ended after %.2f s" % elapsed)
EOF
}
check "deadlines: a Watch with timeout 0.5 s ends DEADLINE_EXCEEDED within 3 s; calls with 30 s succeed" deadlines

cancelled_watch_logged() {
  gpy <<'EOF' || return 1
import grpc, grpccheck
from gainsay.v1 import audit_pb2, ledger_pb2_grpc
with grpccheck.channel() as channel:
    ledger = ledger_pb2_grpc.LedgerStub(channel)
    watch = ledger.Watch(audit_pb2.WatchRequest(confirm_subscription=True),
                         metadata=(("request-id", "grpc-test-cancel-watch"),))
    first = next(watch)
    assert first.subscribed, first
    watch.cancel()
    assert watch.code() == grpc.StatusCode.CANCELLED, watch.code()
EOF
  wait_for "$work/daemon.log" "request-id=grpc-test-cancel-watch" 50 || return 1
  local line
  line=$(grep -F "request-id=grpc-test-cancel-watch" "$work/daemon.log" | grep -F "call ended")
  [ "$(printf '%s\n' "$line" | grep -c .)" -eq 1 ] || { echo "expected one 'call ended' line:"; grep -F grpc-test-cancel "$work/daemon.log"; return 1; }
  local field
  for field in " code=cancelled " " method=gainsay.v1.Ledger/Watch " " protocol=grpc " " call ended"; do
    [[ "$line" == *"$field"* ]] || { echo "no '$field' in: $line"; return 1; }
  done
}
check "a Watch cancelled by the client: the daemon logs 'call ended' code=cancelled method=gainsay.v1.Ledger/Watch protocol=grpc" \
  cancelled_watch_logged

request_id_logged() {
  gpy <<'EOF' || return 1
import grpccheck
from gainsay.v1 import ledger_pb2, ledger_pb2_grpc
with grpccheck.channel() as channel:
    ledger_pb2_grpc.LedgerStub(channel).GetCaller(
        ledger_pb2.GetCallerRequest(), timeout=5, metadata=(("request-id", "grpc-test-42"),))
EOF
  wait_for "$work/daemon.log" "request-id=grpc-test-42 " 50 || return 1
  local line
  line=$(grep -F "request-id=grpc-test-42 " "$work/daemon.log" | grep -F "call ended")
  [ "$(printf '%s\n' "$line" | grep -c .)" -eq 1 ] || { grep -F grpc-test-42 "$work/daemon.log"; return 1; }
  local field
  for field in " code=OK " " method=gainsay.v1.Ledger/GetCaller " " protocol=grpc "; do
    [[ "$line" == *"$field"* ]] || { echo "no '$field' in: $line"; return 1; }
  done
}
check "request-id: grpc-test-42 sent as metadata is in the call's 'call ended' log line" request_id_logged

search_streams() {
  [ -n "$claim" ] || { echo "no claim from the example"; return 1; }
  gpy "$claim" <<'EOF'
import sys, grpccheck
from gainsay.v1 import common_pb2, ledger_pb2_grpc, search_pb2
claim = sys.argv[1]
with grpccheck.channel() as channel:
    hits = list(ledger_pb2_grpc.LedgerStub(channel).Search(search_pb2.SearchRequest(query="gays"), timeout=10))
claims = {h.resource_id: h for h in hits if h.resource_type == common_pb2.RESOURCE_TYPE_CLAIM}
print("hits:", [(common_pb2.ResourceType.Name(h.resource_type), h.resource_id) for h in hits])
assert claim in claims, (claim, list(claims))
hit = claims[claim]
assert hit.resource.WhichOneof("kind") == "claim" and hit.resource.claim.id == claim, hit
assert hit.resource.claim.text == "We don\u2019t have any gays", hit.resource.claim
assert hit.score > 0, hit
EOF
}
check "server streaming: Ledger/Search \"gays\" streams a hit for the example's claim" search_streams

health_serving() {
  gpy <<'EOF'
import grpccheck
from grpc_health.v1 import health_pb2, health_pb2_grpc
with grpccheck.channel() as channel:
    status = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5).status
assert status == health_pb2.HealthCheckResponse.SERVING, status
EOF
}

# goaway_frame FILE: FILE (what the daemon wrote back) holds HTTP/2 frames ending in a GOAWAY with an error.
goaway_frame() {
  "$py" - "$1" <<'EOF'
import sys
data = open(sys.argv[1], "rb").read()
frames, at = [], 0
while at + 9 <= len(data):
    length, kind = int.from_bytes(data[at:at + 3], "big"), data[at + 3]
    frames.append((kind, data[at + 9:at + 9 + length]))
    at += 9 + length
assert at == len(data), ("not whole frames", data)
assert frames and frames[0][0] == 4, ("no SETTINGS first", frames)
goaways = [body for kind, body in frames if kind == 7]
assert len(goaways) == 1, frames
error = int.from_bytes(goaways[0][4:8], "big")
assert error in (1, 6), ("GOAWAY error code", error)  # PROTOCOL_ERROR or FRAME_SIZE_ERROR
EOF
}

garbage() {
  printf 'GET / HTTP/1.1\r\nHost: gainsay\r\n\r\n' | timeout 10 socat -t2 - "UNIX-CONNECT:$grpc" > "$work/http1.reply" ||
    { echo "socat failed"; return 1; }
  goaway_frame "$work/http1.reply" || { od -c "$work/http1.reply" | head; return 1; }
  { printf 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'; printf 'this is not a frame at all\r\n%.0s' 1 2 3; } |
    timeout 10 socat -t2 - "UNIX-CONNECT:$grpc" > "$work/junk.reply" || { echo "socat failed"; return 1; }
  goaway_frame "$work/junk.reply" || { od -c "$work/junk.reply" | head; return 1; }
  kill -0 "$daemon_pid" || { echo "gainsayd is gone"; tail -n 20 "$work/daemon.log"; return 1; }
  health_serving
}
check "garbage (HTTP/1.1, an HTTP/2 preface then junk): GOAWAY with an error, and health still SERVING" garbage

garbage_closed() {
  # RFC 9113 5.4.1: after a GOAWAY for a connection error the server closes the connection. The client
  # here keeps its side open, as a stuck or hostile one would.
  gpy <<'EOF'
import socket, time, grpccheck
left_open = []
for name, payload in (("HTTP/1.1", b"GET / HTTP/1.1\r\nHost: gainsay\r\n\r\n"),
                      ("preface + junk", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"this is not a frame at all\r\n" * 3)):
    client = socket.socket(socket.AF_UNIX)
    client.settimeout(5)
    client.connect(grpccheck.SOCKET)
    client.sendall(payload)
    start, reply = time.monotonic(), b""
    try:
        while chunk := client.recv(65536):
            reply += chunk
        print("%s: closed after %.2f s" % (name, time.monotonic() - start))
    except socket.timeout:
        print("%s: the daemon answered %r and left the connection open for 5 s" % (name, reply))
        left_open.append(name)
    finally:
        client.close()
assert not left_open, ("connections left open after GOAWAY", left_open)
EOF
}
check "after a protocol error the daemon closes the connection itself (not only when the client does)" garbage_closed

compressed() {
  gpy <<'EOF'
import grpc, grpccheck
from gainsay.v1 import claim_pb2, ledger_pb2, ledger_pb2_grpc
with grpccheck.channel() as channel:
    ledger = ledger_pb2_grpc.LedgerStub(channel)
    # Long enough that grpcio does compress it (it sends tiny messages as they are).
    error = grpccheck.fails(ledger.GetClaim, claim_pb2.GetClaimRequest(id="x" * 10000), timeout=5,
                            compression=grpc.Compression.Gzip)
    print(grpccheck.describe(error))
    found = grpccheck.details(error)
    assert error.code() == grpc.StatusCode.UNIMPLEMENTED, grpccheck.describe(error)
    assert (found["reason"], found["domain"]) == ("COMPRESSION_UNSUPPORTED", "gainsay.v1"), found
    # The same connection serves the next call.
    assert ledger.GetCaller(ledger_pb2.GetCallerRequest(), timeout=5).role == ledger_pb2.ROLE_ADMIN
EOF
}
check "a gzip-compressed request: UNIMPLEMENTED COMPRESSION_UNSUPPORTED, and the connection still serves" compressed

limits() {
  gpy <<'EOF'
import grpc, grpccheck
from gainsay.v1 import claim_pb2, ledger_pb2, ledger_pb2_grpc
LIMIT = 4 * 1024 * 1024
with grpccheck.channel(("grpc.max_send_message_length", 64 << 20)) as channel:
    ledger = ledger_pb2_grpc.LedgerStub(channel)
    # Each size three times: the answer must not depend on how far the client got with its sending.
    wrong = []
    for length in (5_000_000, LIMIT - 4) * 3:
        request = claim_pb2.GetClaimRequest(id="x" * length)
        size = request.ByteSize()
        error = grpccheck.fails(ledger.GetClaim, request, timeout=20)
        found = grpccheck.details(error)
        print("%d bytes:" % size, grpccheck.describe(error)[:300])
        if (error.code(), found["reason"], found["domain"]) != (grpc.StatusCode.RESOURCE_EXHAUSTED, "FRAME_TOO_LARGE", "gainsay.v1") \
                or str(size) not in error.details():
            wrong.append((size, error.code().name, error.details(), found))
    # Exactly at the limit the message is read (and the id refused as too long).
    request = claim_pb2.GetClaimRequest(id="x" * (LIMIT - 5))
    assert request.ByteSize() == LIMIT, request.ByteSize()
    error = grpccheck.fails(ledger.GetClaim, request, timeout=20)
    print("%d bytes:" % LIMIT, grpccheck.describe(error)[:200])
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, grpccheck.describe(error)[:300]
    assert not wrong, wrong
with grpccheck.channel() as channel:
    assert ledger_pb2_grpc.LedgerStub(channel).GetCaller(ledger_pb2.GetCallerRequest(), timeout=5).role == ledger_pb2.ROLE_ADMIN
EOF
}
check "limits: requests over 4 MiB (5,000,000 and 4 MiB + 1 bytes) RESOURCE_EXHAUSTED FRAME_TOO_LARGE; 4 MiB is read" limits

reflection_backpressure() {
  gpy "$daemon_pid" <<'EOF' || return 1
# A reflection stream whose client takes no answer: the client's SETTINGS give every stream a window of 0,
# so the daemon may send no DATA at all, and the stream then brings 20,000 requests for gainsay.v1.Ledger,
# whose answer is some 22 KB (440 MB in all). The daemon must stop reading the stream while its answers
# wait, not compute and hold them all. The client's reader only learns the connection credit the daemon
# grants (WINDOW_UPDATE), so that the requests stay within HTTP/2 flow control (overrunning it would be a
# connection error, not back-pressure); reading the socket lets no answer out, the window being 0.
import struct, sys, threading, time
import rawh2 as h
pid, count = int(sys.argv[1]), 20000
before = h.rss_kib(pid)
conn = h.Connection(h.socket_path(), settings=[(h.INITIAL_WINDOW_SIZE, 0)], rcvbuf=4096)
credit = {"connection": 65535, "stream": None}
ended = []
changed = threading.Condition()

def read():
    try:
        while True:
            f = conn.next_frame(timeout=3600)
            with changed:
                if f.kind == h.SETTINGS and not f.flags & h.ACK:
                    for at in range(0, len(f.payload), 6):
                        key, value = struct.unpack(">HI", f.payload[at:at + 6])
                        if key == h.INITIAL_WINDOW_SIZE:
                            credit["stream"] = value
                    if credit["stream"] is None:
                        credit["stream"] = 65535
                elif f.kind == h.WINDOW_UPDATE:
                    credit["connection" if f.stream == 0 else "stream"] += struct.unpack(">I", f.payload)[0]
                changed.notify_all()
    except Exception as error:
        ended.append(error)
        with changed:
            changed.notify_all()

threading.Thread(target=read, daemon=True).start()
with changed:
    assert changed.wait_for(lambda: credit["stream"] is not None, timeout=5), "no SETTINGS from the daemon"
conn.headers(1, h.request_headers(h.REFLECTION))
message = h.grpc_message(h.pb_string(4, "gainsay.v1.Ledger"))
sent, start = 0, time.monotonic()
while sent < count and not ended:
    with changed:
        # No credit for 5 s: the daemon has stopped taking requests, which is back-pressure too.
        if not changed.wait_for(lambda: ended or min(credit.values()) >= len(message), timeout=5) or ended:
            break
        credit["connection"] -= len(message)
        credit["stream"] -= len(message)
    conn.data(1, message)
    sent += 1
sending = time.monotonic() - start
# What the daemon does with them, for a second and a half.
peak = before
for _ in range(15):
    time.sleep(0.1)
    peak = max(peak, h.rss_kib(pid))
growth = (peak - before) / 1024
frames = list(conn.log)
print("%d requests sent in %.2f s; RSS %d KiB before, %d KiB at most after: +%.1f MiB" % (
    sent, sending, before, peak, growth))
print("frames from the daemon:", [f for f in frames if f.kind != h.WINDOW_UPDATE][:10],
      "and %d WINDOW_UPDATE" % sum(f.kind == h.WINDOW_UPDATE for f in frames))
assert not ended, ("the connection ended", ended)
assert not [f for f in frames if f.kind in (h.GOAWAY, h.RST_STREAM) or f.end_stream], frames
assert not [f for f in frames if f.kind == h.DATA], "DATA through a window of 0"
assert [f.stream for f in frames if f.kind == h.HEADERS] == [1], frames
assert sent >= 1000, ("the daemon took only %d requests" % sent)
assert growth < 64, "the daemon grew by %.1f MiB holding reflection answers nobody reads" % growth
conn.close()
EOF
  health_serving
}
check "reflection back-pressure: 20,000 requests on a stream with a window of 0: RSS grows < 64 MiB, health SERVING after" \
  reflection_backpressure

stream_errors() {
  gpy <<'EOF'
# RFC 9113 section 5.4.2: a stream error resets that stream alone. NIOHTTP2 sends the RST_STREAM; the
# connection, its other streams and its next calls go on.
import rawh2 as h
conn = h.Connection(h.socket_path())

def serving(stream, path=h.HEALTH_CHECK):
    frames = conn.frames_of(stream, timeout=5, until=h.ended if path == h.HEALTH_CHECK else h.has_message)
    assert h.messages(frames) == [b"\x08\x01"], (stream, frames)
    if path == h.HEALTH_CHECK:
        assert h.status_of(frames) == ("0", None), (stream, frames)
    return frames

def reset(stream, code, what):
    frames = conn.frames_of(stream, timeout=5)
    print("%s: %r" % (what, frames))
    assert [(f.kind, f.error()) for f in frames] == [(h.RST_STREAM, code)], (what, frames)

def still_open(what):
    # Anything the daemon writes in half a second must not be a GOAWAY, nor the connection's end.
    try:
        conn.wait_for(lambda f: f.kind == h.GOAWAY, timeout=0.5)
        raise AssertionError("GOAWAY after %s: %r" % (what, conn.log))
    except TimeoutError:
        pass
    except h.Closed:
        raise AssertionError("the daemon closed the connection after %s; it sent %r" % (what, conn.log)) from None

# Stream 1: a health Watch, open until the daemon stops.
conn.call(1, h.HEALTH_WATCH)
assert h.messages(conn.frames_of(1, until=h.has_message)) == [b"\x08\x01"], conn.log
# Stream 3: content-length 100, but 5 bytes of DATA (RFC 9113 section 8.1.1: malformed, a stream error).
conn.headers(3, h.request_headers(h.HEALTH_CHECK, extra=[("content-length", "100")]))
conn.data(3, h.grpc_message(b""), end_stream=True)
reset(3, 1, "content-length 100 with 5 bytes")  # PROTOCOL_ERROR
still_open("the content-length mismatch")
conn.call(5, h.HEALTH_CHECK)
serving(5)
# Stream 7: a health Watch whose request has ended (half-closed, remote); DATA on it is a stream error.
conn.call(7, h.HEALTH_WATCH)
serving(7, h.HEALTH_WATCH)
conn.data(7, h.grpc_message(b""))
reset(7, 5, "DATA after END_STREAM")  # STREAM_CLOSED
still_open("DATA after END_STREAM")
conn.call(9, h.HEALTH_CHECK)
serving(9)
ends = [f for f in conn.log if f.stream == 1 and (f.kind == h.RST_STREAM or f.end_stream)]
assert not ends, ("the health Watch on stream 1 ended", ends)
print("streams 5 and 9 served, stream 1 open:", [f for f in conn.log if f.stream == 1])
conn.send(h.rst_stream(1))
conn.close()
EOF
}
skip "a stream error resets that stream only: not yet; swift-nio-http2 1.46 reports stream and connection errors alike, so the daemon closes the connection on either (docs/PROTOCOL.md section 18)"

connection_errors_close() {
  gpy <<'EOF'
# The other side of the same handler: a connection error that NIOHTTP2 reports for a stream it has no
# state for (DATA on a stream never opened, or on one that has ended) gets GOAWAY, and the connection
# must then be closed, as after the garbage above (RFC 9113 section 5.4.1).
import time
import rawh2 as h
left_open = []
for name, code in (("DATA on idle stream 11", 1), ("DATA on stream 1 after it ended", 5)):
    conn = h.Connection(h.socket_path())
    if code == 1:
        conn.data(11, h.grpc_message(b""))
    else:
        conn.call(1, h.HEALTH_CHECK)
        assert h.status_of(conn.frames_of(1)) == ("0", None), conn.log
        conn.data(1, h.grpc_message(b""))
    start = time.monotonic()
    try:
        conn.read_until_closed(timeout=3)
        print("%s: closed after %.2f s: %r" % (name, time.monotonic() - start, conn.log))
    except TimeoutError:
        print("%s: the daemon sent %r and left the connection open for 3 s" % (name, conn.log))
        left_open.append(name)
    goaways = [(f.kind, f.error()) for f in conn.log if f.kind == h.GOAWAY]
    assert goaways == [(h.GOAWAY, code)], (name, conn.log)
    conn.close()
assert not left_open, ("connections left open after GOAWAY", left_open)
EOF
}
check "a connection error on a stream the daemon has no state for (DATA on an idle or ended stream): GOAWAY, then closed" \
  connection_errors_close

content_types() {
  gpy <<'EOF'
# Only application/grpc and application/grpc+proto are gRPC here; grpc-web and other codecs get HTTP 415
# and nothing else: a bare :status.
import rawh2 as h
conn = h.Connection(h.socket_path())
stream, wrong = 1, []
for content_type in ("application/grpc-web", "application/grpc-web+proto", "application/grpc-web-text",
                     "application/grpc+json", "application/grpcx", "text/plain"):
    conn.call(stream, h.HEALTH_CHECK, content_type=content_type)
    frames = conn.frames_of(stream)
    print("%s: %r" % (content_type, frames))
    if [(f.kind, f.headers, f.end_stream) for f in frames] != [(h.HEADERS, [(":status", "415")], True)]:
        wrong.append((content_type, frames))
    stream += 2
for content_type in ("application/grpc", "application/grpc+proto"):
    conn.call(stream, h.HEALTH_CHECK, content_type=content_type)
    frames = conn.frames_of(stream)
    print("%s: %r" % (content_type, frames))
    if h.messages(frames) != [b"\x08\x01"] or h.status_of(frames) != ("0", None) or frames[0].header(":status") != "200":
        wrong.append((content_type, frames))
    stream += 2
assert not wrong, wrong
EOF
}
check "content types: application/grpc-web (+proto, -text), grpc+json and others get HTTP 415; grpc and grpc+proto are served" \
  content_types

shutdown_drains() {
  gpy "$daemon_pid" > "$work/drain.out" 2>&1 <<'EOF'
import os, signal, sys, threading, time, grpc, grpccheck
from gainsay.v1 import audit_pb2, ledger_pb2_grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
SERVING, NOT_SERVING = health_pb2.HealthCheckResponse.SERVING, health_pb2.HealthCheckResponse.NOT_SERVING
channel = grpccheck.channel()
watch = ledger_pb2_grpc.LedgerStub(channel).Watch(audit_pb2.WatchRequest(confirm_subscription=True))
assert next(watch).subscribed
health_watch = health_pb2_grpc.HealthStub(channel).Watch(health_pb2.HealthCheckRequest(service=""))
statuses = [next(health_watch).status]
assert statuses == [SERVING], statuses
ends = {}

def follow(name, stream, each):
    try:
        for message in stream:
            each(message)
        ends[name] = ("OK", {}, "", time.monotonic())
    except grpc.RpcError as error:
        ends[name] = (error.code().name, grpccheck.details(error), error.details(), time.monotonic())

threads = [threading.Thread(target=follow, args=("watch", watch, lambda event: None)),
           threading.Thread(target=follow, args=("health", health_watch, lambda r: statuses.append(r.status)))]
for thread in threads:
    thread.start()
start = time.monotonic()
os.kill(int(sys.argv[1]), signal.SIGTERM)
for thread in threads:
    thread.join(timeout=10)
for name, (code, found, message, at) in ends.items():
    print("%s ended after %.2f s: %s %r %r" % (name, at - start, code, message, found))
assert set(ends) == {"watch", "health"}, ("still open 10 s after SIGTERM", ends)
code, found, _, at = ends["watch"]
assert code == "UNAVAILABLE" and found["reason"] == "DRAINING", ends["watch"]
assert at - start <= 2, ("Ledger/Watch took %.2f s to end" % (at - start))
print("health statuses:", [health_pb2.HealthCheckResponse.ServingStatus.Name(s) for s in statuses])
assert statuses == [SERVING, NOT_SERVING], statuses
assert ends["health"][0] == "UNAVAILABLE", ends["health"]
channel.close()
EOF
  local status=$? start=$SECONDS
  cat "$work/drain.out"
  [ "$status" -eq 0 ] || return 1
  for _ in $(seq 150); do kill -0 "$daemon_pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$daemon_pid" 2>/dev/null && { echo "gainsayd still runs 15 s after SIGTERM"; return 1; }
  wait "$daemon_pid"; local daemon_status=$?
  daemon_pid=""
  [ "$daemon_status" -eq 0 ] || { echo "gainsayd exited $daemon_status"; tail -n 20 "$work/daemon.log"; return 1; }
  echo "gainsayd exited 0, $((SECONDS - start)) s after the watches ended"
  [ ! -e "$grpc" ] || { echo "the gRPC socket $grpc is still there"; return 1; }
  [ ! -e "$GAINSAY_SOCKET" ] || { echo "the socket $GAINSAY_SOCKET is still there"; return 1; }
}
check "SIGTERM: Ledger/Watch UNAVAILABLE DRAINING within 2 s, health Watch NOT_SERVING last, exit 0, gRPC socket gone" \
  shutdown_drains

# The drain's other cases, each on a daemon of its own (its own sockets and data folder), stopped by it.
# spare_start NAME: starts it in $work/NAME, its gRPC socket $work/NAME/gainsayd.grpc.sock, its pid in
# $spare_pid. spare_stopped NAME: it has exited 0 and removed both sockets (the snippet sent SIGTERM and
# timed the exit). spare_kill: after a failed snippet, kill -9.
spare_start() {
  local dir=$work/$1
  mkdir -p "$dir"
  "$bin/gainsayd" --socket "$dir/gainsayd.sock" --data-dir "$work/$1-data" --log-level debug 2>>"$work/$1.log" &
  spare_pid=$!
  for _ in $(seq 200); do
    [ -S "$dir/gainsayd.sock" ] && [ -S "$dir/gainsayd.grpc.sock" ] &&
      GAINSAY_SOCKET=$dir/gainsayd.sock g status >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  cat "$work/$1.log"; return 1
}
spare_kill() {
  [ -n "$spare_pid" ] || return 0
  kill -9 "$spare_pid" 2>/dev/null
  wait "$spare_pid" 2>/dev/null
  spare_pid=""
}
spare_stopped() {
  local dir=$work/$1 pid=$spare_pid
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && { echo "the daemon still runs"; kill -9 "$pid"; }
  wait "$pid"; local status=$?
  spare_pid=""
  [ "$status" -eq 0 ] || { echo "gainsayd exited $status"; tail -n 20 "$work/$1.log"; return 1; }
  [ ! -e "$dir/gainsayd.grpc.sock" ] && [ ! -e "$dir/gainsayd.sock" ] || { ls -l "$dir"; return 1; }
}

drain_unfinished() {
  spare_start drain-open || return 1
  GSY_GRPC_SOCKET=$work/drain-open/gainsayd.grpc.sock gpy "$spare_pid" <<'EOF' || { spare_kill; return 1; }
# SIGTERM while a reflection stream waits for its client's next request and a unary call's request is
# still arriving (its HEADERS and part of its message, no END_STREAM): neither may hold the drain, which
# ends both at once (UNAVAILABLE DRAINING) instead of waiting for the grace period (10 s) or the
# daemon's backstop (15 s).
import os, signal, sys, threading, time, grpc, grpccheck
import rawh2 as h
from grpc_reflection.v1alpha import reflection_pb2
pid = int(sys.argv[1])
Request = reflection_pb2.ServerReflectionRequest
release = threading.Event()

def requests():
    yield Request(list_services="")
    release.wait(30)

channel = grpccheck.channel()
info = channel.stream_stream(h.REFLECTION, request_serializer=Request.SerializeToString,
                             response_deserializer=reflection_pb2.ServerReflectionResponse.FromString)
reflection = info(requests(), timeout=30)
assert next(reflection).WhichOneof("message_response") == "list_services_response"
conn = h.Connection(h.socket_path())
conn.headers(1, h.request_headers("/gainsay.v1.Ledger/GetClaim"))
conn.data(1, h.grpc_message(h.pb_string(1, "clm_0000000000000000"))[:8])  # 8 of 27 bytes
conn.wait_for(lambda f: f.kind == h.SETTINGS and f.flags & h.ACK)
time.sleep(0.2)
ends = {}

def follow():
    try:
        for _ in reflection:
            pass
        ends["reflection"] = ("OK", None, time.monotonic() - start)
    except grpc.RpcError as error:
        ends["reflection"] = (error.code().name, grpccheck.details(error)["reason"], time.monotonic() - start)

start = time.monotonic()
os.kill(pid, signal.SIGTERM)
thread = threading.Thread(target=follow)
thread.start()
try:
    frames = conn.frames_of(1, timeout=6)
    ends["raw"] = (h.status_of(frames), h.reason_of(frames), time.monotonic() - start)
finally:
    thread.join(6)
    release.set()
while not h.exited(pid) and time.monotonic() - start < 10:
    time.sleep(0.02)
took = time.monotonic() - start
print("ends:", ends)
print("unfinished request's stream:", frames)
print("gainsayd ended %.2f s after SIGTERM" % took)
channel.close()
assert ends.get("reflection", ("still open",))[:2] in (("UNAVAILABLE", "DRAINING"), ("OK", None)), ends
status, reason, _ = ends["raw"]
assert status and status[0] == "14" and reason == "DRAINING", ends["raw"]
# One HEADERS: the trailers-only end (the call had sent nothing), no message.
assert [f.end_stream for f in frames if f.kind == h.HEADERS] == [True], frames
assert not [f for f in frames if f.kind == h.DATA], frames
assert took < 5, "gainsayd took %.2f s to exit" % took
EOF
  spare_stopped drain-open
}
check "SIGTERM with a reflection stream open and a request still arriving: both end UNAVAILABLE DRAINING (grpc-status 14), exit 0 within 5 s, sockets gone" \
  drain_unfinished

health_in_drain() {
  spare_start drain-health || return 1
  GSY_GRPC_SOCKET=$work/drain-health/gainsayd.grpc.sock gpy "$spare_pid" "$work/drain-health.log" <<'EOF' || { spare_kill; return 1; }
# A health Check that arrives during the drain is answered NOT_SERVING, not UNAVAILABLE DRAINING.
# Deterministically: a Check sent on a new stream after the daemon's GOAWAY has gone out is refused by
# HTTP/2 itself (REFUSED_STREAM: after its GOAWAY, NIOHTTP2 takes no new stream), and the listening socket
# is gone, so a grpcio channel only gets NOT_SERVING if its Check wins a race against the GOAWAY. Here the
# GOAWAY cannot go out: the connection's socket is backed up (the client reads nothing, and 16 reflection
# streams have each left an answer of some 22 KB unwritten, well over the 64 KiB at which the socket
# stops taking writes), so NIOHTTP2 keeps the GOAWAY in its buffer and still takes new streams. A
# Ledger/GetCaller whose answer waits for room keeps the connection in the drain (it has 10 s); the Check
# goes out once the daemon has removed its gRPC socket (the drain has begun), and the client reads again
# only once the daemon has logged the Check's end: had the socket room again while the Check's frames
# arrive, the daemon would flush the GOAWAY before it reads them (NIO handles writable before readable).
import fcntl, os, signal, struct, sys, termios, time
import rawh2 as h
pid, log = int(sys.argv[1]), sys.argv[2]
conn = h.Connection(h.socket_path(), settings=[(h.INITIAL_WINDOW_SIZE, (1 << 31) - 1)], rcvbuf=4096)
conn.send(h.window_update(0, (1 << 31) - 1 - 65535))
request = h.grpc_message(h.pb_string(4, "gainsay.v1.Ledger"))
reflection = list(range(1, 33, 2))
for stream in reflection:
    conn.headers(stream, h.request_headers(h.REFLECTION))
    conn.data(stream, request * 25)  # 16 x 25 answers, some 9 MB: far more than the socket holds

def waiting():
    return struct.unpack("i", fcntl.ioctl(conn.sock, termios.FIONREAD, b"\0\0\0\0"))[0]

# Until the daemon has written all it will (the socket holds as much for 0.3 s).
last, still, begun = -1, time.monotonic(), time.monotonic()
while time.monotonic() - still < 0.3 and time.monotonic() - begun < 10:
    if waiting() != last:
        last, still = waiting(), time.monotonic()
    time.sleep(0.02)
print("the socket holds %d bytes for the client" % last)
caller, check = 33, 35
conn.call(caller, "/gainsay.v1.Ledger/GetCaller")
time.sleep(0.2)
start = time.monotonic()
os.kill(pid, signal.SIGTERM)
while os.path.exists(h.socket_path()) and time.monotonic() - start < 5:
    time.sleep(0.01)
time.sleep(0.2)
conn.call(check, h.HEALTH_CHECK)
print("Check sent %.2f s after SIGTERM" % (time.monotonic() - start))
while time.monotonic() - start < 5 and not any(
        "call ended" in line and "method=grpc.health.v1.Health/Check " in line for line in open(log)):
    time.sleep(0.02)
print("Check logged %.2f s after SIGTERM" % (time.monotonic() - start))
try:
    conn.read_until_closed(timeout=15)
except TimeoutError:
    print("the connection is still open")
checked = [f for f in conn.log if f.stream == check]
print("Check:", checked)
print("GetCaller:", [f for f in conn.log if f.stream == caller])
print("the connection:", [f for f in conn.log if f.stream == 0])
ends = [tuple("%s %s" % (h.KINDS[f.kind], f.header("grpc-status") if f.headers else h.error_name(f.error()))
              for f in conn.log if f.stream == s and (f.end_stream or f.kind == h.RST_STREAM)) for s in reflection]
print("the reflection streams' ends:", {end: ends.count(end) for end in set(ends)})
assert h.messages(checked) == [b"\x08\x02"], ("not NOT_SERVING", checked)
assert h.status_of(checked) == ("0", None), checked
assert checked[0].header(":status") == "200", checked
# The GOAWAY was on its way before the Check was answered: the Check came during the drain.
kinds = [(f.kind, f.stream) for f in conn.log]
assert (h.GOAWAY, 0) in kinds and kinds.index((h.GOAWAY, 0)) < kinds.index((h.HEADERS, check)), conn.log
while not h.exited(pid) and time.monotonic() - start < 10:
    time.sleep(0.02)
print("gainsayd ended %.2f s after SIGTERM" % (time.monotonic() - start))
EOF
  spare_stopped drain-health
}
check "health during the drain: a Check reaching the daemon after SIGTERM (its GOAWAY held back) answers NOT_SERVING" \
  health_in_drain

grpc_off() {
  local dir=$work/off
  mkdir -p "$dir"
  GAINSAY_SOCKET=$dir/gainsayd.sock "$bin/gainsayd" --socket "$dir/gainsayd.sock" --data-dir "$work/off-data" \
    --grpc-socket off --log-level debug 2>>"$work/off.log" &
  off_pid=$!
  local up=""
  for _ in $(seq 200); do
    [ -S "$dir/gainsayd.sock" ] && GAINSAY_SOCKET=$dir/gainsayd.sock g status >/dev/null 2>&1 && { up=1; break; }
    sleep 0.05
  done
  [ -n "$up" ] || { cat "$work/off.log"; return 1; }
  local speaker_id claim_id
  speaker_id=$(GAINSAY_SOCKET=$dir/gainsayd.sock g speaker add "Off Speaker") || return 1
  claim_id=$(GAINSAY_SOCKET=$dir/gainsayd.sock g claim add "Nothing over gRPC" --speaker "$speaker_id" --said 2017-07) ||
    return 1
  GAINSAY_SOCKET=$dir/gainsayd.sock g claim show "$claim_id" --json | grep -qF '"text":"Nothing over gRPC"' || return 1
  ls "$dir"
  if compgen -G "$dir/*.grpc.sock*" >/dev/null || compgen -G "$work/off-data/*.grpc.sock*" >/dev/null; then
    echo "a gRPC socket appeared"; return 1
  fi
  if grep -F "protocol=grpc" "$work/off.log"; then echo "it logged gRPC"; return 1; fi
  kill -TERM "$off_pid"; wait "$off_pid"; local status=$?
  off_pid=""
  [ "$status" -eq 0 ] || { echo "gainsayd --grpc-socket off exited $status"; tail "$work/off.log"; return 1; }
}
check "--grpc-socket off: no *.grpc.sock, and the CLI works over the daemon's own socket" grpc_off

echo "grpc: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
