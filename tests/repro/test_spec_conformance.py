"""docs/determinism-spec.md, re-implemented from its pseudo-code, against the runtime.

The spec's pseudo-code lives in `tests/repro/spec_numpy` (plain Python and numpy float32
arithmetic; it imports nothing from assay). The runtime is imported only to produce the values
each test compares with, bit for bit; the example jobs' state hashes are compared with the golden
traces `tests/repro/golden/<example>.txt`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch

from assay.protocol.spec import load_spec
from assay.repro import fp, rng, zoo
from assay.repro.data import load_dataset
from assay.repro.graph import step_graph
from assay.repro.kernels import OpContext, run_kernel
from assay.repro.state import TrainState, state_hash
from assay.repro.tracer import trace_step
from assay.repro.trainer import Trainer
from tests.repro.spec_numpy.cnn import cnn_grads, init_cnn, sgd_momentum
from tests.repro.spec_numpy.core import (
    F32,
    U64,
    bits,
    key,
    mm,
    normal,
    permutation,
    philox,
    spec_state_hash,
    tree_sum,
    uniform,
    uniform_range,
    words,
)
from tests.repro.spec_numpy.core import exp as spec_exp
from tests.repro.spec_numpy.core import log as spec_log
from tests.repro.spec_numpy.data import spec_char_sequence, spec_digits
from tests.repro.spec_numpy.gpt import adamw, gpt_grads, init_gpt
from tests.repro.spec_numpy.mlp import clip, init_mlp, mlp_dropout_grads, mlp_step_records

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "digits-mlp.toml"
GOLDEN = Path(__file__).resolve().parent / "golden"


# --- §2 random numbers ----------------------------------------------------------------------

DRAWS = [(0, "init/net.0.weight", 0, (128, 64)), (7, "test", 2, (3,)),
         (2**64 - 1, "dropout/3", 2**40 + 5, (5, 7)), (-3, "ünïcode/π", 9, (1,))]  # fmt: skip


@pytest.mark.parametrize(("seed", "purpose", "step", "shape"), DRAWS)
def test_uniform_and_normal_draws_match_spec_section_2(
    seed: int, purpose: str, step: int, shape: tuple[int, ...]
) -> None:
    """§2.1–2.5: key, Philox, word stream, uniform and Irwin–Hall normal, bit for bit."""
    n = math.prod(shape)
    got_u = rng.uniform(shape, seed=seed, purpose=purpose, step=step).reshape(-1).numpy()
    got_n = rng.normal(shape, seed=seed, purpose=purpose, step=step).reshape(-1).numpy()
    assert (bits(got_u) == bits(uniform(n, seed, purpose, step))).all()
    assert (bits(got_n) == bits(normal(n, seed, purpose, step))).all()


def test_spec_examples_of_section_2_hold() -> None:
    """§2.1–2.5: the worked examples printed in the spec."""
    assert key(0, "init/net.0.weight") == (0xDB811420, 0x77B94DEC)
    zero = tuple(np.zeros(1, dtype=U64) for _ in range(4))
    assert [int(o[0]) for o in philox(zero, (0, 0))] == [
        0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8]  # fmt: skip
    assert [int(w) for w in words(5, 0, "init/net.0.weight", 0)] == [
        0xE6298BBF, 0xA7CCFB2C, 0xCFEBBE07, 0x40C1B967, 0x54D55C75]  # fmt: skip
    assert [int(b) for b in bits(normal(3, 7, "test", 2))] == [0xBDA37B80, 0xBF7362A8, 0xBE754400]


def test_bernoulli_mask_and_permutation_match_spec_section_2_6() -> None:
    """§2.6: u < RN32(p_keep); permutation = stable sort of 63-bit keys."""
    u = uniform(6 * 9, 11, "dropout/0", 4)
    want = u < F32(1.0 - 0.3)
    got = rng.bernoulli_mask((6, 9), 1.0 - 0.3, seed=11, purpose="dropout/0", step=4)
    assert (got.reshape(-1).numpy() == want).all()
    for n in (0, 1, 10, 1438):
        got_p = rng.permutation(n, seed=5, purpose="data/order", step=3).numpy()
        assert (got_p == permutation(n, 5, "data/order", 3)).all()


# --- §6.1 tree sum, §6.2 matmul, §6.4 exp and log -------------------------------------------


def test_tree_sum_of_lengths_1_to_33_matches_spec_section_6_1() -> None:
    """§6.1: the pairwise tree with the odd element carried, for every length 1..33."""
    gen = np.random.default_rng(1)
    for n in range(0, 34):
        x = (gen.standard_normal(n) * 10.0 ** gen.integers(-8, 8, n)).astype(F32)
        got = fp.tree_sum(torch.from_numpy(x), 0).numpy()
        assert bits(got) == bits(tree_sum(x)), n


def test_tree_sum_worked_examples_of_section_6_1() -> None:
    """§6.1: n = 5 and n = 7 written out."""
    x = np.array([1e8, 1.0, -1e8, 3.0, 0.5, 7.0, 2.0**-20], dtype=F32)
    five = ((x[0] + x[1]) + (x[2] + x[3])) + x[4]
    seven = ((x[0] + x[1]) + (x[2] + x[3])) + ((x[4] + x[5]) + x[6])
    assert bits(fp.tree_sum(torch.from_numpy(x[:5]), 0).numpy()) == bits(five)
    assert bits(fp.tree_sum(torch.from_numpy(x), 0).numpy()) == bits(seven)


def test_matmul_rounds_each_product_then_tree_sums_spec_section_6_2() -> None:
    """§6.2: C[m,n] = tree_sum over k of RN32(A[m,k] × B[k,n])."""
    gen = np.random.default_rng(2)
    for m, k, n in ((3, 1, 2), (4, 7, 5), (2, 33, 3)):
        a = gen.standard_normal((m, k)).astype(F32)
        b = gen.standard_normal((k, n)).astype(F32)
        want = tree_sum(np.transpose(a[:, :, None] * b[None, :, :], (1, 0, 2)))
        got = fp.matmul(torch.from_numpy(a), torch.from_numpy(b)).numpy()
        assert (bits(got) == bits(want)).all()


def test_exp_and_log_match_spec_section_6_4() -> None:
    """§6.4: exp and log over a few thousand float32 bit patterns, specials and denormals."""
    gen = np.random.default_rng(3)
    patterns = gen.integers(0, 2**32, 4000, dtype=np.uint64).astype(np.uint32)
    x = np.concatenate([patterns.view(F32), gen.uniform(-110, 95, 2000).astype(F32),
                        np.array([0.0, -0.0, np.inf, -np.inf, 1.0, 1e-45, 88.72, -103.9],
                                 dtype=F32)])  # fmt: skip
    x = x[~np.isnan(x)]
    with np.errstate(all="ignore"):
        want_exp, want_log = spec_exp(x), spec_log(x)
    assert (bits(fp.exp(torch.from_numpy(x)).numpy()) == bits(want_exp)).all()
    got_log = fp.log(torch.from_numpy(x)).numpy()
    same = (bits(got_log) == bits(want_log)) | (np.isnan(got_log) & np.isnan(want_log))
    assert same.all()


# --- §4 initialisation ----------------------------------------------------------------------


def test_linear_and_embedding_init_match_spec_section_4_2() -> None:
    """§4.2: Linear weight and bias share the weight's fan-in bound; Embedding is normal × 0.02."""
    model = torch.nn.ModuleDict({"fc": torch.nn.Linear(128, 10), "emb": torch.nn.Embedding(6, 4)})
    zoo.init_parameters(model, seed=9)
    bound = 1.0 / math.sqrt(128)
    for name in ("fc.weight", "fc.bias"):
        p = dict(model.named_parameters())[name]
        want = uniform_range(p.numel(), -bound, bound, 9, f"init/{name}")
        assert (bits(p.detach().reshape(-1).numpy()) == bits(want)).all()
    emb = model["emb"].weight.detach().reshape(-1).numpy()
    assert (bits(emb) == bits(normal(24, 9, "init/emb.weight") * F32(0.02))).all()


# --- §5 state hash --------------------------------------------------------------------------


def test_state_hash_of_a_small_state_matches_spec_section_5() -> None:
    """§5.1–5.3: digests in UTF-8 name order, scalars last, padded keccak Merkle tree."""
    gen = np.random.default_rng(4)
    params = {"b.w": gen.standard_normal((3, 2)).astype(F32), "a": gen.standard_normal(5)
              .astype(F32), "Z_é": np.array([-0.0], dtype=F32)}  # fmt: skip
    moments = {f"exp_avg/{k}": v * F32(0.5) for k, v in params.items()}
    state = TrainState(7, 2**64 - 1, 448, {k: torch.from_numpy(v) for k, v in params.items()},
                       {k: torch.from_numpy(v) for k, v in moments.items()})  # fmt: skip
    tensors = {f"param/{k}": v for k, v in params.items()}
    tensors.update({f"optim/{k}": v for k, v in moments.items()})
    assert bytes(state_hash(state)) == spec_state_hash(tensors, 7, 2**64 - 1, 448)


def spec_mlp_h0(seed: int, widths: list[int]) -> bytes:
    """§4.1, §4.2, §5: h_0 of an MLP with AdamW, from the spec alone (no data needed)."""
    tensors: dict[str, np.ndarray] = {}
    for name, value in init_mlp(seed, widths).items():
        tensors[f"param/{name}"] = value
        for slot in ("exp_avg", "exp_avg_sq"):
            tensors[f"optim/{slot}/{name}"] = np.zeros_like(value)
    return spec_state_hash(tensors, 0, seed, 0)


def test_digits_example_h0_matches_spec_and_its_printed_value() -> None:
    """§5.3 reference value: h_0 of examples/digits-mlp.toml, recomputed from §2, §4, §5."""
    h0 = spec_mlp_h0(0, [64, 128, 10])
    assert "0x" + h0.hex() == "0x2f8d7925483b4f7693f07cb4fac48801e00573004466a35d624e0f875cf6b5ea"


# --- §3 data --------------------------------------------------------------------------------


def test_digits_split_normalisation_and_batches_match_spec_section_3() -> None:
    """§3.1–3.4: legacy MT19937 split, fsum statistics, one rounding, batch rows per epoch."""
    spec = load_spec(EXAMPLE)
    seed = int(spec.training.seed)
    want, labels = spec_digits(seed)
    data = load_dataset(spec.data, seed)
    assert (bits(data.x_train.numpy()) == bits(want)).all()
    assert (data.y_train.numpy() == labels).all()

    trainer = Trainer(spec, data)
    n_train, batch = len(labels), int(spec.training.batch_size)
    per_epoch = n_train // batch
    for step in (1, per_epoch, per_epoch + 1, 3 * per_epoch + 2):
        epoch, i = divmod(step - 1, per_epoch)
        picked = permutation(n_train, seed, "data/order", epoch)[i * batch : (i + 1) * batch]
        got_x, _ = trainer.batch(step)
        assert (bits(got_x.numpy()) == bits(want[picked])).all()
    assert bytes(trainer.state_hash()) == spec_mlp_h0(seed, [64, 128, 10])


# --- §6 and §7: one whole training step -----------------------------------------------------


def row_sum(x: np.ndarray) -> np.ndarray:
    """§6.1 along axis 1, kept as a column."""
    return tree_sum(x.T)[:, None]


def adamw_step1(p: np.ndarray, g: np.ndarray, lr: float) -> tuple[np.ndarray, ...]:
    """§7.2 AdamW at step 1 from zero moments (beta 0.9, 0.999, eps 1e-8, decay 0.01)."""
    b1, b2 = F32(0.9), F32(0.999)
    decay = F32(1.0) - F32(F32(lr) * F32(0.01))
    bc1 = F32(1.0) - b1  # pow_f32(beta1, 1) = f32(beta1)
    bc2_sqrt = np.sqrt(F32(F32(1.0) - b2))
    step_size = F32(F32(lr) / bc1)
    zero = np.zeros_like(p)
    p = p * decay
    m = zero * b1 + g * F32(F32(1.0) - b1)
    v = zero * b2 + (g * g) * F32(F32(1.0) - b2)
    denom = np.sqrt(v) / bc2_sqrt + F32(1e-8)
    return p - (m / denom) * step_size, m, v


def test_digits_example_h1_follows_the_mlp_step_of_spec_section_7() -> None:
    """§3.4, §6.1–6.7, §7.1–7.3: forward, cross-entropy, backward and AdamW of step 1, then h_1."""
    seed, batch, lr = 0, 64, 0.001
    x_all, y_all = spec_digits(seed)
    rows = permutation(len(y_all), seed, "data/order", 0)[:batch]
    x, y = x_all[rows], y_all[rows]
    params = init_mlp(seed, [64, 128, 10])
    w1, b1, w3, b3 = (params[n] for n in ("net.0.weight", "net.0.bias", "net.3.weight",
                                          "net.3.bias"))  # fmt: skip
    with np.errstate(all="ignore"):
        h = mm(x, w1.T) + b1
        h = np.where(h > 0, h, F32(0.0))
        logits = mm(h, w3.T) + b3
        z = logits - logits.max(axis=1, keepdims=True)
        lp = z - spec_log(row_sum(spec_exp(z)))
        d_lp = np.zeros_like(lp)
        d_lp[np.arange(batch), y] = -(F32(1.0) * (F32(1.0) / F32(batch)))
        d_lo = d_lp - spec_exp(lp) * row_sum(d_lp)
        d_h = mm(d_lo, w3)
        d_z = np.where(h <= 0, F32(0.0), d_h)
        grads = {"net.3.weight": mm(d_lo.T, h), "net.3.bias": tree_sum(d_lo),
                 "net.0.weight": mm(d_z.T, x), "net.0.bias": tree_sum(d_z)}  # fmt: skip
    tensors: dict[str, np.ndarray] = {}
    for name, p in params.items():
        new_p, m, v = adamw_step1(p, grads[name], lr)
        tensors[f"param/{name}"] = new_p
        tensors[f"optim/exp_avg/{name}"] = m
        tensors[f"optim/exp_avg_sq/{name}"] = v
    h1 = spec_state_hash(tensors, 1, seed, batch)
    assert "0x" + h1.hex() == "0xef2d07e8bf23b25363a40e94ca012d735b94e24c621beac5bc6a09624ddf3df2"


# --- the CNN and TinyGPT examples, from the spec alone --------------------------------------


def golden(example: str, steps: int) -> list[str]:
    return GOLDEN.joinpath(f"{example}.txt").read_text().split()[: steps + 1]


Update = Callable[[int, np.ndarray, np.ndarray], None]


def spec_trace(
    seed: int, batch: int, steps: int, data: tuple[np.ndarray, np.ndarray],
    params: dict[str, np.ndarray], slots: dict[str, np.ndarray], update: Update,
) -> list[str]:  # fmt: skip
    """h_0..h_steps (§3.4 batches of epoch 0, §5 hashes); `update` advances params and slots."""
    x_all, y_all = data
    order = permutation(len(y_all), seed, "data/order", 0)
    hashes = []
    for step in range(steps + 1):
        if step:
            rows = order[(step - 1) * batch : step * batch]
            with np.errstate(all="ignore"):
                update(step, x_all[rows], y_all[rows])
        tensors = {f"param/{k}": v for k, v in params.items()}
        tensors.update({f"optim/{k}": v for k, v in slots.items()})
        hashes.append("0x" + spec_state_hash(tensors, step, seed, step * batch).hex())
    return hashes


def test_digits_cnn_h0_to_h2_follow_the_cnn_graph_of_spec_section_7() -> None:
    """§3, §4, §6.10, §7.1 (CNN graph), §7.2 SGD with momentum, §7.3 cosine warm-up: h_0..h_2."""
    x_all, y_all = spec_digits(1)
    params = init_cnn(1, [8, 16], 8, 10)
    slots = {f"momentum/{name}": np.zeros_like(p) for name, p in params.items()}

    def update(step: int, x: np.ndarray, y: np.ndarray) -> None:
        lr = F32(0.05) * (F32(step) / F32(20))  # warm-up of 20 steps (§7.3)
        _, grads = cnn_grads(params, x, y, 2)
        for name in sorted(params):
            buf = f"momentum/{name}"
            params[name], slots[buf] = sgd_momentum(params[name], grads[name], slots[buf], lr, 0.9)

    data = (x_all.reshape(-1, 1, 8, 8), y_all)
    assert spec_trace(1, 64, 2, data, params, slots, update) == golden("digits-cnn", 2)


def test_char_sequence_data_follows_spec_section_3() -> None:
    """§3.1–3.3: char_sequence's grammar, legacy randint and split give the runtime's rows."""
    spec = load_spec(ROOT / "examples" / "tiny-gpt.toml")
    data = load_dataset(spec.data, int(spec.training.seed))
    x, y = spec_char_sequence(int(spec.training.seed), 512, 32, 0.1)
    assert (data.x_train.numpy() == x).all()
    assert (data.y_train.numpy() == y).all()


def test_tiny_gpt_h0_to_h2_follow_the_transformer_graph_of_spec_section_7() -> None:
    """§3.2 char_sequence, §4, §6.4–6.10, §7.1 (TinyGPT graph), §7.2 AdamW: h_0..h_2."""
    data = spec_char_sequence(7, 512, 32, 0.1)
    params = init_gpt(7, 32, 32, 2, 32)
    moments = {f"{slot}/{name}": np.zeros_like(p) for name, p in params.items()
               for slot in ("exp_avg", "exp_avg_sq")}  # fmt: skip

    def update(step: int, x: np.ndarray, y: np.ndarray) -> None:
        lr = F32(0.003) * (F32(step) / F32(20))  # warm-up of 20 steps (§7.3)
        _, grads = gpt_grads(params, x, y, 2, 2)
        for name in sorted(params):
            m, v = f"exp_avg/{name}", f"exp_avg_sq/{name}"
            params[name], moments[m], moments[v] = adamw(
                params[name], grads[name], moments[m], moments[v], lr, step, wd=0.0
            )

    assert spec_trace(7, 16, 2, data, params, moments, update) == golden("tiny-gpt", 2)


# --- §5.4 op records --------------------------------------------------------------------------


def test_digits_mlp_op_records_root_and_graph_hash_follow_spec_section_5_4() -> None:
    """§5.4 and Appendix A.1: every record of step 1 encoded from the spec gives the runtime's
    chained leaves, op root, N and graph hash."""
    seed, batch = 0, 64
    x_all, y_all = spec_digits(seed)
    rows = permutation(len(y_all), seed, "data/order", 0)[:batch]
    params = init_mlp(seed, [64, 128, 10])
    records, after = mlp_step_records(params, x_all[rows], y_all[rows], 0.001, 1, seed)
    h0, h1 = (bytes.fromhex(h[2:]) for h in golden("digits-mlp", 1))
    assert spec_state_hash(after, 1, seed, batch) == h1

    spec = load_spec(EXAMPLE)
    data = load_dataset(spec.data, seed)
    trace = trace_step(spec, data, Trainer(spec, data).state, 1)
    assert records.leaves(h0, h1) == [bytes(leaf) for leaf in trace.leaves()]
    assert records.op_root(h0, h1) == bytes(trace.op_root)
    assert (records.graph_hash(), len(records.rows) + 1) == step_graph(spec, data)
    assert len(records.rows) + 1 == 102


def test_mlp_with_dropout_and_clipping_follows_spec_sections_6_9_and_7_4(tmp_path: Path) -> None:
    """§2.7 dropout/0 keyed by the step, §6.9 mask and scale, §7.4 clipping, §7.2 AdamW: h_1."""
    text = EXAMPLE.read_text().replace("dropout = 0.0", "dropout = 0.25")
    text = text.replace("seed = 0 ", "grad_clip = 0.5\nseed = 0 ")
    job = tmp_path / "job.toml"
    job.write_text(text)
    spec = load_spec(job)
    assert spec.model.dropout == 0.25 and spec.training.grad_clip == 0.5
    trainer = Trainer(spec, load_dataset(spec.data, 0))
    trainer.train_step()

    x_all, y_all = spec_digits(0)
    rows = permutation(len(y_all), 0, "data/order", 0)[:64]
    params = init_mlp(0, [64, 128, 10])
    with np.errstate(all="ignore"):
        grads = clip(mlp_dropout_grads(params, x_all[rows], y_all[rows], 0.25, 0, 1), 0.5)
    tensors: dict[str, np.ndarray] = {}
    for name, p in params.items():
        zero = np.zeros_like(p)
        new_p, m, v = adamw(p, grads[name], zero, zero, F32(0.001), 1, wd=0.01)
        tensors.update({f"param/{name}": new_p, f"optim/exp_avg/{name}": m,
                        f"optim/exp_avg_sq/{name}": v})  # fmt: skip
    assert spec_state_hash(tensors, 1, 0, 64) == bytes(trainer.state_hash())


def test_nan_handling_is_what_spec_section_1_6_says() -> None:
    """§1.6: exp/log pass a NaN through bit for bit, log(x < 0) is 0x7FC00000, selections see NaN
    as false, and the state hash hashes NaN payloads as they are (no canonicalisation)."""
    payloads = np.array([0x7FC01234, 0xFFC05678, 0x7F800001], dtype=np.uint32).view(F32)
    for fn in (fp.exp, fp.log):
        assert (bits(fn(torch.from_numpy(payloads)).numpy()) == bits(payloads)).all()
    negatives = torch.tensor([-1.0, -np.inf, -1e-45])
    assert bits(fp.log(negatives).numpy()).tolist() == [0x7FC00000] * 3
    aten = torch.ops.aten
    relu = run_kernel(aten.relu.default, OpContext(), (torch.from_numpy(payloads),), {})
    assert bits(relu.numpy()).tolist() == [0, 0, 0]
    grad = torch.tensor([1.5, -2.0, 3.0])
    passed = run_kernel(
        aten.threshold_backward.default, OpContext(), (grad, torch.from_numpy(payloads), 0), {}
    )
    assert bits(passed.numpy()).tolist() == bits(grad.numpy()).tolist()
    hashes = {
        bytes(state_hash(TrainState(1, 0, 0, {"w": torch.from_numpy(payloads[i : i + 1].copy())})))
        for i in range(2)
    }
    want = {spec_state_hash({"param/w": payloads[i : i + 1]}, 1, 0, 0) for i in range(2)}
    assert hashes == want and len(hashes) == 2
