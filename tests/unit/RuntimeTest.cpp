//===- RuntimeTest.cpp - the runtime on a machine without a GPU -----------===//
#include "bic/bic.h"
#include "bic/runtime/Runtime.h"

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
