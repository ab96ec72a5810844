"""PyTorch oracles for seqconv's two reference models, with Keras semantics.

The modules below hold their weights in KERAS layout and gate order, as
nn.Parameters named "<keras layer name>/<keras weight name>", so that the
oracle and seqconv start from the very same numbers and the gradients that
autograd leaves in .grad are already in Keras layout (the layout conversion
happens inside forward(), where autograd sees it).

Layout correspondences used (Keras -> PyTorch):

* Conv1D kernel [k, in, filters]  -> conv1d weight [filters, in, k]
  (both are cross-correlations with "valid" padding and stride 1).
* Dense kernel [in, units]        -> linear weight [units, in].
* GRU (reset_after=True): kernel [in, 3u] and recurrent_kernel [u, 3u] have
  their gate blocks ordered z, r, h; PyTorch's weight_ih_l0 [3u, in] and
  weight_hh_l0 [3u, u] are ordered r, z, n and transposed. Keras's bias
  [2, 3u] holds the input bias in row 0 and the recurrent bias in row 1;
  they become bias_ih_l0 and bias_hh_l0 after the same gate reordering.
  Keras reset_after=True computes h~ = tanh(x W_h + b_ih_h + r * (h U_h +
  b_hh_h)), exactly PyTorch's n gate, and h' = z h + (1 - z) h~, exactly
  PyTorch's update, so nn.GRU is a faithful oracle once the weights are
  mapped (forward() calls the ATen kernel behind nn.GRU.forward with the
  mapped weights, so that autograd reaches the Keras-layout tensors; the
  module-substitution route, functional_call, silently keeps nn.GRU's own
  cached weights in PyTorch 1.13). keras_gru() below is an independent hand-written cell used by
  gen_golden.py to cross-check the mapping.

Dropout: the Jena model's GRU has dropout=0.1 and recurrent_dropout=0.5 in
Keras. Dropout masks cannot be matched across implementations, so the
oracle runs the model with dropout disabled (Keras inference semantics,
equivalently rates 0); the Go side must run its forward pass with
training=false (or rates 0) for the comparison.

The RMSprop here is written by hand with Keras's formula (epsilon inside
the square root, velocity starting at zero); torch.optim.RMSprop puts
epsilon outside the root and is therefore not used.
"""

import torch
import torch.nn.functional as F
from torch import nn

# Keras RMSprop defaults.
RMSPROP_LR = 1e-3
RMSPROP_RHO = 0.9
RMSPROP_EPS = 1e-7


def conv1d_keras(x, kernel, bias):
    """Keras Conv1D (valid, stride 1) on x [B, T, in] with a Keras kernel
    [k, in, filters]; returns [B, T-k+1, filters]."""
    y = F.conv1d(x.transpose(1, 2), kernel.permute(2, 1, 0), bias)
    return y.transpose(1, 2)


def maxpool1d_keras(x, pool):
    """Keras MaxPooling1D(pool) (strides = pool, valid) on x [B, T, C]."""
    return F.max_pool1d(x.transpose(1, 2), pool, pool).transpose(1, 2)


def dense_keras(x, kernel, bias):
    """Keras Dense on x [B, in] with a Keras kernel [in, units]."""
    return F.linear(x, kernel.t(), bias)


def gru_keras_to_torch(kernel, recurrent_kernel, bias):
    """Maps Keras GRU weights (gates z, r, h; reset_after=True) to the
    tensors of PyTorch's nn.GRU (gates r, z, n; transposed). Differentiable,
    so gradients flow back to the Keras-layout tensors."""
    u = recurrent_kernel.shape[0]

    def reorder(w):  # columns z|r|h -> r|z|h
        return torch.cat([w[..., u:2 * u], w[..., 0:u], w[..., 2 * u:3 * u]], dim=-1)

    return {
        "weight_ih_l0": reorder(kernel).t(),
        "weight_hh_l0": reorder(recurrent_kernel).t(),
        "bias_ih_l0": reorder(bias[0]),
        "bias_hh_l0": reorder(bias[1]),
    }


def keras_gru(x, kernel, recurrent_kernel, bias):
    """Hand-written Keras GRU (reset_after=True, sigmoid/tanh, zero initial
    state) returning the last hidden state; the cross-check of nn.GRU."""
    u = recurrent_kernel.shape[0]
    h = x.new_zeros(x.shape[0], u)
    xw = x @ kernel + bias[0]  # [B, T, 3u]
    for t in range(x.shape[1]):
        hu = h @ recurrent_kernel + bias[1]
        xz, xr, xh = xw[:, t, :u], xw[:, t, u:2 * u], xw[:, t, 2 * u:]
        hz, hr, hh = hu[:, :u], hu[:, u:2 * u], hu[:, 2 * u:]
        z = torch.sigmoid(xz + hz)
        r = torch.sigmoid(xr + hr)
        cand = torch.tanh(xh + r * hh)
        h = z * h + (1 - z) * cand
    return h


class KerasModel(nn.Module):
    """Base: parameters in Keras layout, kept in Keras get_weights() order.

    weight_specs is a list of (layer name, weight name, shape)."""

    weight_specs = []

    def __init__(self, dtype=torch.float64):
        super().__init__()
        self.order = []
        self.params = nn.ParameterDict()
        for layer, name, shape in self.weight_specs:
            key = f"{layer}/{name}"
            self.params[key.replace("/", "__")] = nn.Parameter(torch.zeros(shape, dtype=dtype))
            self.order.append(key)

    def p(self, key):
        """The parameter named "<layer>/<weight>"."""
        return self.params[key.replace("/", "__")]

    def named_keras_weights(self):
        """(key, parameter) pairs in Keras get_weights() order."""
        return [(k, self.p(k)) for k in self.order]

    def load_keras_weights(self, weights):
        """Copies a {key: array} dict of Keras-layout weights in."""
        with torch.no_grad():
            for k in self.order:
                self.p(k).copy_(torch.as_tensor(weights[k], dtype=self.p(k).dtype))


class IMDBConvNet(KerasModel):
    """Embedding(10000,128) -> Conv1D(32,7,relu) -> MaxPooling1D(5) ->
    Conv1D(32,7,relu) -> GlobalMaxPooling1D -> Dense(1); returns logits
    [B, 1]. Input: token ids [B, T] (int64)."""

    weight_specs = [
        ("embedding", "embeddings", (10000, 128)),
        ("conv1d", "kernel", (7, 128, 32)),
        ("conv1d", "bias", (32,)),
        ("conv1d_1", "kernel", (7, 32, 32)),
        ("conv1d_1", "bias", (32,)),
        ("dense", "kernel", (32, 1)),
        ("dense", "bias", (1,)),
    ]

    def forward(self, ids, trace=None, jitter=None):
        """Logits for ids; when trace is a dict, the ReLU and pooling
        tensors are recorded in it (with gradients retained) so that
        gen_golden.py can measure how close they are to a kink; jitter,
        if given, is applied to each convolution's pre-activation (the
        robustness check of gen_golden.py)."""
        jitter = jitter or (lambda a: a)
        p = self.p
        e = F.embedding(ids, p("embedding/embeddings"))
        a1 = jitter(conv1d_keras(e, p("conv1d/kernel"), p("conv1d/bias")))
        h1 = torch.relu(a1)
        m1 = maxpool1d_keras(h1, 5)
        a2 = jitter(conv1d_keras(m1, p("conv1d_1/kernel"), p("conv1d_1/bias")))
        h2 = torch.relu(a2)
        g = h2.max(dim=1).values
        if trace is not None:
            for t in (h1, h2, m1, g):
                t.retain_grad()
            trace.update(relu=[(a1, h1), (a2, h2)], pool=[(h1, 5, m1), (h2, h2.shape[1], g)])
        return dense_keras(g, p("dense/kernel"), p("dense/bias"))

    @staticmethod
    def loss(logits, y):
        """Keras binary_crossentropy(from_logits=True), mean over the batch."""
        return F.binary_cross_entropy_with_logits(logits, y, reduction="mean")


class JenaConvGRU(KerasModel):
    """Conv1D(32,5,relu) -> MaxPooling1D(3) -> Conv1D(32,5,relu) ->
    GRU(32, reset_after=True; dropout disabled, see module doc) -> Dense(1);
    input [B, 480, 14], returns predictions [B, 1]."""

    weight_specs = [
        ("conv1d", "kernel", (5, 14, 32)),
        ("conv1d", "bias", (32,)),
        ("conv1d_1", "kernel", (5, 32, 32)),
        ("conv1d_1", "bias", (32,)),
        ("gru", "kernel", (32, 96)),
        ("gru", "recurrent_kernel", (32, 96)),
        ("gru", "bias", (2, 96)),
        ("dense", "kernel", (32, 1)),
        ("dense", "bias", (1,)),
    ]

    def __init__(self, dtype=torch.float64, use_torch_gru=True):
        super().__init__(dtype)
        self.use_torch_gru = use_torch_gru

    def forward(self, x, trace=None, jitter=None):
        """Predictions for x; trace and jitter as in IMDBConvNet.forward."""
        jitter = jitter or (lambda a: a)
        p = self.p
        a1 = jitter(conv1d_keras(x, p("conv1d/kernel"), p("conv1d/bias")))
        h1 = torch.relu(a1)
        m1 = maxpool1d_keras(h1, 3)
        a2 = jitter(conv1d_keras(m1, p("conv1d_1/kernel"), p("conv1d_1/bias")))
        h2 = torch.relu(a2)
        k, rk, b = p("gru/kernel"), p("gru/recurrent_kernel"), p("gru/bias")
        if self.use_torch_gru:
            w = gru_keras_to_torch(k, rk, b)
            h0 = x.new_zeros(1, x.shape[0], rk.shape[0])
            # The ATen GRU kernel behind nn.GRU.forward, given the mapped
            # weights explicitly (arguments: input, h0, weights, has_biases,
            # num_layers, dropout, train, bidirectional, batch_first).
            _, hn = torch._VF.gru(h2, h0, [w["weight_ih_l0"], w["weight_hh_l0"], w["bias_ih_l0"],
                                           w["bias_hh_l0"]], True, 1, 0.0, False, False, True)
            last = hn[0]
        else:
            last = keras_gru(h2, k, rk, b)
        if trace is not None:
            for t in (h1, h2, m1):
                t.retain_grad()
            trace.update(relu=[(a1, h1), (a2, h2)], pool=[(h1, 3, m1)])
        return dense_keras(last, p("dense/kernel"), p("dense/bias"))

    @staticmethod
    def loss(pred, y):
        """Keras mean_absolute_error, mean over the batch."""
        return (pred - y).abs().mean()


class KerasRMSprop:
    """Keras RMSprop (rho 0.9, epsilon 1e-7 inside the square root, no
    momentum, not centered), velocities starting at zero:

        v <- rho*v + (1-rho)*g^2
        w <- w - lr*g/sqrt(v + eps)
    """

    def __init__(self, params, lr=RMSPROP_LR, rho=RMSPROP_RHO, eps=RMSPROP_EPS):
        self.params = list(params)
        self.lr, self.rho, self.eps = lr, rho, eps
        self.v = [torch.zeros_like(w) for w in self.params]

    @torch.no_grad()
    def step(self):
        for w, v in zip(self.params, self.v):
            g = w.grad
            v.mul_(self.rho).add_((1 - self.rho) * g * g)
            w.sub_(self.lr * g / torch.sqrt(v + self.eps))
