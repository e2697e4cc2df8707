"""keras.optimizers: SGD (momentum, nesterov, decay), RMSprop, Adam, Adadelta, with tf.keras' legacy arithmetic.

Each computes what tf-keras 2.x's legacy optimizers run (TF's training ops): SGD's momentum in Keras'
form (v = momentum * v - lr * g; p += v, or p += momentum * v - lr * g with nesterov), composed from
graph ops as Keras 2 wrote it; Adam through TF's ApplyAdam (bias corrections folded into the step,
epsilon 1e-7 by default); RMSprop through TF's ApplyRMSProp with epsilon inside the square root and the
mean square starting at zero. `lr=` is accepted for `learning_rate=` (tf.keras warns, Keras 2 named it
so), and `decay=` makes lr / (1 + decay * iterations). The learning rate is a variable (`optimizer.lr`),
read when the step runs, so K.set_value and LearningRateScheduler change it between steps.
"""
import frameworks.static_graph as tf

from . import backend as K

_ALLOWED = {"clipnorm", "clipvalue", "lr", "decay", "name"}


class Optimizer:
    def __init__(self, learning_rate, **kwargs):
        for k in kwargs:
            if k not in _ALLOWED:
                raise TypeError("Unexpected keyword argument passed to optimizer: " + str(k))
        if "clipnorm" in kwargs or "clipvalue" in kwargs:
            raise ValueError("Gradient clipping (clipnorm, clipvalue) is not supported by this Keras")
        if "lr" in kwargs:
            if learning_rate is not None:
                raise ValueError("Give `learning_rate` or `lr`, not both")
            learning_rate = kwargs.pop("lr")
        if learning_rate is None:
            learning_rate = type(self)._DEFAULT_LR
        decay = float(kwargs.pop("decay", 0.0))
        if decay < 0.0:
            raise ValueError("decay cannot be less than 0: {}".format(decay))
        self.initial_decay = decay
        self.updates = []
        self.weights = []
        with K.name_scope(type(self).__name__):
            self.iterations = K.variable(0, dtype="int64", name="iterations")
            self.lr = K.variable(learning_rate, name="lr")
            self.decay = K.variable(decay, name="decay")

    @property
    def learning_rate(self):
        return self.lr

    def get_gradients(self, loss, params):
        grads = K.gradients(loss, params)
        if any(g is None for g in grads):
            raise ValueError("An operation has `None` for gradient. Please make sure that all of your ops have "
                             "a gradient defined (i.e. are differentiable). Common ops without gradient: "
                             "K.argmax, K.round, K.eval.")
        return grads

    def _lr_t(self):
        lr = self.lr
        if self.initial_decay > 0:
            lr = lr * (1.0 / (1.0 + self.decay * K.cast(self.iterations, K.dtype(self.decay))))
        return lr

    def get_updates(self, loss, params):
        raise NotImplementedError

    def get_weights(self):
        return K.batch_get_value(self.weights)

    def set_weights(self, weights):
        params = self.weights
        if len(params) != len(weights):
            raise ValueError("Length of the specified weight list (" + str(len(weights)) + ") does not match "
                             "the number of weights of the optimizer (" + str(len(params)) + ")")
        for p, w in zip(params, weights):
            if K.int_shape(p) != tuple(getattr(w, "shape", ())):
                raise ValueError("Optimizer weight shape " + str(K.int_shape(p)) + " not compatible with "
                                 "provided weight shape " + str(getattr(w, "shape", ())))
        K.batch_set_value(list(zip(params, weights)))

    def get_config(self):
        return {"learning_rate": float(K.get_value(self.lr)), "decay": float(K.get_value(self.decay))}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "lr" in config:
            config["learning_rate"] = config.pop("lr")
        return cls(**config)

    def _finish(self, update_ops):
        """The iteration counter moves after every parameter's update."""
        with tf.control_dependencies(update_ops):
            return update_ops + [K.update_add(self.iterations, 1)]


class SGD(Optimizer):
    _DEFAULT_LR = 0.01

    def __init__(self, learning_rate=None, momentum=0.0, nesterov=False, **kwargs):
        if isinstance(momentum, (int, float)) and not 0 <= momentum <= 1:
            raise ValueError("`momentum` must be between [0, 1].")
        super().__init__(learning_rate, **kwargs)
        self.initial_momentum = float(momentum)
        self.nesterov = bool(nesterov)
        with K.name_scope(type(self).__name__):
            self.momentum = K.variable(momentum, name="momentum")

    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        lr = self._lr_t()
        self.weights = [self.iterations]
        if not self.initial_momentum:
            # TF's ApplyGradientDescent (the shared sgd kernel), the learning rate read at run time
            op = tf.train.GradientDescentOptimizer(lr).apply_gradients(list(zip(grads, params)))
            self.updates = self._finish([op])
            return self.updates
        ops = []
        moments = [K.zeros(K.int_shape(p), dtype=K.dtype(p)) for p in params]
        self.weights += moments
        for p, g, m in zip(params, grads, moments):
            v = self.momentum * m - lr * g
            ops.append(K.update(m, v))
            new_p = p + self.momentum * v - lr * g if self.nesterov else p + v
            ops.append(K.update(p, new_p))
        self.updates = self._finish(ops)
        return self.updates

    def get_config(self):
        return dict(super().get_config(), momentum=float(K.get_value(self.momentum)), nesterov=self.nesterov)


class _RMSPropZeros(tf.train.RMSPropOptimizer):
    """TF's RMSProp update with the mean square starting at zero, as tf.keras' slot does (TF1's starts at
    one)."""
    _ms_init = 0.0


class RMSprop(Optimizer):
    _DEFAULT_LR = 0.001

    def __init__(self, learning_rate=None, rho=0.9, momentum=0.0, epsilon=None, centered=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho = float(rho)
        self.momentum = float(momentum)
        self.epsilon = K.epsilon() if epsilon is None else float(epsilon)
        self.centered = bool(centered)

    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        opt = _RMSPropZeros(self._lr_t(), decay=self.rho, momentum=self.momentum, epsilon=self.epsilon,
                            centered=self.centered)
        op = opt.apply_gradients(list(zip(grads, params)))
        self.weights = [self.iterations] + opt.variables()
        K._track_variables(opt.variables())
        self.updates = self._finish([op])
        return self.updates

    def get_config(self):
        return dict(super().get_config(), rho=self.rho, momentum=self.momentum, epsilon=self.epsilon,
                    centered=self.centered)


class _AdamOnIterations(tf.train.AdamOptimizer):
    """TF's Adam whose step count is the Keras optimizer's `iterations` (one counter, as tf.keras has)."""

    def __init__(self, iterations, **kwargs):
        super().__init__(**kwargs)
        self._t = iterations


class Adam(Optimizer):
    _DEFAULT_LR = 0.001

    def __init__(self, learning_rate=None, beta_1=0.9, beta_2=0.999, epsilon=None, amsgrad=False, **kwargs):
        if amsgrad:
            raise ValueError("Adam: amsgrad=True is not supported by this Keras")
        super().__init__(learning_rate, **kwargs)
        self.beta_1, self.beta_2 = float(beta_1), float(beta_2)
        self.epsilon = K.epsilon() if epsilon is None else float(epsilon)
        self.amsgrad = amsgrad

    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        opt = _AdamOnIterations(self.iterations, learning_rate=self._lr_t(), beta1=self.beta_1,
                                beta2=self.beta_2, epsilon=self.epsilon)
        op = opt.apply_gradients(list(zip(grads, params)))   # its finish step moves `iterations`
        self.weights = [self.iterations] + opt.variables()
        K._track_variables(opt.variables())
        self.updates = [op]
        return self.updates

    def get_config(self):
        return dict(super().get_config(), beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon,
                    amsgrad=self.amsgrad)


class Adadelta(Optimizer):
    """accum = rho * accum + (1 - rho) * g^2; update = g * sqrt(accum_update + eps) / sqrt(accum + eps);
    p -= lr * update; accum_update = rho * accum_update + (1 - rho) * update^2 (TF's ApplyAdadelta).
    Keras 2 wrote it from graph ops; here it is one ApplyAdadelta op per parameter, which runs the shared
    adadelta kernel. The default learning rate is Keras 2's 1.0 (what the classic examples, such as
    mnist_cnn.py, were tuned with; tf.keras' legacy class defaults to 0.001)."""
    _DEFAULT_LR = 1.0

    def __init__(self, learning_rate=None, rho=0.95, epsilon=None, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho = float(rho)
        self.epsilon = K.epsilon() if epsilon is None else float(epsilon)

    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        opt = tf.train.AdadeltaOptimizer(self._lr_t(), rho=self.rho, epsilon=self.epsilon)
        op = opt.apply_gradients(list(zip(grads, params)))
        # Keras 2's weight order (what its HDF5 files hold): every accumulator, then every delta accumulator
        accumulators = [opt.get_slot(p, "accum") for p in params]
        delta_accumulators = [opt.get_slot(p, "accum_update") for p in params]
        self.weights = [self.iterations] + accumulators + delta_accumulators
        K._track_variables(opt.variables())
        self.updates = self._finish([op])
        return self.updates

    def get_config(self):
        return dict(super().get_config(), rho=self.rho, epsilon=self.epsilon)


sgd = SGD
rmsprop = RMSprop
adam = Adam
adadelta = Adadelta
_BY_NAME = {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam, "adadelta": Adadelta}


def serialize(optimizer):
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def deserialize(config):
    name = config["class_name"]
    cls = _BY_NAME.get(name.lower())
    if cls is None:
        raise ValueError("Unknown optimizer: " + name)
    return cls.from_config(config.get("config", {}))


def get(identifier):
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return deserialize({"class_name": str(identifier), "config": {}})
    raise ValueError("Could not interpret optimizer identifier: " + str(identifier))

