"""TF's run-time error classes (tf.errors), raised by Session.run with a message naming the culprit."""


class OpError(Exception):
    """A failure while running an op; `op` is the Operation (or None) and `message` the text."""

    def __init__(self, node_def, op, message):
        super().__init__(message)
        self.node_def = node_def
        self.op = op
        self.message = message


class InvalidArgumentError(OpError):
    """A bad feed or argument (e.g. a placeholder that was not fed)."""


class FailedPreconditionError(OpError):
    """The graph is not ready to run the op (e.g. an uninitialised variable was read)."""


class NotFoundError(OpError):
    """A checkpoint or a name in it does not exist."""


class OutOfRangeError(OpError):
    """An iterator or input pipeline is exhausted (the classic end-of-epoch signal)."""


class DataLossError(OpError):
    """A checkpoint or data file is truncated or corrupt."""


class UnimplementedError(OpError):
    """An operation TF has that this engine does not do (the message says what to use instead)."""


class UnavailableError(OpError):
    """A device or service is not available here."""


class AlreadyExistsError(OpError):
    """An entity that was being created already exists."""


class ResourceExhaustedError(OpError):
    """Out of memory or another resource."""
