//===- GpuTestUtil.cpp - helpers for the GPU tests ------------------------===//
#include "GpuTestUtil.h"

#include <cstdlib>
#include <cstring>

namespace bic::test {

std::string kernelDir() {
  if (const char *d = std::getenv("BIC_KERNEL_DIR"))
    return d;
  return BIC_KERNEL_DIR;
}

Context &context() {
  static std::unique_ptr<Context> ctx = std::make_unique<Context>(0);
  return *ctx;
}

Module loadKernel(const std::string &name) {
  Context &ctx = context();
  // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75
  std::string arch = ctx.attribute(75) >= 9 ? "sm_90a" : "sm_80";
  return Module::fromFile(ctx, kernelDir() + "/" + name + "." + arch + ".ptx");
}

uint16_t toBF16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffff) > 0x7f800000)
    return 0x7fc0;
  u += 0x7fff + ((u >> 16) & 1); // round to nearest even
  return uint16_t(u >> 16);
}

float fromBF16(uint16_t h) {
  uint32_t u = uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

std::vector<float> randomFloats(size_t n, uint64_t seed, float lo, float hi) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto &x : v)
    x = d(rng);
  return v;
}

} // namespace bic::test
