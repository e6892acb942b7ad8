#!/usr/bin/env bash
# Search relevance: the fixture of Tests/relevance loaded into a fresh gainsayd through the CLI, every query
# of Tests/relevance/queries.json run with `gainsay search`, precision@5 and recall@5 per group printed, and
# every query that misses an expected hit or ranks a pair the wrong way listed as a failure.
#   Tests/shell/relevance-tests.sh BIN_DIR
set -uo pipefail
bin=${1:?usage: Tests/shell/relevance-tests.sh BIN_DIR}
here=$(cd "$(dirname "$0")" && pwd)
exec /usr/bin/python3 "$here/../relevance/relevance.py" --bin "$bin" --strict
