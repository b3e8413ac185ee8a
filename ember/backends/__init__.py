"""``ember.backends``: the backend flags PyTorch programs read and set.

ember computes with NumPy (CPU) and CuPy (GPU), not with cuDNN, MKL-DNN or MPS. The modules
here report which of PyTorch's backends ember has (``is_available()``) and keep the switches
programs assign (``ember.backends.cudnn.benchmark = True``), which do not change ember's
results.
"""
from . import cpu, cuda, cudnn, mkl, mkldnn, mps, openmp

__all__ = ["cpu", "cuda", "cudnn", "mkl", "mkldnn", "mps", "openmp"]
