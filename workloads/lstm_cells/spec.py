"""lstm-cells: exactly the lstm recipe (same sizes, data and initial values); only the style differs."""
from workloads.lstm.spec import PARAM_NAMES, SIZES, batch, init_params  # noqa: F401
