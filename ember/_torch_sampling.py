"""PyTorch's CPU sampling algorithms over its MT19937 stream, vectorised with NumPy.

A seeded PyTorch program draws its initial weights, its ``rand``/``randn``/``randint`` and
its shuffles from one MT19937 stream; drawing them the same way gives the same numbers.
NumPy's ``MT19937`` with legacy seeding is that stream (PyTorch seeds it with the seed's low
32 bits). What each sampler takes from it, measured against torch 2.13:

* ``random()`` is one 32-bit draw; ``random64()`` two, the first the high half.
* uniform floats keep the low 24 bits of a draw (float64: 53 of a ``random64``) scaled by
  2**-24, then ``u * (to - from) + from`` with one rounding (the compiler fuses it); float16
  and bfloat16 round that float32 value.
* integers in [from, to): a draw modulo the range (``random64`` when the range needs it);
  ``random_()`` without bounds: modulo the dtype's range plus one.
* ``randperm``: the swap loop ``swap(p[i], p[i + random() % (n - i)])``.
* normals, for a contiguous tensor of 16 or more: uniforms for every element first (and, when
  the size is not a multiple of 16, 16 fresh ones for the last 16), then Box-Muller on the
  pairs (j, j + 8) of each block of 16. Fewer than 16: Box-Muller in double precision on two
  ``random64`` uniforms per pair, the second value of each pair kept for the next call.
* Bernoulli, exponential, geometric, Cauchy draws: one double uniform per element;
  ``multinomial``: an exponential race, or inverse CDF with replacement.
* Gamma (Marsaglia and Tsang), Poisson (Hoermann's transformed rejection, or a product of
  uniforms) and binomial (BTRS, or inversion) consume as many draws as their rejection
  loops need, so they run element after element over words fetched ahead (``_Stream``).

float32 normals come out within a few units in the last place of PyTorch's (its log and
sin/cos are its own polynomial approximations); everything else above is bit for bit.
"""
from __future__ import annotations

import math

import numpy as np

def raw32(rng, n: int) -> np.ndarray:
    """``n`` 32-bit draws (uint32). ``rng`` is a NumPy Generator over the MT19937: its
    full-range uint32 ``integers`` are the raw outputs in order, 8x faster than
    ``random_raw``."""
    return rng.integers(0, 1 << 32, n, dtype=np.uint32)


def raw64(rng, n: int) -> np.ndarray:
    """``n`` ``random64()`` values: two draws each, the first the high half."""
    r = raw32(rng, 2 * n).astype(np.uint64)
    return (r[0::2] << np.uint64(32)) | r[1::2]


def unit_uniform(rng, n: int, npdt) -> np.ndarray:
    """[0, 1) as PyTorch's ``uniform_real_distribution`` makes them, exact in float64."""
    name = np.dtype(npdt).name
    if name == "float64":
        return (raw64(rng, n) & np.uint64((1 << 53) - 1)).astype(np.float64) * 2.0 ** -53
    u = (raw32(rng, n) & np.uint32((1 << 24) - 1)).astype(np.float64)
    u *= 2.0 ** -24
    return u


def uniform(rng, n: int, npdt, low: float, high: float) -> np.ndarray:
    """``uniform_(low, high)``: ``u * (high - low) + low`` rounded once to ``npdt``."""
    u = unit_uniform(rng, n, npdt)
    name = np.dtype(npdt).name
    if name == "float64":
        u *= high - low
        u += low
        return u
    lo, hi = np.float32(low), np.float32(high)
    # u and the float32 range are exact in float64 and so is their product (48 bits):
    # one rounding to float32 at the end, as the fused multiply-add has
    if lo != 0 or hi != 1:
        u *= np.float64(hi - lo)
        u += np.float64(lo)
    out = u.astype(np.float32)
    if name in ("float16", "bfloat16"):  # PyTorch computes in float32, then rounds again;
        out = out.astype(npdt)  # a value rounded onto the excluded bound becomes ``from``
        out[out == np.asarray(high, npdt)] = np.asarray(low, npdt)
    return out


def integers(rng, n: int, low: int, high: int) -> np.ndarray:
    """``random_(low, high)``: a draw modulo the range, plus ``low`` (int64)."""
    span = high - low
    if span >= 1 << 32:
        return (raw64(rng, n) % np.uint64(span)).astype(np.int64) + low
    return (raw32(rng, n) % np.uint32(span)).astype(np.int64) + low


#: ``random_()``'s range per dtype: [0, top]; int64 and float64 draw ``random64``
_FULL_TOP = {"int64": (1 << 63) - 1, "int32": (1 << 31) - 1, "int16": (1 << 15) - 1,
             "int8": (1 << 7) - 1, "uint8": (1 << 8) - 1, "bool": 1, "float64": 1 << 53,
             "float32": 1 << 24, "float16": 1 << 11, "bfloat16": 1 << 8}


def full_range(rng, n: int, dtype_name: str) -> np.ndarray:
    """``random_()`` with no bounds: a draw modulo (top + 1), top the dtype's largest
    integer (for floats, the largest with every smaller integer exact)."""
    top = _FULL_TOP[dtype_name]
    if dtype_name in ("int64", "float64"):
        return (raw64(rng, n) % np.uint64(top + 1)).astype(np.int64)
    return (raw32(rng, n).astype(np.int64) % (top + 1))


def int64_seed(rng) -> int:
    """``torch.empty((), dtype=torch.int64).random_().item()``: how PyTorch's samplers and
    DataLoader draw seeds."""
    return int(full_range(rng, 1, "int64")[0])


def permutation(rng, n: int) -> np.ndarray:
    """``randperm(n)``: PyTorch's swap loop (sequential by nature; one draw per step)."""
    p = list(range(n))
    if n > 1:
        draws = raw32(rng, n - 1).tolist()
        for i, r in enumerate(draws):
            j = i + r % (n - i)
            p[i], p[j] = p[j], p[i]
    return np.asarray(p, dtype=np.int64)


def normal(gen, n: int, npdt, mean: float, std: float) -> np.ndarray:
    """``normal_(mean, std)`` on a contiguous tensor of ``n`` elements of ``npdt``."""
    rng = gen._rng
    if n < 16:
        return normal_doubles(gen, n, mean, std).astype(npdt)
    # float16/bfloat16: the float32 normals, rounded (PyTorch's, except the last 16 of a
    # size that is not a multiple of 16, where its reduced-precision kernel differs)
    ct = np.float64 if np.dtype(npdt).name == "float64" else np.float32
    u = unit_uniform(rng, n, npdt).astype(ct)
    tail = n % 16
    out = np.empty(n, ct)
    full = n - tail
    _box_muller_16(u[:full], out[:full], ct, mean, std)
    if tail:  # PyTorch redraws the last 16 uniforms and recomputes those outputs
        u16 = unit_uniform(rng, 16, npdt).astype(ct)
        _box_muller_16(u16, out[n - 16:], ct, mean, std)
    return out.astype(npdt, copy=False)


def _box_muller_16(u, out, ct, mean, std):
    """Blocks of 16: (u[j], u[j + 8]) -> out[j] (cos) and out[j + 8] (sin)."""
    u = u.reshape(-1, 2, 8)
    o = out.reshape(-1, 2, 8)
    radius = np.sqrt(ct(-2) * np.log(ct(1) - u[:, 0]))
    theta = ct(2 * math.pi) * u[:, 1]
    o[:, 0] = radius * np.cos(theta)
    o[:, 1] = radius * np.sin(theta)
    if std != 1 or mean != 0:  # n * std + mean, fused (one rounding) as PyTorch's
        o[...] = (o.astype(np.float64) * float(ct(std)) + float(ct(mean))).astype(ct) \
            if ct is np.float32 else o * std + mean


def normal_doubles(gen, n: int, mean: float, std: float) -> np.ndarray:
    """``n`` draws of ``normal_distribution<double>``: Box-Muller on pairs of double
    uniforms (u1 for the angle, u2 for the radius), the cosine value returned and the sine
    value cached on the generator for the next draw."""
    out = np.empty(n)
    start = 0
    if n and gen._next_normal is not None:
        out[0] = gen._next_normal
        gen._next_normal = None
        start = 1
    pairs = (n - start + 1) // 2
    if pairs:
        u = unit_uniform(gen._rng, 2 * pairs, np.float64).reshape(pairs, 2)
        if pairs <= 32:  # the C library's log1p/cos/sin, as PyTorch's: bit for bit
            both = np.array([f(t) * r for u1, u2 in u.tolist()
                             for r, t in [(math.sqrt(-2.0 * math.log1p(-u2)), 2.0 * math.pi * u1)]
                             for f in (math.cos, math.sin)])
        else:  # NumPy's vectorised versions: within an ulp
            radius = np.sqrt(-2.0 * np.log1p(-u[:, 1]))
            theta = 2.0 * math.pi * u[:, 0]
            both = np.stack([radius * np.cos(theta), radius * np.sin(theta)], 1).reshape(-1)
        out[start:] = both[:n - start]
        if (n - start) % 2:
            gen._next_normal = float(both[-1])
    return out * std + mean


class _Stream:
    """Sequential draws for samplers whose consumption depends on the values (rejection
    loops): raw words are fetched ahead in blocks, and ``close`` rewinds the generator to
    just after the words actually used."""

    def __init__(self, rng, hint: int):
        self.rng = rng
        self.saved = rng.bit_generator.state
        self.words = raw32(rng, max(hint, 64)).tolist()
        self.pos = 0

    def word(self) -> int:
        if self.pos == len(self.words):
            self.words += raw32(self.rng, len(self.words)).tolist()
        w = self.words[self.pos]
        self.pos += 1
        return w

    def uniform64(self) -> float:
        """``uniform_real_distribution<double>(0, 1)``."""
        hi = self.word()
        return (((hi << 32) | self.word()) & ((1 << 53) - 1)) * 2.0 ** -53

    def close(self):
        self.rng.bit_generator.state = self.saved
        if self.pos:
            raw32(self.rng, self.pos)


_THIRD_F32 = float(np.float32(1.0) / np.float32(3.0))  # PyTorch's 1.0f / 3.0f
_SQUEEZE_F32 = float(np.float32(0.0331))


def standard_gamma(gen, alphas: np.ndarray) -> np.ndarray:
    """Gamma(alpha, 1) draws as PyTorch's CPU ``_standard_gamma``: Marsaglia and Tsang's
    method in double precision, one element after the other, with normals from
    ``normal_distribution<double>`` (sharing the generator's cached value) and alpha < 1
    boosted by a uniform power. ``alphas``' dtype (float32 or float64) is the precision of
    PyTorch's steps on alpha itself."""
    single = alphas.dtype != np.float64
    flat = alphas.astype(np.float32 if single else np.float64).reshape(-1).tolist()
    s = _Stream(gen._rng, 8 * len(flat))
    cached = gen._next_normal

    def normal():
        nonlocal cached
        if cached is not None:
            x, cached = cached, None
            return x
        u1 = s.uniform64()
        r = math.sqrt(-2.0 * math.log1p(-s.uniform64()))
        theta = 2.0 * math.pi * u1
        cached = r * math.sin(theta)
        return r * math.cos(theta)

    out = []
    for alpha in flat:
        scale = 1.0
        if alpha < 1.0:
            if alpha == 0.0:
                out.append(0.0)
                continue
            inv = float(np.float32(1.0) / np.float32(alpha)) if single else 1.0 / alpha
            scale *= math.pow(1.0 - s.uniform64(), inv)
            alpha = float(np.float32(alpha) + np.float32(1.0)) if single else alpha + 1.0
        d = float(np.float32(alpha) - np.float32(_THIRD_F32)) if single else alpha - _THIRD_F32
        c = 1.0 / math.sqrt(9.0 * d)
        while True:
            x = normal()
            y = 1.0 + c * x
            if y <= 0:
                continue
            v = y * y * y
            u = 1.0 - s.uniform64()
            xx = x * x
            if u < 1.0 - _SQUEEZE_F32 * xx * xx or \
                    math.log(u) < 0.5 * xx + d * (1.0 - v + math.log(v)):
                out.append(scale * d * v)
                break
    s.close()
    gen._next_normal = cached
    return np.asarray(out, dtype=np.float64).reshape(alphas.shape)


def poisson(gen, rates: np.ndarray) -> np.ndarray:
    """Poisson draws as PyTorch's CPU ``poisson``: Hoermann's transformed rejection for
    rates of 10 or more, the product of uniforms below, one element after the other."""
    flat = rates.astype(np.float64).reshape(-1).tolist()
    s = _Stream(gen._rng, 4 * len(flat))
    out = []
    for lam in flat:
        if lam >= 10:
            slam, loglam = math.sqrt(lam), math.log(lam)
            b = 0.931 + 2.53 * slam
            a = -0.059 + 0.02483 * b
            log_inv_alpha = math.log(1.1239 + 1.1328 / (b - 3.4))
            vr = 0.9277 - 3.6224 / (b - 2)
            while True:
                u = s.uniform64() - 0.5
                v = s.uniform64()
                us = 0.5 - abs(u)
                k = math.floor((2 * a / us + b) * u + lam + 0.43)
                if us >= 0.07 and v <= vr:
                    break
                if k < 0 or (us < 0.013 and v > us):
                    continue
                if math.log(v) + log_inv_alpha - math.log(a / (us * us) + b) <= \
                        -lam + k * loglam - math.lgamma(k + 1.0):
                    break
            out.append(k)
        elif lam == 0:
            out.append(0)
        else:
            limit, k, prod = math.exp(-lam), 0, 1.0
            while True:
                prod *= s.uniform64()
                if prod <= limit:
                    break
                k += 1
            out.append(k)
    s.close()
    return np.asarray(out, dtype=np.float64).reshape(rates.shape)


#: log(k!) - Stirling's approximation for k = 0..9 (beyond, the series below)
_STIRLING_TAIL = (0.08106146679532726, 0.04134069595540929, 0.02767792568499834,
                  0.02079067210376509, 0.01664469118982119, 0.01387612882307075,
                  0.01189670994589177, 0.01041126526197209, 0.009255462182712733,
                  0.008330563433362871)


def _stirling_tail(k: float) -> float:
    if k <= 9:
        return _STIRLING_TAIL[int(k)]
    kp1sq = (k + 1) * (k + 1)
    return (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1)


def binomial(gen, counts: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Binomial draws as PyTorch's CPU ``binomial``: the BTRS transformed rejection where
    n * min(p, 1 - p) >= 10, else inversion through geometric gaps; float32 tensors keep
    PyTorch's float32 steps on (n, p)."""
    single = probs.dtype != np.float64
    f = (lambda v: float(np.float32(v))) if single else float
    s = _Stream(gen._rng, 4 * counts.size)
    out = []
    for n, p in zip(counts.astype(np.float64).reshape(-1).tolist(),
                    probs.astype(np.float64).reshape(-1).tolist()):
        if n <= 0 or p <= 0:
            out.append(0.0)
        elif p >= 1:
            out.append(n)
        elif p <= 0.5:
            out.append(_btrs(s, n, p, f) if f(n * p) >= 10 else _inversion(s, n, p))
        else:
            q = f(1.0 - p)
            out.append(n - (_btrs(s, n, q, f) if f(n * q) >= 10 else _inversion(s, n, q)))
    s.close()
    return np.asarray(out, dtype=np.float64).reshape(counts.shape)


def _inversion(s, n, p):
    """Count geometric gaps (ceil(log u / log(1 - p))) until they pass n."""
    log_q, total, k = math.log1p(-p), 0.0, 0
    while True:
        total += math.ceil(math.log(s.uniform64()) / log_q)
        if total > n:
            return k
        k += 1


def _btrs(s, n, p, f):
    """Hoermann's BTRS with PyTorch's constants; ``f`` rounds the steps PyTorch takes in
    the tensor's precision."""
    npq = f(n * p)
    stddev = f(math.sqrt(f(npq * f(1 - p))))
    b = 1.15 + 2.53 * stddev
    a = -0.0873 + 0.0248 * b + 0.01 * p
    c = npq + 0.5
    v_r = 0.92 - 4.2 / b
    r = f(p / f(1 - p))
    alpha = (2.83 + 5.1 / b) * stddev
    m = math.floor(f((n + 1) * p))
    while True:
        u = s.uniform64() - 0.5
        v = s.uniform64()
        us = 0.5 - abs(u)
        k = math.floor((2 * a / us + b) * u + c)
        if k < 0 or k > n:
            continue
        if us >= 0.07 and v <= v_r:
            return k
        v = math.log(v * alpha / (a / (us * us) + b))
        bound = ((m + 0.5) * math.log((m + 1) / (r * (n - m + 1)))
                 + (n + 1) * math.log((n - m + 1) / (n - k + 1))
                 + (k + 0.5) * math.log(r * (n - k + 1) / (k + 1))
                 + _stirling_tail(m) + _stirling_tail(n - m)
                 - _stirling_tail(k) - _stirling_tail(n - k))
        if v <= bound:
            return k
