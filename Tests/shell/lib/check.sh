# Shared by the shell suites: `check NAME COMMAND...` runs the command with its output in $work/out,
# counts it in $passed or $failed, and shows the output of a failure.
check() {
  local name=$1; shift
  if "$@" >"$work/out" 2>&1; then
    passed=$((passed + 1)); echo "ok   $name"
  else
    failed=$((failed + 1)); echo "FAIL $name"; sed 's/^/     /' "$work/out"
  fi
}
