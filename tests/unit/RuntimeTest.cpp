//===- RuntimeTest.cpp - the runtime on a machine without a GPU -----------===//
#include "bic/bic.h"
#include "bic/runtime/Metadata.h"
#include "bic/runtime/Runtime.h"
#include "../../runtime/src/Tma.h" // the runtime's own, not installed

#include <gtest/gtest.h>

using namespace bic;

TEST(Runtime, NoDriverIsAClearError) {
  if (Driver::available())
    GTEST_SKIP() << "a GPU is present";
  try {
    Context ctx(0);
    FAIL() << "expected an error";
  } catch (const Error &e) {
    std::string msg = e.what();
    EXPECT_TRUE(msg.find("CUDA driver") != std::string::npos ||
                msg.find("cuInit") != std::string::npos)
        << msg;
  }
}

TEST(Runtime, CApiReportsErrors) {
  if (Driver::available())
    GTEST_SKIP() << "a GPU is present";
  bic_context *ctx = nullptr;
  EXPECT_EQ(bic_context_create(0, &ctx), -1);
  EXPECT_NE(std::string(bic_last_error()), "");
  EXPECT_EQ(bic_driver_available(), 0);
}

TEST(Runtime, ArgDescriptions) {
  EXPECT_EQ(Arg(int32_t(3)).describe(), "i32 3");
  EXPECT_EQ(Arg(int64_t(-1)).describe(), "i64 -1");
  EXPECT_EQ(Arg(DevicePtr{16}).kind(), Arg::Kind::Ptr);
}

// A TMA descriptor the copy engine cannot use is refused at launch, naming
// the kernel and the matrix, before the driver is asked (no GPU needed).
TEST(Tma, RefusesMatricesItCannotCopy) {
  ModuleMeta m = parseMetadata(
      "// bic-version: 0.2.0\n// bic-arch: sm_90a\n// bic-kernel: mm\n// bic-threads: 128\n"
      "// bic-param: a ptr<bf16>\n// bic-param: M i32 batch\n// bic-param: K i32\n"
      "// bic-tma: base=0 shape=1,2 box=128,64 swizzle=128 rows=fit by=value\n"
      "// bic-order-hash: 0000000000000000\n// bic-end\n");
  const KernelMeta &k = m.kernels[0];
  auto refused = [&](int32_t rows, int32_t cols) -> std::string {
    try {
      encodeTma(k, k.tma[0], {DevicePtr{0x10000}, rows, cols});
    } catch (const Error &e) {
      return e.what();
    }
    return "";
  };
  std::string odd = refused(100, 4100); // rows of 8200 bytes
  EXPECT_NE(odd.find("kernel 'mm' matrix 'a'"), std::string::npos) << odd;
  EXPECT_NE(odd.find("not a multiple of 16 bytes"), std::string::npos) << odd;
  std::string empty = refused(0, 4096);
  EXPECT_NE(empty.find("must be positive"), std::string::npos) << empty;
}
