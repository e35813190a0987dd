"""One example's wishes in words a student reads (the One example view's sentences)."""

from __future__ import annotations

import numpy as np

__all__ = ["hidden_words", "wish_words"]


def wish_words(w, label: int, outputs) -> str:
    """Plain words for the output wishes ``w`` (10,) of a digit ``label``."""
    w = np.asarray(w, dtype=np.float64)
    a = np.asarray(outputs, dtype=np.float64)
    if not np.all(np.isfinite(w)):
        return "The outputs are not numbers (training diverged): no wish can be read."
    n = w.size
    label = int(label)
    up = {j for j in range(n) if w[j] > 0}
    down = {j for j in range(n) if w[j] < 0}
    others = [j for j in range(n) if j != label]
    strong = max(float(np.abs(w).max()), 1e-12)
    parts = []
    own = w[label]
    size = "strongly" if abs(own) > 0.5 * strong and abs(own) > 0.2 else "a little"
    if own > 0:
        parts.append(f"The {label} wants to go up {size} (it is {a[label]:.2f}, it should be 1)")
    elif own < 0:
        parts.append(f"The {label} wants to go down (it is {a[label]:.2f})")
    else:
        parts.append(f"The {label} is exactly right")
    downs = [j for j in others if j in down]
    ups = [j for j in others if j in up]
    if downs:
        who = "all others" if len(downs) == len(others) else "the others"
        k = max(downs, key=lambda j: abs(w[j]))
        if abs(w[k]) < 0.1:
            parts.append(f"{who} want to go down only a little: this digit is learned")
        else:
            parts.append(f"{who} want to go down, most strongly the {k} "
                         f"(it is {a[k]:.2f}, it should be 0)")
    if ups:
        parts.append(" and ".join(f"the {j}" for j in ups) + " also want(s) to go up")
    return "; ".join(parts) + "."


def hidden_words(hw, fmt=lambda v: f"{v:.3g}") -> str:
    """Plain words for the last hidden layer's wishes ``hw`` (n_h,); ``fmt`` formats a number."""
    if not np.all(np.isfinite(hw)) or hw.size == 0:
        return "The hidden neurons' wishes are not numbers (training diverged)."
    k_up, k_dn = int(np.argmax(hw)), int(np.argmin(hw))
    parts = []
    if hw[k_up] > 0:
        parts.append(f"neuron {k_up} should become more active ({fmt(hw[k_up])})")
    if hw[k_dn] < 0:
        parts.append(f"neuron {k_dn} less active ({fmt(hw[k_dn])})")
    head = "Added over all ten outputs: " + (" and ".join(parts) if parts else "no wish")
    return (head + ". Each of these neurons passes its wish on to the layer before it "
            "in the same way: that is backpropagation.")
