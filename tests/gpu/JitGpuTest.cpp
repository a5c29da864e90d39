//===- JitGpuTest.cpp - compile at run time on the GPU machine and launch -===//
//
// Built statically against LLVM/MLIR (bic-jit-gpu-tests) so that it runs on
// GPU machines that have no LLVM. Compiles kernels_src/rmsnorm.bic through
// the JIT API, launches it, checks it against fp64, and checks that it gives
// the same bits as the PTX compiled at build time by `bic compile`.
//
//===----------------------------------------------------------------------===//
#include "GpuTestUtil.h"
#include "bic/jit/JIT.h"
#include "bic/jit/TunedKernel.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

using namespace bic;
using namespace bic::test;

namespace {
std::string kernelsSrc() {
  const char *dir = std::getenv("BIC_KERNELS_SRC");
  return std::string(dir ? dir : BIC_KERNELS_SRC);
}

std::string readSource(const std::string &name) {
  std::string path = kernelsSrc() + "/" + name;
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  if (ss.str().empty())
    throw Error("cannot read " + path);
  return ss.str();
}

/// The shipped matmul with its shipped table.
jit::TunedKernel shippedMatmul(jit::Compiler &jit, const Context &ctx, jit::Options base = {}) {
  return jit::TunedKernel::fromFiles(jit, ctx, kernelsSrc() + "/matmul.bic", "matmul",
                                     kernelsSrc() + "/matmul_configs.txt", std::move(base));
}

/// A JIT compiler whose disk cache is a fresh directory under /tmp.
jit::Compiler scratchCompiler() {
  char tmpl[] = "/tmp/bic-jit-gpu-XXXXXX";
  return jit::Compiler(mkdtemp(tmpl));
}

/// `n` random bf16 values in [-1, 1), on the host and on the device.
struct BF16Operand {
  std::vector<uint16_t> host;
  DeviceBuffer dev;
};
BF16Operand randomBF16(size_t n, uint64_t seed) {
  BF16Operand o{toBF16(randomFloats(n, seed, -1, 1)), DeviceBuffer(n * 2)};
  o.dev.upload(o.host.data(), n * 2);
  return o;
}
} // namespace

TEST(JitGpu, CompileLaunchAndMatchAheadOfTimeBits) {
  BIC_REQUIRE_GPU();
  Context &ctx = context();
  jit::Compiler jit = scratchCompiler();
  jit::Options opts;
  opts.defines["BLOCK"] = 8192;
  std::string src = readSource("rmsnorm.bic");
  jit::LoadedKernel lk = jit.load(ctx, src, "rmsnorm", opts, "rmsnorm.bic");
  jit::LoadedKernel again = jit.load(ctx, src, "rmsnorm", opts, "rmsnorm.bic");
  EXPECT_EQ(jit.stats().misses, 1u);
  EXPECT_EQ(jit.stats().memoryHits, 1u);

  Module aot = loadKernel("rmsnorm_h8192");
  Kernel ak = aot.kernel("rmsnorm", lk.kernel().meta().orderHash);

  const int rows = 300, H = 8192;
  auto xf = randomFloats(size_t(rows) * H, 5, -2, 2);
  auto wf = randomFloats(H, 6, 0.5f, 1.5f);
  std::vector<uint16_t> hx = toBF16(xf), hw = toBF16(wf);
  DeviceBuffer x(hx.size() * 2), w(H * 2), y1(hx.size() * 2), y2(hx.size() * 2);
  x.upload(hx.data(), hx.size() * 2);
  w.upload(hw.data(), H * 2);
  y1.fill(0xff);
  y2.fill(0xff);
  auto args = [&](DeviceBuffer &y) {
    return std::vector<Arg>{DevicePtr{x.ptr()}, DevicePtr{w.ptr()}, DevicePtr{y.ptr()},
                            int32_t(rows), int32_t(H), int64_t(H), 1e-6f};
  };
  lk.kernel().launch(Grid(rows), args(y1));
  ak.launch(Grid(rows), args(y2));
  ctx.synchronize();
  std::vector<uint16_t> o1(hx.size()), o2(hx.size());
  y1.download(o1.data(), o1.size() * 2);
  y2.download(o2.data(), o2.size() * 2);
  EXPECT_EQ(std::memcmp(o1.data(), o2.data(), o1.size() * 2), 0)
      << "JIT and ahead-of-time builds differ";
  double num = 0, den = 0;
  for (int r = 0; r < rows; ++r) {
    double ss = 0;
    for (int c = 0; c < H; ++c)
      ss += double(fromBF16(hx[size_t(r) * H + c])) * fromBF16(hx[size_t(r) * H + c]);
    double inv = 1 / std::sqrt(ss / H + 1e-6);
    for (int c = 0; c < H; ++c) {
      double ref = fromBF16(hx[size_t(r) * H + c]) * inv * fromBF16(hw[c]);
      double d = fromBF16(o1[size_t(r) * H + c]) - ref;
      num += d * d;
      den += ref * ref;
    }
  }
  EXPECT_LT(std::sqrt(num / den), 5e-3);
}

// Register-A wgmma (sm_90a) over the shapes attention's builds do not
// reach: P = (A B1ᵀ) in bf16 from registers times B2 given as [N, K]
// (K-major, one or two 128-byte boxes) or [K, N] (N-major: 32-, 64-, 128-byte
// swizzle, one or two boxes), N 16-128, on 64 or 128 rows of 4 warps (one
// or two m64 blocks per warp) and 8 warps. Each sm_90a build must take
// wgmma and give the bits of its sm_80 build (mma.sync) on the same GPU, and
// match fp64 on the same bf16 P.
TEST(JitGpu, RegisterAWgmmaGivesMmaSyncBitsAcrossShapes) {
  BIC_REQUIRE_GPU();
  if (deviceArch() != "sm_90a")
    GTEST_SKIP() << "wgmma needs sm_90a";
  Context &ctx = context();
  jit::Compiler jit("none");
  const std::string src = R"(
@kernel(num_warps=4)
def chain(a: ptr[bf16], b1: ptr[bf16], b2: ptr[bf16], o: ptr[f32], M: i32 @batch,
          BM: constexpr = 64, K2: constexpr = 64, N2: constexpr = 64,
          TRANS: constexpr = 0):
    r = program_id(0) * BM + arange(0, BM)
    k1 = arange(0, 64)
    j = arange(0, K2)
    n = arange(0, N2)
    at = load(a + r[:, None] * 64 + k1[None, :], mask=r[:, None] < M, other=0.0)
    b1t = load(b1 + j[:, None] * 64 + k1[None, :])
    s = dot(at, b1t, zeros((BM, K2), f32), trans_b=True)
    p = s.to(bf16)
    if TRANS:
        b2t = load(b2 + n[:, None] * K2 + j[None, :])
        acc = dot(p, b2t, zeros((BM, N2), f32), trans_b=True)
    else:
        b2t = load(b2 + j[:, None] * N2 + n[None, :])
        acc = dot(p, b2t, zeros((BM, N2), f32))
    store(o + r[:, None] * N2 + n[None, :], acc, mask=r[:, None] < M)
)";
  const int M = 200, K1 = 64, maxK2 = 128, maxN2 = 128;
  std::vector<uint16_t> ha = toBF16(randomFloats(size_t(M) * K1, 21, -1, 1));
  std::vector<uint16_t> hb1 = toBF16(randomFloats(size_t(maxK2) * K1, 22, -1, 1));
  std::vector<uint16_t> hb2 = toBF16(randomFloats(size_t(maxK2) * maxN2, 23, -1, 1));
  DeviceBuffer a(ha.size() * 2), b1(hb1.size() * 2), b2(hb2.size() * 2),
      o(size_t(M) * maxN2 * 4);
  a.upload(ha.data(), ha.size() * 2);
  b1.upload(hb1.data(), hb1.size() * 2);
  b2.upload(hb2.data(), hb2.size() * 2);
  int configs = 0;
  for (int trans : {0, 1})
    for (int k2 : {64, 128})
      for (int n2 : {16, 32, 64, 128})
        for (auto [bm, warps] : {std::pair{64, 4}, {128, 4}, {128, 8}}) {
          std::string what = "TRANS=" + std::to_string(trans) + " K2=" + std::to_string(k2) +
                             " N2=" + std::to_string(n2) + " BM=" + std::to_string(bm) +
                             " num_warps=" + std::to_string(warps);
          jit::Options opts;
          opts.defines = {{"TRANS", trans}, {"K2", k2}, {"N2", n2}, {"BM", bm},
                          {"num_warps", warps}};
          std::vector<std::vector<float>> out;
          for (const char *arch : {"sm_90a", "sm_80"}) {
            opts.arch = arch;
            std::string ptx = jit.compileToPTX(src, opts, "chain.bic");
            EXPECT_EQ(ptx.find("wgmma.mma_async") != std::string::npos,
                      std::string(arch) == "sm_90a")
                << what << " " << arch;
            jit::LoadedKernel k = jit.load(ctx, src, "chain", opts, "chain.bic");
            o.fill(0xff);
            k.kernel().launch(Grid((M + bm - 1) / bm),
                              {DevicePtr{a.ptr()}, DevicePtr{b1.ptr()}, DevicePtr{b2.ptr()},
                               DevicePtr{o.ptr()}, int32_t(M)});
            ctx.synchronize();
            out.emplace_back(size_t(M) * n2);
            o.download(out.back().data(), out.back().size() * 4);
          }
          EXPECT_EQ(std::memcmp(out[0].data(), out[1].data(), out[0].size() * 4), 0)
              << what << ": wgmma and mma.sync bits differ";
          // fp64 on P rounded to bf16 as the kernel does (from its f32 sum).
          double num = 0, den = 0;
          for (int r = 0; r < M; ++r) {
            std::vector<double> pr(k2);
            for (int j = 0; j < k2; ++j) {
              float sum = 0;
              for (int c = 0; c < K1; ++c)
                sum += fromBF16(ha[size_t(r) * K1 + c]) * fromBF16(hb1[size_t(j) * K1 + c]);
              pr[j] = fromBF16(toBF16(sum));
            }
            for (int n = 0; n < n2; ++n) {
              double ref = 0;
              for (int j = 0; j < k2; ++j)
                ref += pr[j] * fromBF16(trans ? hb2[size_t(n) * k2 + j] : hb2[size_t(j) * n2 + n]);
              double d = out[0][size_t(r) * n2 + n] - ref;
              num += d * d;
              den += ref * ref;
            }
          }
          EXPECT_LT(std::sqrt(num / den), 2e-2) << what;
          ++configs;
        }
  EXPECT_EQ(configs, 48);
}

// Element-wise math on the GPU: sqrt is IEEE-rounded and abs clears the sign
// bit, so both give the host's bits; exp, exp2, log, log2 and rsqrt use the
// approximate PTX instructions and stay within a few ulp of fp64.
TEST(JitGpu, MathFunctionsMatchTheHost) {
  BIC_REQUIRE_GPU();
  Context &ctx = context();
  jit::Compiler jit = scratchCompiler();
  const char *src = "@kernel(num_warps=4)\n"
                    "def math(x: ptr[f32], y: ptr[f32], n: i32):\n"
                    "    i = program_id(0) * 128 + arange(0, 128)\n"
                    "    m = i < n\n"
                    "    v = load(x + i, mask=m, other=1.0)\n"
                    "    a = abs(v)\n"
                    "    store(y + 7 * i, exp(v), mask=m)\n"
                    "    store(y + 7 * i + 1, exp2(v), mask=m)\n"
                    "    store(y + 7 * i + 2, log(a), mask=m)\n"
                    "    store(y + 7 * i + 3, log2(a), mask=m)\n"
                    "    store(y + 7 * i + 4, sqrt(a), mask=m)\n"
                    "    store(y + 7 * i + 5, rsqrt(a), mask=m)\n"
                    "    store(y + 7 * i + 6, a, mask=m)\n";
  jit::LoadedKernel lk = jit.load(ctx, src, "math", {}, "math.bic");
  const int n = 1000;
  std::vector<float> hx = randomFloats(n, 11, -8, 8);
  DeviceBuffer x(n * 4), y(size_t(n) * 7 * 4);
  x.upload(hx.data(), n * 4);
  y.fill(0xff);
  lk.kernel().launch(Grid((n + 127) / 128),
                     {DevicePtr{x.ptr()}, DevicePtr{y.ptr()}, int32_t(n)});
  ctx.synchronize();
  std::vector<float> hy(size_t(n) * 7);
  y.download(hy.data(), hy.size() * 4);
  auto bits = [](float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
  };
  double worst[5] = {0, 0, 0, 0, 0};
  for (int i = 0; i < n; ++i) {
    float v = hx[size_t(i)], a = std::fabs(v);
    const float *o = &hy[size_t(i) * 7];
    EXPECT_EQ(bits(o[4]), bits(std::sqrt(a))) << "sqrt(" << a << ")";
    EXPECT_EQ(bits(o[6]), bits(a)) << "abs(" << v << ")";
    double ref[5] = {std::exp(double(v)), std::exp2(double(v)), std::log(double(a)),
                     std::log2(double(a)), 1 / std::sqrt(double(a))};
    int slot[5] = {0, 1, 2, 3, 5};
    for (int f = 0; f < 5; ++f) {
      // Relative error, except near log's zero at 1 where the error is
      // absolute.
      double scale = std::max(std::fabs(ref[f]), f == 2 || f == 3 ? 1.0 : 0.0);
      double err = std::fabs(o[slot[f]] - ref[f]) / scale;
      // (a NaN, as the 0xff fill is, must fail: max() would drop it)
      worst[f] = std::isnan(err) ? INFINITY : std::max(worst[f], err);
    }
  }
  const char *names[5] = {"exp", "exp2", "log", "log2", "rsqrt"};
  for (int f = 0; f < 5; ++f)
    EXPECT_LT(worst[f], 2e-6) << names[f];
}

// A tf32 dot outside a K loop (operands stored to shared memory by the
// threads, no cp.async pipeline), B as [K, N] and as [N, K], gives the bits
// of the shipped pipelined tf32 matmul (matmul_tf32, 64 x 64 x 32) on the
// same 32 x 32 x 64 product: one order, k-steps of 8 from zero.
TEST(JitGpu, Tf32DotOutsideALoopGivesThePipelinedBits) {
  BIC_REQUIRE_GPU();
  Context &ctx = context();
  jit::Compiler jit = scratchCompiler();
  const char *src =
      "@kernel(num_warps=4)\n"
      "def tile(a: ptr[f32], b: ptr[f32], bt: ptr[f32], c: ptr[f32], ct: ptr[f32]):\n"
      "    r = arange(0, 32)\n"
      "    k = arange(0, 64)\n"
      "    x = load(a + r[:, None] * 64 + k[None, :])\n"
      "    y = load(b + k[:, None] * 32 + r[None, :])\n"
      "    z = load(bt + r[:, None] * 64 + k[None, :])\n"
      "    store(c + r[:, None] * 32 + r[None, :], dot(x, y, input_precision=tf32))\n"
      "    store(ct + r[:, None] * 32 + r[None, :], dot(x, z, trans_b=True, input_precision=tf32))\n";
  jit::LoadedKernel lk = jit.load(ctx, src, "tile", {}, "tile.bic");
  const int M = 32, N = 32, K = 64;
  std::vector<float> ha = randomFloats(M * K, 21, -1, 1), hbt = randomFloats(N * K, 22, -1, 1);
  std::vector<float> hb(hbt.size());
  for (int j = 0; j < N; ++j)
    for (int kk = 0; kk < K; ++kk)
      hb[size_t(kk) * N + j] = hbt[size_t(j) * K + kk];
  DeviceBuffer a(ha.size() * 4), b(hb.size() * 4), bt(hbt.size() * 4), c(M * N * 4),
      ct(M * N * 4), shipped(M * N * 4);
  a.upload(ha.data(), ha.size() * 4);
  b.upload(hb.data(), hb.size() * 4);
  bt.upload(hbt.data(), hbt.size() * 4);
  for (DeviceBuffer *o : {&c, &ct, &shipped})
    o->fill(0xff);
  lk.kernel().launch(Grid(1), {DevicePtr{a.ptr()}, DevicePtr{b.ptr()}, DevicePtr{bt.ptr()},
                               DevicePtr{c.ptr()}, DevicePtr{ct.ptr()}});
  Module mod = loadKernel("matmul_tf32");
  // (its signature also has the K loop: not the single dot's)
  Kernel mm = mod.kernel("matmul");
  mm.launch(Grid(1), {DevicePtr{a.ptr()}, DevicePtr{bt.ptr()}, DevicePtr{shipped.ptr()},
                      DevicePtr{bt.ptr()}, int32_t(M), int32_t(N), int32_t(K)});
  ctx.synchronize();
  std::vector<float> hc(M * N), hct(M * N), hs(M * N);
  c.download(hc.data(), hc.size() * 4);
  ct.download(hct.data(), hct.size() * 4);
  shipped.download(hs.data(), hs.size() * 4);
  EXPECT_EQ(std::memcmp(hc.data(), hs.data(), hs.size() * 4), 0) << "B as [K, N]";
  EXPECT_EQ(std::memcmp(hct.data(), hs.data(), hs.size() * 4), 0) << "B as [N, K]";
  // and the product is tf32's, not IEEE's: far from the unrounded operands'
  double worst = 0;
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) {
      double ref = 0, mag = 0;
      for (int kk = 0; kk < K; ++kk) {
        ref += double(ha[size_t(i) * K + kk]) * hbt[size_t(j) * K + kk];
        mag += std::fabs(double(ha[size_t(i) * K + kk]) * hbt[size_t(j) * K + kk]);
      }
      worst = std::max(worst, std::fabs(hs[size_t(i) * N + j] - ref) / mag);
    }
  EXPECT_GT(worst, double(K / 8) * std::ldexp(1.0, -23)) << "IEEE products, not tf32";
}

// A shipped tf32 table through TunedKernel (T=f32, TF32=`mode`): each M
// picks its line (mma.sync for few tokens, wgmma on sm_90a for more;
// warp-specialised for tf32_rz) and every row has the bits of the largest
// M's, and of the AOT build `aotName`.
static void checkTf32Table(int mode, const std::string &table, const std::string &aotName) {
  Context &ctx = context();
  jit::Compiler jit = scratchCompiler();
  jit::Options tf32;
  tf32.typeDefines = {{"T", "f32"}};
  tf32.defines = {{"TF32", mode}};
  jit::TunedKernel mm = jit::TunedKernel::fromFiles(jit, ctx, kernelsSrc() + "/matmul.bic",
                                                    "matmul", kernelsSrc() + "/" + table, tf32);
  const int N = 1024, K = 512, Mmax = 1000;
  std::vector<float> ha = randomFloats(size_t(Mmax) * K, 31, -1, 1),
                     hb = randomFloats(size_t(N) * K, 32, -1, 1);
  DeviceBuffer a(ha.size() * 4), b(hb.size() * 4), c(size_t(Mmax) * N * 4);
  a.upload(ha.data(), ha.size() * 4);
  b.upload(hb.data(), hb.size() * 4);
  auto run = [&](int m) {
    c.fill(0xff);
    mm.launch(m, N, {DevicePtr{a.ptr()}, DevicePtr{b.ptr()}, DevicePtr{c.ptr()},
                     DevicePtr{b.ptr()}, int32_t(m), int32_t(N), int32_t(K)});
    ctx.synchronize();
    std::vector<float> out(size_t(Mmax) * N);
    c.download(out.data(), out.size() * 4);
    return out;
  };
  std::vector<float> big = run(Mmax);
  std::set<std::string> picked = {mm.pick(Mmax, N).name};
  for (int m : {1, 16, 100, 300}) {
    std::vector<float> small = run(m);
    picked.insert(mm.pick(m, N).name);
    EXPECT_EQ(std::memcmp(small.data(), big.data(), size_t(m) * N * 4), 0)
        << table << " at M = " << m << " (" << mm.pick(m, N).name << ")";
  }
  EXPECT_GE(picked.size(), 3u) << table << ": the test should cross lines";
  Module aot = loadKernel(aotName);
  Kernel k = aot.kernel("matmul", mm.orderHash());
  DeviceBuffer c2(size_t(Mmax) * N * 4);
  k.launch(Grid(64), {DevicePtr{a.ptr()}, DevicePtr{b.ptr()}, DevicePtr{c2.ptr()},
                      DevicePtr{b.ptr()}, int32_t(Mmax), int32_t(N), int32_t(K)});
  ctx.synchronize();
  std::vector<float> aotOut(size_t(Mmax) * N);
  c2.download(aotOut.data(), aotOut.size() * 4);
  EXPECT_EQ(std::memcmp(aotOut.data(), big.data(), big.size() * 4), 0) << "AOT " << aotName;
}

TEST(JitGpu, Tf32TableGivesOneRowWhateverTheLine) {
  BIC_REQUIRE_GPU();
  checkTf32Table(1, "matmul_tf32_configs.txt", "matmul_tf32");
}

TEST(JitGpu, Tf32RzTableGivesOneRowWhateverTheLine) {
  BIC_REQUIRE_GPU();
  checkTf32Table(2, "matmul_tf32rz_configs.txt", "matmul_tf32rz");
}

TEST(JitGpu, CompileErrorsAreValuesNotCrashes) {
  BIC_REQUIRE_GPU();
  jit::Compiler jit("none");
  EXPECT_THROW(jit.load(context(), "@kernel\ndef k(x: ptr[f32]):\n    y = nope\n", "k",
                        {}, "bad.bic"),
               Error);
}

// The shipped matmul through TunedKernel: the table picks a different line
// for 1, 100 and 1000 tokens and for an overlapped launch; every row has the
// same bits whichever line computed it, and matches fp64.
TEST(JitGpu, TunedMatmulPicksPerShapeWithOneOrder) {
  BIC_REQUIRE_GPU();
  Context &ctx = context();
  jit::Compiler jit("none");
  jit::TunedKernel mm = shippedMatmul(jit, ctx);
  const int N = 4096, K = 4096, Mmax = 1000;
  BF16Operand ao = randomBF16(size_t(Mmax) * K, 11), bo = randomBF16(size_t(N) * K, 12);
  const std::vector<uint16_t> &ha = ao.host, &hb = bo.host;
  const DeviceBuffer &a = ao.dev, &b = bo.dev;
  DeviceBuffer c(size_t(Mmax) * N * 2);
  // The first m rows of C from `k` with weight `w` ([N, K], or [K, N] for
  // a table compiled with B_NK=0).
  auto runOn = [&](const jit::TunedKernel &k, const DeviceBuffer &w, int m, bool overlap) {
    c.fill(0xff);
    LaunchOptions o;
    o.overlapPrevious = overlap;
    k.launch(m, N, {DevicePtr{a.ptr()}, DevicePtr{w.ptr()}, DevicePtr{c.ptr()},
                    DevicePtr{w.ptr()}, int32_t(m), int32_t(N), int32_t(K)},
             nullptr, o);
    ctx.synchronize();
    std::vector<uint16_t> out(size_t(Mmax) * N);
    c.download(out.data(), out.size() * 2);
    // rows past M are not written
    EXPECT_TRUE(std::all_of(out.begin() + size_t(m) * N, out.end(),
                            [](uint16_t v) { return v == 0xffff; }))
        << "M = " << m << " wrote rows past M";
    out.resize(size_t(m) * N);
    return out;
  };
  auto run = [&](int m, bool overlap) { return runOn(mm, b, m, overlap); };
  std::set<std::string> picked;
  std::vector<uint16_t> big = run(Mmax, false);
  picked.insert(mm.pick(Mmax, N).name);
  // (M = 100 overlapped: no overlap line serves it; launched plainly)
  for (auto [m, overlap] : {std::pair{1, false}, {100, false}, {7, true}, {100, true}}) {
    if (overlap && deviceArch() != "sm_90a")
      continue;
    std::vector<uint16_t> small = run(m, overlap);
    std::string line = mm.pick(m, N, overlap).name;
    picked.insert(line);
    EXPECT_EQ(std::memcmp(small.data(), big.data(), small.size() * 2), 0)
        << "rows of M = " << m << (overlap ? " (overlapped)" : "") << " on line " << line
        << " differ from M = " << Mmax << " on " << mm.pick(Mmax, N).name;
  }
  // Different lines were picked (else the test proves little).
  EXPECT_EQ(picked.size(), deviceArch() == "sm_90a" ? 4u : 3u);
  // The same table compiled for B given as [K, N] (a base define; on
  // sm_90a every line's K loop then reads B's TMA stages N-major, in the
  // 64-byte swizzle on the 32-column lines): the same bits.
  {
    jit::Options kn;
    kn.defines = {{"B_NK", 0}};
    jit::TunedKernel mmKN = shippedMatmul(jit, ctx, kn);
    std::vector<uint16_t> hkn(hb.size());
    for (int j = 0; j < N; ++j)
      for (int k = 0; k < K; ++k)
        hkn[size_t(k) * N + j] = hb[size_t(j) * K + k];
    DeviceBuffer bkn(hkn.size() * 2);
    bkn.upload(hkn.data(), hkn.size() * 2);
    for (auto [m, overlap] : {std::pair{Mmax, false}, {1, false}, {100, false}, {7, true}}) {
      if (overlap && deviceArch() != "sm_90a")
        continue;
      std::vector<uint16_t> out = runOn(mmKN, bkn, m, overlap);
      EXPECT_EQ(std::memcmp(out.data(), big.data(), out.size() * 2), 0)
          << "B as [K, N]: rows of M = " << m << (overlap ? " (overlapped)" : "")
          << " on line " << mmKN.pick(m, N, overlap).name << " differ from [N, K]";
    }
  }
  // fp64 on sampled entries of the large product.
  double num = 0, den = 0;
  for (int r = 0; r < Mmax; r += 97)
    for (int col = 0; col < N; col += 131) {
      double ref = 0;
      for (int k = 0; k < K; ++k)
        ref += double(fromBF16(ha[size_t(r) * K + k])) * fromBF16(hb[size_t(col) * K + k]);
      double d = fromBF16(big[size_t(r) * N + col]) - ref;
      num += d * d;
      den += ref * ref;
    }
  EXPECT_LT(std::sqrt(num / den), 1e-2);
}

// tune(): every line of the table is timed on the launch at hand, the
// fastest becomes the pick for that shape (and K), a launch on it gives the
// bits of the table's own pick, and the picks survive a save and a load
// into another TunedKernel.
TEST(JitGpu, TunedMatmulTimesEveryLineAndKeepsTheFastest) {
  BIC_REQUIRE_GPU();
  Context &ctx = context();
  jit::Compiler jit("none");
  jit::TunedKernel mm = shippedMatmul(jit, ctx);
  const int M = 1000, N = 1024, K = 4096;
  BF16Operand ao = randomBF16(size_t(M) * K, 21), bo = randomBF16(size_t(N) * K, 22);
  const DeviceBuffer &a = ao.dev, &b = bo.dev;
  DeviceBuffer c(size_t(M) * N * 2);
  std::vector<Arg> args{DevicePtr{a.ptr()}, DevicePtr{b.ptr()}, DevicePtr{c.ptr()},
                        DevicePtr{b.ptr()}, int32_t(M), int32_t(N), int32_t(K)};
  auto result = [&](const jit::TunedKernel &k, int64_t key) {
    c.fill(0xff);
    k.launch(M, N, args, nullptr, {}, key);
    ctx.synchronize();
    std::vector<uint16_t> out(size_t(M) * N);
    c.download(out.data(), out.size() * 2);
    return out;
  };
  std::string tableLine = mm.pick(M, N).name;
  std::vector<uint16_t> fromTable = result(mm, K);

  std::vector<jit::TunedKernel::Timing> t = mm.tune(M, N, args, nullptr, false, K, 5);
  size_t plainLines = 0;
  for (const ConfigLine &l : mm.table().forArch(mm.arch()))
    plainLines += !l.overlapOnly;
  ASSERT_EQ(t.size(), plainLines);
  for (size_t i = 1; i < t.size(); ++i)
    EXPECT_LE(t[i - 1].us, t[i].us);
  EXPECT_GT(t.front().us, 0);
  EXPECT_EQ(mm.pick(M, N, false, K).name, t.front().line);
  EXPECT_EQ(mm.pick(M, N, false, 0).name, tableLine) << "k = 0 was not tuned";
  // M = 1000 serves the M's below it (no smaller M was tuned), not those
  // above.
  EXPECT_EQ(mm.pick(1, N, false, K).name, t.front().line);
  EXPECT_EQ(mm.pick(M + 1, N, false, K).name, mm.table().pick(mm.arch(), M + 1, N).name);
  EXPECT_EQ(mm.pick(M, N + 1, false, K).name, mm.table().pick(mm.arch(), M, N + 1).name);
  EXPECT_EQ(mm.pick(M, N, true, K).name, mm.table().pick(mm.arch(), M, N, true).name)
      << "overlapped launches were not tuned";
  std::vector<uint16_t> fromTuned = result(mm, K);
  EXPECT_EQ(std::memcmp(fromTuned.data(), fromTable.data(), fromTable.size() * 2), 0)
      << "the tuned line " << t.front().line << " and the table's " << tableLine
      << " give different bits";
  std::printf("tuned M=%d N=%d K=%d: %s %.1f us (table's %s)\n", M, N, K,
              t.front().line.c_str(), t.front().us, tableLine.c_str());

  char tmpl[] = "/tmp/bic-tuning-XXXXXX";
  std::string path = std::string(mkdtemp(tmpl)) + "/matmul.tuning";
  mm.saveTuning(path);
  jit::TunedKernel again = shippedMatmul(jit, ctx);
  EXPECT_EQ(again.loadTuning(path), 0u);
  EXPECT_EQ(again.pick(M, N, false, K).name, t.front().line);
  // Picks made on another device, or for another order (another source),
  // are skipped, and saving keeps them; a pick naming a line the table
  // lacks, or an overlap line for plain launches, is an error naming the
  // file's line.
  std::string dev = ctx.deviceName();
  std::replace(dev.begin(), dev.end(), ' ', '_');
  {
    std::ofstream out(path, std::ios::app);
    out << "other_gpu " << again.arch() << " " << again.orderHash()
        << " 5 5 0 0 matmul_h64 1.0\n";
    out << dev << " " << again.arch() << " 0123456789abcdef 5 5 0 0 matmul_h64 1.0\n";
  }
  EXPECT_EQ(again.loadTuning(path), 2u);
  EXPECT_EQ(again.pick(5, 5).name, again.table().pick(again.arch(), 5, 5).name);
  again.saveTuning(path);
  EXPECT_EQ(again.loadTuning(path), 2u) << "saving dropped the other devices' picks";
  auto loadError = [&](const std::string &line) {
    std::string bad = path + ".bad";
    std::ofstream(bad) << "# a comment\n" << dev << " " << again.arch() << " "
                       << again.orderHash() << " " << line << "\n";
    try {
      again.loadTuning(bad);
    } catch (const Error &e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(loadError("5 5 0 0 no_such 1.0").find(".bad:2: no " + again.arch() +
                                                  " line named 'no_such'"),
            std::string::npos);
  if (again.arch() == "sm_90a")
    EXPECT_NE(loadError("5 5 0 0 matmul_h16p 1.0")
                  .find(".bad:2: line 'matmul_h16p' serves only overlapped launches"),
              std::string::npos);
  again.clearTuning();
  EXPECT_EQ(again.pick(M, N, false, K).name, tableLine);
}

// Runs anywhere: the statically linked compiler works on its own.
TEST(JitStatic, CompilesWithoutAGpu) {
  jit::Compiler jit("none");
  jit::Options o;
  o.defines["BLOCK"] = 4096;
  std::string ptx = jit.compileToPTX(readSource("rmsnorm.bic"), o, "rmsnorm.bic");
  EXPECT_NE(ptx.find(".entry rmsnorm"), std::string::npos);
  EXPECT_NE(ptx.find("// bic-order: rmsnorm #0 reduce sum f32 axis=0 extent=4096"),
            std::string::npos);
}
