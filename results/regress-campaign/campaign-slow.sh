#!/bin/bash
# campaign part 2: a deliberate slowdown of the fake's reference engine, as an uncommitted change in the
# working tree (version B) against HEAD (version A); one gate at a time, after part 1
OUT=/work/wt/seedtable/results/regress-campaign
W=/work/wt/campaign-slow
true
cd $W
export STYLEBENCH_EXTRA_WORKLOADS=slow=tests.harness.fakes.slowdown STYLEBENCH_FAKE_STEP_S=0.1
slow() {   # $1 = factor written into the working tree's fake reference engine
  git checkout -q -- tests/harness/fakes/slowdown/reference.py
  cat > tests/harness/fakes/slowdown/reference.py <<PY
"""The slowdown fake as the reference engine."""
from tests.harness.fakes.slowdown import spec


def build(size="small", device="cpu"):
    t = spec.Trainer("reference")
    t.seconds *= $1      # regress campaign: the deliberate slowdown, uncommitted, in this tree (B) only
    return t
PY
}
gate() {   # $1 = name, rest = extra flags
  name=$1; shift
  f=$OUT/$name
  { echo "# command: STYLEBENCH_EXTRA_WORKLOADS=$STYLEBENCH_EXTRA_WORKLOADS STYLEBENCH_FAKE_STEP_S=$STYLEBENCH_FAKE_STEP_S python -m harness.cli regress --against HEAD --workloads slow $*   (cwd $W, HEAD $(git rev-parse --short HEAD))";
    echo "# working tree vs HEAD:"; git diff | sed 's/^/#   /';
    echo "# start $(date -u +%FT%TZ) uptime: $(uptime)"; } > $f.txt
  s=$(date +%s)
  PYTHONPATH=$PWD /work/main/.venv/bin/python -m harness.cli regress --against HEAD --workloads slow "$@" --json $f.json >> $f.txt 2>$f.err
  rc=$?
  e=$(date +%s)
  echo "# end $(date -u +%FT%TZ) exit $rc wall $((e-s)) s uptime: $(uptime)" >> $f.txt
}
slow 1.20
for i in 1 2 3 4 5; do gate slow20-$i; done
slow 1.05
for i in 1 2; do gate slow5-default-$i; done
for i in 1 2; do gate slow5-min3-$i --min-effect 3%; done
git checkout -q -- tests/harness/fakes/slowdown/reference.py
