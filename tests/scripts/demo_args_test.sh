#!/usr/bin/env bash
# scripts/demo.sh's arguments: every combination it does not know is a usage error (exit 2, the
# usage line on stderr) before anything is installed, built or started; --help names every mode.
set -u
DEMO=${1:?usage: demo_args_test.sh path/to/scripts/demo.sh}
fail=0
for args in "--bogus" "--keep --keep" "--ha --stop" "--stop --ha" "--ha --foundation" \
            "--foundation --keep" "--ha --keep extra" "--stop --keep" "--ha --ha" "--keep --stop"; do
  # shellcheck disable=SC2086
  err=$("$DEMO" $args 2>&1 >/dev/null); rc=$?
  if [ $rc -ne 2 ] || [[ $err != "usage: "*"--ha [--keep]"* ]]; then
    echo "FAIL: demo.sh $args: exit $rc, stderr: $err"; fail=1
  fi
done
help=$("$DEMO" --help) || { echo "FAIL: demo.sh --help: exit $?"; fail=1; }
for mode in "--keep" "--stop" "--foundation" "--ha  " "--ha --keep"; do
  grep -qF -- "demo.sh $mode" <<<"$help" || { echo "FAIL: --help does not name $mode"; fail=1; }
done
[ $fail = 0 ] && echo "demo.sh arguments: ok"
exit $fail
