//===- launch_overhead.cpp - CPU cost of a launch through the runtime -----===//
//
// Times bic::Kernel::launch (argument checks + cuLaunchKernel) on the CPU,
// and launch-to-completion of one small RMSNorm, through the C++ runtime.
// Prints one JSON object.
//
//   bic-bench-launch KERNEL_DIR
//
//===----------------------------------------------------------------------===//
#include "bic/runtime/Runtime.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

using namespace bic;
using Clock = std::chrono::steady_clock;

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bic-bench-launch KERNEL_DIR\n");
    return 2;
  }
  try {
    Context ctx(0);
    std::string arch = ctx.attribute(75) >= 9 ? "sm_90a" : "sm_80";
    Module mod = Module::fromFile(ctx, std::string(argv[1]) + "/rmsnorm_h4096." + arch + ".ptx");
    Kernel k = mod.kernel("rmsnorm");
    const int H = 4096, rows = 1;
    DeviceBuffer x(H * 2 * 8), w(H * 2), y(H * 2 * 8);
    x.fill(0x3c);
    w.fill(0x3c);
    Stream s;
    std::vector<Arg> args = {DevicePtr{x.ptr()}, DevicePtr{w.ptr()}, DevicePtr{y.ptr()},
                             int32_t(rows), int32_t(H), int64_t(H), 1e-6f};
    for (int i = 0; i < 100; ++i)
      k.launch(Grid(rows), args, s.handle());
    s.synchronize();
    // CPU cost per launch: batches of 1000 async launches, median batch.
    std::vector<double> perLaunch;
    for (int rep = 0; rep < 20; ++rep) {
      auto t0 = Clock::now();
      for (int i = 0; i < 1000; ++i)
        k.launch(Grid(rows), args, s.handle());
      auto t1 = Clock::now();
      s.synchronize();
      perLaunch.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count() / 1000);
    }
    // Launch to completion: launch + synchronize, median of 1000.
    std::vector<double> l2c;
    for (int i = 0; i < 1000; ++i) {
      auto t0 = Clock::now();
      k.launch(Grid(rows), args, s.handle());
      s.synchronize();
      l2c.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    }
    std::sort(perLaunch.begin(), perLaunch.end());
    std::sort(l2c.begin(), l2c.end());
    std::printf("{\"device\": \"%s\", \"launch_cpu_us_median\": %.3f, "
                "\"launch_cpu_us_min\": %.3f, \"launch_to_completion_us_median\": %.3f}\n",
                ctx.deviceName().c_str(), perLaunch[perLaunch.size() / 2],
                perLaunch.front(), l2c[l2c.size() / 2]);
  } catch (const Error &e) {
    std::fprintf(stderr, "bic-bench-launch: %s\n", e.what());
    return 1;
  }
  return 0;
}
