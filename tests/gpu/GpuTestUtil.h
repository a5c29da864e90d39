//===- GpuTestUtil.h - helpers for the GPU tests ----------------*- C++ -*-===//
#ifndef BIC_TESTS_GPU_GPUTESTUTIL_H
#define BIC_TESTS_GPU_GPUTESTUTIL_H

#include "bic/runtime/Runtime.h"

#include <gtest/gtest.h>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace bic::test {

/// Skips the current test when no GPU is usable; otherwise makes sure the
/// test process's context exists and is current.
#define BIC_REQUIRE_GPU()                                                      \
  do {                                                                         \
    if (!::bic::Driver::available())                                           \
      GTEST_SKIP() << "no CUDA driver or GPU on this machine";                 \
    ::bic::test::context().makeCurrent();                                      \
  } while (0)

/// Directory of the compiled kernels (BIC_KERNEL_DIR overrides the build's).
std::string kernelDir();
/// The shared context of the test process (created on first use).
Context &context();
/// "sm_90a" on Hopper and newer, else "sm_80".
std::string deviceArch();
/// Loads kernels/NAME.ARCH.ptx (ARCH: the device's by default; Hopper also
/// runs sm_80 PTX).
Module loadKernel(const std::string &name, const std::string &arch = deviceArch());

uint16_t toBF16(float f);
float fromBF16(uint16_t h);
uint16_t toF16(float f);
float fromF16(uint16_t h);
/// Element-wise toBF16 / toF16 of a whole host array.
std::vector<uint16_t> toBF16(const std::vector<float> &v);
std::vector<uint16_t> toF16(const std::vector<float> &v);
std::vector<float> randomFloats(size_t n, uint64_t seed, float lo, float hi);

} // namespace bic::test

#endif
