"""The network, its cost, its gradient and the update rules (NumPy only)."""

from gdviz.core.activations import ACTIVATIONS, Activation, get_activation
from gdviz.core.costs import COSTS, Cost, CrossEntropy, SquaredError, get_cost
from gdviz.core.network import (
    EVAL_CHUNK,
    LESSON_SIZES,
    Network,
    ParamSlot,
    count_parameters,
    describe_parameter,
    locate_parameter,
    parameter_layout,
    to_unit,
    validate_sizes,
)
from gdviz.core.optim import OPTIMIZERS, Momentum, Plain, UpdateRule, make_update_rule

__all__ = [
    "ACTIVATIONS", "Activation", "get_activation",
    "COSTS", "Cost", "CrossEntropy", "SquaredError", "get_cost",
    "EVAL_CHUNK", "LESSON_SIZES", "Network", "ParamSlot", "count_parameters", "describe_parameter",
    "locate_parameter", "parameter_layout",
    "to_unit", "validate_sizes",
    "OPTIMIZERS", "Momentum", "Plain", "UpdateRule", "make_update_rule",
]
