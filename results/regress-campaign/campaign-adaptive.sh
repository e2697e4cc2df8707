#!/bin/bash
# campaign 2 (adaptive rounds, fork server): the default selection, alternating
#   (a) unchanged code against itself:   python -m harness.cli regress --against HEAD
#   (b) the same plus the slowdown fake, whose reference engine is 20% slower in B only (an uncommitted
#       change in the working tree of $SLOW):  ... --workloads mlp-l2,fc-adam,lstm-cells,slow
# one gate at a time, default flags otherwise; no invocation starts after $LAST_START (UTC HH:MM), so the
# results can be committed before the deadline; FIRST=3 KINDS=slow20 runs adaptive-slow20-3 onwards only
OUT=$(cd "$(dirname "$0")" && pwd)
SAME=${SAME:-/tmp/regress2-campaign/same}
SLOW=${SLOW:-/tmp/regress2-campaign/slow}
LAST_START=${LAST_START:-03:04}
PY=/work/main/.venv/bin/python
gate() {   # $1 = name, $2 = tree, rest = extra flags
  name=$1 tree=$2; shift 2
  f=$OUT/$name
  cd "$tree"
  { echo "# command: ${EXTRA_ENV:+$EXTRA_ENV }python -m harness.cli regress --against HEAD $*   (cwd $tree, HEAD $(git rev-parse --short HEAD))";
    if [ -n "$(git status --porcelain)" ]; then echo "# working tree vs HEAD:"; git diff | sed 's/^/#   /'; fi
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
for i in $(seq ${FIRST:-1} 5); do
  for kind in ${KINDS:-unchanged slow20}; do
    if [[ $(date -u +%H:%M) > $LAST_START ]]; then echo "stopped before adaptive-$kind-$i: past $LAST_START"; exit 0; fi
    if [ $kind = unchanged ]; then
      EXTRA_ENV= gate adaptive-unchanged-$i $SAME
    else
      EXTRA_ENV="STYLEBENCH_EXTRA_WORKLOADS=slow=tests.harness.fakes.slowdown STYLEBENCH_FAKE_STEP_S=0.1" \
        gate adaptive-slow20-$i $SLOW --workloads mlp-l2,fc-adam,lstm-cells,slow
    fi
  done
done
