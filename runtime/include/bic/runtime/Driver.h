//===- Driver.h - the CUDA driver API, loaded at run time -------*- C++ -*-===//
//
// bic never links libcuda: it is opened with dlopen on first use, so every
// binary starts on a machine without a GPU and reports that plainly. Only the
// handful of driver types bic needs are declared here (ABI-compatible with
// cuda.h), so the runtime builds without the CUDA headers.
//
//===----------------------------------------------------------------------===//
#ifndef BIC_RUNTIME_DRIVER_H
#define BIC_RUNTIME_DRIVER_H

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace bic {

using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
struct CUctx_st;
struct CUmod_st;
struct CUfunc_st;
struct CUstream_st;
struct CUevent_st;
using CUcontext = CUctx_st *;
using CUmodule = CUmod_st *;
using CUfunction = CUfunc_st *;
using CUstream = CUstream_st *;
using CUevent = CUevent_st *;

/// cuLaunchKernelEx's configuration (CUlaunchConfig, CUlaunchAttribute).
struct alignas(8) LaunchAttribute {
  int id;
  char pad[4];
  union {
    char bytes[64];
    int value;
  };
};
struct LaunchConfig {
  unsigned gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY, blockDimZ;
  unsigned sharedMemBytes;
  CUstream hStream;
  LaunchAttribute *attrs;
  unsigned numAttrs;
};
static_assert(sizeof(LaunchAttribute) == 72 && offsetof(LaunchAttribute, bytes) == 8,
              "LaunchAttribute must match CUlaunchAttribute");
static_assert(sizeof(LaunchConfig) == 56 && offsetof(LaunchConfig, attrs) == 40 &&
                  offsetof(LaunchConfig, numAttrs) == 48,
              "LaunchConfig must match CUlaunchConfig");
/// CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION.
inline constexpr int kLaunchAttrProgrammaticSerialization = 6;

/// Any failure of the runtime: names the operation and, for driver calls,
/// the CUDA error (e.g. "cuLaunchKernel(rmsnorm): CUDA_ERROR_INVALID_VALUE").
class Error : public std::runtime_error {
public:
  explicit Error(const std::string &what, CUresult code = 0)
      : std::runtime_error(what), code_(code) {}
  CUresult code() const { return code_; }

private:
  CUresult code_;
};

/// The driver entry points bic uses. Obtain with Driver::get(), which loads
/// libcuda.so.1 once and throws bic::Error when it is missing.
struct Driver {
  CUresult (*cuInit)(unsigned);
  CUresult (*cuDriverGetVersion)(int *);
  CUresult (*cuDeviceGetCount)(int *);
  CUresult (*cuDeviceGet)(CUdevice *, int);
  CUresult (*cuDeviceGetName)(char *, int, CUdevice);
  CUresult (*cuDeviceGetAttribute)(int *, int, CUdevice);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*cuDevicePrimaryCtxRelease)(CUdevice);
  CUresult (*cuCtxSetCurrent)(CUcontext);
  CUresult (*cuCtxSynchronize)();
  CUresult (*cuModuleLoadDataEx)(CUmodule *, const void *, unsigned, int *, void **);
  CUresult (*cuModuleUnload)(CUmodule);
  CUresult (*cuModuleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*cuFuncSetAttribute)(CUfunction, int, int);
  CUresult (*cuCtxGetDevice)(CUdevice *);
  CUresult (*cuOccupancyMaxActiveBlocksPerMultiprocessor)(int *, CUfunction, int, size_t);
  CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned,
                             unsigned, unsigned, unsigned, CUstream, void **,
                             void **);
  /// cuLaunchKernelEx (CUDA 12+ drivers; null if the driver lacks it).
  CUresult (*cuLaunchKernelEx)(const LaunchConfig *, CUfunction, void **, void **);
  /// cuOccupancyMaxActiveClusters (CUDA 12+ drivers; null if the driver lacks
  /// it): how many clusters of a clustered kernel run at once.
  CUresult (*cuOccupancyMaxActiveClusters)(int *, CUfunction, const LaunchConfig *);
  CUresult (*cuMemAlloc)(CUdeviceptr *, size_t);
  CUresult (*cuMemFree)(CUdeviceptr);
  CUresult (*cuMemcpyHtoD)(CUdeviceptr, const void *, size_t);
  CUresult (*cuMemcpyDtoH)(void *, CUdeviceptr, size_t);
  CUresult (*cuMemsetD8)(CUdeviceptr, unsigned char, size_t);
  CUresult (*cuMemsetD8Async)(CUdeviceptr, unsigned char, size_t, CUstream);
  CUresult (*cuStreamCreate)(CUstream *, unsigned);
  CUresult (*cuStreamDestroy)(CUstream);
  CUresult (*cuStreamSynchronize)(CUstream);
  CUresult (*cuEventCreate)(CUevent *, unsigned);
  CUresult (*cuEventDestroy)(CUevent);
  CUresult (*cuEventRecord)(CUevent, CUstream);
  CUresult (*cuEventSynchronize)(CUevent);
  CUresult (*cuEventElapsedTime)(float *, CUevent, CUevent);
  CUresult (*cuGetErrorName)(CUresult, const char **);
  /// cuTensorMapEncodeTiled (CUDA 12+ drivers; null if the driver lacks it).
  CUresult (*cuTensorMapEncodeTiled)(void *tensorMap, int dataType, uint32_t rank,
                                     void *globalAddress, const uint64_t *globalDim,
                                     const uint64_t *globalStrides, const uint32_t *boxDim,
                                     const uint32_t *elementStrides, int interleave,
                                     int swizzle, int l2Promotion, int oobFill);

  /// Loads the driver once per process. Throws bic::Error("no CUDA driver
  /// ...") when libcuda.so.1 cannot be opened.
  static const Driver &get();
  /// True when a driver loads and reports at least one device; never throws.
  static bool available();
};

/// Throws bic::Error naming `what` and the CUDA error when `r` != 0.
void check(CUresult r, const std::string &what);

} // namespace bic

#endif // BIC_RUNTIME_DRIVER_H
