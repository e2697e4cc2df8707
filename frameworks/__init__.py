"""stylebench's frameworks: one shared op-kernel set and four engines written in four styles."""
