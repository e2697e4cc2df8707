"""The shared planning algorithms: topological order, liveness, the liveness bound, buffer reuse."""
import pytest

from frameworks.plan import (CycleError, Interval, assign_buffers, assign_offsets, eager_order, liveness,
                             peak_live_bytes, toposort)


def test_toposort_orders_deps_first_and_is_deterministic():
    deps = {"loss": ["b", "a"], "b": ["a", "x"], "a": ["x"], "x": []}
    order = toposort(["loss"], deps.__getitem__)
    assert order == ["x", "a", "b", "loss"]
    assert toposort(["loss"], deps.__getitem__) == order


def test_toposort_only_reaches_what_roots_need():
    deps = {"y": ["x"], "x": [], "unrelated": ["x"]}
    assert toposort(["y"], deps.__getitem__) == ["x", "y"]


def test_toposort_deep_chain_has_no_recursion_limit():
    n = 20000
    order = toposort([n], lambda i: [i - 1] if i > 0 else [])
    assert order == list(range(n + 1))


def test_toposort_detects_cycles():
    deps = {"a": ["b"], "b": ["a"]}
    with pytest.raises(CycleError, match="cycle"):
        toposort(["a"], deps.__getitem__)


# a schedule: (name, reads, writes)
STEPS = [
    ("mm", ["x", "w"], ["h"]),
    ("relu", ["h"], ["r"]),
    ("mm2", ["r", "w2"], ["y"]),
    ("loss", ["y"], ["l"]),
]


def _live(keep=("l",)):
    return liveness(STEPS, lambda s: s[1], lambda s: s[2], keep=keep)


def test_liveness_intervals():
    iv = _live()
    assert iv["x"] == Interval(-1, 0)       # fed before step 0, last read at 0
    assert iv["h"] == Interval(0, 1)
    assert iv["r"] == Interval(1, 2)
    assert iv["y"] == Interval(2, 3)
    assert iv["l"] == Interval(3, 4)        # kept: outlives the schedule


def test_peak_live_bytes_is_the_max_over_steps():
    iv = _live()
    size = {"x": 10, "w": 1, "w2": 1, "h": 100, "r": 100, "y": 5, "l": 1}
    # step 1 (relu): h and r both live (100 + 100), plus w2 (fed, read at step 2)
    assert peak_live_bytes(iv, size.__getitem__) == 10 + 1 + 1 + 100 + 100 - 10 - 1
    assert peak_live_bytes({}, size.__getitem__) == 0


def test_assign_buffers_reuses_dead_buffers_of_the_same_key():
    iv = {"a": Interval(0, 1), "b": Interval(1, 2), "c": Interval(2, 3), "d": Interval(3, 4)}
    assignment, buffers = assign_buffers(iv, key=lambda v: "f32x100")
    # a dies at 1, so c (starting at 2) may take a's buffer; b's goes to d
    assert assignment["a"] == assignment["c"]
    assert assignment["b"] == assignment["d"]
    assert assignment["a"] != assignment["b"]
    assert len(buffers) == 2


def test_assign_buffers_never_shares_live_or_mismatched_buffers():
    iv = {"a": Interval(0, 2), "b": Interval(1, 3), "c": Interval(3, 4), "d": Interval(4, 5)}
    keys = {"a": "k1", "b": "k1", "c": "k1", "d": "k2"}
    assignment, buffers = assign_buffers(iv, key=keys.__getitem__)
    assert assignment["a"] != assignment["b"]
    assert assignment["c"] == assignment["a"]           # a died at 2 < 3
    assert buffers[assignment["d"]] == "k2" and assignment["d"] not in (assignment["a"], assignment["b"])
    for v, w in [(v, w) for v in iv for w in iv if v < w]:
        if assignment[v] == assignment[w]:
            assert iv[v].end < iv[w].start or iv[w].end < iv[v].start


def test_assign_buffers_respects_candidates():
    iv = {"a": Interval(0, 0), "b": Interval(1, 1)}
    assignment, buffers = assign_buffers(iv, key=lambda v: 0, candidates=["b"])
    assert assignment["a"] != assignment["b"] and len(buffers) == 2


def test_eager_order_runs_each_node_once_its_deps_are_done():
    # a chain a1 -> ... -> a6 whose side outputs s1, s2 feed a running sum acc2: depth-first from the
    # end finishes the chain first, so s1 and s2 wait; the eager order sums them while the chain goes on
    deps = {"a1": [], "s1": ["a1"], "s2": ["a2"], "acc2": ["s1", "s2"], "end": ["a6", "acc2"]}
    deps.update({f"a{i}": [f"a{i - 1}"] for i in range(2, 7)})
    order = toposort(["end"], deps.__getitem__)
    assert order.index("acc2") > order.index("a6")
    eager = eager_order(order, deps.__getitem__)
    assert sorted(eager) == sorted(order)
    done = set()
    for n in eager:
        assert all(d in done for d in deps[n])
        done.add(n)
    assert eager.index("acc2") < eager.index("a6")
    assert eager == eager_order(order, deps.__getitem__)


def test_assign_offsets_never_overlaps_values_live_together_and_reuses_dead_bytes():
    import random
    rnd = random.Random(0)
    iv, size = {}, {}
    for v in range(200):
        a = rnd.randrange(100)
        iv[v] = Interval(a, a + rnd.randrange(20))
        size[v] = rnd.choice([8, 64, 100, 4096, 10000])
    offsets, total = assign_offsets(iv, size.__getitem__, align=64)
    for v in iv:
        assert offsets[v] % 64 == 0 and offsets[v] + size[v] <= total
        for u in iv:
            if u < v and iv[u].start <= iv[v].end and iv[v].start <= iv[u].end:   # live together
                assert offsets[u] + size[u] <= offsets[v] or offsets[v] + size[v] <= offsets[u], (u, v)
    assert peak_live_bytes(iv, size.__getitem__) <= total < sum(size.values())


def test_assign_offsets_shares_bytes_across_shapes_over_time():
    iv = {"a": Interval(0, 1), "b": Interval(2, 3), "c": Interval(2, 2)}
    size = {"a": 128, "b": 64, "c": 64}
    offsets, total = assign_offsets(iv, size.__getitem__, align=64)
    assert total == 128 and offsets["a"] == 0 and {offsets["b"], offsets["c"]} == {0, 64}
