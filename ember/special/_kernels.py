"""Array kernels of the special functions, computed in float64 and rounded to the input dtype.

SciPy's ``scipy.special`` (CuPy's ``cupyx.scipy.special`` on the GPU) does the work when it can
be imported. Without SciPy the code below takes over: Python's ``math`` functions element by
element for erf, erfc and lgamma (NumPy only), and series, asymptotic expansions and Newton
steps written against the array namespace for the others (also used for a function an older
CuPy lacks). Its float64 results agree with SciPy's to about 1e-13, relative.
"""
from __future__ import annotations

import importlib
import math

import numpy as np

_LIBS: dict = {}  # xp module name -> scipy.special-like module, or None when not importable


def _lib(xp):
    name = xp.__name__
    if name not in _LIBS:
        try:
            _LIBS[name] = importlib.import_module(
                "scipy.special" if name == "numpy" else "cupyx.scipy.special")
        except ImportError:
            _LIBS[name] = None
    return _LIBS[name]


def _in_float64(fallback, scipy_name):
    """A kernel ``f(xp, *args)``: SciPy's ``scipy_name`` (else ``fallback``) on float64 copies of
    the array arguments, the result cast back to the first array's dtype."""
    def kernel(xp, *args):
        dt = next(a.dtype for a in args if hasattr(a, "dtype"))
        args = [a.astype(xp.float64, copy=False) if hasattr(a, "dtype") else a for a in args]
        fn = getattr(_lib(xp), scipy_name, None)  # older CuPy lacks a few: use ember's code
        out = fn(*args) if fn is not None else fallback(xp, *args)
        return xp.asarray(out).astype(dt, copy=False)
    return kernel


def _elementwise(fn, name):
    """A float64 array function: the library's ``name``, else ``fn``, a scalar ``math``
    function, element by element (NumPy only)."""
    ufunc = np.frompyfunc(fn, 1, 1)

    def kernel(xp, x):
        lib = _lib(xp)
        if lib is not None:
            return getattr(lib, name)(x)
        return np.asarray(ufunc(x), dtype=np.float64)
    return kernel


def _math_lgamma(v):
    try:
        return math.lgamma(v)
    except (ValueError, OverflowError):  # the poles 0, -1, -2 ... and huge arguments
        return math.inf


_erf = _elementwise(math.erf, "erf")
_erfc = _elementwise(math.erfc, "erfc")


# the Bernoulli numbers B_2, B_4, ..., B_24
_B2K = [n / d for n, d in ((1, 6), (-1, 30), (1, 42), (-1, 30), (5, 66), (-691, 2730), (7, 6),
                           (-3617, 510), (43867, 798), (-174611, 330), (854513, 138),
                           (-236364091, 2730))]
# Euler-Maclaurin coefficients (2k)! / B_2k of the Hurwitz zeta tail
_ZETA_A = [math.factorial(2 * k) / b for k, b in enumerate(_B2K, start=1)]


def _digamma(xp, x):
    # reflection psi(x) = psi(1 - x) - pi / tan(pi x) for x < 0; tan has period pi, and
    # x - trunc(x) is exact, so pi * x is never rounded at a large argument
    neg = x < 0
    frac = x - xp.trunc(x)
    refl = xp.where(neg, -math.pi / xp.tan(math.pi * xp.where(neg, frac, 0.5)), 0.0)
    y = xp.where(neg, 1 - x, x)
    acc = xp.zeros_like(y)
    for _ in range(10):  # psi(y) = psi(y + 1) - 1 / y until y >= 10
        small = y < 10
        acc = acc - xp.where(small, 1 / xp.where(small, y, 1.0), 0.0)
        y = xp.where(small, y + 1, y)
    inv2 = 1 / (y * y)
    series, power = xp.zeros_like(y), xp.ones_like(y)
    for k, b in enumerate(_B2K[:10], start=1):
        power = power * inv2
        series = series + b / (2 * k) * power
    out = xp.log(y) - 0.5 / y - series + acc + refl
    pole = (x == xp.floor(x)) & (x <= 0)
    zero = xp.where(xp.signbit(x), math.inf, -math.inf)
    return xp.where(pole, xp.where(x == 0, zero, math.nan), out)


def _zeta(xp, x, q):
    """Hurwitz zeta by Euler-Maclaurin summation (the Cephes scheme)."""
    x, q = xp.broadcast_arrays(x, q)
    finite = q[xp.isfinite(q)]
    steps = max(9, int(math.ceil(9 - float(finite.min()))) + 1) if finite.size else 9
    s = q ** -x
    a, b = q, s
    for i in range(1, steps + 1):
        active = (i <= 9) | (q + (i - 1) <= 9)
        a = xp.where(active, q + i, a)
        b = xp.where(active, a ** -x, b)
        s = s + xp.where(active, b, 0.0)
    live = b > 0  # b == 0: the tail vanishes (and a, x may be infinite)
    w = xp.where(live, a, 1.0)
    s = s + xp.where(live, b * w / (x - 1) - 0.5 * b, 0.0)
    fac, k = xp.ones_like(s), 0.0
    for coef in _ZETA_A:
        fac = fac * (x + k)
        b = b / w
        s = s + xp.where(live, fac * b / coef, 0.0)
        fac = fac * (x + k + 1)
        b = b / w
        k += 2
    s = xp.where(x == 1, math.inf, xp.where(x < 1, math.nan, s))
    nonpos = q <= 0
    return xp.where(nonpos & (q == xp.floor(q)), math.inf,
                    xp.where(nonpos & (x != xp.floor(x)), math.nan, s))


def _polygamma(xp, n, x):
    if n == 0:
        return _digamma(xp, x)
    fac = float(math.factorial(n)) if n <= 170 else math.inf
    return (-1) ** (n + 1) * fac * _zeta(xp, n + 1.0, x)


def _bessel_i(xp, x, order, scaled):
    """I_order(x) (order 0 or 1), times exp(-|x|) when ``scaled``."""
    ax = xp.abs(x)
    small = ax <= 30
    xs = xp.where(small, ax, 0.0)
    t = xs * xs / 4
    term = xs / 2 if order else xp.ones_like(xs)
    total = term
    for k in range(1, 60):  # power series: every term positive
        term = term * t / (k * (k + order))
        total = total + term
    series = total * xp.exp(-xs) if scaled else total
    xl = xp.where(small, 31.0, ax)
    mu, coef, acc = 4.0 * order * order, xp.ones_like(xl), xp.ones_like(xl)
    for k in range(1, 26):  # asymptotic expansion in 1 / x
        coef = coef * -(mu - (2 * k - 1) ** 2) / (8 * k * xl)
        acc = acc + coef
    acc = acc / xp.sqrt(2 * math.pi * xl)
    if not scaled:  # exp(x / 2) twice: finite wherever the result is
        half = xp.exp(xl / 2)
        acc = half * (half * acc)
    big = xp.where(xp.isinf(ax), 0.0 if scaled else math.inf, acc)
    out = xp.where(small, series, big)
    return xp.copysign(out, x) if order else out  # I1 is odd


def _erfcx(xp, x):
    big = x >= 8
    xs = xp.where(big, 0.0, x)
    direct = xp.exp(xs * xs) * _erfc(xp, xs)
    xl = xp.where(big, x, 8.0)
    inv, term, acc = 1 / (2 * xl * xl), xp.ones_like(xl), xp.ones_like(xl)
    for k in range(1, 21):  # asymptotic: sum (-1)^k (2k-1)!! / (2x^2)^k
        term = term * -(2 * k - 1) * inv
        acc = acc + term
    return xp.where(big, acc / (xl * math.sqrt(math.pi)), direct)


def _winitzki(xp, log1my2):
    """Winitzki's closed-form erfinv estimate from log(1 - y^2) (relative error < 2e-3)."""
    a = 0.147
    c = 2 / (math.pi * a) + log1my2 / 2
    return xp.sqrt(xp.sqrt(c * c - log1my2 / a) - c)


def _inv_erf_central(xp, y):
    """erfinv(y) for |y| <= 0.5: Halley steps on erf from Winitzki's estimate."""
    z = xp.copysign(_winitzki(xp, xp.log1p(-y * y)), y)
    for _ in range(3):
        f = _erf(xp, z) - y
        z = z - f / (2 / math.sqrt(math.pi) * xp.exp(-z * z) + z * f)
    return z


def _inv_erfc_tail(xp, t):
    """z >= 0 with erfc(z) = t for 0 < t <= 0.5: Newton steps on log(erfc)."""
    z = _winitzki(xp, xp.log(t * (2 - t)))
    log_t = xp.log(t)
    for _ in range(5):
        e = _erfcx(xp, z)  # log(erfc z) = log(erfcx z) - z^2, slope -2 / (sqrt(pi) erfcx z)
        z = z + (xp.log(e) - z * z - log_t) * (math.sqrt(math.pi) / 2) * e
    return xp.where(t == 0, math.inf, z)


def _erfinv(xp, y):
    ay = xp.abs(y)
    central = _inv_erf_central(xp, xp.where(ay <= 0.5, y, 0.0))
    tail = _inv_erfc_tail(xp, xp.where((ay > 0.5) & (ay <= 1), 1 - ay, 0.5))
    out = xp.where(ay <= 0.5, central, xp.copysign(tail, y))
    return xp.where(ay <= 1, out, math.nan)


def _ndtri(xp, p):
    q = 2 * p  # ndtri(p) = -sqrt(2) erfcinv(2p); each branch gets an exact argument
    mid = (q > 0.5) & (q < 1.5)
    central = _inv_erf_central(xp, xp.where(mid, 1 - q, 0.0))
    lo = _inv_erfc_tail(xp, xp.where(q <= 0.5, xp.maximum(q, 0.0), 0.5))
    hi = -_inv_erfc_tail(xp, xp.where(q >= 1.5, xp.maximum(2 - q, 0.0), 0.5))
    z = xp.where(mid, central, xp.where(q <= 0.5, lo, hi))
    return xp.where((p >= 0) & (p <= 1), -math.sqrt(2) * z, math.nan)


def _log_ndtr(xp, x):
    left = x < -1
    xl = xp.where(left, x, -2.0)
    low = xp.log(_erfcx(xp, -xl / math.sqrt(2)) / 2) - xl * xl / 2
    xr = xp.where(left, 0.0, x)
    return xp.where(left, low, xp.log1p(-_erfc(xp, xr / math.sqrt(2)) / 2))


def _fix_lgamma(kernel):
    def lgamma(xp, x):  # lgamma(-inf) is +inf in PyTorch (SciPy says -inf)
        return xp.where(xp.isneginf(x), xp.asarray(math.inf, x.dtype), kernel(xp, x))
    return lgamma


erfc = _in_float64(_erfc, "erfc")
erfcx = _in_float64(_erfcx, "erfcx")
erfinv = _in_float64(_erfinv, "erfinv")
ndtri = _in_float64(_ndtri, "ndtri")
log_ndtr = _in_float64(_log_ndtr, "log_ndtr")
lgamma = _fix_lgamma(_in_float64(_elementwise(_math_lgamma, "gammaln"), "gammaln"))
digamma = _in_float64(_digamma, "digamma")
zeta = _in_float64(_zeta, "zeta")
i0 = _in_float64(lambda xp, x: _bessel_i(xp, x, 0, False), "i0")
i0e = _in_float64(lambda xp, x: _bessel_i(xp, x, 0, True), "i0e")
i1 = _in_float64(lambda xp, x: _bessel_i(xp, x, 1, False), "i1")
i1e = _in_float64(lambda xp, x: _bessel_i(xp, x, 1, True), "i1e")
polygamma = _in_float64(_polygamma, "polygamma")  # polygamma(xp, n, x)
