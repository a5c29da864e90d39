//===- AotTest.cpp - a kernel shipped as C++ (bic compile --emit=cpp) -----===//
#include "GpuTestUtil.h"
#include "scale_add_aot.h"

#include <cmath>

using namespace bic;
using namespace bic::test;

TEST(Aot, ScaleAddThroughTheGeneratedLauncher) {
  BIC_REQUIRE_GPU();
  if (context().attribute(75) < 9)
    GTEST_SKIP() << "the AOT module is built for sm_90a";
  bic_aot::scale_add_aot::scale_add k(context());
  EXPECT_EQ(std::string(k.kernel().meta().orderHash),
            bic_aot::scale_add_aot::scale_add::kOrderHash);
  const int n = 70001;
  auto a = randomFloats(n, 3, -1, 1), b = randomFloats(n, 4, -1, 1);
  DeviceBuffer da(n * 4), db(n * 4), dout(n * 4);
  da.upload(a.data(), n * 4);
  db.upload(b.data(), n * 4);
  dout.fill(0xff);
  k(Grid((n + 1023) / 1024), da.ptr(), db.ptr(), dout.ptr(), n, 0.5f);
  context().synchronize();
  std::vector<float> out(n);
  dout.download(out.data(), n * 4);
  for (int i = 0; i < n; ++i)
    ASSERT_NEAR(out[i], 0.5f * a[i] + b[i], 1e-6f) << i;
}
