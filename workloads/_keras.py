"""Shared by the keras workload modules: a graph of the trainer's own and a Session on the device, set as
the Keras backend's Session the Keras(tf) way (K.set_session(tf.Session(config=tf.ConfigProto(...))))."""
from frameworks.keras import backend as K


def session(device):
    """A fresh graph and its Session on `device`, registered with the backend; build inside
    `with graph.as_default():`."""
    graph = K.tf.Graph()
    sess = K.tf.Session(graph=graph, config=K.tf.ConfigProto(device=device))
    K.set_session(sess)
    return graph
