"""``F.ctc_loss``: the Connectionist Temporal Classification loss (Graves et al., 2006).

The forward (alpha) recursion runs in log space over the extended label sequence
``blank, l1, blank, l2, ..., blank``, vectorised over the batch and the positions with a
Python loop over time only. As in PyTorch, the gradient with respect to ``log_probs`` is
computed analytically with the backward (beta) recursion; it assumes ``log_probs`` comes
from ``log_softmax`` (it is ``exp(log_probs) - posterior``, PyTorch's formula), and is not
itself differentiable: asking for a double backward raises PyTorch's error.
"""
from __future__ import annotations

import numpy as np

from ..._tensor import Tensor
from ...autograd.grad_mode import is_grad_enabled
from ...autograd.node import Primitive
from ...ops.elementwise import where

__all__ = ["ctc_loss"]

_WHERE = " (while checking arguments for ctc_loss_allocate_outputs)"
_SIGNATURES = (
    " * (Tensor log_probs, Tensor targets, tuple of ints input_lengths, tuple of ints "
    "target_lengths, int blank = 0, int reduction = at::Reduction::Mean, bool zero_infinity = "
    "False)\n"
    " * (Tensor log_probs, Tensor targets, Tensor input_lengths, Tensor target_lengths, int "
    "blank = 0, int reduction = at::Reduction::Mean, bool zero_infinity = False)\n")


class CtcLoss(Primitive, node_name="CtcLossBackward0"):
    """Per-sample negative log-likelihoods ``(N,)`` of ``log_probs`` ``(T, N, C)``.

    Parameters: ``ext`` (N, S') extended labels, ``skip`` (N, S') where the two-step
    transition into a position is allowed, ``il``/``tl`` lengths (host int64 arrays),
    ``blank``, ``zero_infinity``.
    """

    save_inputs = True

    def forward(self, lp):
        xp = self.xp
        ext, il, tl = xp.asarray(self.ext), xp.asarray(self.il), xp.asarray(self.tl)
        t_max, n = lp.shape[0], lp.shape[1]
        idx = xp.broadcast_to(ext[None], (t_max,) + ext.shape)
        lpe = xp.take_along_axis(lp, idx, axis=2)  # (T, N, S'): lp[t, n, ext[n, s]]
        self.lpe, self.dev = lpe, (ext, il, tl)
        alpha = _alpha(xp, lpe, xp.asarray(self.skip), tl)
        self.alpha = alpha
        rows = xp.arange(n)
        last = alpha[xp.maximum(il - 1, 0), rows]  # (N, S') at each sample's last step
        end = last[rows, 2 * tl]
        prev = last[rows, xp.maximum(2 * tl - 1, 0)]
        ll = xp.where(tl > 0, xp.logaddexp(end, prev), end)
        ll = xp.where(il > 0, ll, xp.where(tl > 0, -xp.inf, 0.0).astype(lp.dtype))
        self.nll = -ll
        return self.nll

    def backward(self, grad):
        (lp,) = self.inputs  # checks that log_probs was not modified in place
        g = self._grad_array(lp._data)
        if is_grad_enabled():  # create_graph: the gradient has no derivative (as in PyTorch)
            return CtcLossGrad.apply(grad, lp, g=g)
        return grad._from_array(g * grad._data[None, :, None])

    def _grad_array(self, lp):
        """d nll / d log_probs (T, N, C) by PyTorch's formula, before the incoming grad."""
        xp = self.xp
        ext, il, tl = self.dev
        beta = _beta(xp, self.lpe, xp.asarray(self.skip), il, tl)
        nll = self.nll
        bad = xp.isinf(nll)
        nll0 = xp.where(bad, 0, nll)[None, :, None]
        ab = self.alpha + beta
        lpe0 = xp.where(xp.isneginf(self.lpe), 0, self.lpe)
        gamma = xp.exp(xp.where(xp.isneginf(ab), -xp.inf, ab - lpe0 + nll0))  # posteriors
        _drop_blank_end(xp, gamma, ext, il, tl, self.blank)
        c = lp.shape[2]
        onehot = (ext[:, :, None] == xp.arange(c)).astype(lp.dtype)  # (N, S', C)
        post = xp.matmul(gamma.transpose(1, 0, 2), onehot).transpose(1, 0, 2)  # (T, N, C)
        g = xp.exp(lp) - post
        live = xp.arange(lp.shape[0])[:, None] < il[None, :]  # (T, N)
        g = xp.where(live[:, :, None], g, 0)
        if self.zero_infinity:
            g = xp.where(bad[None, :, None], 0, g)
        else:
            g = xp.where(bad[None, :, None] & live[:, :, None], xp.nan, g)
        return g.astype(lp.dtype, copy=False)

    def _release(self):
        super()._release()
        self.alpha = self.lpe = None


class CtcLossGrad(Primitive, node_name="NotImplemented"):
    """``g * grad`` for a create_graph backward; its own derivative is not implemented."""

    def forward(self, grad, lp):
        return self.g * grad[None, :, None]

    def backward(self, grad):
        raise RuntimeError("derivative for aten::_ctc_loss_backward is not implemented")


def _drop_blank_end(xp, gamma, ext, il, tl, blank):
    """PyTorch's quirk for a last label equal to ``blank`` (an invalid target): at the last
    step its kernel keeps only the position ``2L-1`` term of that class, not both."""
    rows = xp.arange(ext.shape[0])
    dup = (tl > 0) & (il > 0) & (ext[rows, xp.maximum(2 * tl - 1, 0)] == blank)
    if bool(dup.any()):
        t, n, s = xp.maximum(il - 1, 0)[dup], rows[dup], (2 * tl)[dup]
        gamma[t, n, s] = 0


def _logsumexp3(xp, a, b, c):
    return xp.logaddexp(xp.logaddexp(a, b), c)


def _alpha(xp, lpe, skip, tl):
    """log alpha (T, N, S'): log-mass of the prefixes ending at (t, s), lp[t] included."""
    t_max, n, sp = lpe.shape
    ninf = xp.asarray(-xp.inf, dtype=lpe.dtype)
    alpha = xp.full(lpe.shape, ninf, dtype=lpe.dtype)
    alpha[0, :, 0] = lpe[0, :, 0]
    if sp > 1:
        alpha[0, :, 1] = xp.where(tl > 0, lpe[0, :, 1], ninf)
    pad = xp.full((n, 2), ninf, dtype=lpe.dtype)
    for t in range(1, t_max):
        prev = xp.concatenate([pad, alpha[t - 1]], axis=1)
        two = xp.where(skip, prev[:, :-2], ninf)
        alpha[t] = _logsumexp3(xp, prev[:, 2:], prev[:, 1:-1], two) + lpe[t]
    return alpha


def _beta(xp, lpe, skip, il, tl):
    """log beta (T, N, S'): log-mass of the suffixes starting at (t, s), lp[t] included."""
    t_max, n, sp = lpe.shape
    ninf = xp.asarray(-xp.inf, dtype=lpe.dtype)
    beta = xp.full(lpe.shape, ninf, dtype=lpe.dtype)
    pos = xp.arange(sp)[None, :]
    end = (pos == 2 * tl[:, None]) | (pos == 2 * tl[:, None] - 1)  # the two final positions
    pad = xp.full((n, 2), ninf, dtype=lpe.dtype)
    skip2 = xp.concatenate([skip[:, 2:], xp.zeros((n, 2), dtype=bool)], axis=1)
    for t in range(t_max - 1, -1, -1):
        first = (il - 1 == t)[:, None]
        inner = (t < il - 1)[:, None]
        init = xp.where(end, lpe[t], ninf)
        if t + 1 < t_max and bool(inner.any()):
            nxt = xp.concatenate([beta[t + 1], pad], axis=1)
            two = xp.where(skip2, nxt[:, 2:], ninf)
            rec = _logsumexp3(xp, nxt[:, :-2], nxt[:, 1:-1], two) + lpe[t]
            beta[t] = xp.where(first, init, xp.where(inner, rec, ninf))
        else:
            beta[t] = xp.where(first, init, ninf)
    return beta


def _type_error(*args):
    names = []
    for a in args:
        names.append("Tensor" if isinstance(a, Tensor) else type(a).__name__)
    return TypeError("ctc_loss() received an invalid combination of arguments - got "
                     f"({', '.join(names)}), but expected one of:\n{_SIGNATURES}")


def _lengths(value, name):
    """Host int64 array of a length argument (a Tensor, or a tuple/list of ints)."""
    if isinstance(value, Tensor):
        if value.dtype.is_floating_point or value.dtype.is_complex or value.dtype.name == "bool":
            raise RuntimeError(f"{name} must be integral")
        return np.asarray(value.detach().cpu().numpy(), dtype=np.int64).reshape(-1)
    out = []
    for v in value:
        if isinstance(v, Tensor) and v.numel() == 1 and not v.dtype.is_floating_point:
            v = v.item()
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
            return None
        out.append(int(v))
    return np.asarray(out, dtype=np.int64)


def _parse_lengths(args, input_lengths, target_lengths):
    kinds = [isinstance(x, Tensor) for x in (input_lengths, target_lengths)]
    seqs = [isinstance(x, (tuple, list)) for x in (input_lengths, target_lengths)]
    if not (all(kinds) or all(seqs)):
        raise _type_error(*args)
    il = _lengths(input_lengths, "input_lengths")
    tl = _lengths(target_lengths, "target_lengths")
    if il is None or tl is None:
        raise _type_error(*args)
    return il, tl


def _check_log_probs(log_probs, blank):
    if not log_probs.dtype.is_floating_point or log_probs.dtype.name not in ("float32",
                                                                             "float64"):
        raise NotImplementedError(f'"ctc_loss_cpu" not implemented for '
                                  f"'{log_probs.dtype._legacy[:-6]}'")
    if log_probs.numel() == 0:
        raise RuntimeError("log_probs tensor must not be empty")
    batched = log_probs.ndim == 3
    if not batched:  # PyTorch adds the batch dimension before it checks the rank
        ndim = log_probs.ndim + 1
        if ndim != 3:
            raise RuntimeError(f"Expected 3-dimensional tensor, but got {ndim}-dimensional "
                               f"tensor for argument #1 'log_probs'{_WHERE}")
    return batched


def _padded_targets(targets, tl, n):
    """(N, max(tl)) int64 targets from the padded or concatenated layout, checked."""
    tg = np.asarray(targets.detach().cpu().numpy()).astype(np.int64)
    if tg.ndim not in (1, 2):
        raise RuntimeError(f"Expected 1 to 2 dimensions, but got {tg.ndim}-dimensional tensor "
                           f"for argument #2 'targets'{_WHERE}")
    for v in tl:
        if v < 0:
            raise RuntimeError("Expected target_lengths to have value at least 0, but got "
                               f"value {v}{_WHERE}")
    smax = int(tl.max()) if n else 0
    if tg.ndim == 1:
        if tg.shape[0] != int(tl.sum()):
            raise RuntimeError(f"Expected tensor to have size {int(tl.sum())} at dimension 0, "
                               f"but got size {tg.shape[0]} for argument #2 'targets'{_WHERE}")
        out = np.zeros((n, smax), dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(tl)[:-1]])
        for b in range(n):
            out[b, :tl[b]] = tg[starts[b]:starts[b] + tl[b]]
        return out
    if tg.shape[0] != n:
        raise RuntimeError(f"Expected tensor to have size {n} at dimension 0, but got size "
                           f"{tg.shape[0]} for argument #2 'targets'{_WHERE}")
    if tg.shape[1] < smax:
        raise RuntimeError(f"Expected tensor to have size at least {smax} at dimension 1, but "
                           f"got size {tg.shape[1]} for argument #2 'targets'{_WHERE}")
    return tg[:, :smax]


def _extended(tg, tl, blank, num_classes):
    """Extended labels (N, 2S+1) and where the skip transition s-2 -> s is allowed."""
    n, smax = tg.shape
    used = np.arange(smax)[None, :] < tl[:, None]
    bad = used & ((tg < 0) | (tg >= num_classes))
    if bad.any():  # PyTorch reads out of bounds here; ember refuses
        raise RuntimeError(f"Target {int(tg[bad][0])} is out of bounds.")
    ext = np.full((n, 2 * smax + 1), blank, dtype=np.int64)
    ext[:, 1::2] = np.where(used, tg, blank)
    skip = np.zeros(ext.shape, dtype=bool)
    skip[:, 2:] = ext[:, 2:] != ext[:, :-2]
    return ext, skip


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths, target_lengths,
             blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """The CTC loss between ``log_probs`` and unaligned ``targets``.

    Args:
        log_probs: ``(T, N, C)`` or ``(T, C)`` log-probabilities (``log_softmax`` output).
        targets: ``(N, S)`` padded, or ``(sum(target_lengths),)`` concatenated labels.
        input_lengths, target_lengths: ``(N,)`` Tensors, or tuples/lists of ints.
        blank: the blank label. reduction: ``'none'`` | ``'mean'`` (each loss divided by
        its target length, then the batch mean) | ``'sum'``. zero_infinity: replace
        infinite losses (inputs too short for their targets) and their gradients by zero.

    Labels outside ``[0, C)`` raise ``RuntimeError`` (PyTorch's CPU kernel reads out of
    bounds). The gradient has no derivative of its own (no double backward, as in PyTorch).

    >>> import ember
    >>> lp = ember.randn(6, 2, 4).log_softmax(2)
    >>> ember.nn.functional.ctc_loss(lp, ember.tensor([[1, 2], [3, 3]]), (6, 6), (2, 2)).shape
    torch.Size([])
    """
    args = (log_probs, targets, input_lengths, target_lengths, blank, 0, zero_infinity)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if not isinstance(log_probs, Tensor) or not isinstance(targets, Tensor) \
            or isinstance(blank, bool) or not isinstance(blank, (int, np.integer)):
        raise _type_error(*args)
    il, tl = _parse_lengths(args, input_lengths, target_lengths)
    batched = _check_log_probs(log_probs, blank)
    lp = log_probs if batched else log_probs.unsqueeze(1)
    t_max, n, c = lp.shape
    if not 0 <= blank < c:
        raise RuntimeError("blank must be in label range")
    if il.shape[0] != n:
        raise RuntimeError("input_lengths must be of size batch_size")
    if tl.shape[0] != n:
        raise RuntimeError("target_lengths must be of size batch_size")
    tg = _padded_targets(targets, tl, n)
    for v in il:
        if v < 0:
            raise RuntimeError("Expected input_lengths to have value at least 0, but got "
                               f"value {v}{_WHERE}")
        if v > t_max:
            raise RuntimeError(f"Expected input_lengths to have value at most {t_max}, but "
                               f"got value {v}{_WHERE}")
    ext, skip = _extended(tg, tl, int(blank), c)
    res = CtcLoss.apply(lp, ext=ext, skip=skip, il=il, tl=tl, blank=int(blank),
                        zero_infinity=bool(zero_infinity))
    if zero_infinity:
        res = where(res == float("inf"), res.new_zeros(()), res)
    if reduction == "mean":
        den = res.new_tensor(np.maximum(tl, 1).astype(res.dtype.np))
        return (res / den).mean()
    if reduction == "sum":
        return res.sum()
    return res if batched else res.squeeze(0)
