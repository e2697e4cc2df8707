#!/bin/bash
# campaign 3 (the suspects' rounds reserved, 3 minimum rounds, cheaper runs): one gate at a time, in the
# order given on the command line, each NAME "c3-" and one of (the prefix keeps earlier campaigns' files)
#   unchanged-N      python -m harness.cli regress --against HEAD                    (tree $SAME, clean)
#   slow20-N         ... --workloads mlp-l2,fc-adam,lstm-cells,slow  (tree $SLOW: the fake's reference 20%
#                    slower in B, an uncommitted change; the default selection plus the fake)
#   slow5-default-N  ... --workloads slow                            (tree $SLOW5: 5% slower, the fake alone)
#   slow5-min3-N     ... --workloads slow --min-effect 3%            (the same tree)
# no invocation starts after $LAST_START (UTC HH:MM). Raw outputs: NAME.txt (command, diff, uptime at start
# and end, the gate's output, exit and wall seconds), NAME.load (uptime every minute), NAME.json, NAME.err
OUT=$(cd "$(dirname "$0")" && pwd)
SAME=${SAME:-/tmp/regress3-campaign/same}
SLOW=${SLOW:-/tmp/regress3-campaign/slow}
SLOW5=${SLOW5:-/tmp/regress3-campaign/slow5}
LAST_START=${LAST_START:-06:25}
PY=/work/main/.venv/bin/python
FAKE="STYLEBENCH_EXTRA_WORKLOADS=slow=tests.harness.fakes.slowdown STYLEBENCH_FAKE_STEP_S=0.1"
gate() {   # $1 = name, $2 = tree, rest = extra flags
  name=$1 tree=$2; shift 2
  f=$OUT/$name
  cd "$tree"
  { echo "# command: ${EXTRA_ENV:+$EXTRA_ENV }python -m harness.cli regress --against HEAD $*   (cwd $tree, HEAD $(git rev-parse --short HEAD))";
    if [ -n "$(git status --porcelain)" ]; then echo "# working tree vs HEAD:"; git diff | sed 's/^/#   /'; fi
    echo "# machine: $(PYTHONPATH=$tree $PY -c 'from harness import machine; print(machine.machine_id())')";
    echo "# start $(date -u +%FT%TZ) uptime: $(uptime)"; } > $f.txt
  ( while sleep 60; do echo "# $(date -u +%TZ) uptime: $(uptime)"; done ) > $f.load &
  sampler=$!
  s=$(date +%s)
  env $EXTRA_ENV PYTHONPATH=$tree $PY -m harness.cli regress --against HEAD "$@" --json $f.json >> $f.txt 2>$f.err
  rc=$?
  e=$(date +%s)
  kill $sampler
  echo "# end $(date -u +%FT%TZ) exit $rc wall $((e-s)) s uptime: $(uptime)" >> $f.txt
}
for name in "$@"; do
  if [[ $(date -u +%H:%M) > $LAST_START ]]; then echo "stopped before $name: past $LAST_START"; exit 0; fi
  case ${name#c3-} in
    unchanged-*)     EXTRA_ENV= gate $name $SAME ;;
    slow20-*)        EXTRA_ENV=$FAKE gate $name $SLOW --workloads mlp-l2,fc-adam,lstm-cells,slow ;;
    slow5-default-*) EXTRA_ENV=$FAKE gate $name $SLOW5 --workloads slow ;;
    slow5-min3-*)    EXTRA_ENV=$FAKE gate $name $SLOW5 --workloads slow --min-effect 3% ;;
    trial-*)         EXTRA_ENV=$FAKE gate $name $SLOW --workloads mlp-l2,fc-adam,lstm-cells,slow ;;
    *) echo "unknown invocation $name"; exit 2 ;;
  esac
done
