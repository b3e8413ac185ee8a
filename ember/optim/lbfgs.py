"""L-BFGS with optional strong-Wolfe line search (PyTorch's algorithm, minFunc-style)."""
from __future__ import annotations

from typing import Callable, Iterable, Optional

from . import _functional as F
from ._line_search import strong_wolfe
from .optimizer import Optimizer
from ..autograd.grad_mode import enable_grad, no_grad

__all__ = ["LBFGS"]

_TENSOR_KEYS = ("d", "H_diag", "prev_flat_grad")
_LIST_KEYS = ("old_dirs", "old_stps", "ro", "al")


class LBFGS(Optimizer):
    """Limited-memory BFGS; ``step(closure)`` runs up to ``max_iter`` iterations.

    >>> opt = ember.optim.LBFGS([w], lr=1, line_search_fn="strong_wolfe")
    """

    def __init__(self, params: Iterable, lr: float = 1, max_iter: int = 20,
                 max_eval: Optional[int] = None, tolerance_grad: float = 1e-7,
                 tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: Optional[str] = None) -> None:
        if hasattr(lr, "numel") and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                        tolerance_grad=tolerance_grad, tolerance_change=tolerance_change,
                        history_size=history_size, line_search_fn=line_search_fn)
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        self._params = self.param_groups[0]["params"]

    # ---- flat views of all parameters (backend arrays) ----
    def _xp(self):
        return self._params[0]._backend.xp

    def _gather_flat_grad(self):
        xp = self._xp()
        views = [xp.zeros(p.numel(), dtype=p._data.dtype) if p.grad is None
                 else p.grad._data.reshape(-1) for p in self._params]
        return xp.concatenate(views, 0)

    def _add_grad(self, step_size, update) -> None:
        offset = 0
        for p in self._params:
            n = p.numel()
            F.add_(p._data, update[offset:offset + n].reshape(p._data.shape), float(step_size))
            p._bump()
            offset += n

    def _set_param(self, datas) -> None:
        for p, data in zip(self._params, datas):
            p._data[...] = data
            p._bump()

    def _directional_evaluate(self, closure, x, t, d):
        self._add_grad(t, d)
        with enable_grad():
            loss = float(closure())
        flat_grad = self._gather_flat_grad()
        self._set_param(x)
        return loss, flat_grad

    def step(self, closure: Callable):
        """Run up to ``max_iter`` L-BFGS iterations; ``closure`` re-evaluates the loss."""
        with no_grad():
            return self._step(closure)

    def _step(self, closure: Callable):
        group = self.param_groups[0]
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        with enable_grad():
            orig_loss = closure()
        loss = float(orig_loss)
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        if abs(flat_grad).max() <= group["tolerance_grad"]:
            return orig_loss
        mem = self._load_memory(state)
        self._iterate(closure, group, state, mem, loss, flat_grad)
        self._save_memory(state, mem)
        return orig_loss

    def _iterate(self, closure, group, state, mem, loss, flat_grad) -> None:
        lr, max_iter, max_eval = F.value(group["lr"]), group["max_iter"], group["max_eval"]
        tol_change = group["tolerance_change"]
        n_iter, current_evals = 0, 1
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            self._direction(mem, state, flat_grad, group["history_size"])
            if mem["prev_flat_grad"] is None:
                mem["prev_flat_grad"] = flat_grad.copy()
            else:
                mem["prev_flat_grad"][...] = flat_grad
            mem["prev_loss"] = prev_loss = loss
            d = mem["d"]
            t = min(1.0, 1.0 / abs(flat_grad).sum()) * lr if state["n_iter"] == 1 else lr
            gtd = flat_grad.dot(d)
            if gtd > -tol_change:
                mem["t"] = t
                break
            loss, flat_grad, t, evals, opt_cond = self._advance(
                closure, group, d, t, loss, flat_grad, gtd, max_eval - current_evals,
                n_iter != max_iter)
            mem["t"] = t
            current_evals += evals
            state["func_evals"] += evals
            if (n_iter == max_iter or current_evals >= max_eval or opt_cond
                    or abs(d * t).max() <= tol_change or abs(loss - prev_loss) < tol_change):
                break

    def _advance(self, closure, group, d, t, loss, flat_grad, gtd, max_ls, evaluate):
        """Move the parameters along ``d`` (line search or fixed step); re-evaluate."""
        fn = group["line_search_fn"]
        evals, opt_cond = 0, False
        if fn is not None:
            if fn != "strong_wolfe":
                raise RuntimeError("only 'strong_wolfe' is supported")
            x_init = [p._data.copy() for p in self._params]

            def obj_func(x, step, direction):
                return self._directional_evaluate(closure, x, step, direction)

            loss, flat_grad, t, evals = strong_wolfe(obj_func, x_init, t, d, loss, flat_grad,
                                                     gtd, max_ls=max_ls)
            self._add_grad(t, d)
            opt_cond = abs(flat_grad).max() <= group["tolerance_grad"]
        else:
            self._add_grad(t, d)
            if evaluate:
                with enable_grad():
                    loss = float(closure())
                flat_grad = self._gather_flat_grad()
                opt_cond = abs(flat_grad).max() <= group["tolerance_grad"]
                evals = 1
        return loss, flat_grad, t, evals, opt_cond

    @staticmethod
    def _direction(mem, state, flat_grad, history_size) -> None:
        """The quasi-Newton direction from the two-loop recursion (stored in ``mem['d']``)."""
        if state["n_iter"] == 1:
            mem.update(d=-flat_grad, old_dirs=[], old_stps=[], ro=[], H_diag=1)
            return
        y = flat_grad - mem["prev_flat_grad"]
        s = mem["d"] * mem["t"]
        ys = y.dot(s)
        dirs, stps, ro = mem["old_dirs"], mem["old_stps"], mem["ro"]
        if ys > 1e-10:
            if len(dirs) == history_size:
                dirs.pop(0), stps.pop(0), ro.pop(0)
            dirs.append(y), stps.append(s), ro.append(1.0 / ys)
            mem["H_diag"] = ys / y.dot(y)
        if mem.get("al") is None:
            mem["al"] = [None] * history_size
        al = mem["al"]
        q = -flat_grad
        for i in range(len(dirs) - 1, -1, -1):
            al[i] = stps[i].dot(q) * ro[i]
            F.add_(q, dirs[i], -float(al[i]))
        r = q * mem["H_diag"]
        for i in range(len(dirs)):
            be_i = dirs[i].dot(r) * ro[i]
            F.add_(r, stps[i], float(al[i] - be_i))
        mem["d"] = r

    # ---- state: arrays while stepping, ember Tensors in ``self.state`` ----
    def _load_memory(self, state: dict) -> dict:
        def arr(v):
            return v._data if hasattr(v, "_data") else v
        mem = {k: arr(state.get(k)) for k in _TENSOR_KEYS + ("t", "prev_loss")}
        for k in _LIST_KEYS:
            mem[k] = None if state.get(k) is None else [arr(v) for v in state[k]]
        return mem

    def _save_memory(self, state: dict, mem: dict) -> None:
        p0 = self._params[0]

        def wrap(v):
            if v is None or isinstance(v, (int, float)):
                return v
            return p0._from_array(self._xp().asarray(v))
        for k in ("al", "d", "t", "old_dirs", "old_stps", "ro", "H_diag", "prev_flat_grad",
                  "prev_loss"):
            if k not in mem or (k == "al" and mem[k] is None):
                continue
            v = mem[k]
            state[k] = [wrap(e) for e in v] if isinstance(v, list) else (
                v if k == "prev_loss" else wrap(v))
