"""theano.function, shared, In, givens and updates: Theano's semantics and Theano's errors."""
import numpy as np
import pytest

import frameworks.theano as theano
import frameworks.theano.tensor as T
from frameworks.theano.compile import UnusedInputError
from frameworks.theano.gradient import DisconnectedInputError


def test_inputs_are_filtered_as_theano_does():
    x = T.fmatrix("x")
    f = theano.function([x], T.sum(x), name="summer")
    with pytest.raises(TypeError, match=r'Bad input argument to theano function with name "summer" at index 0 '
                                        r'\(0-based\).*TensorType\(float32, matrix\) cannot store a value of dtype '
                                        r'float64 without risking loss of precision.*allow_input_downcast=True'):
        f(np.ones((2, 2)))
    with pytest.raises(TypeError, match=r"Wrong number of dimensions: expected 2, got 1 with shape \(3,\)"):
        f(np.ones(3, np.float32))
    assert float(f([[1.0, 2.0]])) == 3.0                      # exact Python values convert
    g = theano.function([x], T.sum(x), allow_input_downcast=True)
    assert float(g(np.full((2, 2), 0.5))) == 2.0
    i = T.ivector("i")
    h = theano.function([i], i * 2)
    with pytest.raises(TypeError, match="int64"):
        h(np.array([1, 2], np.int64))
    np.testing.assert_array_equal(h(np.array([1, 2], np.int16)), [2, 4])   # upcasting is allowed
    with pytest.raises(TypeError, match="Too many parameter"):
        f(np.ones((2, 2), np.float32), 1)


def test_unused_and_missing_inputs():
    x, y = T.matrix("x"), T.matrix("y")
    with pytest.raises(UnusedInputError, match="(?s)at index 1 is not part of the computational graph.*on_unused_input"):
        theano.function([x, y], x * 2)
    with pytest.warns(UserWarning, match="index 1"):
        theano.function([x, y], x * 2, on_unused_input="warn")
    f = theano.function([x, y], x * 2, on_unused_input="ignore")
    np.testing.assert_array_equal(f(np.ones((1, 1), np.float32), np.ones((1, 1), np.float32)), [[2.0]])
    with pytest.raises(theano.gof.MissingInputError, match="was not provided"):
        theano.function([x], x + y)
    with pytest.raises(TypeError, match="should be contained in a list"):
        theano.function(x, x)


def test_in_defaults_and_names():
    x, y = T.dscalar("x"), T.dscalar("y")
    f = theano.function([x, theano.In(y, value=1.0)], x + y)
    assert float(f(2.0)) == 3.0 and float(f(2.0, 5.0)) == 7.0
    g = theano.function([x, theano.In(y, value=1.0, name="inc")], x + y)
    assert float(g(2.0, inc=10.0)) == 12.0
    with pytest.raises(TypeError, match="Unknown input or state: nope"):
        g(2.0, nope=1.0)
    with pytest.raises(TypeError, match="Missing required input"):
        f()


def test_updates_are_simultaneous_and_outputs_see_old_values():
    a = theano.shared(np.float32(1.0), name="a")
    b = theano.shared(np.float32(2.0), name="b")
    swap = theano.function([], [a, b], updates=[(a, b), (b, a)])
    assert [float(v) for v in swap()] == [1.0, 2.0]
    assert (float(a.get_value()), float(b.get_value())) == (2.0, 1.0)
    state = theano.shared(0, name="state")
    inc = T.iscalar("inc")
    accumulator = theano.function([inc], state, updates=[(state, state + inc)])
    assert [int(accumulator(1)), int(accumulator(10))] == [0, 1] and int(state.get_value()) == 11
    with pytest.raises(TypeError, match="An update must have the same type"):
        theano.function([inc], state, updates=[(state, state * 0.5)])
    with pytest.raises(ValueError, match="already has an update"):
        theano.function([inc], state, updates=[(state, state + inc), (state, state - inc)])


def test_givens_substitute_and_shared_values():
    state = theano.shared(np.arange(6, dtype=np.float32).reshape(3, 2), name="state")
    x = T.fmatrix("x")
    fn_of_state = x * 2 + 1
    foo = T.fmatrix("foo")
    skip_shared = theano.function([foo], fn_of_state, givens=[(x, foo)])
    np.testing.assert_array_equal(skip_shared(np.ones((1, 2), np.float32)), [[3.0, 3.0]])
    with pytest.raises(TypeError, match="cannot replace x of type TensorType\\(float32, matrix\\)"):
        theano.function([], fn_of_state, givens={x: T.dmatrix()})
    from_state = theano.function([], fn_of_state, givens={x: state})
    np.testing.assert_array_equal(from_state(), np.arange(6).reshape(3, 2) * 2 + 1)
    value = state.get_value()
    value[0, 0] = 100.0                      # get_value returns a copy
    assert state.get_value()[0, 0] == 0.0
    state.set_value(np.ones((3, 2), np.float32))
    np.testing.assert_array_equal(from_state(), np.full((3, 2), 3.0))
    with pytest.raises(TypeError, match="cannot store a value of dtype float64"):
        state.set_value(np.ones((3, 2)))
    with pytest.raises(ValueError, match="shape"):
        state.set_value(np.ones((4, 2), np.float32))


def test_shapes_recompile_and_values_follow():
    x = T.fmatrix("x")
    w = theano.shared(np.ones((2, 1), np.float32), name="w")
    f = theano.function([x], [T.dot(x, w).flatten(), x.shape[0]])
    out, n = f(np.ones((10, 2), np.float32))
    assert out.shape == (10,) and int(n) == 10
    out, n = f(np.ones((6, 2), np.float32))
    assert out.shape == (6,) and int(n) == 6


def test_grad_errors_and_floatx():
    x = T.dvector("x")
    w = theano.shared(np.zeros(3), name="w")
    with pytest.raises(TypeError, match="cost must be a scalar"):
        T.grad(x * 2, x)
    with pytest.raises(DisconnectedInputError, match="not part of the computational graph"):
        T.grad(T.sum(x), w)
    zero = T.grad(T.sum(x), w, disconnected_inputs="ignore")
    np.testing.assert_array_equal(theano.function([x], zero)(np.ones(3)), np.zeros(3))
    stopped = T.grad(T.sum(x * w), x, consider_constant=[w])
    w.set_value(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(theano.function([x], stopped)(np.ones(3)), [1.0, 2.0, 3.0])
    theano.config.floatX = "float64"
    assert T.matrix().dtype == "float64" and (T.fvector() * 2.5).dtype == "float32"
    assert (T.ivector() + 1).dtype == "int32" and (T.lvector() * T.fvector()).dtype == "float64"
    with pytest.raises(ValueError, match="floatX"):
        theano.config.floatX = "float16"


def test_symbolic_errors_name_the_culprit():
    x = T.matrix("x")
    with pytest.raises(ValueError, match="cannot drop a non-broadcastable dimension"):
        x.dimshuffle(1)
    with pytest.raises(TypeError, match="boolean"):
        bool(x > 0)
    with pytest.raises(ValueError, match="outputs_info"):
        theano.scan(lambda v: [v, v], sequences=x, outputs_info=[None])
    with pytest.raises(ValueError, match="has dtype float32, while the result of the inner function"):
        theano.scan(lambda v, h: h + v, sequences=T.dmatrix(), outputs_info=T.zeros((3,), dtype="float32"))
    assert np.allclose((T.constant(np.arange(4.0)) ** 2).eval(), [0, 1, 4, 9])
    assert float((x.sum() * 2).eval({x: np.ones((2, 2), np.float32)})) == 8.0


def test_random_streams_binomial_is_a_fresh_seeded_mask():
    from frameworks.theano.sandbox.rng_mrg import MRG_RandomStreams
    srng = MRG_RandomStreams(seed=7)
    x = T.fmatrix("x")
    f = theano.function([x], x * srng.binomial(x.shape, p=0.75, dtype="float32"))
    a, b = f(np.ones((50, 40), np.float32)), f(np.ones((50, 40), np.float32))
    assert set(np.unique(a)) <= {0.0, 1.0} and 0.7 < a.mean() < 0.8 and not np.array_equal(a, b)
    g = theano.function([x], x * MRG_RandomStreams(seed=7).binomial(x.shape, p=0.75, dtype="float32"))
    np.testing.assert_array_equal(g(np.ones((50, 40), np.float32)), a)   # same seed, same first draw


def test_in_place_updates_stay_simultaneous():
    w = theano.shared(np.arange(4, dtype=np.float64), name="w")
    v = theano.shared(np.ones(4), name="v")
    step = theano.function([], [w, v], updates=[(w, w - v), (v, v + w), ])
    out = step()
    np.testing.assert_array_equal(out[0], np.arange(4.0))
    np.testing.assert_array_equal(w.get_value(), np.arange(4.0) - 1)
    np.testing.assert_array_equal(v.get_value(), np.arange(4.0) + 1)
    rev = theano.function([], [], updates=[(w, w + w[::-1])])
    rev()
    np.testing.assert_array_equal(w.get_value(), [1.0, 1.0, 1.0, 1.0])
    a = theano.shared(np.array([1.0, 2.0]), name="a")
    b = theano.shared(np.array([10.0, 20.0]), name="b")
    g = T.dvector("g")
    sgd = theano.function([g], [], updates=[(a, a - 0.5 * b), (b, b - 0.5 * a)], on_unused_input="ignore")
    sgd(np.zeros(2))
    np.testing.assert_array_equal(a.get_value(), [-4.0, -8.0])
    np.testing.assert_array_equal(b.get_value(), [9.5, 19.0])


def test_one_backward_pass_for_a_grad_per_parameter():
    """[T.grad(cost, w) for w in params] (the mlp tutorial) lowers to one tf.gradients, as Theano merges it."""
    from frameworks.theano.runtime import runtime
    x = T.fmatrix("x")
    ws = [theano.shared(np.full((3, 3), 0.1 * (i + 1), np.float32)) for i in range(3)]
    h = x
    for w in ws:
        h = T.tanh(T.dot(h, w))
    cost = T.sum(h)
    graph = runtime().graph
    before = sum(op.type.endswith("Grad") for op in graph.get_operations())
    f = theano.function([x], [T.grad(cost, w) for w in ws])
    grads = f(np.ones((2, 3), np.float32))
    assert sum(op.type.endswith("Grad") for op in graph.get_operations()) - before == 7   # 3 tanh, 3 dot, sum
    together = theano.function([x], T.grad(cost, ws))(np.ones((2, 3), np.float32))
    for a, b in zip(grads, together):
        np.testing.assert_array_equal(a, b)


def test_a_shape_error_names_the_node_its_shapes_and_the_line_that_built_it():
    x, w = T.fmatrix("x"), T.fmatrix("w")
    f = theano.function([x, w], T.dot(x, w))
    with pytest.raises(ValueError, match=r"(?s)Apply node that caused the error: dot\(x, w\).*Inputs shapes: "
                                         r"\[\(2, 3\), \(4, 5\)\].*test_function.py:\d+"):
        f(np.ones((2, 3), np.float32), np.ones((4, 5), np.float32))


def test_outputs_are_ndarrays_even_for_scalars():
    x = T.fvector("x")
    f = theano.function([x], [T.sum(x), T.argmax(x)])
    total, arg = f(np.array([1.0, 3.0, 2.0], np.float32))
    assert type(total) is np.ndarray and total.shape == () and total.dtype == np.float32 and total == 6.0
    assert type(arg) is np.ndarray and arg.dtype == np.int64 and arg == 1
    assert type(theano.function([x], T.sum(x))(np.ones(2, np.float32))) is np.ndarray


def _adam_program(placement, update_m=True):
    """A 2-parameter least-squares fit with Adam written as updates: lasagne.updates.adam's form ("folded")
    or the paper's ("textbook"), b's first moment left out of the updates unless update_m; returns the
    function, the parameters and the NumPy step to compare with."""
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    x, y = T.dmatrix("x"), T.dvector("y")
    w = theano.shared(np.array([0.5, -0.3]), name="w")
    b = theano.shared(np.float64(0.1), name="b")
    cost = T.mean(T.sqr(T.dot(x, w) + b - y))
    t_prev = theano.shared(np.float64(0.0), name="t")
    t = t_prev + 1
    updates = [(t_prev, t)]
    for p, g in zip([w, b], T.grad(cost, [w, b])):
        m = theano.shared(np.zeros_like(p.get_value()))
        v = theano.shared(np.zeros_like(p.get_value()))
        m_t = b1 * m + (1.0 - b1) * g
        v_t = b2 * v + (1.0 - b2) * g ** 2
        if placement == "folded":
            a_t = lr * T.sqrt(1 - b2 ** t) / (1 - b1 ** t)
            new = p - a_t * m_t / (T.sqrt(v_t) + eps)
        else:
            new = p - lr * (m_t / (1 - b1 ** t)) / (T.sqrt(v_t / (1 - b2 ** t)) + eps)
        updates += ([(m, m_t)] if update_m or p is w else []) + [(v, v_t), (p, new)]
    f = theano.function([x, y], cost, updates=updates)

    def numpy_step(state, xv, yv, k):
        r = xv @ state["w"] + state["b"] - yv
        grads = {"w": 2 * xv.T @ r / len(yv), "b": 2 * r.mean()}
        for n, g in grads.items():
            m = b1 * state["m" + n] + (1 - b1) * g if update_m or n == "w" else (1 - b1) * g
            state["m" + n] = m
            state["v" + n] = v = b2 * state["v" + n] + (1 - b2) * g * g
            if placement == "folded":
                state[n] = state[n] - lr * np.sqrt(1 - b2 ** k) / (1 - b1 ** k) * m / (np.sqrt(v) + eps)
            else:
                state[n] = state[n] - lr * (m / (1 - b1 ** k)) / (np.sqrt(v / (1 - b2 ** k)) + eps)
    return f, (w, b), numpy_step


@pytest.mark.parametrize("placement,update_m,fused", [("folded", True, 2), ("textbook", True, 0),
                                                      ("folded", False, 1)])
@pytest.mark.floatX("float64")
def test_a_hand_written_adam_runs_as_the_adam_kernel_only_when_it_is_that_arithmetic(placement, update_m, fused):
    """lasagne.updates.adam's form is TF1's ApplyAdam (one shared adam kernel call per parameter, as Theano
    fuses the update into one loop); another epsilon placement, or a moment the function does not update,
    runs op by op. Either way the parameters move as the NumPy formula written in the program says."""
    from frameworks.theano.runtime import runtime
    rt = runtime()      # held here: the program's shared variables below are made on this runtime
    graph = rt.graph
    before = sum(op.type == "ApplyAdam" for op in graph.get_operations())
    f, (w, b), numpy_step = _adam_program(placement, update_m)
    rs = np.random.RandomState(0)
    state = {"w": w.get_value(), "b": b.get_value(), "mw": 0.0, "vw": 0.0, "mb": 0.0, "vb": 0.0}
    for k in range(1, 6):
        xv, yv = rs.standard_normal((8, 2)), rs.standard_normal(8)
        f(xv, yv)
        numpy_step(state, xv, yv, k)
        np.testing.assert_allclose(w.get_value(), state["w"], rtol=1e-12)
        np.testing.assert_allclose(b.get_value(), state["b"], rtol=1e-12)
    assert sum(op.type == "ApplyAdam" for op in graph.get_operations()) - before == fused


def test_the_runtime_is_freed_with_the_last_shared_variable_and_function_made_on_it():
    """As Theano frees a variable's storage and a function's graph with the Python objects: a program's graph,
    values and plans go when nothing of it is alive, so a next program (a benchmark's next trainer) does not
    run beside them. While one is alive every new shared variable and function joins its runtime."""
    import gc
    import weakref

    from frameworks.theano.runtime import runtime
    x = T.dvector("x")
    w = theano.shared(np.ones(3), name="w")
    f = theano.function([x], T.sum(x * w), updates=[(w, w * 2)])
    f(np.ones(3))
    v = theano.shared(np.zeros(3), name="v")              # made while w and f are alive: the same runtime
    g = theano.function([x], T.sum(x * w + v))
    assert v._runtime is w._runtime is f.runtime is g.runtime is runtime()
    assert float(g(np.ones(3))) == 6.0
    rt = weakref.ref(f.runtime)
    del x, w, f, v, g
    gc.collect()
    assert rt() is None
    assert len(runtime().graph.get_operations()) == 0       # a new one
