"""The TF 1.x programmer's guide "Variables" / "Sharing variables", as published, only the import changed."""
import numpy as np
import pytest

import frameworks.static_graph as tf


def conv_relu(input, kernel_shape, bias_shape):
    # Create variable named "weights".
    weights = tf.get_variable("weights", kernel_shape,
                              initializer=tf.random_normal_initializer())
    # Create variable named "biases".
    biases = tf.get_variable("biases", bias_shape,
                             initializer=tf.constant_initializer(0.0))
    conv = tf.nn.conv2d(input, weights,
                        strides=[1, 1, 1, 1], padding='SAME')
    return tf.nn.relu(conv + biases)


def my_image_filter(input_images):
    with tf.variable_scope("conv1"):
        # Variables created here will be named "conv1/weights", "conv1/biases".
        relu1 = conv_relu(input_images, [5, 5, 32, 32], [32])
    with tf.variable_scope("conv2"):
        # Variables created here will be named "conv2/weights", "conv2/biases".
        return conv_relu(relu1, [5, 5, 32, 32], [32])


def test_calling_twice_without_scope_fails_as_the_guide_says():
    tf.reset_default_graph()
    input1 = tf.random_normal([1, 10, 10, 32])
    x = conv_relu(input1, kernel_shape=[5, 5, 32, 32], bias_shape=[32])
    with pytest.raises(ValueError, match="Variable weights already exists, disallowed. Did you mean to set "
                                         "reuse=True or reuse=tf.AUTO_REUSE in VarScope"):
        conv_relu(x, kernel_shape=[5, 5, 32, 32], bias_shape=[32])  # This fails.


@pytest.mark.parametrize("way", ["reuse=True", "reuse_variables()", "scope object", "AUTO_REUSE"])
def test_the_three_ways_to_share_and_auto_reuse(way):
    tf.reset_default_graph()
    tf.set_random_seed(1)
    input1 = tf.random_normal([1, 10, 10, 32])
    input2 = tf.random_normal([1, 20, 20, 32])
    if way == "reuse=True":
        with tf.variable_scope("model"):
            output1 = my_image_filter(input1)
        with tf.variable_scope("model", reuse=True):
            output2 = my_image_filter(input2)
    elif way == "reuse_variables()":
        with tf.variable_scope("model") as scope:
            output1 = my_image_filter(input1)
            scope.reuse_variables()
            output2 = my_image_filter(input2)
    elif way == "scope object":
        with tf.variable_scope("model") as scope:
            output1 = my_image_filter(input1)
        with tf.variable_scope(scope, reuse=True):
            output2 = my_image_filter(input2)
    else:
        def image_filter(x):
            with tf.variable_scope("model", reuse=tf.AUTO_REUSE):
                return my_image_filter(x)
        output1, output2 = image_filter(input1), image_filter(input2)
    names = sorted(v.name for v in tf.trainable_variables())
    assert names == ["model/conv1/biases:0", "model/conv1/weights:0", "model/conv2/biases:0",
                     "model/conv2/weights:0"]
    assert output1.shape.as_list() == [1, 10, 10, 32] and output2.shape.as_list() == [1, 20, 20, 32]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        o1, o2, w = sess.run([output1, output2, tf.get_collection("variables", scope="model/conv1")[0]])
        assert o1.shape == (1, 10, 10, 32) and o2.shape == (1, 20, 20, 32)
        assert w.shape == (5, 5, 32, 32) and 0.9 < w.std() < 1.1   # random_normal_initializer()


def test_reuse_of_a_missing_or_reshaped_variable_is_refused():
    tf.reset_default_graph()
    with tf.variable_scope("foo", reuse=True):
        with pytest.raises(ValueError, match="Variable foo/v does not exist, or was not created with "
                                             "tf.get_variable"):
            tf.get_variable("v", [1])
    with tf.variable_scope("foo"):
        tf.get_variable("v", [1])
    with tf.variable_scope("foo", reuse=True):
        with pytest.raises(ValueError, match=r"Trying to share variable foo/v, but specified shape \(2,\) "
                                             r"and found shape \(1,\)"):
            tf.get_variable("v", [2])


def test_variables_guide_creation_collections_and_initialization():
    tf.reset_default_graph()
    my_variable = tf.get_variable("my_variable", [1, 2, 3])
    my_int_variable = tf.get_variable("my_int_variable", [1, 2, 3], dtype=tf.int32,
                                      initializer=tf.zeros_initializer)
    other_variable = tf.get_variable("other_variable", dtype=tf.int32,
                                     initializer=tf.constant([23, 42]))
    my_local = tf.get_variable("my_local", shape=(), collections=[tf.GraphKeys.LOCAL_VARIABLES])
    my_non_trainable = tf.get_variable("my_non_trainable", shape=(), trainable=False)
    tf.add_to_collection("my_collection_name", my_local)
    assert tf.get_collection("my_collection_name") == [my_local]
    assert my_local not in tf.global_variables() and my_local in tf.local_variables()
    assert my_non_trainable not in tf.trainable_variables()

    v = tf.get_variable("v", shape=(), initializer=tf.zeros_initializer())
    assignment = v.assign_add(1)
    with tf.control_dependencies([assignment]):
        w = v.read_value()  # w is guaranteed to reflect v's value after the assign_add operation.

    sess = tf.InteractiveSession()
    tf.global_variables_initializer().run()
    tf.local_variables_initializer().run()
    assert sess.run(w) == 1.0 and sess.run(w) == 2.0
    mv, iv, ov = sess.run([my_variable, my_int_variable, other_variable])
    limit = np.sqrt(6.0 / (2 + 3 * 1))           # glorot uniform, TF's fans for shape [1, 2, 3]
    assert mv.shape == (1, 2, 3) and np.abs(mv).max() <= limit
    assert iv.dtype == np.int32 and not iv.any() and ov.tolist() == [23, 42]
    assert my_variable.name == "my_variable:0"
    sess.close()


def test_variable_scope_names_ops_and_nests():
    tf.reset_default_graph()
    with tf.variable_scope("foo"):
        with tf.variable_scope("bar"):
            v = tf.get_variable("v", [1])
            x = 1.0 + v
    assert v.name == "foo/bar/v:0" and x.op.name.startswith("foo/bar/")
    with tf.variable_scope("foo", reuse=True):       # the name scope is a new one, the variables shared
        with tf.variable_scope("bar"):
            assert tf.get_variable("v", [1]) is v
            assert tf.get_variable_scope().reuse is True
            y = 1.0 + v
    assert y.op.name.startswith("foo_1/bar/")
