//===- GpuTestUtil.cpp - helpers for the GPU tests ------------------------===//
#include "GpuTestUtil.h"

#include <algorithm>
#include <cmath>
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

std::string deviceArch() {
  // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75
  return context().attribute(75) >= 9 ? "sm_90a" : "sm_80";
}

Module loadKernel(const std::string &name, const std::string &arch) {
  return Module::fromFile(context(), kernelDir() + "/" + name + "." + arch + ".ptx");
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

uint16_t toF16(float f) {
  // Round to nearest even; inputs in the tests are normal and in range.
  uint32_t u;
  std::memcpy(&u, &f, 4);
  uint32_t sign = (u >> 16) & 0x8000;
  int32_t exp = int32_t((u >> 23) & 0xff) - 127 + 15;
  uint32_t mant = u & 0x7fffff;
  if (exp <= 0) { // subnormal or zero
    if (exp < -10)
      return uint16_t(sign);
    mant |= 0x800000;
    uint32_t shift = uint32_t(14 - exp);
    uint32_t h = mant >> shift, rem = mant & ((1u << shift) - 1), half = 1u << (shift - 1);
    if (rem > half || (rem == half && (h & 1)))
      ++h;
    return uint16_t(sign | h);
  }
  uint32_t h = (uint32_t(exp) << 10) | (mant >> 13), rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem == 0x1000 && (h & 1)))
    ++h;
  return uint16_t(sign | std::min<uint32_t>(h, 0x7c00));
}

float fromF16(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  float f;
  if (exp == 0) {
    f = std::ldexp(float(mant), -24);
    return sign ? -f : f;
  }
  uint32_t u = sign | ((exp == 31 ? 255 : exp - 15 + 127) << 23) | (mant << 13);
  std::memcpy(&f, &u, 4);
  return f;
}

std::vector<uint16_t> toBF16(const std::vector<float> &v) {
  std::vector<uint16_t> out(v.size());
  for (size_t i = 0; i < v.size(); ++i)
    out[i] = toBF16(v[i]);
  return out;
}

std::vector<uint16_t> toF16(const std::vector<float> &v) {
  std::vector<uint16_t> out(v.size());
  for (size_t i = 0; i < v.size(); ++i)
    out[i] = toF16(v[i]);
  return out;
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
