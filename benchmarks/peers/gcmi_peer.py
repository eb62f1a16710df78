#!/usr/bin/python3
"""NumPy/SciPy peers of bench_gcmi: the per-layer Gaussian-copula MI analysis (Ince et al. 2017) with the
formulas of the reference implementation (robince/gcmi), written here from the equations.

Workload, as in bench_gcmi.cpp (same distributions; NumPy's RNG, so not the same numbers): N = 10,000
samples x 256 units, float32, sample-major; unit u = w_u * factor + noise, every 4th unit through a ReLU
(ties); a 1-D continuous factor; 10 random class labels; a 2-D continuous z.

Work per layer: copula-normalise every unit, the factor and z; then per unit
  - I(unit; factor), Gaussian MI with the analytic bias correction (gcmi's mi_gg),
  - I(unit; labels) by class-conditional Gaussians (gcmi's mi_model_gd),
  - I(unit; labels | z) = H(unit | z) - sum_c p_c H(unit | z, c), every entropy bias-corrected.

Two peers, both timed (best of 5):
  loop        one unit at a time through per-variable functions, the way the reference library is called
              (copnorm with two argsorts; Cholesky log-determinants of each covariance);
  vectorized  an expert's NumPy: one argsort over all units at once, ranks scattered straight onto the
              normal-quantile table (the second argsort of copnorm is an inverse permutation), and the MI
              terms for all units from BLAS products and closed forms for the univariate unit (for a
              univariate x, log det Cov(x, z) = log det Cov(z) + log(var x - c' Cov(z)^-1 c), the last
              Cholesky pivot).
Ties are broken by sample index (stable sorts, as current gcmi's ctransform does) in both, so the two peers
compute the same numbers; the script fails loudly if they differ by more than 1e-6 bits.

Usage: gcmi_peer.py [THREADS]. BLAS threads are set through OMP_NUM_THREADS / OPENBLAS_NUM_THREADS before
NumPy loads (sorting and ndtri are single-threaded in NumPy/SciPy whatever the setting). Prints JSON:
{"threads", "loop_seconds", "vectorized_seconds", "vectorized_copnorm_seconds", "checksum", ...}.
"""
import json
import math
import os
import sys
import time

THREADS = int(sys.argv[1]) if len(sys.argv) > 1 and int(sys.argv[1]) > 0 else os.cpu_count()
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = str(THREADS)

import numpy as np  # noqa: E402
from scipy import special  # noqa: E402

SAMPLES, UNITS, CLASSES, ZDIMS = 10_000, 256, 10, 2
LN2 = math.log(2.0)
TOLERANCE = 1e-6  # bits
REPEATS = 5


def make_data(seed=0):
    """units (N, U) float32 sample-major; factor (N,); labels (N,) int; z (ZDIMS, N), variables by row."""
    rng = np.random.default_rng(seed)
    factor = rng.standard_normal(SAMPLES)
    weights = rng.standard_normal(UNITS)
    units = factor[:, None] * weights[None, :] + rng.standard_normal((SAMPLES, UNITS))
    units[:, ::4] = np.maximum(units[:, ::4], 0.0)
    units = units.astype(np.float32)
    labels = rng.integers(0, CLASSES, SAMPLES)
    z = np.stack([0.5 * factor + rng.standard_normal(SAMPLES), rng.standard_normal(SAMPLES)])
    return units, factor, labels, z


def entropy_bias(n, d):
    """The analytic bias of the log-determinant entropy of a d-dimensional Gaussian from n samples, in nats
    (to subtract). Works elementwise on an array of n."""
    n = np.asarray(n, dtype=float)
    dims = np.arange(1, d + 1, dtype=float)
    psi = special.psi((n[..., None] - dims) / 2.0).sum(axis=-1) / 2.0
    return d * (LN2 - np.log(n - 1.0)) / 2.0 + psi


# ---- Loop peer: per-variable functions, one unit at a time ---------------------------------------------


def copnorm(x):
    """Copula normalisation of each row of x (variables by row, samples along the last axis)."""
    order = np.argsort(x, axis=-1, kind="stable")
    ranks = np.argsort(order, axis=-1, kind="stable")
    return special.ndtri((ranks + 1.0) / (x.shape[-1] + 1.0))


def half_logdet_cov(x):
    """Half the log-determinant of the sample covariance of the rows of x, by Cholesky."""
    x = x - x.mean(axis=1, keepdims=True)
    cov = (x @ x.T) / float(x.shape[1] - 1)
    return float(np.log(np.diagonal(np.linalg.cholesky(cov))).sum())


def entropy_nats(x):
    """Bias-corrected Gaussian entropy of the rows of x in nats, without the constant d/2 log(2 pi e), which
    cancels in every MI below."""
    return half_logdet_cov(x) - float(entropy_bias(x.shape[1], x.shape[0]))


def mi_gg(x, y):
    """I(x; y) in bits under a joint Gaussian model, bias-corrected (x, y: variables by row)."""
    nx, ny, n = x.shape[0], y.shape[0], x.shape[1]
    xy = np.vstack((x, y))
    xy = xy - xy.mean(axis=1, keepdims=True)
    cov = (xy @ xy.T) / float(n - 1)
    hx = np.log(np.diagonal(np.linalg.cholesky(cov[:nx, :nx]))).sum() - entropy_bias(n, nx)
    hy = np.log(np.diagonal(np.linalg.cholesky(cov[nx:, nx:]))).sum() - entropy_bias(n, ny)
    hxy = np.log(np.diagonal(np.linalg.cholesky(cov))).sum() - entropy_bias(n, nx + ny)
    return float(hx + hy - hxy) / LN2


def mi_model_gd(x, labels, classes):
    """I(x; labels) in bits by class-conditional Gaussians: H(x) - sum_c p_c H(x | c)."""
    n = x.shape[1]
    conditional = 0.0
    for c in range(classes):
        xc = x[:, labels == c]
        conditional += xc.shape[1] / n * entropy_nats(xc)
    return (entropy_nats(x) - conditional) / LN2


def cmi_model_gd(x, labels, classes, z):
    """I(x; labels | z) in bits: H(x | z) - sum_c p_c H(x | z, c), with H(x | z) = H(x, z) - H(z)."""
    n = x.shape[1]
    xz = np.vstack((x, z))
    conditional = 0.0
    for c in range(classes):
        member = labels == c
        conditional += member.sum() / n * (entropy_nats(xz[:, member]) - entropy_nats(z[:, member]))
    return (entropy_nats(xz) - entropy_nats(z) - conditional) / LN2


def layer_loop(units, factor, labels, z):
    factor_c = copnorm(factor[None, :])
    z_c = copnorm(z)
    mi_factor = np.empty(units.shape[1])
    mi_labels = np.empty(units.shape[1])
    cmi_labels = np.empty(units.shape[1])
    for u in range(units.shape[1]):
        x = copnorm(units[:, u][None, :])
        mi_factor[u] = mi_gg(x, factor_c)
        mi_labels[u] = mi_model_gd(x, labels, CLASSES)
        cmi_labels[u] = cmi_model_gd(x, labels, CLASSES, z_c)
    return mi_factor, mi_labels, cmi_labels


# ---- Vectorized peer: all units at once -----------------------------------------------------------------


def copnorm_units(units):
    """Copula normalisation of every column of units (N, U) at once. Returns (U, N) float64, unit-major:
    sorting contiguous rows beats sorting strided columns."""
    by_unit = np.ascontiguousarray(units.T)
    n = by_unit.shape[1]
    order = np.argsort(by_unit, axis=1, kind="stable")
    table = special.ndtri(np.arange(1.0, n + 1.0) / (n + 1.0))
    out = np.empty(by_unit.shape)
    np.put_along_axis(out, order, table[None, :], axis=1)
    return out


def layer_vectorized(units, factor, labels, z):
    n = units.shape[0]
    x = copnorm_units(units).T  # (N, U) view of the unit-major result
    y = copnorm(factor[None, :])
    y -= y.mean(axis=1, keepdims=True)  # (dy, N), centred
    zc = copnorm(z)
    zc -= zc.mean(axis=1, keepdims=True)  # (d, N), centred
    d, dy = zc.shape[0], y.shape[0]

    # Every sum over samples that involves a unit, in two BLAS products that read the units once each:
    # per class sum x, sum x z_j, then sum x y and sum x z (y and z centred, so these are centred
    # cross-products whatever the mean of x); and per class sum x^2.
    onehot = (labels[:, None] == np.arange(CLASSES)[None, :]).astype(float)  # (N, K)
    weighted_z = (onehot[:, :, None] * zc.T[:, None, :]).reshape(n, CLASSES * d)  # (N, K*d)
    design = np.hstack((onehot, weighted_z, y.T, zc.T))
    products = design.T @ x
    sum_c = products[:CLASSES]  # (K, U)
    sum_xz = products[CLASSES:CLASSES * (1 + d)].reshape(CLASSES, d, -1)  # (K, d, U)
    cross_y = products[CLASSES * (1 + d):CLASSES * (1 + d) + dy] / (n - 1)  # (dy, U)
    cross_z = products[CLASSES * (1 + d) + dy:] / (n - 1)  # (d, U)
    squares_c = onehot.T @ (x * x)  # (K, U)
    count = onehot.sum(axis=0)  # (K,)
    weight = count / n
    total = sum_c.sum(axis=0)
    variance = (squares_c.sum(axis=0) - total * total / n) / (n - 1)
    variance_c = (squares_c - sum_c * sum_c / count[:, None]) / (count[:, None] - 1)

    # I(unit; factor) = 0.5 log(var x / (var x - c' Cy^-1 c)) plus the bias terms.
    explained_y = np.einsum("ju,ju->u", cross_y, np.linalg.solve((y @ y.T) / (n - 1), cross_y))
    bias = entropy_bias(n, 1) + entropy_bias(n, dy) - entropy_bias(n, 1 + dy)
    mi_factor = (0.5 * np.log(variance / (variance - explained_y)) - bias) / LN2

    # I(unit; labels) = H(x) - sum_c p_c H(x | c).
    h_all = 0.5 * np.log(variance) - entropy_bias(n, 1)
    h_class = 0.5 * np.log(variance_c) - entropy_bias(count, 1)[:, None]
    mi_labels = (h_all - weight @ h_class) / LN2

    # I(unit; labels | z) = H(x | z) - sum_c p_c H(x | z, c), H(x | z) = 0.5 log(var x - c' Cz^-1 c) + bias.
    explained_z = np.einsum("ju,ju->u", cross_z, np.linalg.solve((zc @ zc.T) / (n - 1), cross_z))
    h_given_z = 0.5 * np.log(variance - explained_z) - entropy_bias(n, 1 + d) + entropy_bias(n, d)
    mean_z = (onehot.T @ zc.T) / count[:, None]  # (K, d)
    cov_z = np.empty((CLASSES, d, d))
    for c in range(CLASSES):
        zm = zc[:, labels == c]
        zm = zm - zm.mean(axis=1, keepdims=True)
        cov_z[c] = (zm @ zm.T) / (count[c] - 1)
    cross_zc = (sum_xz - sum_c[:, None, :] * mean_z[:, :, None]) / (count - 1)[:, None, None]  # (K, d, U)
    explained_zc = np.einsum("kju,kju->ku", cross_zc, np.linalg.solve(cov_z, cross_zc))
    h_given_zc = (0.5 * np.log(variance_c - explained_zc) - entropy_bias(count, 1 + d)[:, None] +
                  entropy_bias(count, d)[:, None])
    cmi_labels = (h_given_z - weight @ h_given_zc) / LN2
    return mi_factor, mi_labels, cmi_labels


# ---- Timing ---------------------------------------------------------------------------------------------


def best_of(function, *args):
    best, result = math.inf, None
    for _ in range(REPEATS):
        start = time.perf_counter()
        result = function(*args)
        best = min(best, time.perf_counter() - start)
    return best, result


def main():
    units, factor, labels, z = make_data()
    if np.bincount(labels, minlength=CLASSES).min() < ZDIMS + 3:
        raise SystemExit("gcmi_peer: a class is too small; change the seed")
    copnorm_seconds, _ = best_of(copnorm_units, units)
    vectorized_seconds, vectorized = best_of(layer_vectorized, units, factor, labels, z)
    loop_seconds, loop = best_of(layer_loop, units, factor, labels, z)

    names = ("mi_factor", "mi_labels", "cmi_labels_given_z")
    differences = {}
    for name, a, b in zip(names, loop, vectorized):
        if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
            raise SystemExit(f"gcmi_peer: FAILED: {name} is not finite in a peer")
        differences[name] = float(np.max(np.abs(a - b)))
    failed = {name: diff for name, diff in differences.items() if not diff <= TOLERANCE}
    if failed:
        raise SystemExit(f"gcmi_peer: FAILED: the loop and vectorized peers disagree by more than "
                         f"{TOLERANCE} bits (max abs difference per vector: {failed})")

    checksum = {f"{name}_mean": float(np.mean(v)) for name, v in zip(names, vectorized)}
    checksum.update({f"{name}_max": float(np.max(v)) for name, v in zip(names, vectorized)})
    print(json.dumps({
        "threads": THREADS,
        "samples": SAMPLES,
        "units": UNITS,
        "classes": CLASSES,
        "z_dims": ZDIMS,
        "loop_seconds": loop_seconds,
        "vectorized_seconds": vectorized_seconds,
        "vectorized_copnorm_seconds": copnorm_seconds,
        "checksum": checksum,
        "loop_vs_vectorized_max_abs_diff": differences,
        "numpy": np.__version__,
    }))


if __name__ == "__main__":
    main()
