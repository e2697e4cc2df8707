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
    per_minute = [float(x) for x in re.findall(r"load average: ([\d.]+)", (HERE / f"{name}.load").read_text())] \
        if (HERE / f"{name}.load").exists() else []
    if per_minute:
        loads[-1] += f" (each minute {min(per_minute):.1f}-{max(per_minute):.1f})"
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


def profile(name):
    """Where an invocation's time went: the gate's own split (runs, verdicts, the rest), then the runs'
    wall seconds per workload and, summed over runs, the parts of a run (campaign 3 on: wall_s, phase_s)."""
    data = json.loads((HERE / f"{name}.json").read_text())
    prof = data.get("profile") or {}
    out = [f"{name}: total {prof.get('total_s', 0):.0f} s = {prof.get('runs', 0)} runs {prof.get('runs_s', 0):.0f} s "
           f"+ verdicts {prof.get('judge_s', 0):.0f} s + ref checkout {prof.get('checkout_s', 0):.1f} s "
           f"+ the rest {prof.get('total_s', 0) - prof.get('runs_s', 0) - prof.get('judge_s', 0) - prof.get('checkout_s', 0):.0f} s"]
    per, phases = {}, {}
    for b in data["benchmarks"]:
        for r in b["runs"]["A"] + b["runs"]["B"]:
            n, t = per.get(b["workload"], (0, 0.0))
            per[b["workload"]] = (n + 1, t + r.get("wall_s", 0.0))
            for k, v in (r.get("phase_s") or {}).items():
                phases[k] = phases.get(k, 0.0) + v
    out.append("  runs by workload: " + ", ".join(f"{w} {n} runs {t:.0f} s ({t / max(n, 1):.2f} s a run)"
                                                  for w, (n, t) in per.items()))
    inside = sum(t for _, t in per.values())
    out.append("  inside the runs: " + ", ".join(f"{k} {v:.0f} s" for k, v in phases.items())
               + f"; the rest of the runs' wall (fork, imports, batches, exit, the gate's side) "
               f"{inside - sum(phases.values()):.0f} s")
    return "\n".join(out)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--profile"]:
        for n in sys.argv[2:]:
            print(profile(n))
        sys.exit(0)
    names = sys.argv[1:] or sorted(p.stem for p in HERE.glob("*.json"))
    print("| invocation | wall | gate's own | rounds | benchmarks | verdicts (step + tax) | lowest q | ratio farthest from 1 | benchmarks flagged | flagged | exit "
          "| load (start → end) | the fake's slowed reference | stopped |")
    print("|---|---:|---:|---:|---:|---|---:|---:|---:|---|---:|---|---|---|")
    for n in names:
        print(row(n))
