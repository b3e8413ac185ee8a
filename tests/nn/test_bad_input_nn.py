"""Bad input to nn layers, nn.functional, init, utils, Module and optim: each case is run on
ember and on torch and must raise the same exception type with the same message fragment."""
import re
import warnings

import pytest

import ember

torch = pytest.importorskip("torch")


def _r(lib, *shape):
    return lib.randn(*shape)


def _grad_params(lib):
    p = lib.nn.Parameter(lib.randn(3))
    p.grad = lib.ones(3)
    return [p]


def _ps(lib):
    return [lib.nn.Parameter(lib.randn(2))]


def _opt(lib):
    return lib.optim.SGD(_ps(lib), lr=0.1)


def _mha(lib, *shapes, **kw):
    m = lib.nn.MultiheadAttention(8, 2, **kw.pop("ctor", {}))
    return m(*(lib.randn(*s) for s in shapes), **kw)


def _sdpa(lib, q=(2, 3, 4), k=(2, 5, 4), v=(2, 5, 4), **kw):
    return lib.nn.functional.scaled_dot_product_attention(lib.randn(*q), lib.randn(*k),
                                                          lib.randn(*v), **kw)


def _F(lib):
    return lib.nn.functional


# (id, call(lib), exception type, message fragment shared by torch and ember)
CASES = [
    # Linear / Bilinear
    ("linear_bias_shape", lambda l: _F(l).linear(_r(l, 2, 3), _r(l, 4, 3), _r(l, 5)),
     RuntimeError, "The expanded size of the tensor (4) must match the existing size (5) at "
                   "non-singleton dimension 1.  Target sizes: [2, 4].  Tensor sizes: [5]"),
    ("linear_bias_shape_3d", lambda l: _F(l).linear(_r(l, 2, 2, 3), _r(l, 4, 3), _r(l, 5)),
     RuntimeError, "Target sizes: [4, 4].  Tensor sizes: [5]"),
    ("linear_dtype_with_bias", lambda l: l.nn.Linear(3, 2)(l.ones(4, 3, dtype=l.int64)),
     RuntimeError, "mat1 and mat2 must have the same dtype, but got Long and Float"),
    ("linear_dtype_no_bias", lambda l: l.nn.Linear(3, 2, bias=False)(l.ones(4, 3).double()),
     RuntimeError, "expected m1 and m2 to have the same dtype, but got: double != float"),
    ("linear_wrong_features", lambda l: l.nn.Linear(3, 2)(_r(l, 4, 5)),
     RuntimeError, "mat1 and mat2 shapes cannot be multiplied (4x5 and 3x2)"),
    ("linear_neg_size", lambda l: l.nn.Linear(-1, 3), RuntimeError, "negative dimension -1"),
    ("bilinear_batch", lambda l: l.nn.Bilinear(3, 4, 5)(_r(l, 2, 3), _r(l, 3, 4)),
     RuntimeError, "bilinear(): input batch dimensions do not match at dim 0: got 2 and 3"),
    ("bilinear_ndim", lambda l: _F(l).bilinear(_r(l, 2, 3), _r(l, 2, 2, 4), _r(l, 5, 3, 4)),
     RuntimeError, "bilinear(): input dimensions do not match: got 2 and 3"),
    ("bilinear_in1", lambda l: l.nn.Bilinear(3, 4, 5)(_r(l, 2, 2), _r(l, 2, 4)),
     RuntimeError, "input1 size does not match weight size: got 2 but expected 3"),
    # Conv
    ("conv2d_dilation_0", lambda l: l.nn.Conv2d(3, 4, 3, dilation=0)(_r(l, 1, 3, 5, 5)),
     RuntimeError, "dilation should be greater than zero, but got [0, 0]"),
    ("conv1d_dilation_0", lambda l: _F(l).conv1d(_r(l, 1, 3, 5), _r(l, 4, 3, 3), dilation=0),
     RuntimeError, "dilation should be greater than zero, but got [1, 0]"),
    ("conv_t2d_dilation_0",
     lambda l: _F(l).conv_transpose2d(_r(l, 1, 3, 5, 5), _r(l, 3, 4, 3, 3), dilation=0),
     RuntimeError, "dilation should be greater than zero, but got dilation_height: 0, "
                   "dilation_width: 0"),
    ("conv2d_input_dtype", lambda l: _F(l).conv2d(_r(l, 1, 3, 5, 5).double(), _r(l, 4, 3, 3, 3)),
     RuntimeError, "expected scalar type Double but found Float"),
    ("conv2d_int_input_bias",
     lambda l: l.nn.Conv2d(3, 4, 3)(l.ones(1, 3, 5, 5, dtype=l.int64)),
     RuntimeError, "Input type (long int) and bias type (float) should be the same"),
    ("conv_t2d_2d_input", lambda l: l.nn.ConvTranspose2d(3, 4, 3)(_r(l, 5, 5)),
     RuntimeError, "Expected 3D (unbatched) or 4D (batched) input to conv_transpose2d, but got "
                   "input of size: [5, 5]"),
    ("conv_t2d_output_size",
     lambda l: l.nn.ConvTranspose2d(3, 4, 3, stride=2)(_r(l, 1, 3, 5, 5), output_size=[20, 20]),
     ValueError, "requested an output size of [20, 20], but valid sizes range from [11, 11] to "
                 "[12, 12]"),
    ("conv2d_wrong_channels", lambda l: l.nn.Conv2d(3, 4, 3)(_r(l, 1, 2, 5, 5)),
     RuntimeError, "to have 3 channels, but got 2 channels instead"),
    ("conv2d_groups", lambda l: l.nn.Conv2d(3, 4, 3, groups=2),
     ValueError, "in_channels must be divisible by groups"),
    ("conv2d_kernel_too_big", lambda l: l.nn.Conv2d(3, 4, 7)(_r(l, 1, 3, 5, 5)),
     RuntimeError, "Kernel size can't be greater than actual input size"),
    ("conv2d_same_strided", lambda l: l.nn.Conv2d(4, 4, 3, padding="same", stride=2),
     ValueError, "padding='same' is not supported for strided convolutions"),
    # Pooling
    ("maxpool_dilation_0", lambda l: l.nn.MaxPool2d(2, dilation=(1, 0))(_r(l, 1, 1, 5, 5)),
     RuntimeError, "dilation should be greater than zero, but got dilationH: 1 dilationW: 0"),
    ("maxpool_neg_pad", lambda l: l.nn.MaxPool2d(2, padding=-1)(_r(l, 1, 1, 5, 5)),
     RuntimeError, "pad must be non-negative, but got pad: -1"),
    ("avgpool_neg_pad", lambda l: _F(l).avg_pool2d(_r(l, 1, 1, 4, 4), 2, padding=(0, -1)),
     RuntimeError, "pad must be non-negative, but got pad: -1"),
    ("maxpool_neg_stride", lambda l: _F(l).max_pool2d(_r(l, 1, 1, 4, 4), 2, stride=-1),
     RuntimeError, "stride should be greater than zero, but got dH: -1 dW: -1"),
    ("maxpool_pad_gt_half", lambda l: l.nn.MaxPool2d(2, padding=2)(_r(l, 1, 1, 5, 5)),
     RuntimeError, "pad should be at most half of effective kernel size"),
    ("adaptive_avg_3tuple", lambda l: l.nn.AdaptiveAvgPool2d((2, 2, 2))(_r(l, 1, 1, 4, 4)),
     RuntimeError, "adaptive_avg_pool2d: output_size must be 2"),
    ("adaptive_max_3tuple", lambda l: _F(l).adaptive_max_pool2d(_r(l, 1, 1, 4, 4), (2, 2, 2)),
     RuntimeError, "adaptive_max_pool2d(): internal error: output_size.size() must be 2"),
    ("adaptive_avg_negative", lambda l: l.nn.AdaptiveAvgPool2d(-1)(_r(l, 1, 1, 4, 4)),
     RuntimeError, "elements of output_size must be greater than or equal to 0 but received "
                   "{-1, -1}"),
    ("adaptive_max_negative", lambda l: _F(l).adaptive_max_pool2d(_r(l, 1, 1, 4, 4), -1),
     RuntimeError, "Trying to create tensor with negative dimension -1: [1, 1, -1, -1]"),
    ("adaptive_avg1d_2tuple", lambda l: _F(l).adaptive_avg_pool1d(_r(l, 1, 1, 4), (2, 2)),
     RuntimeError, "adaptive_avg_pool1d() argument 'output_size' should contain one int (got 2)"),
    ("adaptive_max1d_2tuple", lambda l: _F(l).adaptive_max_pool1d(_r(l, 1, 1, 4), (2, 2)),
     RuntimeError, "adaptive_max_pool1d() argument 'output_size' should contain one int (got 2)"),
    ("maxpool_kernel_too_big", lambda l: l.nn.MaxPool2d(7)(_r(l, 1, 1, 5, 5)),
     RuntimeError, "Output size is too small"),
    # Normalisation
    ("batchnorm_int", lambda l: l.nn.BatchNorm2d(3)(l.ones(2, 3, 2, 2, dtype=l.int64)),
     NotImplementedError, "\"batch_norm\" not implemented for 'Long'"),
    ("instancenorm_int", lambda l: _F(l).instance_norm(l.ones(2, 3, 4, dtype=l.int64)),
     NotImplementedError, "\"batch_norm\" not implemented for 'Long'"),
    ("batchnorm_no_var", lambda l: _F(l).batch_norm(_r(l, 2, 3), l.zeros(3), None),
     RuntimeError, "running_var must be defined in evaluation mode"),
    ("batchnorm_wrong_channels", lambda l: l.nn.BatchNorm1d(3)(_r(l, 4, 5)),
     RuntimeError, "running_mean should contain 5 elements not 3"),
    ("batchnorm_3d_for_2d", lambda l: l.nn.BatchNorm2d(3)(_r(l, 3, 4, 4)),
     ValueError, "expected 4D input (got 3D input)"),
    ("batchnorm_one_value", lambda l: l.nn.BatchNorm1d(3)(_r(l, 1, 3)),
     ValueError, "Expected more than 1 value per channel when training"),
    ("layernorm_weight_shape", lambda l: _F(l).layer_norm(_r(l, 2, 3), (3,), l.ones(4)),
     RuntimeError, "Expected weight to be of same shape as normalized_shape, but got weight of "
                   "shape [4] and normalized_shape = [3]"),
    ("layernorm_bias_shape", lambda l: _F(l).layer_norm(_r(l, 2, 3), (3,), None, l.ones(1, 3)),
     RuntimeError, "Expected bias to be of same shape as normalized_shape, but got bias of "
                   "shape [1, 3] and normalized_shape = [3]"),
    ("layernorm_input_shape", lambda l: l.nn.LayerNorm(4)(_r(l, 2, 3)),
     RuntimeError, "Given normalized_shape=[4], expected input with shape [*, 4]"),
    ("groupnorm_1d", lambda l: l.nn.GroupNorm(2, 4)(_r(l, 4)),
     RuntimeError, "Expected at least 2 dimensions for input tensor but received 1"),
    ("groupnorm_weight", lambda l: l.nn.GroupNorm(2, 4)(_r(l, 2, 6, 3)),
     RuntimeError, "Expected weight to be a vector of size equal to the number of channels in "
                   "input, but got weight of shape [4] and input of shape [2, 6, 3]"),
    ("groupnorm_int", lambda l: _F(l).group_norm(l.ones(2, 4, 3, dtype=l.int64), 2),
     NotImplementedError, "\"GroupNormKernelImpl\" not implemented for 'Long'"),
    ("groupnorm_divisible", lambda l: l.nn.GroupNorm(3, 4),
     ValueError, "num_channels (4) must be divisible by num_groups (3)"),
    ("groupnorm_f_divisible", lambda l: _F(l).group_norm(_r(l, 2, 6, 3), 4),
     RuntimeError, "Expected number of channels in input to be divisible by num_groups"),
    # Dropout
    ("dropout_p_high", lambda l: l.nn.Dropout(1.5),
     ValueError, "dropout probability has to be between 0 and 1, but got 1.5"),
    ("dropout_p_negative", lambda l: _F(l).dropout(_r(l, 3), -1.0),
     ValueError, "dropout probability has to be between 0 and 1, but got -1.0"),
    ("dropout_int", lambda l: _F(l).dropout(l.ones(3, dtype=l.int64), 0.5),
     RuntimeError, "result type Float can't be cast to the desired output type Long"),
    ("dropout_bool", lambda l: _F(l).dropout(l.ones(3, dtype=l.bool), 0.5),
     RuntimeError, "result type Float can't be cast to the desired output type Bool"),
    ("dropout2d_1d", lambda l: _F(l).dropout2d(_r(l, 3), 0.5),
     RuntimeError, "Feature dropout requires at least 2 dimensions in the input"),
    ("feature_alpha_dropout_1d", lambda l: _F(l).feature_alpha_dropout(_r(l, 3), 0.5, True),
     RuntimeError, "Feature dropout requires at least 2 dimensions in the input"),
    ("dropout1d_4d", lambda l: _F(l).dropout1d(_r(l, 2, 3, 4, 5), 0.5),
     RuntimeError, "dropout1d: Expected 2D or 3D input, but received a 4D input"),
    # Embedding / one_hot
    ("embedding_negative", lambda l: l.nn.Embedding(5, 3)(l.tensor([-1])),
     IndexError, "index out of range in self"),
    ("embedding_too_big", lambda l: l.nn.Embedding(5, 3)(l.tensor([5])),
     IndexError, "index out of range in self"),
    ("embedding_float", lambda l: l.nn.Embedding(5, 3)(l.tensor([1.0])),
     RuntimeError, "Expected tensor for argument #1 'indices' to have one of the following "
                   "scalar types: Long, Int"),
    ("embedding_list", lambda l: l.nn.Embedding(5, 3)([1, 2]),
     TypeError, "argument 'indices' (position 2) must be Tensor, not list"),
    ("embedding_weight_1d", lambda l: _F(l).embedding(l.tensor([1]), _r(l, 5)),
     RuntimeError, "'weight' must be 2-D"),
    ("embedding_padding_idx", lambda l: l.nn.Embedding(5, 3, padding_idx=5),
     AssertionError, "Padding_idx must be within num_embeddings"),
    ("one_hot_list", lambda l: _F(l).one_hot([1, 2], 3),
     TypeError, "one_hot(): argument 'input' (position 1) must be Tensor, not list"),
    ("one_hot_negative", lambda l: _F(l).one_hot(l.tensor([-1])),
     RuntimeError, "Class values must be non-negative."),
    ("one_hot_too_big", lambda l: _F(l).one_hot(l.tensor([3]), 3),
     RuntimeError, "Class values must be smaller than num_classes."),
    ("one_hot_float", lambda l: _F(l).one_hot(l.tensor([1.0])),
     RuntimeError, "one_hot is only applicable to index tensor"),
    # RNN family
    ("rnn_1d_input", lambda l: l.nn.RNN(3, 4)(_r(l, 3)),
     ValueError, "RNN: Expected input to be 2D or 3D, got 1D tensor instead"),
    ("gru_1d_input", lambda l: l.nn.GRU(3, 4)(_r(l, 3)),
     ValueError, "GRU: Expected input to be 2D or 3D, got 1D instead"),
    ("rnn_wrong_features", lambda l: l.nn.RNN(3, 4)(_r(l, 5, 2, 2)),
     RuntimeError, "input.size(-1) must be equal to input_size. Expected 3, got 2"),
    ("rnn_h0_shape", lambda l: l.nn.RNN(3, 4)(_r(l, 5, 2, 3), _r(l, 1, 3, 4)),
     RuntimeError, "Expected hidden size (1, 2, 4), got [1, 3, 4]"),
    ("lstm_cx_shape", lambda l: l.nn.LSTM(3, 4)(_r(l, 5, 2, 3), (_r(l, 1, 2, 4), _r(l, 1, 2, 5))),
     RuntimeError, "Expected hidden[1] size (1, 2, 4), got [1, 2, 5]"),
    ("rnncell_hidden_3d", lambda l: l.nn.RNNCell(3, 4)(_r(l, 2, 3), _r(l, 1, 2, 4)),
     ValueError, "RNNCell: Expected hidden to be 1D or 2D, got 3D instead"),
    ("grucell_hidden_3d", lambda l: l.nn.GRUCell(3, 4)(_r(l, 2, 3), _r(l, 1, 2, 4)),
     ValueError, "GRUCell: Expected hidden to be 1D or 2D, got 3D instead"),
    ("lstmcell_cx_3d", lambda l: l.nn.LSTMCell(3, 4)(_r(l, 2, 3), (_r(l, 2, 4), _r(l, 2, 4, 1))),
     ValueError, "LSTMCell: Expected hx[1] to be 1D or 2D, got 3D instead"),
    ("lstmcell_hx_tensor", lambda l: l.nn.LSTMCell(3, 4)(_r(l, 2, 3), _r(l, 2, 4)),
     TypeError, "argument 'hx' (position 2) must be tuple of Tensors, not Tensor"),
    ("rnncell_unbatched_2d_hidden", lambda l: l.nn.RNNCell(3, 4)(_r(l, 3), _r(l, 2, 4)),
     RuntimeError, "hidden0 has inconsistent hidden_size: got 2, expected 4"),
    ("rnncell_hidden_batch", lambda l: l.nn.RNNCell(3, 4)(_r(l, 2, 3), _r(l, 3, 4)),
     RuntimeError, "Input batch size 2 doesn't match hidden0 batch size 3"),
    ("grucell_input_size", lambda l: l.nn.GRUCell(3, 4)(_r(l, 2, 5)),
     RuntimeError, "input has inconsistent input_size: got 5 expected 3"),
    ("lstm_proj_size", lambda l: l.nn.LSTM(3, 4, proj_size=4),
     ValueError, "proj_size has to be smaller than hidden_size"),
    # Attention
    ("mha_4d_query", lambda l: _mha(l, (1, 3, 2, 8), (1, 3, 2, 8), (1, 3, 2, 8)),
     AssertionError, "query should be unbatched 2D or batched 3D tensor but received 4-D query "
                     "tensor"),
    ("mha_key_rank", lambda l: _mha(l, (3, 2, 8), (4, 8), (4, 8)),
     AssertionError, "For batched (3-D) `query`, expected `key` and `value` to be 3-D but found "
                     "2-D and 2-D tensors respectively"),
    ("mha_int_mask", lambda l: _mha(l, (3, 2, 8), (4, 2, 8), (4, 2, 8),
                                    attn_mask=l.zeros(3, 4, dtype=l.int64)),
     AssertionError, "only bool and floating types of attn_mask are supported"),
    ("mha_int_kpm", lambda l: _mha(l, (3, 2, 8), (4, 2, 8), (4, 2, 8),
                                   key_padding_mask=l.zeros(2, 4, dtype=l.int64)),
     AssertionError, "only bool and floating types of key_padding_mask are supported"),
    ("mha_unbatched_kpm_2d", lambda l: _mha(l, (3, 8), (4, 8), (4, 8),
                                            key_padding_mask=l.zeros(2, 4, dtype=l.bool)),
     AssertionError, "For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or "
                     "1-D but found 2-D tensor instead"),
    ("mha_unbatched_mask_3d", lambda l: _mha(l, (3, 8), (4, 8), (4, 8),
                                             attn_mask=l.zeros(3, 3, 4)),
     AssertionError, "Expected `attn_mask` shape to be (2, 3, 4) but got"),
    ("mha_key_value_len", lambda l: _mha(l, (3, 2, 8), (4, 2, 8), (5, 2, 8)),
     AssertionError, "does not match value shape"),
    ("mha_kdim", lambda l: _mha(l, (3, 2, 8), (4, 2, 6), (4, 2, 5), ctor=dict(kdim=5, vdim=5)),
     AssertionError, "expecting key weights shape of (8, 6), but got"),
    ("mha_embed_dim", lambda l: _mha(l, (3, 2, 6), (3, 2, 6), (3, 2, 6)),
     AssertionError, "was expecting embedding dimension of 8, but got 6"),
    ("mha_not_divisible", lambda l: l.nn.MultiheadAttention(10, 3),
     AssertionError, "embed_dim must be divisible by num_heads"),
    ("transformer_layer_4d", lambda l: l.nn.TransformerEncoderLayer(8, 2)(_r(l, 1, 3, 2, 8)),
     AssertionError, "query should be unbatched 2D or batched 3D tensor"),
    ("sdpa_1d", lambda l: _sdpa(l, (4,), (4,), (4,)),
     RuntimeError, "Expected query, key, and value to all be  at least 2 dimensional, but got "
                   "query.dim: 1 key.dim: 1 and value.dim: 1 instead."),
    ("sdpa_dtypes", lambda l: _F(l).scaled_dot_product_attention(
        _r(l, 2, 3, 4), _r(l, 2, 5, 4).double(), _r(l, 2, 5, 4)),
     RuntimeError, "Expected query, key, and value to have the same dtype, but got query.dtype: "
                   "float key.dtype: double and value.dtype: float instead."),
    ("sdpa_int_mask", lambda l: _sdpa(l, attn_mask=l.zeros(3, 5, dtype=l.int64)),
     RuntimeError, "Expected attn_mask dtype to be bool or float or to match query dtype, but "
                   "got attn_mask.dtype: long int and  query.dtype: float instead."),
    ("sdpa_double_mask", lambda l: _sdpa(l, attn_mask=l.zeros(3, 5).double()),
     RuntimeError, "but got attn_mask.dtype: double and  query.dtype: float instead."),
    ("sdpa_dropout", lambda l: _sdpa(l, dropout_p=1.5),
     RuntimeError, "dropout probability has to be between 0 and 1, but got 1.5"),
    ("sdpa_list", lambda l: _F(l).scaled_dot_product_attention([1.0], [1.0], [1.0]),
     TypeError, "argument 'query' (position 1) must be Tensor, not list"),
    ("sdpa_causal_and_mask", lambda l: _sdpa(l, attn_mask=l.zeros(3, 5), is_causal=True),
     RuntimeError, "Explicit attn_mask should not be set when is_causal=True"),
    # Activations / softmax
    ("glu_scalar", lambda l: _F(l).glu(l.tensor(1.0)),
     RuntimeError, "glu does not support scalars because halving size must be even"),
    ("glu_odd", lambda l: _F(l).glu(_r(l, 2, 3)),
     RuntimeError, "Halving dimension must be even, but dimension 1 is size 3"),
    ("softmax_scalar_dim", lambda l: _F(l).softmax(l.tensor(1.0), dim=1),
     IndexError, "Dimension out of range (expected to be in range of [-1, 0], but got 1)"),
    ("softmax_dim", lambda l: _F(l).softmax(_r(l, 2, 3), dim=2),
     IndexError, "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    ("softmax_int", lambda l: _F(l).softmax(l.ones(2, 3, dtype=l.int64), dim=1),
     NotImplementedError, "\"softmax_lastdim_kernel_impl\" not implemented for 'Long'"),
    ("softmax_int_dim0", lambda l: _F(l).softmax(l.ones(2, 3, dtype=l.int64), dim=0),
     NotImplementedError, "\"softmax_kernel_impl\" not implemented for 'Long'"),
    ("log_softmax_int", lambda l: _F(l).log_softmax(l.ones(2, 3, dtype=l.int64), dim=1),
     NotImplementedError, "\"log_softmax_lastdim_kernel_impl\" not implemented for 'Long'"),
    ("prelu_scalar", lambda l: l.nn.PReLU(3)(l.tensor(1.0)),
     RuntimeError, "Not allow zero-dim input tensor."),
    ("prelu_channels", lambda l: _F(l).prelu(_r(l, 4), l.ones(3)),
     RuntimeError, "Found parameter numbers = 3 and channel size = 1."),
    ("prelu_weight_2d", lambda l: _F(l).prelu(_r(l, 2, 3), l.ones(1, 3)),
     RuntimeError, "prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = 2"),
    ("hardtanh_bounds", lambda l: l.nn.Hardtanh(1.0, -1.0),
     AssertionError, "max_val (-1.0) must be greater than min_val (1.0)"),
    ("celu_alpha_0", lambda l: _F(l).celu(_r(l, 3), alpha=0.0),
     RuntimeError, "ZeroDivisionError"),
    ("gelu_approximate", lambda l: _F(l).gelu(_r(l, 3), approximate="fast"),
     RuntimeError, "approximate argument must be either none or tanh."),
    ("cosine_similarity_shapes", lambda l: _F(l).cosine_similarity(_r(l, 2, 3), _r(l, 2, 4)),
     RuntimeError, "The size of tensor a (3) must match the size of tensor b (4) at "
                   "non-singleton dimension 1"),
    ("normalize_dim", lambda l: _F(l).normalize(_r(l, 2, 3), dim=2),
     IndexError, "Dimension out of range"),
    # Losses
    ("mse_reduction", lambda l: _F(l).mse_loss(_r(l, 3), _r(l, 3), reduction="avg"),
     ValueError, "avg is not a valid value for reduction"),
    ("l1_shapes", lambda l: _F(l).l1_loss(_r(l, 3), _r(l, 4)),
     RuntimeError, "The size of tensor a (3) must match the size of tensor b (4)"),
    ("cross_entropy_int_input",
     lambda l: _F(l).cross_entropy(l.ones(2, 3, dtype=l.int64), l.tensor([0, 1])),
     NotImplementedError, "\"log_softmax_lastdim_kernel_impl\" not implemented for 'Long'"),
    ("cross_entropy_int_input_3d",
     lambda l: _F(l).cross_entropy(l.ones(2, 3, 4, dtype=l.int64), l.zeros(2, 4, dtype=l.long)),
     NotImplementedError, "\"log_softmax_kernel_impl\" not implemented for 'Long'"),
    ("cross_entropy_scalar", lambda l: _F(l).cross_entropy(l.tensor(1.0), l.tensor(0)),
     RuntimeError, "Expected floating point type for target with class probabilities, got Long"),
    ("cross_entropy_target_range", lambda l: _F(l).cross_entropy(_r(l, 2, 3), l.tensor([0, 3])),
     IndexError, "Target 3 is out of bounds."),
    ("cross_entropy_batch", lambda l: _F(l).cross_entropy(_r(l, 2, 3), l.tensor([0, 1, 2])),
     ValueError, "Expected input batch_size (2) to match target batch_size (3)."),
    ("cross_entropy_smoothing", lambda l: _F(l).cross_entropy(_r(l, 2, 3), l.tensor([0, 1]),
                                                              label_smoothing=1.5),
     RuntimeError, "label_smoothing must be between 0.0 and 1.0. Got: 1.5"),
    ("nll_float_target", lambda l: _F(l).nll_loss(_r(l, 2, 3), l.tensor([0.0, 1.0])),
     RuntimeError, "expected target dtype to be Long or Byte, but got Float"),
    ("nll_weight", lambda l: _F(l).nll_loss(_r(l, 2, 3), l.tensor([0, 1]), weight=l.ones(2)),
     RuntimeError, "weight tensor should be defined either for all 3 classes or no classes"),
    ("bce_out_of_range", lambda l: _F(l).binary_cross_entropy(l.tensor([1.5]), l.tensor([1.0])),
     RuntimeError, "all elements of input should be between 0 and 1"),
    ("bce_shapes", lambda l: _F(l).binary_cross_entropy(l.rand(3), l.rand(4)),
     ValueError, "Using a target size (torch.Size([4])) that is different to the input size"),
    ("hinge_embedding_shapes", lambda l: _F(l).hinge_embedding_loss(_r(l, 3), _r(l, 4)),
     RuntimeError, "The size of tensor a (4) must match the size of tensor b (3)"),
    ("soft_margin_shapes", lambda l: _F(l).soft_margin_loss(_r(l, 3), _r(l, 4)),
     RuntimeError, "The size of tensor a (3) must match the size of tensor b (4)"),
    ("smooth_l1_beta", lambda l: _F(l).smooth_l1_loss(_r(l, 3), _r(l, 3), beta=-1.0),
     RuntimeError, "smooth_l1_loss does not support negative values for beta."),
    ("kl_div_reduction", lambda l: _F(l).kl_div(_r(l, 3), l.rand(3), reduction="foo"),
     ValueError, "foo is not a valid value for reduction"),
    # Containers / Flatten / Unflatten
    ("unflatten_size_type", lambda l: l.nn.Unflatten(1, 6),
     TypeError, "unflattened_size must be a tuple of ints, but found type int"),
    ("unflatten_size_element", lambda l: l.nn.Unflatten(1, (2, "a")),
     TypeError, "unflattened_size must be tuple of ints, but found element of type str at pos 1"),
    ("unflatten_product", lambda l: l.nn.Unflatten(1, (2, 2))(_r(l, 2, 6)),
     RuntimeError, "unflatten: Provided sizes [2, 2] don't multiply up to the size of dim 1 (6)"),
    ("flatten_dims", lambda l: l.nn.Flatten(2, 1)(_r(l, 2, 3, 4)),
     RuntimeError, "flatten() has invalid args: start_dim cannot come after end_dim"),
    ("sequential_index", lambda l: l.nn.Sequential(l.nn.ReLU())[1],
     IndexError, "index 1 is out of range"),
    ("sequential_non_module", lambda l: l.nn.Sequential(3),
     TypeError, "int is not a Module subclass"),
    ("module_list_index", lambda l: l.nn.ModuleList([l.nn.ReLU()])[2],
     IndexError, "index 2 is out of range"),
    ("module_dict_missing", lambda l: l.nn.ModuleDict({"a": l.nn.ReLU()})["b"],
     KeyError, "b"),
    # nn.init / nn.utils
    ("init_xavier_1d", lambda l: l.nn.init.xavier_uniform_(_r(l, 3)),
     ValueError, "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions"),
    ("init_kaiming_mode", lambda l: l.nn.init.kaiming_uniform_(_r(l, 3, 3), mode="fan"),
     ValueError, "Mode fan not supported, please use one of"),
    ("init_gain", lambda l: l.nn.init.calculate_gain("foo"),
     ValueError, "Unsupported nonlinearity foo"),
    ("init_orthogonal_1d", lambda l: l.nn.init.orthogonal_(_r(l, 3)),
     ValueError, "Only tensors with 2 or more dimensions are supported"),
    ("init_eye_3d", lambda l: l.nn.init.eye_(_r(l, 3, 3, 3)),
     ValueError, "Only tensors with 2 dimensions are supported"),
    ("init_uniform_bounds", lambda l: l.nn.init.uniform_(_r(l, 3), 1.0, -1.0),
     RuntimeError, "uniform_ expects to return a [from, to) range, but found from=1 > to=-1"),
    ("init_normal_std", lambda l: l.nn.init.normal_(_r(l, 3), 0.0, -1.0),
     RuntimeError, "normal expects std >= 0.0, but found std -1"),
    ("clip_norm_type", lambda l: l.nn.utils.clip_grad_norm_(_grad_params(l), 1.0, norm_type="x"),
     ValueError, "could not convert string to float: 'x'"),
    ("clip_nonfinite", lambda l: l.nn.utils.clip_grad_norm_(
        [_set_grad(l, float("nan"))], 1.0, error_if_nonfinite=True),
     RuntimeError, "is non-finite, so it cannot be clipped"),
    ("vector_to_parameters_type",
     lambda l: l.nn.utils.vector_to_parameters([1.0, 2.0], [l.nn.Parameter(l.randn(2))]),
     TypeError, "expected torch.Tensor, but got: list"),
    # Module API
    ("register_parameter_dot",
     lambda l: l.nn.Module().register_parameter("a.b", l.nn.Parameter(l.randn(2))),
     KeyError, "contain \".\""),
    ("register_parameter_empty",
     lambda l: l.nn.Module().register_parameter("", l.nn.Parameter(l.randn(2))),
     KeyError, "be empty string \"\""),
    ("register_parameter_int_name",
     lambda l: l.nn.Module().register_parameter(1, l.nn.Parameter(l.randn(2))),
     TypeError, "parameter name should be a string. Got int"),
    ("register_parameter_tensor", lambda l: l.nn.Module().register_parameter("a", l.randn(2)),
     TypeError, "cannot assign 'torch.FloatTensor' object to parameter 'a'"),
    ("register_parameter_attr",
     lambda l: l.nn.Linear(2, 2).register_parameter("forward", l.nn.Parameter(l.randn(2))),
     KeyError, "attribute 'forward' already exists"),
    ("register_buffer_non_tensor", lambda l: l.nn.Module().register_buffer("a", 1.0),
     TypeError, "cannot assign 'float' object to buffer 'a' (torch Tensor or None required)"),
    ("add_module_dot", lambda l: l.nn.Module().add_module("a.b", l.nn.ReLU()),
     KeyError, "contain \".\", got: a.b"),
    ("add_module_non_module", lambda l: l.nn.Module().add_module("a", 3),
     TypeError, "int is not a Module subclass"),
    ("setattr_tensor_over_param", lambda l: setattr(l.nn.Linear(2, 2), "weight", l.randn(2, 2)),
     TypeError, "cannot assign 'torch.FloatTensor' as parameter 'weight'"),
    ("load_state_dict_shape", lambda l: l.nn.Linear(2, 2).load_state_dict(
        {"weight": l.randn(3, 3), "bias": l.randn(2)}),
     RuntimeError, "size mismatch for weight: copying a param with shape torch.Size([3, 3]) "
                   "from checkpoint, the shape in current model is torch.Size([2, 2])."),
    ("load_state_dict_missing", lambda l: l.nn.Linear(2, 2).load_state_dict(
        {"weight": l.randn(2, 2)}),
     RuntimeError, "Missing key(s) in state_dict: \"bias\"."),
    ("load_state_dict_type", lambda l: l.nn.Linear(2, 2).load_state_dict([1, 2]),
     TypeError, "Expected state_dict to be dict-like, got"),
    ("get_submodule_missing", lambda l: l.nn.Linear(2, 2).get_submodule("foo"),
     AttributeError, "Linear has no attribute `foo`"),
    ("module_forward_missing", lambda l: l.nn.Module()(l.randn(2)),
     NotImplementedError, "Module [Module] is missing the required \"forward\" function"),
    # Optimizers
    ("sgd_lr", lambda l: l.optim.SGD(_ps(l), lr=-0.1), ValueError, "Invalid learning rate: -0.1"),
    ("sgd_momentum", lambda l: l.optim.SGD(_ps(l), lr=0.1, momentum=-0.5),
     ValueError, "Invalid momentum value: -0.5"),
    ("sgd_weight_decay", lambda l: l.optim.SGD(_ps(l), lr=0.1, weight_decay=-1),
     ValueError, "Invalid weight_decay value: -1"),
    ("sgd_nesterov", lambda l: l.optim.SGD(_ps(l), lr=0.1, nesterov=True),
     ValueError, "Nesterov momentum requires a momentum and zero dampening"),
    ("sgd_empty", lambda l: l.optim.SGD([], lr=0.1),
     ValueError, "optimizer got an empty parameter list"),
    ("sgd_tensor_params", lambda l: l.optim.SGD(l.nn.Parameter(l.randn(2)), lr=0.1),
     TypeError, "params argument given to the optimizer should be an iterable of Tensors or "
                "dicts, but got torch.FloatTensor"),
    ("sgd_duplicate_groups", lambda l: _dup_groups(l),
     ValueError, "some parameters appear in more than one parameter group"),
    ("sgd_non_leaf", lambda l: l.optim.SGD([l.nn.Parameter(l.randn(2)) * 2], lr=0.1),
     ValueError, "can't optimize a non-leaf Tensor"),
    ("sgd_lr_none", lambda l: l.optim.SGD(_ps(l), lr=None), TypeError, "'<' not supported"),
    ("adam_beta1", lambda l: l.optim.Adam(_ps(l), betas=(1.0, 0.9)),
     ValueError, "Invalid beta parameter at index 0: 1.0"),
    ("adam_beta2", lambda l: l.optim.Adam(_ps(l), betas=(0.9, -0.1)),
     ValueError, "Invalid beta parameter at index 1: -0.1"),
    ("adam_eps", lambda l: l.optim.Adam(_ps(l), eps=-1), ValueError, "Invalid epsilon value: -1"),
    ("adamw_lr", lambda l: l.optim.AdamW(_ps(l), lr=-1), ValueError, "Invalid learning rate: -1"),
    ("rmsprop_alpha", lambda l: l.optim.RMSprop(_ps(l), alpha=-1),
     ValueError, "Invalid alpha value: -1"),
    ("adagrad_lr_decay", lambda l: l.optim.Adagrad(_ps(l), lr_decay=-1),
     ValueError, "Invalid lr_decay value: -1"),
    ("adadelta_rho", lambda l: l.optim.Adadelta(_ps(l), rho=1.5),
     ValueError, "Invalid rho value: 1.5"),
    ("lbfgs_groups", lambda l: l.optim.LBFGS([{"params": _ps(l)}, {"params": _ps(l)}]),
     ValueError, "LBFGS doesn't support per-parameter options (parameter groups)"),
    ("lbfgs_closure", lambda l: l.optim.LBFGS(_ps(l)).step(),
     TypeError, "missing 1 required positional argument: 'closure'"),
    # LR schedulers
    ("steplr_optimizer", lambda l: l.optim.lr_scheduler.StepLR(3, step_size=1),
     TypeError, "int is not an Optimizer"),
    ("multisteplr_int", lambda l: l.optim.lr_scheduler.MultiStepLR(_opt(l), milestones=3),
     TypeError, "'int' object is not iterable"),
    ("lambdalr_count", lambda l: l.optim.lr_scheduler.LambdaLR(
        _opt(l), [lambda e: 1, lambda e: 1]),
     ValueError, "Expected 1 lr_lambdas, but got 2"),
    ("warm_restarts_t0", lambda l: l.optim.lr_scheduler.CosineAnnealingWarmRestarts(_opt(l), 0),
     ValueError, "Expected positive integer T_0, but got 0"),
    ("warm_restarts_tmult", lambda l: l.optim.lr_scheduler.CosineAnnealingWarmRestarts(
        _opt(l), T_0=1, T_mult=0),
     ValueError, "Expected integer T_mult >= 1, but got 0"),
    ("onecycle_no_total", lambda l: l.optim.lr_scheduler.OneCycleLR(_opt(l), max_lr=0.1),
     ValueError, "You must define either total_steps OR (epochs AND steps_per_epoch)"),
    ("onecycle_total_0", lambda l: l.optim.lr_scheduler.OneCycleLR(
        _opt(l), max_lr=0.1, total_steps=0),
     ValueError, "Expected positive integer total_steps, but got 0"),
    ("onecycle_pct", lambda l: l.optim.lr_scheduler.OneCycleLR(
        _opt(l), max_lr=0.1, total_steps=10, pct_start=1.5),
     ValueError, "Expected float between 0 and 1 pct_start, but got 1.5"),
    ("onecycle_anneal", lambda l: l.optim.lr_scheduler.OneCycleLR(
        _opt(l), max_lr=0.1, total_steps=10, anneal_strategy="foo"),
     ValueError, "anneal_strategy must be one of 'cos' or 'linear', instead got foo"),
    ("plateau_mode", lambda l: l.optim.lr_scheduler.ReduceLROnPlateau(_opt(l), mode="maximum"),
     ValueError, "mode maximum is unknown!"),
    ("plateau_factor", lambda l: l.optim.lr_scheduler.ReduceLROnPlateau(_opt(l), factor=1.0),
     ValueError, "Factor should be < 1.0."),
    ("linearlr_start", lambda l: l.optim.lr_scheduler.LinearLR(_opt(l), start_factor=0),
     ValueError, "Starting multiplicative factor expected to be greater than 0 and less or "
                 "equal to 1."),
    ("constantlr_factor", lambda l: l.optim.lr_scheduler.ConstantLR(_opt(l), factor=1.5),
     ValueError, "Constant multiplicative factor expected to be between 0 and 1."),
    ("chained_other_optimizer", lambda l: l.optim.lr_scheduler.ChainedScheduler(
        [l.optim.lr_scheduler.ConstantLR(_opt(l)), l.optim.lr_scheduler.ConstantLR(_opt(l))]),
     ValueError, "ChainedScheduler expects all schedulers to belong to the same optimizer"),
]


def _set_grad(lib, value):
    p = lib.nn.Parameter(lib.randn(3))
    p.grad = lib.full((3,), value)
    return p


def _dup_groups(lib):
    p = lib.nn.Parameter(lib.randn(2))
    return lib.optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)


@pytest.mark.parametrize("lib", ["ember", "torch"])
@pytest.mark.parametrize("call, exc, fragment", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_raises_like_torch(lib, call, exc, fragment):
    lib = ember if lib == "ember" else torch
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(exc, match=re.escape(fragment)) as info:
            call(lib)
    assert type(info.value) is exc  # not a subclass such as NumPy's UFuncTypeError


def test_case_ids_unique():
    assert len({c[0] for c in CASES}) == len(CASES) >= 150


def test_rejected_batchnorm_input_leaves_counter():
    bn = ember.nn.BatchNorm2d(3)
    bn(ember.randn(2, 3, 2, 2))
    with pytest.raises(RuntimeError):
        bn(ember.randn(2, 4, 2, 2))
    with pytest.raises(NotImplementedError):
        bn(ember.ones(2, 3, 2, 2, dtype=ember.int64))
    assert int(bn.num_batches_tracked) == 1


@pytest.mark.parametrize("call", [
    lambda l: l.nn.functional.adaptive_max_pool2d(l.randn(1, 1, 4, 4), 0),
    lambda l: l.nn.functional.adaptive_avg_pool2d(l.randn(1, 1, 4, 4), (0, 2)),
    lambda l: l.nn.functional.adaptive_max_pool2d(l.randn(1, 1, 4, 4), (2, 0),
                                                  return_indices=True)[1],
    lambda l: l.nn.functional.prelu(l.tensor(1.0), l.ones(1)),
    lambda l: l.nn.functional.linear(l.randn(2, 2, 3), l.randn(4, 3), l.randn(2, 1, 4)),
    lambda l: l.nn.functional.scaled_dot_product_attention(
        l.randn(2, 3, 4), l.randn(2, 5, 4), l.randn(2, 5, 4), dropout_p=-0.5),
], ids=["adaptive_max_zero", "adaptive_avg_zero", "adaptive_max_zero_indices", "prelu_scalar",
        "linear_broadcast_bias", "sdpa_negative_dropout"])
def test_edge_inputs_accepted_like_torch(call):
    ours, theirs = call(ember), call(torch)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype)
