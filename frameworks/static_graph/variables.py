"""tf.Variable: a VariableV2 node whose value lives in each Session, plus its initializer and collections."""
import numpy as np

from .graph import GraphKeys, Tensor, get_default_graph
from . import ops


class Variable(Tensor):
    """A stateful tensor: reading it yields the Session's current value; `initializer` sets it.

    The Variable *is* the VariableV2 op's output tensor, so it can be used wherever a tensor can.
    """

    def __init__(self, initial_value, trainable=True, name=None, dtype=None, collections=None):
        with get_default_graph()._lifted():
            self._init(initial_value, trainable, name, dtype, collections)

    def _init(self, initial_value, trainable, name, dtype, collections):
        g = get_default_graph()
        if callable(initial_value):
            initial_value = initial_value()
        init = ops.convert_to_tensor(initial_value, dtype=dtype)
        if init.shape.dims is None or None in init.shape.dims:
            raise ValueError(f"initial_value of Variable {name!r} must have a fully defined shape, "
                             f"got {init.shape}")
        op = g.create_op("VariableV2", [], {"shape": init.shape.dims, "dtype": init.dtype},
                         name or "Variable", outputs=[])
        super().__init__(op, 0, init.dtype, init.shape.dims)
        op.outputs = [self]
        op.attrs["variable"] = self
        self.trainable = trainable
        self.initial_value = init
        with g.control_dependencies(None):
            self.initializer = ops.assign(self, init, name=f"{op.name}/Assign").op
        for key in collections or [GraphKeys.GLOBAL_VARIABLES]:
            g.add_to_collection(key, self)
        if trainable:
            g.add_to_collection(GraphKeys.TRAINABLE_VARIABLES, self)

    def _as_graph_element(self):
        return self

    def value(self):
        return self

    def read_value(self):
        return ops.identity(self)

    def assign(self, value, name=None):
        return ops.assign(self, value, name=name)

    def assign_add(self, delta, name=None):
        return ops.assign_add(self, delta, name=name)

    def assign_sub(self, delta, name=None):
        return ops.assign_sub(self, delta, name=name)

    def load(self, value, session=None):
        from .session import get_default_session
        sess = session or get_default_session()
        sess._store(self).set(sess.xp, sess.xp.asarray(np.asarray(value, self.dtype.np)))

    def __repr__(self):
        return f"<tf.Variable '{self.name}' shape={self.shape} dtype={self.dtype.name}>"


def global_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.GLOBAL_VARIABLES, scope)


def local_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.LOCAL_VARIABLES, scope)


def model_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.MODEL_VARIABLES, scope)


def trainable_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.TRAINABLE_VARIABLES, scope)


def variables_initializer(var_list, name="init"):
    return ops.group([v.initializer for v in var_list], name=name)


def global_variables_initializer():
    return variables_initializer(global_variables())


def local_variables_initializer():
    return variables_initializer(local_variables(), name="init_1")

