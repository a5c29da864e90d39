//===- RMSNormTest.cpp - rmsnorm.bic on the GPU ---------------------------===//
//
// Against an fp64 reference on fresh random inputs, every output element
// written; row i bitwise identical for every token count; 100 repeated runs
// bitwise identical.
//
//===----------------------------------------------------------------------===//
#include "GpuTestUtil.h"

#include <cmath>
#include <cstring>

using namespace bic;
using namespace bic::test;

namespace {
struct Case {
  const char *kernel;
  int hidden;
};

class RMSNorm : public ::testing::TestWithParam<Case> {
protected:
  static constexpr int kRows = 4096;
  static constexpr float kEps = 1e-6f;

  void SetUp() override {
    BIC_REQUIRE_GPU();
    H = GetParam().hidden;
    mod = std::make_unique<Module>(loadKernel(GetParam().kernel));
    auto k = mod->kernel("rmsnorm");
    kernel = std::make_unique<Kernel>(k);
    auto xf = randomFloats(size_t(kRows) * H, 1234 + H, -3.f, 3.f);
    auto wf = randomFloats(H, 99 + H, 0.5f, 1.5f);
    hx = toBF16(xf);
    hw = toBF16(wf);
    x = DeviceBuffer(hx.size() * 2);
    w = DeviceBuffer(hw.size() * 2);
    y = DeviceBuffer(hx.size() * 2);
    x.upload(hx.data(), hx.size() * 2);
    w.upload(hw.data(), hw.size() * 2);
  }

  std::vector<uint16_t> run(int rows) {
    y.fill(0xff); // poison: bf16 0xffff is NaN
    kernel->launch(Grid(rows),
                   {DevicePtr{x.ptr()}, DevicePtr{w.ptr()}, DevicePtr{y.ptr()},
                    int32_t(rows), int32_t(H), int64_t(H), kEps});
    context().synchronize();
    std::vector<uint16_t> out(size_t(kRows) * H);
    y.download(out.data(), out.size() * 2);
    return out;
  }

  int H = 0;
  std::unique_ptr<Module> mod;
  std::unique_ptr<Kernel> kernel;
  std::vector<uint16_t> hx, hw;
  DeviceBuffer x, w, y;
};

TEST_P(RMSNorm, MatchesFp64Reference) {
  auto out = run(kRows);
  double num = 0, den = 0;
  size_t unwritten = 0;
  for (int r = 0; r < kRows; ++r) {
    double ss = 0;
    for (int c = 0; c < H; ++c) {
      double v = fromBF16(hx[size_t(r) * H + c]);
      ss += v * v;
    }
    double inv = 1.0 / std::sqrt(ss / H + kEps);
    for (int c = 0; c < H; ++c) {
      double ref = fromBF16(hx[size_t(r) * H + c]) * inv * fromBF16(hw[c]);
      float got = fromBF16(out[size_t(r) * H + c]);
      if (std::isnan(got))
        ++unwritten;
      num += (got - ref) * (got - ref);
      den += ref * ref;
    }
  }
  EXPECT_EQ(unwritten, 0u) << "output elements left unwritten (still NaN)";
  double rel = std::sqrt(num / den);
  EXPECT_LT(rel, 5e-3) << "relative error vs fp64";
  RecordProperty("rel_error", std::to_string(rel));
}

TEST_P(RMSNorm, BitwiseInvariantAcrossTokenCounts) {
  auto full = run(kRows);
  for (int rows : {1, 3, 8, 17, 256, 1000, 4096}) {
    auto part = run(rows);
    EXPECT_EQ(std::memcmp(part.data(), full.data(), size_t(rows) * H * 2), 0)
        << "rows differ at token count " << rows;
    // Rows past the batch are not touched.
    if (rows < kRows)
      EXPECT_EQ(part[size_t(rows) * H], 0xffff) << "wrote past n_rows=" << rows;
  }
}

TEST_P(RMSNorm, BitwiseIdenticalOver100Runs) {
  auto first = run(kRows);
  for (int i = 0; i < 100; ++i) {
    auto again = run(kRows);
    ASSERT_EQ(std::memcmp(again.data(), first.data(), first.size() * 2), 0)
        << "run " << i << " differs";
  }
}

INSTANTIATE_TEST_SUITE_P(Hidden, RMSNorm,
                         ::testing::Values(Case{"rmsnorm_h8192", 8192},
                                           Case{"rmsnorm_h4096", 4096},
                                           Case{"rmsnorm_h8192", 5000}),
                         [](const auto &info) {
                           return std::string(info.param.kernel) + "_n" +
                                  std::to_string(info.param.hidden);
                         });

TEST(RMSNormLaunch, RejectsBadArguments) {
  BIC_REQUIRE_GPU();
  Module mod = loadKernel("rmsnorm_h8192");
  Kernel k = mod.kernel("rmsnorm");
  DeviceBuffer b(1 << 16);
  DevicePtr p{b.ptr()};
  // n_cols not a multiple of 8.
  EXPECT_THROW(k.launch(Grid(1), {p, p, p, int32_t(1), int32_t(4095), int64_t(4096), 1e-6f}),
               Error);
  // Misaligned pointer.
  EXPECT_THROW(k.launch(Grid(1), {DevicePtr{b.ptr() + 2}, p, p, int32_t(1),
                                  int32_t(4096), int64_t(4096), 1e-6f}),
               Error);
  // Wrong type (i64 where i32 is declared).
  EXPECT_THROW(k.launch(Grid(1), {p, p, p, int64_t(1), int32_t(4096),
                                  int64_t(4096), 1e-6f}),
               Error);
  // Order contract.
  EXPECT_NO_THROW(k.requireOrder(k.meta().orderHash));
  EXPECT_THROW(k.requireOrder("0000000000000000"), Error);
}
} // namespace
