//===- ElementwiseTest.cpp - scale_add.bic and softmax.bic on the GPU -----===//
#include "GpuTestUtil.h"

#include <cmath>
#include <cstring>

using namespace bic;
using namespace bic::test;

TEST(ScaleAdd, MatchesReferenceOnRaggedSize) {
  BIC_REQUIRE_GPU();
  Module mod = loadKernel("scale_add");
  Kernel k = mod.kernel("scale_add");
  const int n = 1000003; // not a multiple of the block
  auto a = randomFloats(n, 7, -1, 1), b = randomFloats(n, 8, -1, 1);
  DeviceBuffer da(n * 4), db(n * 4), dout(n * 4 + 64);
  da.upload(a.data(), n * 4);
  db.upload(b.data(), n * 4);
  dout.fill(0xff);
  const float alpha = 1.75f;
  k.launch(Grid((n + 1023) / 1024),
           {DevicePtr{da.ptr()}, DevicePtr{db.ptr()}, DevicePtr{dout.ptr()},
            int32_t(n), alpha});
  context().synchronize();
  std::vector<float> out(n + 16);
  dout.download(out.data(), (n + 16) * 4);
  double maxErr = 0;
  for (int i = 0; i < n; ++i)
    maxErr = std::max(maxErr, std::fabs(double(out[i]) - (double(alpha) * a[i] + b[i])));
  EXPECT_LT(maxErr, 1e-6);
  uint32_t tail;
  std::memcpy(&tail, &out[n], 4);
  EXPECT_EQ(tail, 0xffffffffu) << "wrote past n";
}

TEST(Softmax, MatchesReferenceAndIsBatchInvariant) {
  BIC_REQUIRE_GPU();
  Module mod = loadKernel("softmax");
  Kernel k = mod.kernel("softmax");
  const int rows = 1000, cols = 1000, stride = 1024;
  auto x = randomFloats(size_t(rows) * stride, 11, -8, 8);
  DeviceBuffer dx(x.size() * 4), dy(x.size() * 4);
  dx.upload(x.data(), x.size() * 4);
  auto run = [&](int n) {
    dy.fill(0xff);
    k.launch(Grid((n + 3) / 4), {DevicePtr{dx.ptr()}, DevicePtr{dy.ptr()},
                                 int32_t(n), int32_t(cols), int64_t(stride)});
    context().synchronize();
    std::vector<float> y(x.size());
    dy.download(y.data(), y.size() * 4);
    return y;
  };
  auto y = run(rows);
  double num = 0, den = 0;
  for (int r = 0; r < rows; ++r) {
    double m = -1e300, s = 0;
    for (int c = 0; c < cols; ++c)
      m = std::max(m, double(x[size_t(r) * stride + c]));
    for (int c = 0; c < cols; ++c)
      s += std::exp(x[size_t(r) * stride + c] - m);
    for (int c = 0; c < cols; ++c) {
      double ref = std::exp(x[size_t(r) * stride + c] - m) / s;
      double got = y[size_t(r) * stride + c];
      num += (got - ref) * (got - ref);
      den += ref * ref;
    }
  }
  EXPECT_LT(std::sqrt(num / den), 1e-5);
  for (int n : {1, 7, 333}) {
    auto part = run(n);
    for (int r = 0; r < n; ++r)
      ASSERT_EQ(std::memcmp(&part[size_t(r) * stride], &y[size_t(r) * stride],
                            cols * 4), 0)
          << "row " << r << " differs at n_rows=" << n;
  }
}

// Kernels with equal order signatures give equal bits: softmax with 4 or 8
// rows per program differs only along the non-reduced axis. ROWS=2 puts two
// warps on the reduced axis, which changes the signature (and may change
// bits), and the runtime contract refuses it where the ROWS=4 order is
// required.
TEST(OrderSignature, EqualSignaturesGiveEqualBits) {
  BIC_REQUIRE_GPU();
  Module m4 = loadKernel("softmax"), m8 = loadKernel("softmax_r8"),
         m2 = loadKernel("softmax_r2");
  Kernel k4 = m4.kernel("softmax"), k8 = m8.kernel("softmax");
  ASSERT_EQ(k4.meta().orderHash, k8.meta().orderHash);
  ASSERT_NE(k4.meta().orderHash, m2.kernel("softmax").meta().orderHash);
  EXPECT_THROW(m2.kernel("softmax", k4.meta().orderHash), Error);
  const int rows = 999, cols = 1000, stride = 1024;
  auto x = randomFloats(size_t(rows) * stride, 21, -10, 10);
  DeviceBuffer dx(x.size() * 4), d4(x.size() * 4), d8(x.size() * 4);
  dx.upload(x.data(), x.size() * 4);
  d4.fill(0xff);
  d8.fill(0xff);
  auto args = [&](DeviceBuffer &y) {
    return std::vector<Arg>{DevicePtr{dx.ptr()}, DevicePtr{y.ptr()}, int32_t(rows),
                            int32_t(cols), int64_t(stride)};
  };
  k4.launch(Grid((rows + 3) / 4), args(d4));
  m8.kernel("softmax", k4.meta().orderHash).launch(Grid((rows + 7) / 8), args(d8));
  context().synchronize();
  std::vector<float> y4(x.size()), y8(x.size());
  d4.download(y4.data(), y4.size() * 4);
  d8.download(y8.data(), y8.size() * 4);
  for (int r = 0; r < rows; ++r)
    ASSERT_EQ(std::memcmp(&y4[size_t(r) * stride], &y8[size_t(r) * stride], cols * 4), 0)
        << "row " << r;
}
