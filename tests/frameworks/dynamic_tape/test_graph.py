"""Tape semantics as PyTorch defines them: accumulation, retain_graph, freeing, no_grad, leaves, reuse."""
import gc
import weakref

import numpy as np
import pytest

import frameworks.dynamic_tape as torch


def leaf(*values):
    return torch.tensor(list(values), dtype=torch.float64, requires_grad=True)


def test_grads_accumulate_across_backward_calls():
    x = leaf(1.0, 2.0)
    (x * x).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2 + 3, 4 + 3])


def test_retain_graph_allows_a_second_backward_and_adds_again():
    x = leaf(1.0, 2.0)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 8.0])


def test_second_backward_through_a_freed_graph_raises_pytorchs_error():
    x = leaf(1.0, 2.0)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward()


def test_backward_frees_saved_values_as_it_goes():
    x = torch.randn(50, 50, requires_grad=True)
    h = x.tanh()                              # tanh saves its output; hold only a weak reference to it
    ref = weakref.ref(h._array)
    loss = (h * 2).sum()
    del h
    gc.collect()
    assert ref() is not None                  # alive: the tape keeps it for backward
    loss.backward()
    assert ref() is None                      # consumed by backward, released while `loss` is still alive


def test_retain_graph_keeps_saved_values():
    x = torch.randn(5, requires_grad=True)
    h = x.tanh()
    ref = weakref.ref(h._array)
    loss = h.sum()
    del h
    loss.backward(retain_graph=True)
    assert ref() is not None


def test_no_grad_records_nothing():
    x = leaf(1.0)
    with torch.no_grad():
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None and y.is_leaf
    assert torch.is_grad_enabled()

    @torch.no_grad()
    def f(t):
        return t * 2
    assert f(x).grad_fn is None


def test_detach_cuts_the_graph():
    x = leaf(1.0, 2.0)
    y = x * 2
    z = (y.detach() * x).sum()
    z.backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])   # only the direct path through x


def test_non_leaf_grad_is_none_unless_retained():
    x = leaf(1.0, 2.0)
    y = x * 3
    z = x * 4
    z.retain_grad()
    (y * z).sum().backward()
    assert not y.is_leaf and y.grad is None
    np.testing.assert_allclose(z.grad.numpy(), [3.0, 6.0])
    assert z.retains_grad and not y.retains_grad


def test_a_tensor_used_twice_gets_both_contributions():
    x = leaf(1.0, -2.0)
    h = x * x
    (h + h * x).sum().backward()               # d/dx (x^2 + x^3) = 2x + 3x^2
    np.testing.assert_allclose(x.grad.numpy(), [2 + 3, -4 + 12])


def test_a_branch_not_reaching_the_loss_gets_no_gradient():
    x, unused = leaf(1.0), leaf(5.0)
    side = unused * x                          # recorded, never used by the loss
    (x * 2).sum().backward()
    assert unused.grad is None
    np.testing.assert_allclose(x.grad.numpy(), [2.0])
    assert side.grad_fn is not None


def test_unused_output_of_a_multi_output_op_is_skipped():
    x = torch.randn(4, 6, dtype=torch.float64, requires_grad=True)
    a, b = x.chunk(2, 1)
    a.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.hstack([np.ones((4, 3)), np.zeros((4, 3))]))


def test_leaf_grads_are_never_aliased():
    a, b = leaf(1.0, 2.0), leaf(3.0, 4.0)
    (a + b).sum().backward()                   # add hands the same array back for both inputs
    assert not np.shares_memory(a.grad.numpy(), b.grad.numpy())
    a.grad += 1
    np.testing.assert_allclose(b.grad.numpy(), [1.0, 1.0])


def test_user_gradient_is_copied_not_aliased():
    x = leaf(1.0, 2.0)
    g = torch.tensor([1.0, 1.0], dtype=torch.float64)
    x.backward(g)
    x.grad.zero_()
    np.testing.assert_allclose(g.numpy(), [1.0, 1.0])


def test_backward_with_explicit_gradient_on_a_vector():
    x = leaf(1.0, 2.0)
    (x * x).backward(torch.tensor([1.0, 0.5], dtype=torch.float64))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])


def test_leaf_flags_and_requires_grad_propagation():
    x, c = leaf(1.0), torch.tensor([2.0], dtype=torch.float64)
    y = x * c
    assert x.is_leaf and not y.is_leaf and y.requires_grad and not (c * c).requires_grad
    assert "MulBackward0" in repr(y.grad_fn)


def test_in_place_update_of_a_leaf_needs_no_grad():
    w = leaf(1.0)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w -= 1
    with torch.no_grad():
        w -= 1
    np.testing.assert_allclose(w.detach().numpy(), [0.0])


def test_in_place_on_a_non_leaf_is_recorded():
    x = leaf(2.0)
    y = x * 1
    y *= x                                      # y = x * x from here on
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0])


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(RuntimeError, match="floating point"):
        torch.tensor([1, 2]).requires_grad_()


def test_deep_chain_does_not_hit_the_recursion_limit():
    x = leaf(1.0)
    y = x
    for _ in range(3000):
        y = y * 1.0
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0])


def test_every_op_and_update_goes_through_the_kernel_hook():
    from frameworks import kernels
    seen = []

    def hook(name, phase, fn, args, kwargs):
        seen.append((name, phase))
        return fn(*args, **kwargs)

    kernels.install_hook(hook)
    try:
        w = torch.nn.Parameter(torch.ones(2, 2))
        opt = torch.optim.SGD([w], lr=0.1)
        (torch.ones(1, 2) @ w).relu().sum().backward()
        opt.step()
    finally:
        kernels.remove_hook()
    assert seen == [("matmul", "forward"), ("relu", "forward"), ("sum", "forward"), ("sum", "backward"),
                    ("relu", "backward"), ("matmul", "backward"), ("sgd", "update")]
