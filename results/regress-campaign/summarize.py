"""Summarizes the regress campaign's raw outputs (NAME.txt + NAME.json per invocation) as a markdown table."""
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).parent


def row(name):
    txt = (HERE / f"{name}.txt").read_text()
    data = json.loads((HERE / f"{name}.json").read_text())
    wall = re.search(r"exit (\d+) wall (\d+) s", txt)
    took = re.search(r" in (\d+) s \(", txt)
    loads = re.findall(r"load average: ([\d.]+)", txt)
    benches = data["benchmarks"]
    rounds = sorted({max(len(b["runs"]["A"]), len(b["runs"]["B"])) for b in benches})
    labels = {}
    flagged = []
    for b in benches:
        for metric in ("step", "tax"):
            v = b[metric]
            if v:
                labels[v["label"]] = labels.get(v["label"], 0) + 1
                if v["label"] == "slower":
                    flagged.append(f"{b['engine']} × {b['workload']} {metric} {v['ratio']:.3f} "
                                   f"[{v['lo']:.3f}, {v['hi']:.3f}] q={v['q']:.2g}")
    verdicts = ", ".join(f"{n} {k}" for k, n in sorted(labels.items()))
    vs = [b[m] for b in benches for m in ("step", "tax") if b[m]]
    undecided = sum(not v["decided"] for v in vs)
    lowest = min(vs, key=lambda v: v["q"])
    widest = max(vs, key=lambda v: abs(v["ratio"] - 1))
    fake = [b for b in benches if b["workload"] == "slow" and b["engine"] == "reference"]
    slowed = "—"
    if fake and fake[0]["step"]:
        f0 = fake[0]
        slowed = (f"{len(f0['runs']['B'])} rounds; step {f0['step']['ratio']:.3f} q={f0['step']['q']:.2g}"
                  + (f", tax {f0['tax']['ratio']:.3f} q={f0['tax']['q']:.2g}" if f0["tax"] else ""))
    return (f"| {name} | {wall.group(2) if wall else '?'} s | {took.group(1) if took else '?'} s | {'-'.join(map(str, (rounds[0], rounds[-1]))) if len(rounds) > 1 else rounds[0]} "
            f"| {len(benches)} | {verdicts} ({undecided} undecided) | {lowest['q']:.2g} | "
            f"{widest['ratio']:.3f} | {len({f.split(' ')[0] + f.split(' ')[2] for f in flagged})} | "
            f"{'; '.join(flagged) or '—'} | {wall.group(1) if wall else data['exit']} | "
            f"{' → '.join(loads)} | {slowed} | {data['stopped']} |")


if __name__ == "__main__":
    names = sys.argv[1:] or sorted(p.stem for p in HERE.glob("*.json"))
    print("| invocation | wall | gate's own | rounds | benchmarks | verdicts (step + tax) | lowest q | ratio farthest from 1 | benchmarks flagged | flagged | exit "
          "| load (start → end) | the fake's slowed reference | stopped |")
    print("|---|---:|---:|---:|---:|---|---:|---:|---:|---|---:|---|---|---|")
    for n in names:
        print(row(n))
