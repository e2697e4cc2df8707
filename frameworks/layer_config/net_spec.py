"""pycaffe's NetSpec: nets written as Python calls (`caffe.layers` as L, `caffe.params` as P) and turned into
a NetParameter by to_proto(), with tops named after the NetSpec attributes they are assigned to.

    n = caffe.NetSpec()
    n.data, n.label = L.Data(batch_size=64, source="train_lmdb", backend=P.Data.LMDB, ntop=2)
    n.ip = L.InnerProduct(n.data, num_output=10, param=[dict(name="w")])
    n.loss = L.SoftmaxWithLoss(n.ip, n.label)
    str(n.to_proto())
"""
import collections

from .proto import caffe_pb2


def param_name_dict():
    """Layer type -> the prefix of its `<prefix>_param` field, read off LayerParameter's fields
    (InnerProduct -> inner_product, ReLU -> relu), as pycaffe derives it."""
    layer = caffe_pb2.LayerParameter()
    out = {}
    for field in layer.DESCRIPTOR.fields:
        if field.name.endswith("_param") and field.message_type is not None:
            type_name = field.message_type.name
            if type_name.endswith("Parameter"):
                out[type_name[:-len("Parameter")]] = field.name[:-len("_param")]
    return out


_PARAM_NAMES = param_name_dict()


def assign_proto(proto, name, val):
    """Set field `name` of `proto` from a Python value: dicts become messages, lists repeated fields (a
    single value given to a repeated field becomes a one-element list), anything else is assigned."""
    field = getattr(proto, name)
    repeated = hasattr(field, "extend")
    if repeated and not isinstance(val, (list, tuple)):
        val = [val]
    if isinstance(val, (list, tuple)):
        if val and isinstance(val[0], dict):
            for item in val:
                sub = field.add()
                for k, v in item.items():
                    assign_proto(sub, k, v)
        else:
            field.extend(val)
    elif isinstance(val, dict):
        for k, v in val.items():
            assign_proto(field, k, v)
    else:
        setattr(proto, name, val)


class Top:
    """One output blob of a layer Function (the n-th of its tops)."""

    def __init__(self, fn, n):
        self.fn, self.n = fn, n

    def to_proto(self):
        """A NetParameter with every layer needed to compute this top."""
        return to_proto(self)

    def _to_proto(self, layers, names, autonames):
        return self.fn._to_proto(layers, names, autonames)


class Function:
    """One layer: its type, its input Tops and its keyword parameters (`ntop`, `in_place` taken out)."""

    def __init__(self, type_name, inputs, params):
        self.type_name, self.inputs = type_name, inputs
        self.params = dict(params)
        self.ntop = self.params.pop("ntop", 1)
        self.in_place = self.params.pop("in_place", False)
        for inp in inputs:
            if not isinstance(inp, Top):
                raise TypeError(f"L.{type_name}: bottoms must be tops of other layers, got {type(inp).__name__}")
        self.tops = tuple(Top(self, n) for n in range(self.ntop))

    def _top_name(self, top, names, autonames):
        if top not in names:
            autonames[self.type_name] += 1
            names[top] = f"{self.type_name}{autonames[self.type_name]}"
        return names[top]

    def _name(self, names, autonames):
        if self not in names:
            if self.ntop > 0:
                names[self] = self._top_name(self.tops[0], names, autonames)
            else:
                autonames[self.type_name] += 1
                names[self] = f"{self.type_name}{autonames[self.type_name]}"
        return names[self]

    def _to_proto(self, layers, names, autonames):
        if self in layers:
            return
        bottoms = []
        for inp in self.inputs:
            inp._to_proto(layers, names, autonames)
            bottoms.append(layers[inp.fn].top[inp.n])
        layer = caffe_pb2.LayerParameter(type=self.type_name)
        layer.bottom.extend(bottoms)
        if self.in_place:
            layer.top.extend(layer.bottom)
        else:
            layer.top.extend(self._top_name(t, names, autonames) for t in self.tops)
        layer.name = self._name(names, autonames)
        for k, v in self.params.items():
            if k.endswith("param"):   # loss_param, transform_param, param=[...]: fields of the layer
                assign_proto(layer, k, v)
                continue
            prefix = _PARAM_NAMES.get(self.type_name)
            sub = getattr(layer, prefix + "_param") if prefix else None
            if sub is not None and k in sub.DESCRIPTOR.fields_by_name:
                assign_proto(sub, k, v)
            elif k in layer.DESCRIPTOR.fields_by_name:
                assign_proto(layer, k, v)
            else:
                where = f"{prefix}_param nor " if prefix else ""
                raise AttributeError(f"L.{self.type_name}: {k!r} is a field of neither {where}LayerParameter")
        layers[self] = layer


def to_proto(*tops):
    """A NetParameter with every layer needed to compute `tops` (blob names generated)."""
    layers, autonames = collections.OrderedDict(), collections.Counter()
    for top in tops:
        top._to_proto(layers, {}, autonames)
    net = caffe_pb2.NetParameter()
    net.layer.extend(layers.values())
    return net


class NetSpec:
    """Tops assigned as attributes (n.conv1 = L.Convolution(...)) or items (n["h_1"] = ...) are named
    after the attribute; to_proto() emits the layers they need, in the order they were assigned."""

    def __init__(self):
        super().__setattr__("tops", collections.OrderedDict())

    def __setattr__(self, name, value):
        self.tops[name] = value

    def __getattr__(self, name):
        try:
            return self.tops[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setitem__(self, name, value):
        self.tops[name] = value

    def __getitem__(self, name):
        return self.tops[name]

    def keys(self):
        return list(self.tops)

    def vals(self):
        return list(self.tops.values())

    def to_proto(self):
        names = {v: k for k, v in self.tops.items()}
        layers, autonames = collections.OrderedDict(), collections.Counter()
        for top in self.tops.values():
            top._to_proto(layers, names, autonames)
        net = caffe_pb2.NetParameter()
        net.layer.extend(layers.values())
        return net


class Layers:
    """`caffe.layers`: L.<Type>(*bottoms, **params) is a Top (a tuple of Tops for ntop > 1; the Function
    itself for ntop 0)."""

    def __getattr__(self, type_name):
        def layer_fn(*args, **kwargs):
            fn = Function(type_name, args, kwargs)
            if fn.ntop == 0:
                return fn
            return fn.tops[0] if fn.ntop == 1 else fn.tops
        return layer_fn


class Parameters:
    """`caffe.params`: P.Pooling.MAX is PoolingParameter's MAX, P.Data.LMDB DataParameter's LMDB."""

    def __getattr__(self, name):
        message = getattr(caffe_pb2, name + "Parameter")

        class Param:
            def __getattr__(self, value_name):
                return getattr(message, value_name)
        return Param()


layers = Layers()
params = Parameters()
