"""How often the adaptive gate flags unchanged code: N simulated gates on the default selection's shape
(25 benchmarks, 50 verdicts), every run drawn from one distribution for both versions (tests/harness/
test_regress.py's FakeMachine: log-normal noise, `--noise` relative), no time bound, so every undecided
benchmark gets every round up to --max-rounds (the most looks at the data the gate can take).
Run: PYTHONPATH=$PWD python results/regress-campaign/simulate_null.py [N] [NOISE ...]"""
import sys

from harness import regress
from tests.harness.test_regress import FakeMachine, fake_benches


def main(n=100, noises=(0.05, 0.3)):
    for noise in noises:
        flagged_gates, verdicts_flagged, rounds = 0, 0, []
        for seed in range(n):
            benches = fake_benches()
            fake = FakeMachine(benches, default_noise=noise, seed=1000 + seed)
            regress.compare(None, None, benches, 0.10, quiet=True, run=fake, clock=fake.clock, max_minutes=0)
            slower = sum(v.label == "slower" for b in benches for v in (b.step, b.tax))
            verdicts_flagged += slower
            flagged_gates += slower > 0
            rounds.append(sum(len(b.runs["A"]) for b in benches) / len(benches))
        print(f"noise {noise}: {flagged_gates}/{n} gates flagged something ({verdicts_flagged} verdicts of "
              f"{50 * n}); mean rounds per benchmark {sum(rounds) / n:.1f}", flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100, tuple(map(float, sys.argv[2:])) or (0.05, 0.3))
