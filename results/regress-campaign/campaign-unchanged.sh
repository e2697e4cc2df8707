#!/bin/bash
# campaign part 1: unchanged code against itself, N invocations, one at a time
OUT=/work/wt/seedtable/results/regress-campaign
cd /work/wt/campaign
for i in $(seq ${START:-1} ${END:-5}); do
  f=$OUT/unchanged-$i
  { echo "# command: python -m harness.cli regress --against HEAD   (cwd /work/wt/campaign, HEAD $(git rev-parse --short HEAD))";
    echo "# start $(date -u +%FT%TZ) uptime: $(uptime)"; } > $f.txt
  s=$(date +%s)
  PYTHONPATH=$PWD /work/main/.venv/bin/python -m harness.cli regress --against HEAD --json $f.json >> $f.txt 2>$f.err
  rc=$?
  e=$(date +%s)
  echo "# end $(date -u +%FT%TZ) exit $rc wall $((e-s)) s uptime: $(uptime)" >> $f.txt
done
