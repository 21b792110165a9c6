// Fixed-order float32 matmul and tree sum for contiguous CPU tensors: the compiled form of
// assay/repro/fp.py's `matmul` and `tree_sum`, which are the specification. Every output is the
// same sequence of correctly rounded binary32 operations as there, so results are bit-identical.
//
// The sequence, per output: products p_k = a[i,k] * b[k,j], each rounded to float32 (never fused
// into the add that follows: the build passes -ffp-contract=off), then the pairwise tree: at each
// level (x0+x1), (x2+x3), ... with an odd last element carried unchanged, until one is left.
//
// How the tree is evaluated without a K-long buffer: at level L, element p covers the inputs
// [p*2^L, min((p+1)*2^L, n)), so the tree is a run of perfect power-of-two subtrees, largest
// first, joined right to left. A binary counter over the pairs (x0+x1), (x2+x3), ... builds the
// perfect subtrees as the inputs stream in (the stack holds one partial sum per set bit of the
// pair count), and `finish` joins what is left, smallest first. Each addition has the same two
// operands, in the same order (left + right), as in the level-by-level form; only the moment it
// is issued differs, and the stack stays in L1 cache whatever K is.
//
// Vector lanes run across independent outputs (a block of output columns), never across one
// reduction. Threads take whole rows (at::parallel_for), so the thread count changes nothing.

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/library.h>

#include <algorithm>
#include <cfloat>
#include <cstdint>

// float arithmetic must round to binary32 at every operation (no x87 excess precision).
#if !defined(FLT_EVAL_METHOD) || FLT_EVAL_METHOD != 0
#error "fixed_order.cpp needs FLT_EVAL_METHOD == 0 (SSE/NEON float arithmetic)"
#endif
#if defined(__FAST_MATH__)
#error "fixed_order.cpp must not be built with -ffast-math: it reorders and fuses operations"
#endif

// One copy of each hot loop per instruction set, picked at load time, so a build is portable
// across x86-64 CPUs (no -march=native) yet uses wide vectors where present. Lane width never
// changes a result: lanes are independent outputs.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define ASSAY_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define ASSAY_CLONES
#endif
#define ASSAY_INLINE inline __attribute__((always_inline))

namespace {

constexpr int kMaxLevels = 64;  // the pair count is an int64_t: at most 63 levels above pairs
constexpr int64_t kRowGrain = 4;  // rows per parallel task: enough work to pay for a task
// Widest column block: 64 outputs in flight per row (four AVX-512 vectors) hide the add latency;
// measured 2.5x faster than 16 at 512x512x512. The stack's used levels (log2 K) stay in L1.
constexpr int kWide = 64;

// Pairwise tree over W independent outputs, fed one first-level pair sum at a time.
template <int W>
struct PairwiseTree {
  float stack[kMaxLevels][W];  // stack[l]: sum of 2^l pairs, present while bit l of `pairs` is set
  int64_t pairs = 0;

  // Add the next pair sum `v` (overwritten): join it with every complete left neighbour.
  ASSAY_INLINE void push(float* v) {
    int l = 0;
    for (int64_t c = pairs; c & 1; c >>= 1, ++l) {
      for (int j = 0; j < W; ++j) v[j] = stack[l][j] + v[j];
    }
    for (int j = 0; j < W; ++j) stack[l][j] = v[j];
    ++pairs;
  }

  // The sums: the carried odd element `tail` (or none), then the partial subtrees joined right to
  // left (smallest, most recent first), each as left + right.
  ASSAY_INLINE void finish(const float* tail, float* out) {
    float acc[W];
    bool have = tail != nullptr;
    if (have) {
      for (int j = 0; j < W; ++j) acc[j] = tail[j];
    }
    for (int l = 0; l < kMaxLevels && (pairs >> l) != 0; ++l) {
      if (!((pairs >> l) & 1)) continue;
      if (have) {
        for (int j = 0; j < W; ++j) acc[j] = stack[l][j] + acc[j];
      } else {
        for (int j = 0; j < W; ++j) acc[j] = stack[l][j];
        have = true;
      }
    }
    for (int j = 0; j < W; ++j) out[j] = have ? acc[j] : 0.0f;  // n == 0 sums to +0
  }
};

// out[j] = tree sum over k of a[k] * b[k*ldb + j], j < W (one row of a, W columns of b).
template <int W>
ASSAY_INLINE void dot_columns(const float* a, const float* b, int64_t ldb, int64_t k, float* out) {
  PairwiseTree<W> tree;
  float v[W];
  const int64_t pairs = k / 2;
  for (int64_t t = 0; t < pairs; ++t) {
    const float a0 = a[2 * t], a1 = a[2 * t + 1];
    const float* b0 = b + (2 * t) * ldb;
    const float* b1 = b0 + ldb;
    for (int j = 0; j < W; ++j) {
      const float p0 = a0 * b0[j];  // rounded on its own (no contraction)
      const float p1 = a1 * b1[j];
      v[j] = p0 + p1;
    }
    tree.push(v);
  }
  if (k % 2) {
    const float* bl = b + (k - 1) * ldb;
    for (int j = 0; j < W; ++j) v[j] = a[k - 1] * bl[j];
    tree.finish(v, out);
  } else {
    tree.finish(nullptr, out);
  }
}

// out[j] = tree sum over t < n of x[t*ld + j], j < W.
template <int W>
ASSAY_INLINE void sum_columns(const float* x, int64_t ld, int64_t n, float* out) {
  PairwiseTree<W> tree;
  float v[W];
  const int64_t pairs = n / 2;
  for (int64_t t = 0; t < pairs; ++t) {
    const float* x0 = x + (2 * t) * ld;
    const float* x1 = x0 + ld;
    for (int j = 0; j < W; ++j) v[j] = x0[j] + x1[j];
    tree.push(v);
  }
  tree.finish(n % 2 ? x + (n - 1) * ld : nullptr, out);
}

// c[r, j0 + j] for rows [r0, r1) and the W columns from j0 (a block of independent outputs).
// Column blocks outside, rows inside: the block's K x W panel of b stays in cache across rows.
template <int W>
ASSAY_INLINE void matmul_block(const float* a, const float* b, float* c, int64_t r0, int64_t r1,
                               int64_t k, int64_t n, int64_t j0) {
  for (int64_t r = r0; r < r1; ++r) dot_columns<W>(a + r * k, b + j0, n, k, c + r * n + j0);
}

// Rows [r0, r1) of c = a @ b for one (M, K) @ (K, N) matrix pair, row-major. Columns go in
// blocks of kWide, then 8, 4 and single columns: every output gets the same sequence.
ASSAY_CLONES void matmul_rows(const float* a, const float* b, float* c, int64_t r0, int64_t r1,
                              int64_t k, int64_t n) {
  int64_t j = 0;
  for (; j + kWide <= n; j += kWide) matmul_block<kWide>(a, b, c, r0, r1, k, n, j);
  for (; j + 8 <= n; j += 8) matmul_block<8>(a, b, c, r0, r1, k, n, j);
  for (; j + 4 <= n; j += 4) matmul_block<4>(a, b, c, r0, r1, k, n, j);
  for (; j < n; ++j) matmul_block<1>(a, b, c, r0, r1, k, n, j);
}

// out[o, j] = tree sum over t of x[o, t, j] for o in [o0, o1), x row-major (outer, n, inner).
ASSAY_CLONES void sum_rows(const float* x, float* out, int64_t o0, int64_t o1, int64_t n,
                           int64_t inner) {
  for (int64_t o = o0; o < o1; ++o) {
    const float* xo = x + o * n * inner;
    float* oo = out + o * inner;
    int64_t j = 0;
    for (; j + kWide <= inner; j += kWide) sum_columns<kWide>(xo + j, inner, n, oo + j);
    for (; j + 8 <= inner; j += 8) sum_columns<8>(xo + j, inner, n, oo + j);
    for (; j + 4 <= inner; j += 4) sum_columns<4>(xo + j, inner, n, oo + j);
    for (; j < inner; ++j) sum_columns<1>(xo + j, inner, n, oo + j);
  }
}

void check_float_cpu(const at::Tensor& t, const char* what) {
  TORCH_CHECK(t.device().is_cpu(), what, " must be a CPU tensor, got ", t.device());
  TORCH_CHECK(t.scalar_type() == at::kFloat, what, " must be float32, got ", t.scalar_type());
}

// Rows contiguous inside each matrix; any batch stride (0 for a broadcast operand) is kept.
at::Tensor rows_contiguous(const at::Tensor& t) {
  const int64_t d = t.dim();
  const bool ok = t.stride(d - 1) == 1 || t.size(d - 1) == 1;
  return ok && (t.stride(d - 2) == t.size(d - 1) || t.size(d - 2) == 1) ? t : t.contiguous();
}

// a (M, K) @ b (K, N), or (B, M, K) @ (B, K, N): fp.matmul's f32-rounded products and pairwise tree.
at::Tensor matmul(const at::Tensor& a_in, const at::Tensor& b_in) {
  check_float_cpu(a_in, "a");
  check_float_cpu(b_in, "b");
  TORCH_CHECK(a_in.dim() == b_in.dim() && (a_in.dim() == 2 || a_in.dim() == 3),
              "assay::matmul takes 2-D @ 2-D or 3-D @ 3-D, got ", a_in.sizes(), " @ ", b_in.sizes());
  TORCH_CHECK(a_in.size(-1) == b_in.size(-2), "assay::matmul shapes ", a_in.sizes(), " and ",
              b_in.sizes(), " do not align");
  const bool batched = a_in.dim() == 3;
  TORCH_CHECK(!batched || a_in.size(0) == b_in.size(0), "assay::matmul batch sizes differ: ",
              a_in.sizes(), " @ ", b_in.sizes());
  const at::Tensor a = rows_contiguous(batched ? a_in : a_in.unsqueeze(0));
  const at::Tensor b = rows_contiguous(batched ? b_in : b_in.unsqueeze(0));
  const int64_t nb = a.size(0), m = a.size(1), k = a.size(2), n = b.size(2);
  at::Tensor c = at::empty({nb, m, n}, a.options());
  const int64_t sa = a.stride(0), sb = b.stride(0);
  const float* pa = a.const_data_ptr<float>();
  const float* pb = b.const_data_ptr<float>();
  float* pc = c.mutable_data_ptr<float>();
  // Tasks are row ranges of the flattened (batch x rows) index: outputs never span tasks.
  at::parallel_for(0, nb * m, kRowGrain, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end;) {
      const int64_t batch = r / m, row = r % m;
      const int64_t stop = std::min(end - r, m - row);  // stay inside one batch entry
      matmul_rows(pa + batch * sa, pb + batch * sb, pc + batch * m * n, row, row + stop, k, n);
      r += stop;
    }
  });
  return batched ? c : c.squeeze(0);
}

// Sum over dimension `dim` in the pairwise order of fp.tree_sum; the dim is removed.
at::Tensor tree_sum(const at::Tensor& x_in, int64_t dim) {
  check_float_cpu(x_in, "x");
  TORCH_CHECK(x_in.dim() > 0, "assay::tree_sum needs at least one dimension");
  dim = at::maybe_wrap_dim(dim, x_in.dim());
  const at::Tensor x = x_in.contiguous();
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < dim; ++d) outer *= x.size(d);
  for (int64_t d = dim + 1; d < x.dim(); ++d) inner *= x.size(d);
  const int64_t n = x.size(dim);
  std::vector<int64_t> shape(x.sizes().begin(), x.sizes().end());
  shape.erase(shape.begin() + dim);
  at::Tensor out = at::empty(shape, x.options());
  const float* px = x.const_data_ptr<float>();
  float* po = out.mutable_data_ptr<float>();
  at::parallel_for(0, outer, kRowGrain, [&](int64_t begin, int64_t end) {
    sum_rows(px, po, begin, end, n, inner);
  });
  return out;
}

}  // namespace

TORCH_LIBRARY(assay, m) {
  m.def("matmul(Tensor a, Tensor b) -> Tensor");
  m.def("tree_sum(Tensor x, int dim) -> Tensor");
}

TORCH_LIBRARY_IMPL(assay, CPU, m) {
  m.impl("matmul", &matmul);
  m.impl("tree_sum", &tree_sum);
}
