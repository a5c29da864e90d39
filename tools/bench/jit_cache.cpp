//===- jit_cache.cpp - cost of a JIT cache hit, and of a compile ----------===//
//
// Prints one JSON object: median microseconds of a cold compile, an
// in-memory hit and a disk hit (fresh Compiler on a warm directory) for the
// shipped RMSNorm. Runs without a GPU.
//
//   bic-bench-jit KERNELS_SRC_DIR
//
//===----------------------------------------------------------------------===//
#include "bic/jit/JIT.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

template <typename F> static double medianUs(int reps, F &&f) {
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    auto t0 = Clock::now();
    f(i);
    t.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bic-bench-jit KERNELS_SRC_DIR\n");
    return 2;
  }
  std::ifstream in(std::string(argv[1]) + "/rmsnorm.bic");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string src = ss.str();
  char tmpl[] = "/tmp/bic-bench-jit-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  bic::jit::Options o;
  o.defines["BLOCK"] = 8192;
  double cold = medianUs(5, [&](int i) {
    bic::jit::Compiler c("none");
    bic::jit::Options oi = o;
    oi.defines["BLOCK"] = 1024 << (i % 4);
    c.compileToPTX(src, oi);
  });
  bic::jit::Compiler warm(dir);
  warm.compileToPTX(src, o);
  double mem = medianUs(1000, [&](int) { warm.compileToPTX(src, o); });
  double disk = medianUs(200, [&](int) {
    bic::jit::Compiler fresh(dir);
    fresh.compileToPTX(src, o);
  });
  fs::remove_all(dir);
  std::printf("{\"compile_us_median\": %.1f, \"memory_hit_us_median\": %.2f, "
              "\"disk_hit_us_median\": %.2f}\n", cold, mem, disk);
  return 0;
}
