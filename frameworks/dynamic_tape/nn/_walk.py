"""The attribute walker behind nn.Module's parameters(), modules() and state_dict() (Gluon's Block keeps its
own ParameterDict, as Gluon does, so only this engine walks attributes).

Finds members of a given kind by walking an object's __dict__ in insertion order, recursing through
lists, tuples and dicts, and names them by their attribute path ("layers.0.weight").
"""


def named_members(obj, kind, prefix="", recurse_into=None, seen=None):
    """Yield (dotted name, value) for every instance of `kind` reachable from obj's attributes.

    recurse_into: a type (or tuple of types) whose instances are walked into as well (submodules);
    each object is reported once, under the first name it is found by.
    """
    seen = set() if seen is None else seen
    for name, value in vars(obj).items():
        yield from _walk(value, f"{prefix}{name}", kind, recurse_into, seen)


def _walk(value, name, kind, recurse_into, seen):
    if isinstance(value, kind):
        if id(value) not in seen:
            seen.add(id(value))
            yield name, value
    elif recurse_into is not None and isinstance(value, recurse_into):
        if id(value) not in seen:
            seen.add(id(value))
            yield from named_members(value, kind, f"{name}.", recurse_into, seen)
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _walk(v, f"{name}.{i}", kind, recurse_into, seen)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, f"{name}.{k}", kind, recurse_into, seen)
