#!/usr/bin/env bash
# The ledger from another host: `gainsay --host ssh://…` against a real sshd (Debian's openssh-server)
# on 127.0.0.1 with a throwaway host key and user key, logging in as throwaway Unix users (needs root, as
# CI has). The caller is the SSH login: an editor logs a claim, reads a report and follows a watch; a user
# without a role is refused; a dropped connection mid-stream ends the command with a clear error.
#   Tests/shell/ssh-tests.sh BIN_DIR
set -uo pipefail
bin=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
if [ "$(id -u)" -ne 0 ]; then
  echo "ssh: 0 passed, 0 failed, 1 skipped (needs root to create test users and run sshd)"
  exit 0
fi
passed=0 failed=0
work=$(mktemp -d /tmp/gsy-ssh-XXXXXX)
chmod 0711 "$work"
daemon_pid="" sshd_pid=""
cleanup() {
  [ -n "$sshd_pid" ] && kill "$sshd_pid" 2>/dev/null
  [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
  pkill -KILL -u gainsay-ssh-editor 2>/dev/null
  pkill -KILL -u gainsay-ssh-nobody 2>/dev/null
  jobs -p | xargs -r kill 2>/dev/null
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
# shellcheck source=lib/check.sh
. "$(dirname "$0")/lib/check.sh"

editor=gainsay-ssh-editor nobody=gainsay-ssh-nobody
for user in $editor $nobody; do
  id "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /bin/sh "$user"
  # No password, but not locked ("!"): sshd refuses locked accounts even for keys.
  usermod -p '*' "$user"
done

# What the remote users run must be theirs to run.
mkdir -p "$work/client" && cp "$bin/gainsay" "$work/client/" && chmod -R a+rX "$work/client"
cat > "$work/config.json" <<JSON
{ "roles": { "users": { "$editor": "editor" } } }
JSON
sock=$work/run/gainsayd.sock
"$bin/gainsayd" --socket "$sock" --data-dir "$work/data" --config "$work/config.json" 2>"$work/daemon.log" &
daemon_pid=$!

# A throwaway sshd: its own host key, keys only, on a free port of 127.0.0.1.
ssh-keygen -q -t ed25519 -N '' -f "$work/host_key" -C gainsay-test-host
ssh-keygen -q -t ed25519 -N '' -f "$work/user_key" -C gainsay-test-user
mkdir -p "$work/keys" /run/sshd
for user in $editor $nobody; do cp "$work/user_key.pub" "$work/keys/$user"; done
chmod 0755 "$work/keys" && chmod 0644 "$work/keys"/*
port=""
for candidate in $(seq $((20000 + $$ % 20000)) $((20100 + $$ % 20000))); do
  ss -ltn 2>/dev/null | grep -q "127.0.0.1:$candidate " || { port=$candidate; break; }
done
cat > "$work/sshd_config" <<CONF
Port $port
ListenAddress 127.0.0.1
HostKey $work/host_key
AuthorizedKeysFile $work/keys/%u
AllowUsers $editor $nobody
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin no
PidFile $work/sshd.pid
# The keys live under /tmp (world-writable, sticky), which StrictModes refuses; they are root's, 0644.
StrictModes no
CONF
/usr/sbin/sshd -D -e -f "$work/sshd_config" 2>"$work/sshd.log" &
sshd_pid=$!
printf '[127.0.0.1]:%s %s\n' "$port" "$(cut -d' ' -f1,2 "$work/host_key.pub")" > "$work/known_hosts"
cat > "$work/ssh_config" <<CONF
Host *
  IdentityFile $work/user_key
  IdentitiesOnly yes
  UserKnownHostsFile $work/known_hosts
  StrictHostKeyChecking yes
  BatchMode yes
  ConnectTimeout 10
CONF
export GAINSAY_SSH_COMMAND="ssh -F $work/ssh_config" GAINSAY_REMOTE_GAINSAY=$work/client/gainsay NO_COLOR=1
unset GAINSAY_SOCKET GAINSAY_HOST
as_editor="ssh://$editor@127.0.0.1:$port$sock"
as_nobody="ssh://$nobody@127.0.0.1:$port$sock"
g() { "$bin/gainsay" "$@"; }
local_g() { "$bin/gainsay" --socket "$sock" "$@"; }

ready() {
  for _ in $(seq 200); do
    [ -S "$sock" ] && ssh -F "$work/ssh_config" -p "$port" "$editor@127.0.0.1" true 2>/dev/null && return 0
    sleep 0.05
  done
  cat "$work/daemon.log" "$work/sshd.log"; return 1
}
check "gainsayd and a throwaway sshd on 127.0.0.1:$port are up" ready

remote_status() {
  g --host "$as_editor" status > "$work/status" || { cat "$work/status"; return 1; }
  grep -q "at $as_editor: serving" "$work/status" && grep -q "you are $editor (uid $(id -u $editor)), role: editor" "$work/status" ||
    { cat "$work/status"; return 1; }
}
check "status over ssh: the caller is the SSH login, with its role" remote_status

remote_claim_add() {
  local speaker claim
  speaker=$(g --host "$as_editor" speaker add "Ramzan Kadyrov" --alias "Рамзан Кадыров" --country RU) || return 1
  claim=$(g claim add "У нас нет геев" --speaker "$speaker" --said 2017-07-14 --host "$as_editor") || return 1
  echo "$speaker" > "$work/speaker"
  # On the daemon's host, the claim is there, recorded by the SSH login.
  local_g --json claim show "$claim" | grep -q 'У нас нет геев' || return 1
  local_g --json history "$claim" | grep -q "\"userName\":\"$editor\"" || { local_g --json history "$claim"; return 1; }
}
check "claim add over ssh: stored, and the audit names the SSH login" remote_claim_add

remote_report() {
  local source claim
  source=$(printf 'Chechnya\xc2\xa0officials said: \xc2\xabthere are no gays here\xc2\xbb. Witnesses described detentions.' > "$work/text.txt" &&
    g --host "$as_editor" source add --title "Detentions in Chechnya" --outlet "Novaya Gazeta" --text-file "$work/text.txt") || return 1
  claim=$(g --host "$as_editor" --json claim list --speaker "$(cat "$work/speaker")" | /usr/bin/python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["id"])') || return 1
  g --host "$as_editor" link "$claim" "$source" --relation contradicts --quote "Witnesses described detentions" >/dev/null || return 1
  GAINSAY_HOST=$as_editor g report --speaker "Ramzan Kadyrov" > "$work/report.md" || { cat "$work/report.md"; return 1; }
  grep -q "^# What Ramzan Kadyrov said, and what the record shows" "$work/report.md" &&
    grep -q "Witnesses described detentions" "$work/report.md" || { head -20 "$work/report.md"; return 1; }
}
check "a contradiction report over ssh (GAINSAY_HOST)" remote_report

# wait_for FILE TEXT [TENTHS]
wait_for() {
  for _ in $(seq "${3:-150}"); do grep -qF -- "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "not in $1 in time: $2"; cat "$1"; return 1
}

remote_watch() {
  local out=$work/watch.out
  g --host "$as_editor" watch --type claim --confirm-subscription > "$out" 2>"$work/watch.err" &
  local watcher=$!
  wait_for "$out" "subscribed after sequence" || { cat "$work/watch.err"; return 1; }
  local claim
  claim=$(local_g claim add "Chechnya has no such people" --speaker "$(cat "$work/speaker")" --said 2017) || return 1
  wait_for "$out" "$claim" || return 1
  echo "$watcher" > "$work/watcher"
}
check "watch over ssh: the stream carries a change made on the daemon's host" remote_watch

dropped_mid_stream() {
  local watcher
  watcher=$(cat "$work/watcher" 2>/dev/null) || return 1
  # The SSH session dies (its sshd and the relay, as when a network or the remote host goes).
  pkill -KILL -u "$editor" || return 1
  local status=0
  for _ in $(seq 100); do kill -0 "$watcher" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$watcher" 2>/dev/null && { echo "the watch is still running"; return 1; }
  wait "$watcher"; status=$?
  [ "$status" -eq 78 ] || { echo "exit $status, expected 78"; cat "$work/watch.err"; return 1; }
  [ "$(wc -l < "$work/watch.err")" -eq 1 ] || { cat "$work/watch.err"; return 1; }
  grep -q "^gainsay: UNAVAILABLE: lost the connection to $as_editor" "$work/watch.err" || { cat "$work/watch.err"; return 1; }
}
check "the SSH connection dropped mid-stream: the watch ends with exit 78 and one line saying so" dropped_mid_stream

no_role_refused() {
  g --host "$as_nobody" claim list 2>"$work/err"; local status=$?
  [ "$status" -eq 71 ] && grep -q "PERMISSION_DENIED" "$work/err" || { echo "exit $status"; cat "$work/err"; return 1; }
}
check "a login without a role is refused: exit 71 PERMISSION_DENIED" no_role_refused

no_daemon_there() {
  g --host "ssh://$editor@127.0.0.1:$port$work/run/none.sock" status 2>"$work/err"; local status=$?
  [ "$status" -eq 78 ] && grep -q "on the remote host: cannot reach gainsayd at $work/run/none.sock" "$work/err" ||
    { echo "exit $status"; cat "$work/err"; return 1; }
}
check "no daemon at the remote socket: exit 78, the remote relay's reason" no_daemon_there

wrong_host_key() {
  printf '[127.0.0.1]:%s %s\n' "$port" "$(cut -d' ' -f1,2 "$work/user_key.pub")" > "$work/known_hosts"
  g --host "$as_editor" status 2>"$work/err"; local status=$?
  printf '[127.0.0.1]:%s %s\n' "$port" "$(cut -d' ' -f1,2 "$work/host_key.pub")" > "$work/known_hosts"
  [ "$status" -eq 78 ] && grep -q "Host key verification failed" "$work/err" || { echo "exit $status"; cat "$work/err"; return 1; }
}
check "a host whose key does not match is not talked to: exit 78, ssh's reason" wrong_host_key

hostile_urls() {
  local url
  for url in "ssh://-oProxyCommand=touch\ $work/pwned" "ssh://a b@host" "ssh://host:99999" "http://host" "ssh://"; do
    g --host "$url" status 2>"$work/err"; local status=$?
    [ "$status" -eq 67 ] || { echo "$url: exit $status"; cat "$work/err"; return 1; }
  done
  [ ! -e "$work/pwned" ]
}
check "URLs that are not ssh://[user@]host[:port][/path] are refused before ssh runs: exit 67" hostile_urls

echo "ssh: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
