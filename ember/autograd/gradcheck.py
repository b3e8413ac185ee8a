"""Finite-difference checks of analytical gradients (first and second order)."""
from __future__ import annotations

import numpy as np


class GradcheckError(RuntimeError):
    """Raised by gradcheck when analytical and numerical gradients differ."""


def _inputs(inputs):
    from .._tensor import Tensor
    return (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)


def _flat_outputs(func, inputs):
    from .._tensor import Tensor
    out = func(*inputs)
    outs = (out,) if isinstance(out, Tensor) else tuple(out)
    return [o for o in outs if isinstance(o, Tensor) and o.requires_grad]


def _numerical(func, inputs, i, out_index, eps):
    x = inputs[i]
    arr = x._data
    outs0 = _flat_outputs(func, inputs)
    jac = np.zeros((arr.size, outs0[out_index].numel()))
    for k in range(arr.size):
        idx = np.unravel_index(k, arr.shape)
        orig = arr[idx].item()
        arr[idx] = orig + eps
        plus = _flat_outputs(func, inputs)[out_index].detach()._data.astype(np.float64)
        arr[idx] = orig - eps
        minus = _flat_outputs(func, inputs)[out_index].detach()._data.astype(np.float64)
        arr[idx] = orig
        jac[k] = ((plus - minus) / (2 * eps)).reshape(-1)
    return jac


def _analytical(func, inputs, i, out_index):
    from . import grad as autograd_grad
    out = _flat_outputs(func, inputs)[out_index]
    jac = np.zeros((inputs[i].numel(), out.numel()))
    for j in range(out.numel()):
        g = np.zeros(out.numel(), dtype=out._data.dtype)
        g[j] = 1
        go = out._from_array(g.reshape(out.shape))
        (gi,) = autograd_grad(out, inputs[i], go, retain_graph=True, allow_unused=True)
        if gi is not None:
            jac[:, j] = gi._data.reshape(-1)
    return jac


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
              check_batched_grad=False, fast_mode=False, masked=None) -> bool:
    """Compare autograd's gradients with central differences (use float64 inputs)."""
    inputs = _inputs(inputs)
    diff = [i for i, t in enumerate(inputs) if getattr(t, "requires_grad", False)]
    if not diff:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but "
                         "none of the them have requires_grad=True.")
    n_out = len(_flat_outputs(func, inputs))
    for i in diff:
        if inputs[i].dtype.name != "float64":
            import warnings
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating "
                          "point. This check will likely fail if all the inputs are not of "
                          "double precision floating point. ", UserWarning, stacklevel=2)
        for o in range(n_out):
            num = _numerical(func, inputs, i, o, eps)
            ana = _analytical(func, inputs, i, o)
            if not np.allclose(ana, num, rtol=rtol, atol=atol):
                if raise_exception:
                    raise GradcheckError(
                        f"Jacobian mismatch for output {o} with respect to input {i},\n"
                        f"numerical:{num}\nanalytical:{ana}\n")
                return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, **kwargs) -> bool:
    """gradcheck of the gradient itself (checks double backward)."""
    from . import grad as autograd_grad
    from .._tensor import Tensor
    inputs = _inputs(inputs)
    outs = _flat_outputs(func, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = [o._from_array(rng.standard_normal(o.shape).astype(o._data.dtype))
                        for o in outs]
    grad_outputs = (grad_outputs,) if isinstance(grad_outputs, Tensor) else tuple(grad_outputs)
    diff = [t for t in inputs if getattr(t, "requires_grad", False)]

    def first_grads(*all_inputs):
        ins = all_inputs[:len(inputs)]
        gos = all_inputs[len(inputs):]
        o = _flat_outputs(func, ins)
        d = [t for t in ins if getattr(t, "requires_grad", False)]
        gs = autograd_grad(o, d, gos, create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    gos = tuple(g.detach().requires_grad_(True) for g in grad_outputs)
    del diff
    return gradcheck(first_grads, inputs + gos, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
