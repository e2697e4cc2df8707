"""MXNet 1.x's KVStore tutorial (docs/python_docs/python/tutorials/packages/kvstore/kvstore.md), as written but
for the import, on CPU contexts: init / push (a list is summed first) / pull onto several outputs, a custom
updater set with _set_updater, and lists of keys; each printed value is the one the tutorial shows."""
import numpy as np

import frameworks.hybrid as mx


def test_kvstore_tutorial(capsys):
    kv = mx.kv.create('local')  # create a local kv store.
    shape = (2, 3)
    kv.init(3, mx.nd.ones(shape) * 2)
    a = mx.nd.zeros(shape)
    kv.pull(3, out=a)
    np.testing.assert_array_equal(a.asnumpy(), np.full(shape, 2.0))

    kv.push(3, mx.nd.ones(shape) * 8)
    kv.pull(3, out=a)  # pull out the value
    np.testing.assert_array_equal(a.asnumpy(), np.full(shape, 8.0))

    contexts = [mx.cpu(i) for i in range(4)]
    b = [mx.nd.ones(shape, ctx) for ctx in contexts]
    kv.push(3, b)
    kv.pull(3, out=a)
    np.testing.assert_array_equal(a.asnumpy(), np.full(shape, 4.0))

    def update(key, input, stored):
        print("update on key: %d" % key)
        stored += input * 2
    kv._set_updater(update)
    kv.pull(3, out=a)
    np.testing.assert_array_equal(a.asnumpy(), np.full(shape, 4.0))

    kv.push(3, mx.nd.ones(shape))
    kv.pull(3, out=a)
    np.testing.assert_array_equal(a.asnumpy(), np.full(shape, 6.0))
    assert capsys.readouterr().out == "update on key: 3\n"

    b = [mx.nd.ones(shape, ctx) for ctx in contexts]
    kv.pull(3, out=b)
    for x in b:
        np.testing.assert_array_equal(x.asnumpy(), np.full(shape, 6.0))

    keys = [5, 7, 9]
    kv.init(keys, [mx.nd.ones(shape)] * len(keys))
    kv.push(keys, [mx.nd.ones(shape)] * len(keys))
    b = [mx.nd.zeros(shape)] * len(keys)
    kv.pull(keys, out=b)
    np.testing.assert_array_equal(b[1].asnumpy(), np.full(shape, 3.0))
    assert capsys.readouterr().out == "update on key: 5\nupdate on key: 7\nupdate on key: 9\n"

    b = [[mx.nd.ones(shape, ctx) for ctx in contexts]] * len(keys)
    kv.push(keys, b)
    kv.pull(keys, out=b)
    np.testing.assert_array_equal(b[1][1].asnumpy(), np.full(shape, 11.0))
    assert capsys.readouterr().out == "update on key: 5\nupdate on key: 7\nupdate on key: 9\n"
    assert kv.type == 'local' and kv.rank == 0 and kv.num_workers == 1
