//===- Driver.cpp - dlopen of libcuda.so.1 --------------------------------===//
#include "bic/runtime/Driver.h"

#include <dlfcn.h>
#include <mutex>

using namespace bic;

namespace {
// The loaded table lives as long as the process: the driver itself is a
// process-wide resource, so this is the one piece of shared state.
struct Loaded {
  Driver d{};
  std::string error;
  bool ok = false;
};

Loaded load() {
  Loaded l;
  void *h = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char *e = dlerror();
    l.error = std::string("no CUDA driver: cannot load libcuda.so.1 (") +
              (e ? e : "unknown reason") +
              "); bic needs an NVIDIA GPU and driver to run kernels";
    return l;
  }
  auto sym = [&](auto &fn, const char *name) {
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(h, name));
    if (!fn && l.error.empty())
      l.error = std::string("the CUDA driver lacks ") + name;
  };
  Driver &d = l.d;
  sym(d.cuInit, "cuInit");
  sym(d.cuDriverGetVersion, "cuDriverGetVersion");
  sym(d.cuDeviceGetCount, "cuDeviceGetCount");
  sym(d.cuDeviceGet, "cuDeviceGet");
  sym(d.cuDeviceGetName, "cuDeviceGetName");
  sym(d.cuDeviceGetAttribute, "cuDeviceGetAttribute");
  sym(d.cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain");
  sym(d.cuDevicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease_v2");
  sym(d.cuCtxSetCurrent, "cuCtxSetCurrent");
  sym(d.cuCtxSynchronize, "cuCtxSynchronize");
  sym(d.cuModuleLoadDataEx, "cuModuleLoadDataEx");
  sym(d.cuModuleUnload, "cuModuleUnload");
  sym(d.cuModuleGetFunction, "cuModuleGetFunction");
  sym(d.cuFuncSetAttribute, "cuFuncSetAttribute");
  sym(d.cuCtxGetDevice, "cuCtxGetDevice");
  sym(d.cuOccupancyMaxActiveBlocksPerMultiprocessor,
      "cuOccupancyMaxActiveBlocksPerMultiprocessor");
  sym(d.cuLaunchKernel, "cuLaunchKernel");
  sym(d.cuMemAlloc, "cuMemAlloc_v2");
  sym(d.cuMemFree, "cuMemFree_v2");
  sym(d.cuMemcpyHtoD, "cuMemcpyHtoD_v2");
  sym(d.cuMemcpyDtoH, "cuMemcpyDtoH_v2");
  sym(d.cuMemsetD8, "cuMemsetD8_v2");
  sym(d.cuMemsetD8Async, "cuMemsetD8Async");
  sym(d.cuStreamCreate, "cuStreamCreate");
  sym(d.cuStreamDestroy, "cuStreamDestroy_v2");
  sym(d.cuStreamSynchronize, "cuStreamSynchronize");
  sym(d.cuEventCreate, "cuEventCreate");
  sym(d.cuEventDestroy, "cuEventDestroy_v2");
  sym(d.cuEventRecord, "cuEventRecord");
  sym(d.cuEventSynchronize, "cuEventSynchronize");
  sym(d.cuEventElapsedTime, "cuEventElapsedTime_v2");
  if (!d.cuEventElapsedTime) {
    l.error.clear();
    sym(d.cuEventElapsedTime, "cuEventElapsedTime");
  }
  sym(d.cuGetErrorName, "cuGetErrorName");
  // Optional: only launches that overlap the previous kernel need it.
  d.cuLaunchKernelEx =
      reinterpret_cast<decltype(d.cuLaunchKernelEx)>(dlsym(h, "cuLaunchKernelEx"));
  // Optional: only clustered kernels need it.
  d.cuOccupancyMaxActiveClusters = reinterpret_cast<decltype(d.cuOccupancyMaxActiveClusters)>(
      dlsym(h, "cuOccupancyMaxActiveClusters"));
  // Optional: only kernels with TMA descriptors need it.
  d.cuTensorMapEncodeTiled = reinterpret_cast<decltype(d.cuTensorMapEncodeTiled)>(
      dlsym(h, "cuTensorMapEncodeTiled"));
  if (!l.error.empty())
    return l;
  CUresult r = d.cuInit(0);
  if (r != 0) {
    const char *name = nullptr;
    d.cuGetErrorName(r, &name);
    l.error = std::string("cuInit failed: ") + (name ? name : "unknown error") +
              " (is there a usable NVIDIA GPU?)";
    return l;
  }
  l.ok = true;
  return l;
}

const Loaded &loaded() {
  static Loaded l = load();
  return l;
}
} // namespace

const Driver &Driver::get() {
  const Loaded &l = loaded();
  if (!l.ok)
    throw Error(l.error);
  return l.d;
}

bool Driver::available() {
  const Loaded &l = loaded();
  if (!l.ok)
    return false;
  int n = 0;
  return l.d.cuDeviceGetCount(&n) == 0 && n > 0;
}

void bic::check(CUresult r, const std::string &what) {
  if (r == 0)
    return;
  const char *name = nullptr;
  const Loaded &l = loaded();
  if (l.d.cuGetErrorName)
    l.d.cuGetErrorName(r, &name);
  throw Error(what + ": " + (name ? name : "CUDA error " + std::to_string(r)),
              r);
}
