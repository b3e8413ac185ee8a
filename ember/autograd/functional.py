"""Higher-order autograd helpers: ``jacobian``, ``hessian``, ``vjp``, ``jvp``, ``hvp``, ``vhp``.

Inputs and outputs are a Tensor or a tuple of Tensors; results are structured as
``torch.autograd.functional`` returns them. Forward-mode products use the double-backward
trick (differentiate a vector-Jacobian product with respect to its vector).
"""
from __future__ import annotations

from .._tensor import Tensor
from .grad_mode import enable_grad

_STRATEGIES = ("forward-mode", "reverse-mode")
_OUTPUTS = "outputs of the user-provided function"


def _as_tuple(x, arg_name, fn_name):
    """``(is_tuple, tuple_of_tensors)`` with PyTorch's TypeError for anything else."""
    is_tuple = isinstance(x, tuple)
    items = x if is_tuple else (x,)
    for i, el in enumerate(items):
        if not isinstance(el, Tensor):
            where = f"value at index {i}" if is_tuple else f"given {arg_name}"
            raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a "
                            f"tuple of Tensors but the {where} has type {type(el)}.")
    return is_tuple, items


def _prepare(xs, create_graph, need_graph):
    """Fresh leaves, or (with ``create_graph``) views that keep the callers' graph."""
    return tuple(x.view_as(x) if create_graph and x.requires_grad
                 else x.detach().requires_grad_(need_graph) for x in xs)


def _finish(xs, create_graph):
    return tuple(x if x is None or create_graph else x.detach() for x in xs)


def _untuple(xs, is_tuple):
    return xs if is_tuple else xs[0]


def _validate_v(v, other, is_other_tuple):
    if len(v) != len(other):
        if is_other_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(other)} but got "
                               f"{len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (a, b) in enumerate(zip(v, other)):
        if a.shape != b.shape:
            pre = f"Entry {i} in " if is_other_tuple else ""
            raise RuntimeError(f"{pre}v has invalid size: should be {b.shape} but got "
                               f"{a.shape}.")


def _get_v(v, refs, is_refs_tuple, fn_name, create_graph, none_msg):
    """``v`` checked against ``refs`` (ones for a single one-element ref when omitted)."""
    if v is None:
        if len(refs) != 1 or refs[0].numel() != 1:
            raise RuntimeError(none_msg)
        from ..ops.creation import ones_like
        return (ones_like(refs[0]),)
    _, v = _as_tuple(v, "v", fn_name)
    v = _prepare(v, create_graph, False)
    _validate_v(v, refs, is_refs_tuple)
    return v


_NONE_V_OUT = ("The vector v can only be None if the user-provided function returns a single "
               "Tensor with a single element.")
_NONE_V_IN = ("The vector v can only be None if the input to the user-provided function is a "
              "single Tensor with a single element.")


def _check_requires_grad(xs, kind, strict):
    """Strict mode: every tensor of ``xs`` must exist and depend on the inputs."""
    if not strict:
        return
    for i, x in enumerate(xs):
        if x is None:
            raise RuntimeError(f"The output of the user-provided function is independent of "
                               f"input {i}. This is not allowed in strict mode.")
        if x.requires_grad:
            continue
        if kind == "jacobian":
            raise RuntimeError(
                "While computing the hessian, found that the jacobian of the user-provided "
                f"function with respect to input {i} is independent of the input. This is not "
                "allowed in strict mode. You should ensure that your function is twice "
                "differentiable and that the jacobian depends on the inputs (this would be "
                "violated by a linear function for example).")
        if kind == "grad_inputs":
            raise RuntimeError(f"The gradient with respect to input {i} is independent of the "
                               "inputs of the user-provided function. This is not allowed in "
                               "strict mode.")
        raise RuntimeError(f"Output {i} of the user-provided function does not require "
                           "gradients. The outputs must be computed in a differentiable manner "
                           "from the input when running in strict mode.")


def _grads(outputs, inputs, grad_outputs, create_graph, retain_graph=None):
    """``autograd.grad`` over the outputs that require grad; None for unreachable inputs."""
    from . import grad
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs)
             if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    outs, gos = zip(*pairs)
    return grad(list(outs), list(inputs), list(gos), create_graph=create_graph,
                retain_graph=retain_graph, allow_unused=True)


def _fill(grads, refs, strict, create_graph, stage):
    """Zeros where a gradient is None, or PyTorch's strict-mode error."""
    from ..ops.creation import zeros_like
    out = []
    for i, (g, ref) in enumerate(zip(grads, refs)):
        if g is None:
            if strict and stage == "back_trick":
                raise RuntimeError(f"The gradient with respect to the input is independent of "
                                   f"entry {i} in the grad_outputs when using the double "
                                   "backward trick to compute forward mode gradients. This is "
                                   "not allowed in strict mode.")
            if strict:
                what = "jacobian" if stage == "double_back" else "output"
                raise RuntimeError(f"The {what} of the user-provided function is independent "
                                   f"of input {i}. This is not allowed in strict mode.")
            g = zeros_like(ref)
        elif strict and create_graph and not g.requires_grad:
            what = "hessian" if stage == "double_back" else "jacobian"
            raise RuntimeError(f"The {what} of the user-provided function is independent of "
                               f"input {i}. This is not allowed in strict mode when "
                               "create_graph=True.")
        out.append(g)
    return tuple(out)


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(*inputs), v^T J)``: the vector-Jacobian product at ``inputs``.

    >>> out, g = vjp(lambda x: x ** 2, ember.tensor([1., 2.]), ember.ones(2))
    >>> g
    tensor([2., 4.])
    """
    with enable_grad():
        is_in_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _prepare(inputs, create_graph, True)
        outputs = func(*inputs)
        is_out_tuple, outputs = _as_tuple(outputs, _OUTPUTS, "vjp")
        _check_requires_grad(outputs, "outputs", strict)
        v = _get_v(v, outputs, is_out_tuple, "vjp", create_graph, _NONE_V_OUT)
        grads = _grads(outputs, inputs, v, create_graph)
        res = _fill(grads, inputs, strict, create_graph, "back")
    return (_untuple(_finish(outputs, create_graph), is_out_tuple),
            _untuple(_finish(res, create_graph), is_in_tuple))


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(*inputs), J v)``: the Jacobian-vector product at ``inputs``."""
    from ..ops.creation import zeros_like
    with enable_grad():
        is_in_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _prepare(inputs, create_graph, True)
        v = _get_v(v, inputs, is_in_tuple, "jvp", create_graph, _NONE_V_IN)
        outputs = func(*inputs)
        is_out_tuple, outputs = _as_tuple(outputs, _OUTPUTS, "jvp")
        _check_requires_grad(outputs, "outputs", strict)
        # u -> J^T u is linear in u; differentiating it with respect to u gives J v
        us = tuple(zeros_like(o).requires_grad_(True) for o in outputs)
        grad_inputs = _grads(outputs, inputs, us, create_graph=True)
        _check_requires_grad(grad_inputs, "grad_inputs", strict)
        grads = _grads(grad_inputs, us, v, create_graph)
        res = _fill(grads, outputs, strict, create_graph, "back_trick")
    return (_untuple(_finish(outputs, create_graph), is_out_tuple),
            _untuple(_finish(res, create_graph), is_out_tuple))


def _check_strategy(strategy, create_graph, strict, vectorize, hint=True):
    if strategy not in _STRATEGIES:
        msg = 'Expected strategy to be either "forward-mode" or "reverse-mode".'
        if hint:
            msg += (' Hint: If your function has more outputs than inputs, "forward-mode" tends '
                    'to be more performant. Otherwise, prefer to use "reverse-mode".')
        raise AssertionError(msg)
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError(
                "torch.autograd.functional.jacobian: `create_graph=True` and "
                '`strategy="forward-mode"` are not supported together (yet). Please either '
                'set `create_graph=False` or `strategy="reverse-mode"`.')
        if not vectorize:
            raise NotImplementedError("Computing Jacobian using forward-AD or forward-over-"
                                      "reverse Hessian isonly implemented for `vectorize=True`.")
    if strict and vectorize:
        raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and "
                           "`vectorized=True` are not supported together. Please either set "
                           "`strict=False` or `vectorize=False`.")


def _jacobian_rows(i, out, inputs, create_graph, strict):
    """The Jacobians of output ``i`` with respect to every input, one backward per element."""
    from ..ops.creation import zeros, zeros_like
    from ..ops.shape import stack
    n = out.numel()
    rows = [[] for _ in inputs]
    for k in range(n):
        onehot = zeros(n, dtype=out.dtype, device=out.device)
        onehot[k] = 1
        grads = _grads((out,), inputs, (onehot.reshape(out.shape),), create_graph,
                       retain_graph=True)
        for j, (g, inp) in enumerate(zip(grads, inputs)):
            if g is None:
                if strict:
                    raise RuntimeError(f"Output {i} of the user-provided function is "
                                       f"independent of input {j}. This is not allowed in "
                                       "strict mode.")
                g = zeros_like(inp)
            elif strict and create_graph and not g.requires_grad:
                raise RuntimeError(f"The jacobian of the user-provided function is independent "
                                   f"of input {i}. This is not allowed in strict mode when "
                                   "create_graph=True.")
            rows[j].append(g)
    return tuple(stack(r).reshape(tuple(out.shape) + tuple(inp.shape)) if r else
                 zeros(tuple(out.shape) + tuple(inp.shape), dtype=inp.dtype, device=inp.device)
                 for r, inp in zip(rows, inputs))


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``; entry ``[i][j]`` has shape out_i + in_j.

    >>> jacobian(lambda x: x ** 2, ember.tensor([1., 2.]))
    tensor([[2., 0.],
            [0., 4.]])
    """
    _check_strategy(strategy, create_graph, strict, vectorize)
    with enable_grad():
        is_in_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _prepare(inputs, create_graph, True)
        outputs = func(*inputs)
        is_out_tuple, outputs = _as_tuple(outputs, _OUTPUTS, "jacobian")
        _check_requires_grad(outputs, "outputs", strict)
        jac = tuple(_finish(_jacobian_rows(i, out, inputs, create_graph, strict), create_graph)
                    for i, out in enumerate(outputs))
    if not is_out_tuple:
        return _untuple(jac[0], is_in_tuple)
    return tuple(_untuple(row, is_in_tuple) for row in jac)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar ``func`` at ``inputs`` (a tuple of tuples for tuple inputs)."""
    is_in_tuple, t_in = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in _STRATEGIES:
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def single_output(*inp):
        out = func(*inp)
        is_out_tuple, t_out = _as_tuple(out, _OUTPUTS, "hessian")
        _check_requires_grad(t_out, "outputs", strict)
        if is_out_tuple:
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out.numel() != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should "
                               "contain a single element")
        return out.squeeze()

    def jac_func(*inp):
        jac = jacobian(single_output, inp, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
        return jac

    res = jacobian(jac_func, t_in, create_graph=create_graph, strict=strict,
                   vectorize=vectorize, strategy=outer_jacobian_strategy)
    return res if is_in_tuple else res[0][0]


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(*inputs), v^T H)`` for a scalar ``func``."""
    return _hessian_product(func, inputs, v, create_graph, strict, "vhp")


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(*inputs), H v)`` for a scalar ``func`` (equal to ``vhp`` for a symmetric H)."""
    return _hessian_product(func, inputs, v, create_graph, strict, "hvp")


def _hessian_product(func, inputs, v, create_graph, strict, fn_name):
    with enable_grad():
        is_in_tuple, inputs = _as_tuple(inputs, "inputs", fn_name)
        inputs = _prepare(inputs, create_graph, True)
        v = _get_v(v, inputs, is_in_tuple, fn_name, create_graph, _NONE_V_IN)
        outputs = func(*inputs)
        is_out_tuple, outputs = _as_tuple(outputs, _OUTPUTS, fn_name)
        _check_requires_grad(outputs, "outputs", strict)
        if is_out_tuple:
            raise RuntimeError(f"The function given to {fn_name} should return a single Tensor")
        if outputs[0].numel() != 1:
            raise RuntimeError(f"The Tensor returned by the function given to {fn_name} should "
                               "contain a single element")
        from ..ops.creation import ones_like
        jac = _grads(outputs, inputs, (ones_like(outputs[0]),), create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
        grads = _grads(jac, inputs, v, create_graph)
        res = _fill(grads, inputs, strict, create_graph, "double_back")
    return _finish(outputs, create_graph)[0], _untuple(_finish(res, create_graph), is_in_tuple)
