"""The shared attribute walker used by the module-style engines."""
from frameworks.dynamic_tape.nn._walk import named_members


class P:
    pass


class Mod:
    pass


def test_walks_attributes_lists_dicts_and_submodules_once():
    root, child = Mod(), Mod()
    shared = P()
    child.weight = shared
    root.fc = child
    root.layers = [P(), (P(),)]
    root.table = {"k": P()}
    root.again = shared  # reported once, under its first name
    root.other = 3
    names = [n for n, _ in named_members(root, P, recurse_into=Mod)]
    assert names == ["fc.weight", "layers.0", "layers.1.0", "table.k"]


def test_without_recursion_submodules_are_not_entered():
    root, child = Mod(), Mod()
    child.w = P()
    root.c = child
    assert list(named_members(root, P)) == []
