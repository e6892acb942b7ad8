# Sourced by Scripts/test and Scripts/demo: installs the system packages Gainsay needs when missing.
# Debian packages only; `apt-get update` runs once, and only if something is missing.

gainsay_packages=(
  libprotobuf-c-dev      # the protobuf-c runtime the codec links
  protobuf-c-compiler    # protoc-c, for Scripts/generate-protos
  protobuf-compiler      # protoc
  libprotobuf-dev        # the well-known .proto files (timestamp, field_mask)
  python3-protobuf       # the generator's protobuf runtime (Debian's python3)
  pkg-config             # how SwiftPM finds libprotobuf-c
  socat                  # the shell client's transport, used by the tests
  libsqlite3-dev         # the ledger's store
  libstemmer-dev         # Snowball stemmers for the search tokenizer (no pkg-config file: linked by name)
  chromium               # tests only: renders the HTML report headless
  sqlite3                # tests only: integrity checks of the database files the tests leave behind
  python3-markdown       # tests only: Markdown reports rendered by Python-Markdown must hold no injected HTML
  python3-markdown-it    # tests only: … and by markdown-it (CommonMark)
  python3-jsonschema     # tests only: every ClaimReview checked against an independent JSON Schema
  postgresql             # tests only: the shared ledger's store, run as a throwaway cluster by the tests
  openssh-server         # tests only: a throwaway sshd on 127.0.0.1 for `gainsay --host ssh://…`
  openssh-client         # tests only: the ssh that `--host ssh://…` runs
  python3-venv           # tests only: the venv of the Python gRPC client (grpcio from PyPI)
)

gainsay_missing_packages() {
  local missing=()
  command -v protoc >/dev/null || missing+=(protobuf-compiler)
  command -v protoc-c >/dev/null || missing+=(protobuf-c-compiler)
  command -v socat >/dev/null || missing+=(socat)
  command -v pkg-config >/dev/null || missing+=(pkg-config)
  [ -f /usr/include/protobuf-c/protobuf-c.h ] || missing+=(libprotobuf-c-dev)
  [ -f /usr/include/google/protobuf/timestamp.proto ] || missing+=(libprotobuf-dev)
  [ -f /usr/include/sqlite3.h ] || missing+=(libsqlite3-dev)
  [ -f /usr/include/libstemmer.h ] || missing+=(libstemmer-dev)
  /usr/bin/python3 -c 'import google.protobuf' 2>/dev/null || missing+=(python3-protobuf)
  echo "${missing[@]:-}"
}

# The tests also render a report in a headless browser and its Markdown with two Markdown processors.
gainsay_missing_test_packages() {
  command -v chromium >/dev/null || echo chromium
  command -v sqlite3 >/dev/null || echo sqlite3
  /usr/bin/python3 -c 'import markdown' 2>/dev/null || echo python3-markdown
  /usr/bin/python3 -c 'import markdown_it' 2>/dev/null || echo python3-markdown-it
  /usr/bin/python3 -c 'import jsonschema' 2>/dev/null || echo python3-jsonschema
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || echo postgresql
  [ -x /usr/sbin/sshd ] || echo openssh-server
  command -v ssh >/dev/null || echo openssh-client
  /usr/bin/python3 -c 'import ensurepip, venv' 2>/dev/null || echo python3-venv
}

# The Python gRPC client's venv (Clients/python/requirements.txt, from PyPI) in .build/python-grpc, with
# the gainsay.v1 stubs generated into it; prints the venv's python. Reused while the requirements and
# Protos/ are unchanged.
gainsay_python_grpc() {
  local root venv stamp
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  venv=$root/.build/python-grpc
  stamp=$(cat "$root/Clients/python/requirements.txt" "$root"/Protos/gainsay/v1/*.proto | sha256sum | cut -c1-16)
  if [ "$(cat "$venv/.stamp" 2>/dev/null)" != "$stamp" ]; then
    rm -rf "$venv"
    /usr/bin/python3 -m venv "$venv" >&2 || return 1
    "$venv/bin/pip" install -q --disable-pip-version-check -r "$root/Clients/python/requirements.txt" >&2 || return 1
    PYTHON=$venv/bin/python "$root/Clients/python/generate-stubs" "$venv/stubs" >&2 || return 1
    echo "$stamp" > "$venv/.stamp"
  fi
  echo "$venv/bin/python"
}

gainsay_ensure_dependencies() {
  local missing
  missing=$(gainsay_missing_packages)
  [ "${1:-}" = --with-test-tools ] && missing="$missing $(gainsay_missing_test_packages)"
  missing=$(echo $missing)
  [ -z "$missing" ] && return 0
  echo "Installing missing packages: $missing" >&2
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "Need root (or sudo) to apt-get install: $missing" >&2; return 1; }
    sudo=sudo
  fi
  $sudo apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
  # Debian's openssh-server starts sshd where services run; the tests run their own on another port.
  # It was missing, so any sshd running now is the one the install started.
  if [[ " $missing " == *" openssh-server "* ]] && pgrep -x sshd >/dev/null 2>&1; then
    $sudo systemctl stop ssh 2>/dev/null || $sudo service ssh stop >/dev/null 2>&1 || true
  fi
  # Debian's postgresql package creates (and, where services run, starts) a `main` cluster. The tests run
  # their own throwaway clusters: stop any the install started, so nothing is left running.
  if [[ " $missing " == *" postgresql "* ]] && command -v pg_lsclusters >/dev/null; then
    pg_lsclusters --no-header 2>/dev/null | awk '$4 == "online" { print $1, $2 }' | while read -r version name; do
      $sudo pg_ctlcluster "$version" "$name" stop 2>/dev/null || true
    done
  fi
  missing=$(gainsay_missing_packages)
  [ "${1:-}" = --with-test-tools ] && missing="$missing $(gainsay_missing_test_packages)"
  missing=$(echo $missing)
  [ -z "$missing" ] || { echo "Still missing after apt-get: $missing" >&2; return 1; }
}
