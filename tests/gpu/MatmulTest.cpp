//===- MatmulTest.cpp - matmul.bic on the GPU -----------------------------===//
//
// Against fp64 on sampled entries; every row bitwise identical across M for
// the four (N, K) shapes of the issue; every configuration of
// kernels_src/matmul_configs.txt bitwise identical to every other; B given
// as [N, K] or [K, N] bitwise identical; 100 repeated runs identical.
//
//===----------------------------------------------------------------------===//
#include "GpuTestUtil.h"
#include "bic/runtime/ConfigTable.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

using namespace bic;
using namespace bic::test;

namespace {
struct Config {
  std::string name, arch;
  int64_t maxM, minN, bm, bn;
  /// Serves only launches that overlap the previous kernel (`overlap`).
  bool overlapOnly = false;
  /// The table's line (which M, N and launches it serves); a build outside
  /// the table has none.
  ConfigLine line;
};

/// The table's lines for `arch` (the device's by default), read by the
/// runtime's parser (bic::ConfigTable).
std::vector<Config> configs(std::string arch = deviceArch()) {
  const char *dir = std::getenv("BIC_KERNELS_SRC");
  ConfigTable t =
      ConfigTable::load(std::string(dir ? dir : BIC_KERNELS_SRC) + "/matmul_configs.txt");
  std::vector<Config> out;
  for (const ConfigLine &l : t.forArch(arch))
    out.push_back({l.name, l.arch, l.maxM, l.minN, l.get("BM"), l.get("BN"), l.overlapOnly, l});
  return out;
}

/// TMA builds outside the table (sm_90a only; kernels_src/CMakeLists.txt),
/// compared with it bit for bit: mma.sync on TMA stages, warp-specialised
/// pipelines, and programs run by 2-CTA clusters that multicast B (BM x BN
/// is the cluster's tile; each CTA computes half of its rows).
std::vector<Config> extraHopperConfigs() {
  return {{"matmul_tma_16x16", "sm_90a", 0, 0, 16, 16},
          {"matmul_ws_16x16", "sm_90a", 0, 0, 16, 16},
          {"matmul_ws_64x32", "sm_90a", 0, 0, 64, 32},
          {"matmul_ws_128x256", "sm_90a", 0, 0, 128, 256},
          {"matmul_cluster_128x64", "sm_90a", 0, 0, 128, 64},
          {"matmul_cluster_256x256", "sm_90a", 0, 0, 256, 256}};
}

/// The configuration the table picks for M and N (as the benchmark does),
/// for a plain launch or one that overlaps the previous kernel.
const Config &pick(const std::vector<Config> &cs, int64_t m, int64_t n, bool overlap = false) {
  for (const Config &c : cs)
    if (c.line.serves(m, n, overlap))
      return c;
  return cs.back();
}

/// The grid a persistent matmul is launched on: one program per tile, at
/// most as many as run at once.
Grid persistentGrid(const Kernel &k, int64_t bm, int64_t bn, int64_t m, int64_t n) {
  int64_t tiles = ((m + bm - 1) / bm) * ((n + bn - 1) / bn);
  return Grid(unsigned(std::max<int64_t>(1, std::min<int64_t>(tiles, k.residentPrograms()))));
}

/// Launches `k` over the first m rows of C = A B^T (on `grid`, or the
/// persistent grid), after poisoning C, and returns all of C.
template <typename Elem>
std::vector<Elem> launchMatmul(const Kernel &k, int64_t bm, int64_t bn, int64_t m,
                               int64_t N, int64_t K, CUdeviceptr a, CUdeviceptr b,
                               DeviceBuffer &c, std::optional<Grid> grid = std::nullopt) {
  c.fill(0xff);
  k.launch(grid ? *grid : persistentGrid(k, bm, bn, m, N),
           {DevicePtr{a}, DevicePtr{b}, DevicePtr{c.ptr()}, DevicePtr{c.ptr()},
            int32_t(m), int32_t(N), int32_t(K)});
  context().synchronize();
  std::vector<Elem> out(c.size() / sizeof(Elem));
  c.download(out.data(), out.size() * sizeof(Elem));
  return out;
}

/// Whether C's rows from m on still hold the poison (0xffff bytes) that
/// launchMatmul fills it with before a launch: nothing written past M.
bool untouchedPastM(const std::vector<uint16_t> &c, int64_t m, int64_t n) {
  return std::all_of(c.begin() + size_t(m) * n, c.end(), [](uint16_t v) { return v == 0xffff; });
}

struct Problem {
  int64_t N, K, Mmax;
  DeviceBuffer a, b, bkn, c;
  std::vector<uint16_t> ha, hb;
  Problem(int64_t n, int64_t k, int64_t mmax) : N(n), K(k), Mmax(mmax) {
    auto af = randomFloats(size_t(mmax) * k, n * 31 + k, -1, 1);
    auto bf = randomFloats(size_t(n) * k, n * 17 + k, -1, 1);
    ha = toBF16(af);
    hb = toBF16(bf);
    std::vector<uint16_t> hkn(hb.size());
    for (int64_t j = 0; j < n; ++j)
      for (int64_t kk = 0; kk < k; ++kk)
        hkn[size_t(kk) * n + j] = hb[size_t(j) * k + kk];
    a = DeviceBuffer(ha.size() * 2);
    b = DeviceBuffer(hb.size() * 2);
    bkn = DeviceBuffer(hb.size() * 2);
    c = DeviceBuffer(size_t(mmax) * n * 2);
    a.upload(ha.data(), ha.size() * 2);
    b.upload(hb.data(), hb.size() * 2);
    bkn.upload(hkn.data(), hkn.size() * 2);
  }
  /// Runs `name` for the first m rows; returns the whole C buffer.
  std::vector<uint16_t> run(const std::string &name, const Config &cfg, int64_t m,
                            bool kn = false, const std::string &arch = deviceArch(),
                            std::optional<Grid> grid = std::nullopt) {
    Module mod = loadKernel(name + (kn ? "_kn" : ""), arch);
    Kernel k = mod.kernel("matmul", expectedHash());
    return launchMatmul<uint16_t>(k, cfg.bm, cfg.bn, m, N, K, a.ptr(),
                                  kn ? bkn.ptr() : b.ptr(), c, grid);
  }
  static std::string expectedHash() {
    static std::string h = [] {
      Module m = loadKernel("matmul_large", "sm_80");
      return m.kernel("matmul").meta().orderHash;
    }();
    return h;
  }
  double sampledError(const std::vector<uint16_t> &out, int64_t m) {
    std::mt19937_64 rng(N + K);
    double num = 0, den = 0;
    for (int s = 0; s < 256; ++s) {
      int64_t i = rng() % m, j = rng() % N;
      double ref = 0;
      for (int64_t kk = 0; kk < K; ++kk)
        ref += double(fromBF16(ha[size_t(i) * K + kk])) * fromBF16(hb[size_t(j) * K + kk]);
      double got = fromBF16(out[size_t(i) * N + j]);
      if (std::isnan(got))
        return INFINITY;
      num += (got - ref) * (got - ref);
      den += ref * ref;
    }
    return std::sqrt(num / den);
  }
};

class Matmul : public ::testing::TestWithParam<std::pair<int64_t, int64_t>> {};

TEST_P(Matmul, CorrectAndBitwiseInvariantAcrossMAndConfigs) {
  BIC_REQUIRE_GPU();
  auto [N, K] = GetParam();
  auto cs = configs();
  ASSERT_GE(cs.size(), 3u);
  const int64_t Mmax = 8192;
  Problem p(N, K, Mmax);
  auto full = p.run(cs.back().name, cs.back(), Mmax);
  EXPECT_LT(p.sampledError(full, Mmax), 1e-2);
  for (const Config &c : cs) {
    auto other = p.run(c.name, c, Mmax);
    EXPECT_EQ(std::memcmp(other.data(), full.data(), full.size() * 2), 0)
        << "configuration " << c.name << " gives other bits";
  }
  // On Hopper: the mma.sync + cp.async build (sm_80 PTX) of every sm_80
  // line gives the bits of the TMA + wgmma lines.
  if (deviceArch() != "sm_80")
    for (const Config &c : configs("sm_80")) {
      auto other = p.run(c.name, c, Mmax, false, "sm_80");
      EXPECT_EQ(std::memcmp(other.data(), full.data(), full.size() * 2), 0)
          << "sm_80 configuration " << c.name << " gives other bits than "
          << cs.back().name;
    }
  // On Hopper: the builds outside the table (mma.sync on TMA stages;
  // warp-specialised pipelines, a producer thread refilling the stages the
  // consumer warps release) give the same bits, at any M, and write nothing
  // past M.
  if (deviceArch() == "sm_90a")
    for (const Config &c : extraHopperConfigs()) {
      auto other = p.run(c.name, c, Mmax);
      EXPECT_EQ(std::memcmp(other.data(), full.data(), full.size() * 2), 0)
          << c.name << " gives other bits";
      for (int64_t m : {1, 7, 17, 100}) {
        auto part = p.run(c.name, c, m);
        EXPECT_EQ(std::memcmp(part.data(), full.data(), size_t(m) * N * 2), 0)
            << c.name << " gives other rows at M=" << m;
        EXPECT_TRUE(untouchedPastM(part, m, N))
            << c.name << " wrote past M=" << m;
      }
    }
  // Every line at few tokens, where the runtime narrows A's TMA boxes to
  // the M rows that exist (`rows=fit`; and B's, where N < BN): the same
  // rows, nothing written past M.
  for (int64_t m : {1, 7, 17})
    for (const Config &c : cs) {
      auto part = p.run(c.name, c, m);
      EXPECT_EQ(std::memcmp(part.data(), full.data(), size_t(m) * N * 2), 0)
          << "configuration " << c.name << " gives other rows at M=" << m;
      EXPECT_TRUE(untouchedPastM(part, m, N))
          << c.name << " wrote past M=" << m;
    }
  for (int64_t m : {1, 2, 3, 7, 16, 17, 64, 100, 128, 255, 256, 1000, 1024, 4096, 8192}) {
    const Config &c = pick(cs, m, N);
    auto part = p.run(c.name, c, m);
    EXPECT_EQ(std::memcmp(part.data(), full.data(), size_t(m) * N * 2), 0)
        << "rows differ at M=" << m << " (" << c.name << ")";
    if (m < Mmax)
      EXPECT_EQ(part[size_t(m) * N], 0xffff) << "wrote past M=" << m;
    // The line an overlapped launch takes for this M, where it is another.
    const Config &o = pick(cs, m, N, /*overlap=*/true);
    if (o.name != c.name) {
      auto opart = p.run(o.name, o, m);
      EXPECT_EQ(std::memcmp(opart.data(), full.data(), size_t(m) * N * 2), 0)
          << "rows differ at M=" << m << " (" << o.name << ", overlapped launches' line)";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, Matmul,
                         ::testing::Values(std::pair<int64_t, int64_t>{4096, 4096},
                                           std::pair<int64_t, int64_t>{14336, 4096},
                                           std::pair<int64_t, int64_t>{4096, 14336},
                                           std::pair<int64_t, int64_t>{1000, 3000},
                                           // N below every BN but 16: B's boxes narrowed too
                                           std::pair<int64_t, int64_t>{24, 3000}),
                         [](const auto &info) {
                           return "N" + std::to_string(info.param.first) + "_K" +
                                  std::to_string(info.param.second);
                         });

/// [K, N] builds outside the table (sm_90a; kernels_src/CMakeLists.txt):
/// B's narrow blocks in the 64-byte (BN = 32) and 32-byte (BN = 16)
/// swizzle, read by wgmma and (16-row tiles) by mma.sync's ldmatrix.trans.
std::vector<Config> extraKNConfigs() {
  return {{"matmul_ws_64x32", "sm_90a", 0, 0, 64, 32},
          {"matmul_ws_64x16", "sm_90a", 0, 0, 64, 16},
          {"matmul_tma_16x32", "sm_90a", 0, 0, 16, 32},
          {"matmul_ws_16x16", "sm_90a", 0, 0, 16, 16}};
}

TEST(MatmulLayouts, WeightAsNKOrKNGivesTheSameBits) {
  BIC_REQUIRE_GPU();
  auto cs = configs();
  Problem p(1000, 3000, 1000);
  std::vector<uint16_t> ref; // the first line's [N, K] product
  // `c`'s [K, N] build over M rows: ref's rows, nothing written past M.
  auto expectKNRows = [&](const Config &c, int64_t m) {
    auto part = p.run(c.name, c, m, /*kn=*/true);
    EXPECT_EQ(std::memcmp(part.data(), ref.data(), size_t(m) * p.N * 2), 0)
        << c.name << " with B as [K, N] gives other rows at M=" << m;
    EXPECT_TRUE(untouchedPastM(part, m, p.N)) << c.name << " with B as [K, N] wrote past M=" << m;
  };
  for (const Config &c : cs) {
    // (a line for overlapped launches, launched plainly: its wait is a no-op)
    auto nk = p.run(c.name, c, 1000);
    auto kn = p.run(c.name, c, 1000, /*kn=*/true);
    EXPECT_EQ(std::memcmp(nk.data(), kn.data(), nk.size() * 2), 0) << c.name;
    if (ref.empty())
      ref = nk;
    // Few tokens (A's boxes narrowed to the rows that exist): the same rows.
    for (int64_t m : {1, 17})
      expectKNRows(c, m);
  }
  if (deviceArch() != "sm_90a")
    return;
  for (const Config &c : extraKNConfigs())
    for (int64_t m : {1, 17, 1000})
      expectKNRows(c, m);
}

// matmul.bic is persistent: whatever the grid (one program per tile, a
// 2-D grid, fewer programs than tiles, one program), each tile gets the
// same bits, on the TMA pipeline that runs across tiles as on mma.sync.
TEST(MatmulGrid, AnyGridGivesTheSameBits) {
  BIC_REQUIRE_GPU();
  Problem p(1000, 3000, 1000);
  for (const Config &c : configs()) {
    if (c.maxM != 0 && c.maxM < 256)
      continue;
    unsigned tm = unsigned((1000 + c.bm - 1) / c.bm), tn = unsigned((1000 + c.bn - 1) / c.bn);
    auto ref = p.run(c.name, c, 1000);
    EXPECT_LT(p.sampledError(ref, 1000), 1e-2) << c.name;
    for (Grid g : {Grid(tm * tn), Grid(tm, tn), Grid(7), Grid(3, 2), Grid(1)}) {
      auto other = p.run(c.name, c, 1000, false, deviceArch(), g);
      EXPECT_EQ(std::memcmp(other.data(), ref.data(), ref.size() * 2), 0)
          << c.name << " on a grid of " << g.x << " x " << g.y;
    }
  }
}

TEST(MatmulRepeat, BitwiseIdenticalOver100Runs) {
  BIC_REQUIRE_GPU();
  auto cs = configs();
  Problem p(4096, 4096, 1024);
  auto first = p.run(cs.back().name, cs.back(), 1024);
  for (int i = 0; i < 100; ++i)
    ASSERT_EQ(std::memcmp(p.run(cs.back().name, cs.back(), 1024).data(), first.data(),
                          first.size() * 2), 0) << "run " << i;
}

TEST(MatmulBias, AddedOnceAfterTheKLoop) {
  BIC_REQUIRE_GPU();
  const int64_t M = 300, N = 1000, K = 3000;
  Problem p(N, K, M);
  auto bias = randomFloats(N, 77, -1, 1);
  std::vector<uint16_t> hbias(N);
  for (int64_t j = 0; j < N; ++j)
    hbias[j] = toBF16(bias[j]);
  DeviceBuffer db(N * 2);
  db.upload(hbias.data(), N * 2);
  auto run = [&](const std::string &name, std::optional<Grid> grid = std::nullopt) {
    Module mod = loadKernel(name);
    Kernel k = mod.kernel("matmul", Problem::expectedHash());
    p.c.fill(0xff);
    k.launch(grid ? *grid : persistentGrid(k, 64, 128, M, N),
             {DevicePtr{p.a.ptr()}, DevicePtr{p.b.ptr()}, DevicePtr{p.c.ptr()},
              DevicePtr{db.ptr()}, int32_t(M), int32_t(N), int32_t(K)});
    context().synchronize();
    std::vector<uint16_t> out(size_t(M) * N);
    p.c.download(out.data(), out.size() * 2);
    return out;
  };
  auto out = run("matmul_bias");
  // Two programs walk all 40 tiles: the next tile's copies are in flight
  // while the bias goes through shared memory (past the TMA stages on
  // sm_90a), and the epilogue of a warp-specialised pipeline runs in the
  // consumer warps only.
  for (const char *name : {"matmul_bias", "matmul_ws_bias", "matmul_cluster_bias"}) {
    if (std::string(name) != "matmul_bias" && deviceArch() != "sm_90a")
      continue;
    for (Grid g : {Grid(2), Grid(40)}) {
      auto other = run(name, g);
      EXPECT_EQ(std::memcmp(other.data(), out.data(), out.size() * 2), 0)
          << name << " on " << g.x << " programs gives other bits";
    }
  }
  double num = 0, den = 0;
  for (int64_t i = 0; i < M; i += 7)
    for (int64_t j = 0; j < N; j += 13) {
      double ref = fromBF16(hbias[j]);
      for (int64_t kk = 0; kk < K; ++kk)
        ref += double(fromBF16(p.ha[size_t(i) * K + kk])) * fromBF16(p.hb[size_t(j) * K + kk]);
      double got = fromBF16(out[size_t(i) * N + j]);
      num += (got - ref) * (got - ref);
      den += ref * ref;
    }
  EXPECT_LT(std::sqrt(num / den), 1e-2);
}
TEST(MatmulF16, CorrectAndBitwiseInvariantAcrossM) {
  BIC_REQUIRE_GPU();
  const int64_t N = 4096, K = 4096, Mmax = 1024;
  auto af = randomFloats(size_t(Mmax) * K, 41, -1, 1), bf = randomFloats(size_t(N) * K, 42, -1, 1);
  std::vector<uint16_t> ha = toF16(af), hb = toF16(bf);
  DeviceBuffer a(ha.size() * 2), b(hb.size() * 2), c(size_t(Mmax) * N * 2);
  a.upload(ha.data(), ha.size() * 2);
  b.upload(hb.data(), hb.size() * 2);
  Module big = loadKernel("matmul_f16"), small = loadKernel("matmul_f16_m16");
  Kernel kb = big.kernel("matmul");
  Kernel ks = small.kernel("matmul", kb.meta().orderHash);
  EXPECT_NE(kb.meta().orderHash, Problem::expectedHash()) << "f16 and bf16 differ";
  auto run = [&](Kernel &k, int64_t bm, int64_t bn, int64_t m) {
    return launchMatmul<uint16_t>(k, bm, bn, m, N, K, a.ptr(), b.ptr(), c);
  };
  auto full = run(kb, 128, 128, Mmax);
  std::mt19937_64 rng(7);
  double num = 0, den = 0;
  for (int s = 0; s < 256; ++s) {
    int64_t i = rng() % Mmax, j = rng() % N;
    double ref = 0;
    for (int64_t kk = 0; kk < K; ++kk)
      ref += double(fromF16(ha[size_t(i) * K + kk])) * fromF16(hb[size_t(j) * K + kk]);
    double got = fromF16(full[size_t(i) * N + j]);
    num += (got - ref) * (got - ref);
    den += ref * ref;
  }
  EXPECT_LT(std::sqrt(num / den), 2e-3);
  for (int64_t m : {1, 3, 16, 17, 100, 1024}) {
    auto part = m <= 16 ? run(ks, 16, 32, m) : run(kb, 128, 128, m);
    EXPECT_EQ(std::memcmp(part.data(), full.data(), size_t(m) * N * 2), 0) << "M=" << m;
  }
}
// IEEE f32 (input_precision=ieee, the default for f32 operands): close to
// fp64, and bitwise the same whatever the tiles and M.
TEST(MatmulF32, IeeeAndBitwiseInvariant) {
  BIC_REQUIRE_GPU();
  const int64_t N = 256, K = 512, Mmax = 200;
  auto ha = randomFloats(size_t(Mmax) * K, 51, -1, 1), hb = randomFloats(size_t(N) * K, 52, -1, 1);
  DeviceBuffer a(ha.size() * 4), b(hb.size() * 4), c(size_t(Mmax) * N * 4);
  a.upload(ha.data(), ha.size() * 4);
  b.upload(hb.data(), hb.size() * 4);
  Module m1 = loadKernel("matmul_f32"), m2 = loadKernel("matmul_f32_b"),
         m3 = loadKernel("matmul_f32_128");
  Kernel k1 = m1.kernel("matmul");
  Kernel k2 = m2.kernel("matmul", k1.meta().orderHash);
  Kernel k3 = m3.kernel("matmul", k1.meta().orderHash);
  auto run = [&](Kernel &k, int64_t bm, int64_t bn, int64_t m) {
    return launchMatmul<float>(k, bm, bn, m, N, K, a.ptr(), b.ptr(), c);
  };
  auto full = run(k1, 32, 32, Mmax);
  double maxRel = 0;
  for (int64_t i = 0; i < Mmax; i += 3)
    for (int64_t j = 0; j < N; j += 5) {
      double ref = 0, mag = 0;
      for (int64_t kk = 0; kk < K; ++kk) {
        ref += double(ha[size_t(i) * K + kk]) * hb[size_t(j) * K + kk];
        mag += std::fabs(double(ha[size_t(i) * K + kk]) * hb[size_t(j) * K + kk]);
      }
      maxRel = std::max(maxRel, std::fabs(full[size_t(i) * N + j] - ref) / mag);
    }
  EXPECT_LT(maxRel, 1e-6) << "f32 products must not be rounded to TF32";
  auto other = run(k2, 16, 64, Mmax);
  EXPECT_EQ(std::memcmp(other.data(), full.data(), full.size() * 4), 0);
  // 128 x 128 on 4 warps: 128 accumulators a thread
  auto wide = run(k3, 128, 128, Mmax);
  EXPECT_EQ(std::memcmp(wide.data(), full.data(), full.size() * 4), 0) << "128 x 128 x 32";
  for (int64_t m : {1, 7, 33, 200}) {
    auto part = run(k2, 16, 64, m);
    EXPECT_EQ(std::memcmp(part.data(), full.data(), size_t(m) * N * 4), 0) << "M=" << m;
  }
}

/// `x` rounded to tf32 (10 mantissa bits; finite inputs): as cvt.rna.tf32.f32
/// does, to nearest with ties away from zero, or (`truncate`) toward zero.
float toTf32(float x, bool truncate = false) {
  uint32_t u;
  std::memcpy(&u, &x, 4);
  u = (u + (truncate ? 0u : 0x1000u)) & ~0x1fffu;
  std::memcpy(&x, &u, 4);
  return x;
}

/// One build of matmul.bic for the tf32 tests: its tile (for the grid) and
/// whether it reads B as [K, N] or runs on sm_90a only (warp-specialised).
struct Tf32Build {
  const char *name;
  int64_t bm, bn;
  bool kn = false, hopperOnly = false;
};

/// f32 products in k-steps of 8 on tensor cores, the operands as tf32:
/// rounded to nearest, ties away (`truncate` = false: input_precision=tf32)
/// or truncated (tf32_rz). The first build's result must lie within the f32
/// accumulation's error of the exact product of the operands so converted,
/// and outside it for the other conversion and for unconverted (IEEE)
/// operands; every build (wgmma on sm_90a for B as [N, K] and 64 rows or
/// more, mma.sync otherwise) must give its bits, for every M. The order signature is the mode's own: not
/// IEEE's, and not the other tf32 mode's.
void checkTf32Builds(bool truncate, const std::vector<Tf32Build> &builds) {
  const int64_t N = 256, K = 512, Mmax = 200;
  auto ha = randomFloats(size_t(Mmax) * K, 53, -1, 1), hb = randomFloats(size_t(N) * K, 54, -1, 1);
  std::vector<float> hkn(hb.size());
  for (int64_t j = 0; j < N; ++j)
    for (int64_t kk = 0; kk < K; ++kk)
      hkn[size_t(kk) * N + j] = hb[size_t(j) * K + kk];
  DeviceBuffer a(ha.size() * 4), b(hb.size() * 4), bkn(hkn.size() * 4), c(size_t(Mmax) * N * 4);
  a.upload(ha.data(), ha.size() * 4);
  b.upload(hb.data(), hb.size() * 4);
  bkn.upload(hkn.data(), hkn.size() * 4);
  const bool hopper = deviceArch() == "sm_90a";
  std::vector<std::pair<Tf32Build, Module>> mods;
  for (const Tf32Build &bd : builds)
    if (hopper || !bd.hopperOnly)
      mods.emplace_back(bd, loadKernel(bd.name));
  Kernel first = mods[0].second.kernel("matmul");
  const std::string hash = first.meta().orderHash;
  Module ieee = loadKernel("matmul_f32"),
         other = loadKernel(truncate ? "matmul_tf32" : "matmul_tf32rz");
  EXPECT_NE(hash, ieee.kernel("matmul").meta().orderHash) << "tf32 and IEEE are two orders";
  EXPECT_NE(hash, other.kernel("matmul").meta().orderHash)
      << "tf32 rounded and truncated are two orders";
  auto launch = [&](size_t i, int64_t m) {
    const Tf32Build &bd = mods[i].first;
    Kernel k = mods[i].second.kernel("matmul", hash);
    return launchMatmul<float>(k, bd.bm, bd.bn, m, N, K, a.ptr(), bd.kn ? bkn.ptr() : b.ptr(), c);
  };
  auto full = launch(0, Mmax);
  // Per k-step of 8 the accumulator takes one f32 addition (rounded or
  // truncated): within K / 8 * 2^-23 of the products' magnitudes of the
  // exact product of the operands as the mma read them.
  const double bound = double(K / 8) * std::ldexp(1.0, -23);
  enum { Rna, Truncated, Unrounded };
  double maxRel[3] = {0, 0, 0};
  for (int64_t i = 0; i < Mmax; ++i)
    for (int64_t j = 0; j < N; ++j) {
      double ref[3] = {0, 0, 0}, mag = 0;
      for (int64_t kk = 0; kk < K; ++kk) {
        float x = ha[size_t(i) * K + kk], y = hb[size_t(j) * K + kk];
        ref[Rna] += double(toTf32(x)) * toTf32(y);
        ref[Truncated] += double(toTf32(x, true)) * toTf32(y, true);
        ref[Unrounded] += double(x) * y;
        mag += std::fabs(double(toTf32(x, truncate)) * toTf32(y, truncate));
      }
      for (int r = 0; r < 3; ++r)
        maxRel[r] = std::max(maxRel[r], std::fabs(full[size_t(i) * N + j] - ref[r]) / mag);
    }
  std::printf("tf32%s: max error / magnitude %.2e (rna operands), %.2e (truncated), %.2e "
              "(unrounded); bound %.2e\n",
              truncate ? "_rz" : "", maxRel[Rna], maxRel[Truncated], maxRel[Unrounded], bound);
  const int mine = truncate ? Truncated : Rna, theirs = truncate ? Rna : Truncated;
  EXPECT_LT(maxRel[mine], bound) << "not the product of the operands "
                                 << (truncate ? "truncated" : "rounded to nearest") << " to tf32";
  EXPECT_GT(maxRel[theirs], bound) << "as close to the other conversion's product";
  EXPECT_GT(maxRel[Unrounded], bound) << "as close to the unrounded operands' (IEEE) product";
  for (size_t i = 1; i < mods.size(); ++i) {
    auto got = launch(i, Mmax);
    EXPECT_EQ(std::memcmp(got.data(), full.data(), full.size() * 4), 0) << mods[i].first.name;
  }
  // Fewer rows than a tile (A's box narrowed to M on TMA stages), and a
  // partial last tile: the rows of M = Mmax, bit for bit, from every build.
  for (size_t i = 0; i < mods.size(); ++i)
    for (int64_t m : {1, 7, 33}) {
      auto part = launch(i, m);
      EXPECT_EQ(std::memcmp(part.data(), full.data(), size_t(m) * N * 4), 0)
          << mods[i].first.name << " at M=" << m;
    }
}

// input_precision=tf32: on sm_90a the 64 x 64 and 128 x 128 builds run TMA
// + wgmma (stages rounded in place), the others mma.sync: 16 x 32 x 8 on 2
// warps, B as [K, N], 16 x 32 on 4 warps along N (one n-block each:
// ldmatrix.x2; on sm_90a from TMA stages, fragments rounded in registers),
// 128 x 128 on 8 warps with 3 stages. Warp-specialised (sm_90a), every tile
// runs mma.sync on TMA stages, rounding in registers: 16 x 32, 32 x 32,
// 32 x 128 (5 stages) and 64 x 128 (4 stages), each on 4 warps.
TEST(MatmulF32, Tf32RoundsOperandsAndIsBitwiseInvariant) {
  BIC_REQUIRE_GPU();
  checkTf32Builds(false, {{"matmul_tf32", 64, 64},
                          {"matmul_tf32_b", 16, 32},
                          {"matmul_tf32_kn", 32, 64, /*kn=*/true},
                          {"matmul_tf32_m16", 16, 32},
                          {"matmul_tf32_128", 128, 128},
                          // warp-specialised: mma.sync on TMA stages,
                          // rounding in registers
                          {"matmul_tf32_ws_m16", 16, 32, false, /*hopperOnly=*/true},
                          {"matmul_tf32_ws_32x32", 32, 32, false, true},
                          {"matmul_tf32_ws_32x128", 32, 128, false, true},
                          {"matmul_tf32_ws_64x128", 64, 128, false, true}});
}

// input_precision=tf32_rz: no rounding (the tensor cores read the f32 bits
// truncated), so on sm_90a wgmma reads the stages as they landed, also
// warp-specialised (one producer warp; 8 stages of 64 x 32, 6 of 64 x
// 128, 4 of 128 x 128 on two consumer warpgroups, and 128 x 128 on a
// 2-CTA cluster sharing B by multicast); mma.sync on the registers as
// ldmatrix (or, B as [K, N], word loads) gave them.
TEST(MatmulF32, Tf32RzTruncatesOperandsAndIsBitwiseInvariant) {
  BIC_REQUIRE_GPU();
  checkTf32Builds(true, {{"matmul_tf32rz", 64, 64},
                         {"matmul_tf32rz_m16", 16, 32},
                         {"matmul_tf32rz_kn", 32, 64, /*kn=*/true},
                         {"matmul_tf32rz_128", 128, 128},
                         {"matmul_tf32rz_128x256", 128, 256},
                         {"matmul_tf32rz_64x32", 64, 32},
                         {"matmul_tf32rz_ws", 64, 128, false, /*hopperOnly=*/true},
                         {"matmul_tf32rz_ws_64x32", 64, 32, false, true},
                         {"matmul_tf32rz_ws_128", 128, 128, false, true},
                         // a 2-CTA cluster sharing B's stages by multicast
                         {"matmul_tf32rz_ws_c2", 128, 128, false, true}});
}
} // namespace

// Programmatic dependent launch: a chain C1 = A B^T, C2 = C1 B^T, C3 = C2 B^T
// launched back to back, each allowed to overlap the one before it, gives
// the bits of the same chain launched one after the other (each kernel
// waits for its input before reading it, and copies only B, a @weight,
// before that). The table's overlap lines (warp-specialised: the producer
// copies B's first stages before the wait). A kernel built without the
// wait (the table's other lines, sm_80) is refused.
TEST(MatmulOverlap, ChainedOverlappedLaunchesGiveTheSameBits) {
  BIC_REQUIRE_GPU();
  if (deviceArch() != "sm_90a")
    GTEST_SKIP() << "programmatic dependent launch needs sm_90";
  auto cs = configs();
  Stream s;
  // A chain on N = K (so that each result is the next A), plainly and then
  // overlapped 10 times; `grid` overrides the persistent grid, `build` the
  // table's overlap line.
  auto check = [&](int64_t NK, int64_t m, std::optional<Grid> grid = std::nullopt,
                   const Config *build = nullptr) {
    const Config &cfg = build ? *build : pick(cs, m, NK, /*overlap=*/true);
    ASSERT_TRUE(cfg.overlapOnly) << "no overlap line for M = " << m << ", N = " << NK;
    Problem p(NK, NK, m);
    DeviceBuffer c1(size_t(m) * NK * 2), c2(size_t(m) * NK * 2), c3(size_t(m) * NK * 2);
    Module mod = loadKernel(cfg.name);
    Kernel k = mod.kernel("matmul", Problem::expectedHash());
    ASSERT_TRUE(k.waitsPriorGrids()) << cfg.name;
    Grid g = grid ? *grid : persistentGrid(k, cfg.bm, cfg.bn, m, NK);
    auto chain = [&](bool overlap) {
      for (DeviceBuffer *c : {&c1, &c2, &c3})
        c->fill(0xff);
      context().synchronize();
      CUdeviceptr in[3] = {p.a.ptr(), c1.ptr(), c2.ptr()}, out[3] = {c1.ptr(), c2.ptr(), c3.ptr()};
      LaunchOptions o;
      o.overlapPrevious = overlap;
      // (HAS_BIAS = 0: bias is not read; B stands in for it, a @weight too)
      for (int i = 0; i < 3; ++i)
        k.launch(g, {DevicePtr{in[i]}, DevicePtr{p.b.ptr()}, DevicePtr{out[i]},
                     DevicePtr{p.b.ptr()}, int32_t(m), int32_t(NK), int32_t(NK)},
                 s.handle(), o);
      s.synchronize();
      std::vector<uint16_t> h(size_t(m) * NK);
      c3.download(h.data(), h.size() * 2);
      return h;
    };
    auto ref = chain(false);
    size_t nan = 0;
    for (uint16_t v : ref)
      nan += (v & 0x7f80) == 0x7f80;
    EXPECT_EQ(nan, 0u) << cfg.name << ": the plain chain left poisoned or infinite values";
    for (int rep = 0; rep < 10; ++rep)
      ASSERT_EQ(std::memcmp(chain(true).data(), ref.data(), ref.size() * 2), 0)
          << cfg.name << " at M = " << m << ", N = K = " << NK << " on " << g.x
          << " programs, overlapped chain " << rep;
    // A @weight argument that is also a written one is refused when overlapped.
    LaunchOptions o;
    o.overlapPrevious = true;
    try {
      k.launch(g, {DevicePtr{p.a.ptr()}, DevicePtr{p.b.ptr()}, DevicePtr{c1.ptr()},
                   DevicePtr{c1.ptr()}, int32_t(m), int32_t(NK), int32_t(NK)},
               s.handle(), o);
      ADD_FAILURE() << "bias = c was launched overlapped";
    } catch (const Error &e) {
      EXPECT_NE(std::string(e.what()).find("is the same pointer as 'c'"), std::string::npos)
          << e.what();
    }
  };
  for (int64_t m : {1, 17, 64})
    check(4096, m);
  check(4096, 64, Grid(7)); // several tiles per program: the stream crosses tiles
  check(256, 1);            // fewer K iterations (1) than stages
  check(256, 17);           // (2)
  // A program run by a 2-CTA cluster whose producers copy their halves of
  // B by multicast before the wait (kernels_src/CMakeLists.txt).
  const Config clustered{"matmul_cluster_overlap", "sm_90a", 0, 0, 128, 64, true};
  for (int64_t m : {1, 100, 256})
    check(4096, m, std::nullopt, &clustered);
  check(4096, 256, Grid(5), &clustered);
  // The wide overlap line: overlapped launches give the plain launch's bits.
  {
    const int64_t N = 14336, K = 4096;
    Problem p(N, K, 64);
    for (int64_t m : {1, 64}) {
      const Config &cfg = pick(cs, m, N, /*overlap=*/true);
      ASSERT_TRUE(cfg.overlapOnly) << "no overlap line for M = " << m << ", N = " << N;
      auto ref = p.run(pick(cs, m, N).name, pick(cs, m, N), m);
      Module mod = loadKernel(cfg.name);
      Kernel k = mod.kernel("matmul", Problem::expectedHash());
      p.c.fill(0xff);
      context().synchronize();
      LaunchOptions o;
      o.overlapPrevious = true;
      for (int i = 0; i < 3; ++i)
        k.launch(persistentGrid(k, cfg.bm, cfg.bn, m, N),
                 {DevicePtr{p.a.ptr()}, DevicePtr{p.b.ptr()}, DevicePtr{p.c.ptr()},
                  DevicePtr{p.b.ptr()}, int32_t(m), int32_t(N), int32_t(K)},
                 s.handle(), o);
      s.synchronize();
      std::vector<uint16_t> out(ref.size());
      p.c.download(out.data(), out.size() * 2);
      EXPECT_EQ(std::memcmp(out.data(), ref.data(), size_t(m) * N * 2), 0)
          << cfg.name << " overlapped at M = " << m;
    }
  }
  Problem p(4096, 4096, 1);
  DeviceBuffer c1(size_t(4096) * 2);
  for (const std::string &arch : {std::string("sm_90a"), std::string("sm_80")}) {
    Module plain = loadKernel(cs.back().name, arch);
    Kernel kp = plain.kernel("matmul", Problem::expectedHash());
    EXPECT_FALSE(kp.waitsPriorGrids()) << cs.back().name << " " << arch;
    LaunchOptions o;
    o.overlapPrevious = true;
    try {
      kp.launch(Grid(1), {DevicePtr{p.a.ptr()}, DevicePtr{p.b.ptr()}, DevicePtr{c1.ptr()},
                          DevicePtr{p.b.ptr()}, int32_t(1), int32_t(4096), int32_t(4096)},
                s.handle(), o);
      FAIL() << cs.back().name << " (" << arch
             << ", no grid-dependency wait) was launched to overlap the previous kernel";
    } catch (const Error &e) {
      EXPECT_NE(std::string(e.what()).find("does not wait for the previous kernel"),
                std::string::npos)
          << e.what();
    }
  }
}
