// Elementwise fixed-sequence float32 kernels for contiguous CPU tensors: the compiled form of
// assay/repro/fp.py's exp, log, tanh, sigmoid, gelu and gelu_backward, and of the optimizer
// updates in assay/repro/optim.py (AdamW, SGD). fp.py and optim.py are the specification; each
// function below issues the same binary32 operations on the same operands in the same order, so
// results are bit-identical (tests/repro/test_native.py compares them over special values and
// random bit patterns). Every constant is the exact float32 of its fp.py namesake, written in
// hexadecimal so no decimal conversion can move it.
//
// Elements are independent, so vector width and thread count change nothing; the build passes
// -ffp-contract=off so no multiply and add fuse into one rounding.

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/library.h>

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#if !defined(FLT_EVAL_METHOD) || FLT_EVAL_METHOD != 0
#error "elementwise.cpp needs FLT_EVAL_METHOD == 0 (SSE/NEON float arithmetic)"
#endif
#if defined(__FAST_MATH__)
#error "elementwise.cpp must not be built with -ffast-math: it reorders and fuses operations"
#endif

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define ASSAY_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define ASSAY_CLONES
#endif
#define ASSAY_INLINE inline __attribute__((always_inline))

namespace {

constexpr int64_t kGrain = 1 << 14;  // elements per parallel task

constexpr float kLog2e = 0x1.715476p+0f;
constexpr float kLn2Hi = 0x1.62e4p-1f;  // 16 significant bits: n * kLn2Hi is exact
constexpr float kLn2Lo = 0x1.7f7d1cp-20f;
constexpr float kRoundMagic = 12582912.0f;  // 1.5 * 2^23
constexpr float kExpMin = -104.0f, kExpMax = 89.0f;
constexpr float kExpPoly[] = {0x1.a01a02p-13f, 0x1.6c16c2p-10f, 0x1.111112p-7f, 0x1.555556p-5f,
                              0x1.555556p-3f,  0x1.0p-1f,       0x1.0p+0f,      0x1.0p+0f};
constexpr float kLogPoly[] = {0x1.f13c4cp-3f, 0x1.23d3dcp-2f, 0x1.999c26p-2f, 0x1.555554p-1f};
constexpr float kTanhPoly[] = {0x1.967e18p-14f, -0x1.f57d78p-13f, 0x1.355824p-11f,
                               -0x1.7da364p-10f, 0x1.d6d3dp-9f,   -0x1.226e36p-7f,
                               0x1.664f48p-6f,  -0x1.ba1ba2p-5f,  0x1.111112p-3f,
                               -0x1.555556p-2f};
constexpr float kSqrt2 = 0x1.6a09e6p+0f;
constexpr float kMinNormal = 0x1.0p-126f;
constexpr float kTwoPow24 = 16777216.0f;
constexpr float kTanhSplit = 0.55f;  // no float lies between 0.55 and 0.55f: same comparisons
constexpr float kGeluK = 0x1.988454p-1f;
constexpr float kGeluC = 0x1.6e4e26p-5f;
constexpr float kGelu3C = 0x1.12ba9ep-3f;
constexpr float kInf = std::numeric_limits<float>::infinity();
const float kNaN = std::numeric_limits<float>::quiet_NaN();  // 0x7fc00000, as torch's float("nan")

ASSAY_INLINE float from_bits(int32_t b) {
  float f;
  std::memcpy(&f, &b, sizeof f);
  return f;
}

ASSAY_INLINE int32_t to_bits(float f) {
  int32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}

// c0*x^n + ... + cn, highest degree first: fp._horner's separate * and + (never fused).
template <size_t N>
ASSAY_INLINE float horner(float x, const float (&c)[N]) {
  float acc = c[0];
  for (size_t i = 1; i < N; ++i) {
    acc = acc * x;
    acc = acc + c[i];
  }
  return acc;
}

ASSAY_INLINE float pow2(int32_t n) { return from_bits((n + 127) << 23); }

ASSAY_INLINE float exp_f(float x) {
  if (std::isnan(x)) return x;
  const float xc = std::fmin(std::fmax(x, kExpMin), kExpMax);
  const float t = xc * kLog2e;
  const float nf = (t + kRoundMagic) - kRoundMagic;
  const float r = (xc - nf * kLn2Hi) - nf * kLn2Lo;
  const float p = horner(r, kExpPoly);
  const int32_t n = static_cast<int32_t>(nf);
  const int32_t n1 = n >> 1;  // arithmetic shift: floor(n / 2), as torch's >>
  return (p * pow2(n1)) * pow2(n - n1);
}

ASSAY_INLINE float log_f(float x) {
  const bool tiny = x < kMinNormal;
  float xs = tiny ? x * kTwoPow24 : x;
  const bool regular = x > 0.0f && x < kInf;
  xs = regular ? xs : 1.0f;
  const int32_t bits = to_bits(xs);
  int32_t k = (bits >> 23) - 127 - (tiny ? 24 : 0);
  float m = from_bits((bits & 0x7FFFFF) | 0x3F800000);
  const bool high = m > kSqrt2;
  m = high ? m * 0.5f : m;
  k = k + (high ? 1 : 0);
  const float f = m - 1.0f;
  const float s = f / (f + 2.0f);
  const float z = s * s;
  const float r = z * horner(z, kLogPoly);
  const float hfsq = (f * 0.5f) * f;
  const float kf = static_cast<float>(k);
  float y = kf * kLn2Hi - ((hfsq - (s * (hfsq + r) + kf * kLn2Lo)) - f);
  if (x == 0.0f) y = -kInf;
  if (x < 0.0f) y = kNaN;
  if (x == kInf) y = kInf;
  return std::isnan(x) ? x : y;
}

ASSAY_INLINE float tanh_f(float x) {
  const float z = x * x;
  float small = x + x * (z * horner(z, kTanhPoly));
  if (x == 0.0f) small = x;
  const float a = std::fabs(x);
  const float e = exp_f(a + a);
  float large = 1.0f - 2.0f / (e + 1.0f);
  if (x < 0.0f) large = -large;
  return a < kTanhSplit ? small : large;
}

ASSAY_INLINE float sigmoid_f(float x) {
  const float e = exp_f(-std::fabs(x));
  const float d = e + 1.0f;
  return x >= 0.0f ? 1.0f / d : e / d;
}

ASSAY_INLINE float gelu_tanh(float x) { return tanh_f((x + ((x * x) * x) * kGeluC) * kGeluK); }

ASSAY_INLINE float gelu_f(float x) {
  const float y = (x * 0.5f) * (gelu_tanh(x) + 1.0f);
  return x == -kInf ? 0.0f : y;
}

ASSAY_INLINE float gelu_backward_f(float grad, float x) {
  const float t = gelu_tanh(x);
  const float left = (t + 1.0f) * 0.5f;
  const float sech2 = 1.0f - t * t;
  const float du = ((x * x) * kGelu3C + 1.0f) * kGeluK;
  float right = ((x * 0.5f) * sech2) * du;
  if (sech2 == 0.0f) right = 0.0f;
  return grad * (left + right);
}

// One loop per function and instruction set: f is inlined, so each clone vectorises it.
#define ASSAY_UNARY_LOOP(NAME, F)                                                   \
  ASSAY_CLONES void NAME(const float* x, float* y, int64_t begin, int64_t end) {    \
    for (int64_t i = begin; i < end; ++i) y[i] = F(x[i]);                            \
  }
ASSAY_UNARY_LOOP(exp_loop, exp_f)
ASSAY_UNARY_LOOP(log_loop, log_f)
ASSAY_UNARY_LOOP(tanh_loop, tanh_f)
ASSAY_UNARY_LOOP(sigmoid_loop, sigmoid_f)
ASSAY_UNARY_LOOP(gelu_loop, gelu_f)
#undef ASSAY_UNARY_LOOP

ASSAY_CLONES void gelu_backward_loop(const float* g, const float* x, float* y, int64_t begin,
                                     int64_t end) {
  for (int64_t i = begin; i < end; ++i) y[i] = gelu_backward_f(g[i], x[i]);
}

void check_float_cpu(const at::Tensor& t, const char* what) {
  TORCH_CHECK(t.device().is_cpu(), what, " must be a CPU tensor, got ", t.device());
  TORCH_CHECK(t.scalar_type() == at::kFloat, what, " must be float32, got ", t.scalar_type());
}

using UnaryLoop = void (*)(const float*, float*, int64_t, int64_t);

at::Tensor unary(const at::Tensor& x_in, UnaryLoop loop) {
  check_float_cpu(x_in, "x");
  const at::Tensor x = x_in.contiguous();
  at::Tensor y = at::empty_like(x, at::MemoryFormat::Contiguous);
  const float* px = x.const_data_ptr<float>();
  float* py = y.mutable_data_ptr<float>();
  at::parallel_for(0, x.numel(), kGrain, [&](int64_t b, int64_t e) { loop(px, py, b, e); });
  return y;
}

at::Tensor exp_op(const at::Tensor& x) { return unary(x, exp_loop); }
at::Tensor log_op(const at::Tensor& x) { return unary(x, log_loop); }
at::Tensor tanh_op(const at::Tensor& x) { return unary(x, tanh_loop); }
at::Tensor sigmoid_op(const at::Tensor& x) { return unary(x, sigmoid_loop); }
at::Tensor gelu_op(const at::Tensor& x) { return unary(x, gelu_loop); }

at::Tensor gelu_backward_op(const at::Tensor& grad_in, const at::Tensor& x_in) {
  check_float_cpu(grad_in, "grad");
  check_float_cpu(x_in, "x");
  TORCH_CHECK(grad_in.sizes() == x_in.sizes(), "assay::gelu_backward shapes differ: ",
              grad_in.sizes(), " and ", x_in.sizes());
  const at::Tensor g = grad_in.contiguous(), x = x_in.contiguous();
  at::Tensor y = at::empty_like(x, at::MemoryFormat::Contiguous);
  const float* pg = g.const_data_ptr<float>();
  const float* px = x.const_data_ptr<float>();
  float* py = y.mutable_data_ptr<float>();
  at::parallel_for(0, x.numel(), kGrain,
                   [&](int64_t b, int64_t e) { gelu_backward_loop(pg, px, py, b, e); });
  return y;
}

// --- optimizer updates (optim.py), in place on contiguous tensors of one shape ---------------

struct AdamWScalars {
  float decay, b1, one_minus_b1, b2, one_minus_b2, bc2_sqrt, eps, step_size;
};

// p <- p*decay - (m / (sqrt(v)/bc2_sqrt + eps)) * step_size with m, v updated first, exactly
// AdamW.update's order; sqrt is IEEE (correctly rounded), as fp.sqrt.
ASSAY_CLONES void adamw_loop(float* p, const float* g, float* m, float* v, AdamWScalars s,
                             int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) {
    const float gi = g[i];
    const float pd = p[i] * s.decay;
    const float mi = m[i] * s.b1 + gi * s.one_minus_b1;
    const float vi = v[i] * s.b2 + (gi * gi) * s.one_minus_b2;
    const float denom = std::sqrt(vi) / s.bc2_sqrt + s.eps;
    p[i] = pd - (mi / denom) * s.step_size;
    m[i] = mi;
    v[i] = vi;
  }
}

// SGD.update: g += p*wd (if wd); buf = buf*mom + g, g = nesterov ? g + buf*mom : buf (if mom);
// p -= g*lr. `buf` is null without momentum.
ASSAY_CLONES void sgd_loop(float* p, const float* g, float* buf, float wd, float mom,
                           bool nesterov, float lr, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) {
    float gi = g[i];
    if (wd != 0.0f) gi = gi + p[i] * wd;
    if (buf != nullptr) {
      const float b = buf[i] * mom + gi;
      buf[i] = b;
      gi = nesterov ? gi + b * mom : b;
    }
    p[i] = p[i] - gi * lr;
  }
}

void check_update_operand(const at::Tensor& t, const at::Tensor& p, const char* what) {
  check_float_cpu(t, what);
  TORCH_CHECK(t.is_contiguous(), what, " must be contiguous");
  TORCH_CHECK(t.sizes() == p.sizes(), what, " has shape ", t.sizes(), ", the parameter ",
              p.sizes());
}

void adamw_(at::Tensor p, const at::Tensor& g_in, at::Tensor m, at::Tensor v, double decay,
            double b1, double one_minus_b1, double b2, double one_minus_b2, double bc2_sqrt,
            double eps, double step_size) {
  check_update_operand(p, p, "param");
  const at::Tensor g = g_in.contiguous();
  check_update_operand(g, p, "grad");
  check_update_operand(m, p, "exp_avg");
  check_update_operand(v, p, "exp_avg_sq");
  // Every scalar is a float32 value carried in a double: the conversion is exact.
  const AdamWScalars s{static_cast<float>(decay),        static_cast<float>(b1),
                       static_cast<float>(one_minus_b1), static_cast<float>(b2),
                       static_cast<float>(one_minus_b2), static_cast<float>(bc2_sqrt),
                       static_cast<float>(eps),          static_cast<float>(step_size)};
  float* pp = p.mutable_data_ptr<float>();
  const float* pg = g.const_data_ptr<float>();
  float* pm = m.mutable_data_ptr<float>();
  float* pv = v.mutable_data_ptr<float>();
  at::parallel_for(0, p.numel(), kGrain,
                   [&](int64_t b, int64_t e) { adamw_loop(pp, pg, pm, pv, s, b, e); });
}

void sgd_(at::Tensor p, const at::Tensor& g_in, const std::optional<at::Tensor>& buf,
          double weight_decay, double momentum, bool nesterov, double lr) {
  check_update_operand(p, p, "param");
  const at::Tensor g = g_in.contiguous();
  check_update_operand(g, p, "grad");
  float* pb = nullptr;
  if (buf.has_value()) {
    check_update_operand(*buf, p, "momentum");
    pb = buf->mutable_data_ptr<float>();
  }
  float* pp = p.mutable_data_ptr<float>();
  const float* pg = g.const_data_ptr<float>();
  const float wd = static_cast<float>(weight_decay), mom = static_cast<float>(momentum);
  const float rate = static_cast<float>(lr);
  at::parallel_for(0, p.numel(), kGrain, [&](int64_t b, int64_t e) {
    sgd_loop(pp, pg, pb, wd, mom, nesterov, rate, b, e);
  });
}

}  // namespace

TORCH_LIBRARY_FRAGMENT(assay, m) {
  m.def("exp(Tensor x) -> Tensor");
  m.def("log(Tensor x) -> Tensor");
  m.def("tanh(Tensor x) -> Tensor");
  m.def("sigmoid(Tensor x) -> Tensor");
  m.def("gelu(Tensor x) -> Tensor");
  m.def("gelu_backward(Tensor grad, Tensor x) -> Tensor");
  m.def(
      "adamw_(Tensor(a!) p, Tensor g, Tensor(b!) exp_avg, Tensor(c!) exp_avg_sq, float decay, "
      "float b1, float one_minus_b1, float b2, float one_minus_b2, float bc2_sqrt, float eps, "
      "float step_size) -> ()");
  m.def(
      "sgd_(Tensor(a!) p, Tensor g, Tensor(b!)? momentum, float weight_decay, float momentum_factor, "
      "bool nesterov, float lr) -> ()");
}

TORCH_LIBRARY_IMPL(assay, CPU, m) {
  m.impl("exp", &exp_op);
  m.impl("log", &log_op);
  m.impl("tanh", &tanh_op);
  m.impl("sigmoid", &sigmoid_op);
  m.impl("gelu", &gelu_op);
  m.impl("gelu_backward", &gelu_backward_op);
  m.impl("adamw_", &adamw_);
  m.impl("sgd_", &sgd_);
}
