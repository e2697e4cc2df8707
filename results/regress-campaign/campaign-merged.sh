#!/bin/bash
OUT=/work/wt/seedtable/results/regress-campaign
cd /work/wt/campaign
f=$OUT/after-merge-unchanged-1
{ echo "# command: python -m harness.cli regress --against HEAD   (cwd /work/wt/campaign, HEAD $(git rev-parse --short HEAD), after merging main: keras and theano engines)";
  echo "# start $(date -u +%FT%TZ) uptime: $(uptime)"; } > $f.txt
s=$(date +%s)
PYTHONPATH=$PWD /work/main/.venv/bin/python -m harness.cli regress --against HEAD --json $f.json >> $f.txt 2>$f.err
rc=$?
e=$(date +%s)
echo "# end $(date -u +%FT%TZ) exit $rc wall $((e-s)) s uptime: $(uptime)" >> $f.txt
