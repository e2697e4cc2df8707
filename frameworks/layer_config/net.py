"""Net: layers built in file order over named blobs, with Caffe's phase filtering, split insertion,
in-place tops, shared parameters, backward pruning and the pycaffe view (blobs, params, forward, backward)."""
import collections
import os

import numpy

from frameworks import kernels as K

from .blob import Blob
from .io import (LayerConfigError, array_to_blobproto, blobproto_to_array, read_binary, read_net_param,
                 write_binary)
from .layer import Layer, layer_class
from .proto import caffe_pb2

TRAIN, TEST = caffe_pb2.TRAIN, caffe_pb2.TEST

_MODE = {"device": "cpu"}


def set_mode_cpu():
    """Nets built from now on run on the CPU (NumPy)."""
    _MODE["device"] = "cpu"


def set_mode_gpu():
    """Nets built from now on run on the GPU (CuPy); fails at once, clearly, when there is none."""
    K.get_xp("gpu")
    _MODE["device"] = "gpu"


def get_mode():
    return _MODE["device"]


def set_device(device_id):
    """pycaffe's set_device: the GPU that GPU-mode nets use (CuPy's current device)."""
    device_id = int(device_id)
    if device_id < 0:
        raise LayerConfigError(f"set_device: device id must be >= 0, got {device_id}")
    if _MODE["device"] == "gpu" or device_id:
        xp = K.get_xp("gpu")
        count = xp.cuda.runtime.getDeviceCount()
        if device_id >= count:
            raise LayerConfigError(f"set_device({device_id}): there are {count} GPU(s)")
        xp.cuda.Device(device_id).use()
    _MODE["device_id"] = device_id


def _meets_rule(state, rule):
    if rule.HasField("phase") and rule.phase != state.phase:
        return False
    if rule.HasField("min_level") and state.level < rule.min_level:
        return False
    if rule.HasField("max_level") and state.level > rule.max_level:
        return False
    stages = set(state.stage)
    return all(s in stages for s in rule.stage) and not any(s in stages for s in rule.not_stage)


def filter_net(param, state):
    """Caffe's FilterNet: the layers whose include/exclude rules admit `state`."""
    out = caffe_pb2.NetParameter()
    out.CopyFrom(param)
    del out.layer[:]
    for lp in param.layer:
        if lp.include and lp.exclude:
            raise LayerConfigError(f"layer {lp.name!r}: specify include or exclude rules, not both")
        keep = any(_meets_rule(state, r) for r in lp.include) if lp.include else \
            not any(_meets_rule(state, r) for r in lp.exclude)
        if keep:
            out.layer.add().CopyFrom(lp)
    return out


def insert_splits(param):
    """Caffe's InsertSplits: a blob read by several layers gets a Split layer, one top per reader."""
    readers = collections.defaultdict(list)   # blob -> [(layer index, bottom index)] since its last write
    producer = {}
    splits = []
    for i, lp in enumerate(param.layer):
        for j, b in enumerate(lp.bottom):
            readers[(b, producer.get(b))].append((i, j))
        for t in lp.top:
            producer[t] = i
    out = caffe_pb2.NetParameter()
    out.CopyFrom(param)
    del out.layer[:]
    renames = {}
    for (blob, prod), users in readers.items():
        if len(users) > 1:
            splits.append((prod, blob, users))
            for k, (i, j) in enumerate(users):
                renames[(i, j)] = f"{blob}_{param.layer[prod].name if prod is not None else 'input'}_" \
                                  f"{k}_split_{k}"
    by_producer = collections.defaultdict(list)
    for prod, blob, users in splits:
        by_producer[prod].append((blob, users))
    for i, lp in enumerate(param.layer):
        new = out.layer.add()
        new.CopyFrom(lp)
        for j in range(len(new.bottom)):
            if (i, j) in renames:
                new.bottom[j] = renames[(i, j)]
        for blob, users in by_producer.get(i, []):
            split = out.layer.add()
            split.name = f"{blob}_{lp.name}_0_split"
            split.type = "Split"
            split.bottom.append(blob)
            split.top.extend(renames[u] for u in users)
    return out


def _bottom_shapes(bottoms):
    return tuple([b.shape for b in bottoms])


class LayerRecord:
    """One layer of a built Net: the layer, its LayerParameter, its bottom and top blobs, the weighted
    loss tops, and the backward plan (whether it runs, and to which bottoms)."""
    __slots__ = ("name", "layer", "param", "bottoms", "tops", "loss_weights", "need_backward",
                 "bottom_need_backward", "shapes")

    def __init__(self, name, layer, param, bottoms, tops, loss_weights):
        self.name, self.layer, self.param = name, layer, param
        self.bottoms, self.tops, self.loss_weights = bottoms, tops, loss_weights
        self.need_backward, self.bottom_need_backward = True, [True] * len(bottoms)
        self.shapes = None          # the bottom shapes the layer was last reshaped for

    def __repr__(self):
        return f"LayerRecord({self.name!r}, {self.layer.type})"


class Net:
    """A network built from a NetParameter prototxt, pycaffe's way:

        net = Net("train_val.prototxt", TRAIN)            # or Net(path, TRAIN, weights="x.caffemodel")
        net.blobs["data"].data[...] = x; net.forward(); net.backward()
        net.params["ip1"][0].data                         # InnerProduct weight (num_output, K)

    `dtype` (float32 by default) is the blobs' float type (float64 for gradient checks); the device is the
    mode set by set_mode_cpu()/set_mode_gpu() when the net is built.
    """

    def __init__(self, network_file, *args, weights=None, phase=None, level=0, stages=(), dtype=numpy.float32,
                 seed=1701):
        if len(args) == 1:
            phase = args[0]
        elif len(args) == 2:   # Net(path, weights, phase), the older pycaffe signature
            weights, phase = args
        elif args:
            raise TypeError("Net(network_file, phase, weights=None) or Net(network_file, weights, phase)")
        if phase not in (TRAIN, TEST):
            raise LayerConfigError(f"phase must be TRAIN ({TRAIN}) or TEST ({TEST}), got {phase!r}")
        param, self.source = read_net_param(network_file)
        self.device = get_mode()
        self.xp = K.get_xp(self.device)
        self.dtype = numpy.dtype(dtype)
        self.phase = phase
        state = caffe_pb2.NetState(phase=phase, level=level, stage=list(stages))
        if param.HasField("state"):
            state.stage.extend(param.state.stage)
        self.name = param.name
        self.param = insert_splits(filter_net(self._upgrade_inputs(param), state))
        for lp in self.param.layer:
            lp.phase = phase                # as Caffe's Net::Init: each layer knows the net's phase
        self.stream = K.random.Stream(seed)   # the dropout masks' counter-based stream
        self._init(numpy.random.RandomState(seed))
        if weights is not None:
            self.copy_from(weights)

    @staticmethod
    def _upgrade_inputs(param):
        """The deprecated net-level `input` / `input_shape` fields as an Input layer (Caffe's upgrade)."""
        if not param.input:
            return param
        up = caffe_pb2.NetParameter()
        up.CopyFrom(param)
        del up.input[:], up.input_shape[:], up.input_dim[:], up.layer[:]
        lp = up.layer.add(name="input", type="Input")
        lp.top.extend(param.input)
        shapes = list(param.input_shape) or [caffe_pb2.BlobShape(dim=param.input_dim[4 * i:4 * i + 4])
                                             for i in range(len(param.input))]
        lp.input_param.shape.extend(shapes)
        up.layer.extend(param.layer)
        return up

    def _err(self, why):
        return LayerConfigError(f"{self.source}: {why}")

    def _init(self, rng):
        self.blobs = collections.OrderedDict()
        self.records = []          # one LayerRecord per layer, in run order
        self.params = collections.OrderedDict()
        self._learnable, self._param_specs, self._owners = [], [], {}
        names = set()
        for lp in self.param.layer:
            if lp.name in names:
                raise self._err(f"two layers are named {lp.name!r}")
            names.add(lp.name)
            cls = layer_class(lp.type, lp.name)
            bottoms = []
            for b in lp.bottom:
                if b not in self.blobs:
                    raise self._err(f"layer {lp.name!r} ({lp.type}) reads bottom blob {b!r}, which no "
                                    f"earlier layer produces (known blobs: "
                                    f"{', '.join(self.blobs) or 'none'})")
                bottoms.append(self.blobs[b])
            tops = []
            for t in lp.top:
                if t in lp.bottom:
                    tops.append(self.blobs[t])          # in place: the top is the bottom blob
                elif t in self.blobs:
                    raise self._err(f"layer {lp.name!r}: top blob {t!r} is already produced by an earlier "
                                    "layer (only in-place tops may reuse a name)")
                else:
                    self.blobs[t] = Blob((), self.xp, self.dtype, name=t)
                    tops.append(self.blobs[t])
            layer = cls(lp, self.xp, self.dtype, rng)
            layer.stream = self.stream
            try:
                Layer.setup(layer, bottoms, tops)
            except (ValueError, K.ShapeError) as e:
                if isinstance(e, LayerConfigError):
                    raise LayerConfigError(f"{self.source}: {e}") from None
                raise self._err(f"layer {lp.name!r} ({lp.type}): {e}") from None
            self._share_params(layer, lp)
            weights = list(lp.loss_weight) or ([layer.default_loss_weight] if tops else [])
            weights += [0.0] * (len(tops) - len(weights))
            losses = []
            for t, w in zip(tops, weights):
                if w:
                    t.reshape(*t.shape)
                    t.diff[...] = w        # Caffe keeps a loss top's weight in its diff
                    losses.append((t, float(str(numpy.float32(w)))))
            self.records.append(LayerRecord(lp.name, layer, lp, bottoms, tops, losses))
        self.layers = [r.layer for r in self.records]
        self.layer_dict = collections.OrderedDict((r.name, r.layer) for r in self.records)
        # Caffe's available_blobs: a layer consumes its bottoms and offers its tops (an in-place top is
        # offered again); what is left is the output, in a std::set's name order
        available = set()
        for lp in self.param.layer:
            available.difference_update(lp.bottom)
            available.update(lp.top)
        self.outputs = sorted(available)
        self.inputs = [t for lp in self.param.layer if lp.type == "Input" for t in lp.top]
        self._plan_backward()
        self._written_diffs = [b for r in self.records if r.layer.type == "Python" for b in r.layer.blobs]

    # pycaffe's per-layer views, read off the records
    @property
    def layer_names(self):
        return [r.name for r in self.records]

    _layer_names = layer_names

    @property
    def top_names(self):
        return collections.OrderedDict((r.name, list(r.param.top)) for r in self.records)

    @property
    def bottom_names(self):
        return collections.OrderedDict((r.name, list(r.param.bottom)) for r in self.records)

    @property
    def _blob_names(self):
        return list(self.blobs)

    @property
    def blob_loss_weights(self):
        weights = {id(t): w for r in self.records for t, w in r.loss_weights}
        return collections.OrderedDict((n, weights.get(id(b), 0.0)) for n, b in self.blobs.items())

    def _share_params(self, layer, lp):
        """Learnable blobs of the layer; a ParamSpec name seen before makes the blob the owner's."""
        if not layer.blobs:
            return
        specs = list(lp.param) + [caffe_pb2.ParamSpec() for _ in range(len(layer.blobs) - len(lp.param))]
        if len(lp.param) > len(layer.blobs):
            raise self._err(f"layer {lp.name!r} has {len(layer.blobs)} parameter blobs but {len(lp.param)} "
                            "param { } entries")
        for i, spec in enumerate(specs[:len(layer.blobs)]):
            if spec.name and spec.name in self._owners:
                owner = self._owners[spec.name]
                if owner.shape != layer.blobs[i].shape:
                    raise self._err(f"layer {lp.name!r}: shared param {spec.name!r} has shape "
                                    f"{layer.blobs[i].shape} here but {owner.shape} where it was first "
                                    "declared")
                layer.blobs[i] = owner
                continue
            if spec.name:
                self._owners[spec.name] = layer.blobs[i]
            self._learnable.append(layer.blobs[i])
            self._param_specs.append(spec)
        self.params[lp.name] = layer.blobs

    def _plan_backward(self):
        """Which layers run backward and to which bottoms (Caffe's Net::Init need-backward pass)."""
        blob_needs = set()
        lr = {id(b): s.lr_mult for b, s in zip(self._learnable, self._param_specs)}
        for r in self.records:
            lp, bnames = r.param, r.param.bottom
            if lp.propagate_down and len(lp.propagate_down) != len(bnames):
                raise self._err(f"layer {lp.name!r}: propagate_down needs one entry per bottom "
                                f"({len(bnames)}), got {len(lp.propagate_down)}")
            down = [b in blob_needs for b in bnames]
            if self.param.force_backward:
                down = [True] * len(bnames)
            if lp.propagate_down:
                down = [d and bool(p) for d, p in zip(down, lp.propagate_down)] if not \
                    self.param.force_backward else [bool(p) for p in lp.propagate_down]
            for j in r.layer.data_bottoms:   # ids, labels, sequence markers: never a gradient
                if j < len(down):
                    down[j] = False
            r.need_backward = any(down) or any(lr.get(id(b), 1.0) != 0 for b in r.layer.blobs)
            r.bottom_need_backward = down
            if r.need_backward:
                blob_needs.update(lp.top)
        # prune layers that do not lead to a loss
        under_loss = set()
        for r in reversed(self.records):
            contributes = bool(r.loss_weights) or any(t in under_loss for t in r.param.top)
            if not contributes and not self.param.force_backward:
                r.need_backward = False
            if contributes:
                under_loss.update(r.param.bottom)
            if not r.need_backward:
                r.bottom_need_backward = [False] * len(r.param.bottom)

    # ------------------------------------------------------------ running

    def _reshape_layer(self, r, shapes=None):
        """Reshape the layer when its bottoms' shapes changed since its last reshape (as Caffe's
        Net::Forward calls Reshape before every Forward)."""
        if shapes is None:
            shapes = _bottom_shapes(r.bottoms)
        if shapes != r.shapes:
            try:
                r.layer.reshape(r.bottoms, r.tops)
            except K.ShapeError as e:
                raise r.layer.error(f"shape mismatch: {e}") from None
            r.shapes = shapes

    def forward_from_to(self, start=0, end=None):
        """Run layers start..end (inclusive); returns the weighted loss of those layers."""
        end = len(self.records) - 1 if end is None else end
        loss = 0.0
        # a profiler reads call sites now: each layer stores its name into the slot before its kernel calls
        site = K.call_site_slot() if K.call_sites_wanted() else None
        outer = site and site[0]
        try:
            for r in self.records[start:end + 1]:
                b = r.bottoms   # the shape check inline: one tuple per layer, no call when nothing changed
                n = len(b)
                shapes = (b[0].shape,) if n == 1 else () if n == 0 else _bottom_shapes(b)
                if shapes != r.shapes:
                    self._reshape_layer(r, shapes)
                if site:
                    site[0] = r.name
                r.layer.forward(r.bottoms, r.tops)
                for t, w in r.loss_weights:
                    # Caffe: the dot of the top with its weight, so a (1,)-shaped loss top adds like a scalar
                    loss += w * float(t.data if t.data.size == 1 and t.data.ndim == 0 else t.data.sum())
        finally:
            if site:
                site[0] = outer
        return loss

    def backward_from_to(self, start=None, end=0):
        start = len(self.records) - 1 if start is None else start
        site = K.call_site_slot() if K.call_sites_wanted() else None
        outer = site and site[0]
        try:
            for r in reversed(self.records[end:start + 1]):
                if r.need_backward:
                    if site:
                        site[0] = r.name
                    r.layer.backward(r.tops, r.bottom_need_backward, r.bottoms)
        finally:
            if site:
                site[0] = outer

    def clear_param_diffs(self):
        for b in self._learnable:
            b.cleared = True
        for b in self._written_diffs:   # Python layers write param diffs themselves: zero them, as Caffe
            b.diff[...] = 0
            b.cleared = False

    def forward_backward(self):
        """One forward and backward pass over the whole net; returns the weighted loss."""
        self.clear_param_diffs()
        loss = self.forward_from_to()
        self.backward_from_to()
        return loss

    def _index(self, name, default):
        if name is None:
            return default
        if name not in self.layer_dict:
            raise LayerConfigError(f"no layer named {name!r}; layers: {', '.join(self.layer_names)}")
        return self.layer_names.index(name)

    def forward(self, blobs=None, start=None, end=None, **kwargs):
        """pycaffe's forward: keyword arrays are copied into the input blobs (reshaped to them), layers
        start..end run; returns {name: data} for the outputs (the `end` layer's tops if given) and `blobs`."""
        for name, value in kwargs.items():
            if name not in self.blobs:
                raise LayerConfigError(f"forward(): no blob named {name!r}; inputs: {', '.join(self.inputs)}")
            self.blobs[name].reshape(*value.shape)
            self.blobs[name].data[...] = self.xp.asarray(value)
        last = self._index(end, len(self.layers) - 1)
        self.loss = self.forward_from_to(self._index(start, 0), last)
        outs = set(list(self.top_names[end] if end is not None else self.outputs) + list(blobs or []))
        return {n: self.blobs[n].data for n in self.blobs if n in outs}

    def backward(self, diffs=None, start=None, end=None, **kwargs):
        """pycaffe's backward: keyword arrays become the named tops' diffs, layers start..end run backward;
        returns {name: diff} for the inputs (the `end` layer's bottoms if given) and `diffs`.
        Unlike Caffe, whose param diffs accumulate until the solver clears them, each call starts them
        at zero."""
        for name, value in kwargs.items():
            if name not in self.blobs:
                raise LayerConfigError(f"backward(): no blob named {name!r}; outputs: {', '.join(self.outputs)}")
            self.blobs[name].diff[...] = self.xp.asarray(value)
        self.clear_param_diffs()
        self.backward_from_to(self._index(start, len(self.layers) - 1), self._index(end, 0))
        outs = set(list(self.bottom_names[end] if end is not None else self.inputs) + list(diffs or []))
        return {n: self.blobs[n].diff for n in self.blobs if n in outs}

    def set_input_arrays(self, *arrays, layer=None):
        """Hand arrays to the (first) MemoryData layer, one per top."""
        for name, lay in self.layer_dict.items():
            if lay.type == "MemoryData" and layer in (None, name):
                return lay.reset(*arrays)
        raise LayerConfigError("set_input_arrays(): the net has no MemoryData layer")

    def reshape(self):
        """Reshape every layer for its bottoms' current shapes (pycaffe's net.reshape())."""
        for r in self.records:
            r.shapes = None
            self._reshape_layer(r)

    @property
    def learnable_params(self):
        return list(self._learnable)

    # ------------------------------------------------------------ weights

    def to_proto(self):
        """The net as a NetParameter with every layer's blobs (Caffe's Net::ToProto, data only)."""
        out = caffe_pb2.NetParameter(name=self.name)
        for r in self.records:
            lp = out.layer.add()
            lp.CopyFrom(r.param)
            del lp.blobs[:]
            for b in r.layer.blobs:
                lp.blobs.append(array_to_blobproto(b.cpu_data()))
        return out

    def save(self, path):
        """Write the weights as Caffe does: a binary NetParameter (`.caffemodel`), readable by real Caffe."""
        write_binary(path, self.to_proto())

    def save_hdf5(self, path):
        """Caffe's ToHDF5 (snapshot_format: HDF5): one dataset data/<layer>/<i> per learnable blob."""
        import h5py
        with h5py.File(path, "w") as f:
            data = f.create_group("data")
            for name, blobs in self.params.items():
                g = data.create_group(name)
                for i, b in enumerate(blobs):
                    g.create_dataset(str(i), data=b.cpu_data())

    @staticmethod
    def _read_hdf5(path):
        """A .caffemodel.h5 (data/<layer>/<i>) as the NetParameter a binary .caffemodel would give."""
        import h5py
        out = caffe_pb2.NetParameter()
        try:
            with h5py.File(path, "r") as f:
                for name, g in f["data"].items():
                    lp = out.layer.add(name=name)
                    for i in range(len(g)):
                        lp.blobs.append(array_to_blobproto(g[str(i)][()]))
        except (OSError, KeyError) as e:
            raise LayerConfigError(f"weights {path}: not a Caffe HDF5 model ({e})") from None
        return out

    def copy_from(self, path):
        """Caffe's CopyTrainedLayersFrom: layers matched by name from a binary .caffemodel, a .caffemodel.h5
        or a NetParameter; layers the net lacks are ignored, a blob count or shape that differs is an error."""
        source = path if isinstance(path, caffe_pb2.NetParameter) else self._read_hdf5(os.fspath(path)) \
            if os.fspath(path).endswith(".h5") else \
            read_binary(os.fspath(path), caffe_pb2.NetParameter(), "weights (.caffemodel)")
        where = "<NetParameter>" if isinstance(path, caffe_pb2.NetParameter) else os.fspath(path)
        layers = {lp.name: lp for lp in source.layer if lp.blobs}
        matched = [n for n in layers if n in self.params]
        if layers and not matched:
            raise LayerConfigError(f"weights {where} share no layer with net {self.name!r}: the file has "
                                   f"{', '.join(sorted(layers))}; the net has {', '.join(self.params)}")
        arrays = {}
        for name in matched:
            blobs, got = self.params[name], layers[name].blobs
            if len(got) != len(blobs):
                raise LayerConfigError(f"weights {where}: incompatible number of blobs for layer {name!r}: "
                                       f"{len(got)} in the file, {len(blobs)} in the net")
            for j, (b, bp) in enumerate(zip(blobs, got)):
                try:
                    a = blobproto_to_array(bp)
                except LayerConfigError as e:
                    raise LayerConfigError(f"weights {where}: layer {name!r} param {j}: {e}") from None
                if tuple(a.shape) != b.shape and a.size == b.count and len(a.shape) == 4 and \
                        not bp.HasField("shape"):
                    a = a.reshape(b.shape)          # legacy 4-D num/channels/height/width blobs
                if tuple(a.shape) != b.shape:
                    raise LayerConfigError(f"weights {where}: cannot copy param {j} weights from layer "
                                           f"{name!r}; shape mismatch. Source param shape is {tuple(a.shape)}; "
                                           f"target param shape is {b.shape}. To learn this layer's "
                                           "parameters from scratch rather than copying from a saved net, "
                                           "rename the layer.")
                arrays[(name, j)] = a
        for (name, j), a in arrays.items():
            self.params[name][j].data[...] = self.xp.asarray(a)

    def share_with(self, other):
        """Caffe's ShareTrainedLayersWith: layers named alike use `other`'s parameter blobs (a test net
        reads the train net's weights without a copy)."""
        for r in self.records:
            if r.layer.blobs and r.name in other.params:
                theirs = other.params[r.name]
                if len(theirs) != len(r.layer.blobs):
                    raise LayerConfigError(f"cannot share layer {r.name!r}: {len(theirs)} blobs in the train "
                                           f"net, {len(r.layer.blobs)} here")
                for j, b in enumerate(theirs):
                    if b.shape != r.layer.blobs[j].shape:
                        raise LayerConfigError(f"cannot share layer {r.name!r} param {j}: shape {b.shape} in "
                                               f"the train net, {r.layer.blobs[j].shape} here")
                    r.layer.blobs[j] = b
                self.params[r.name] = r.layer.blobs
