//===- Tma.h - TMA descriptors for hidden kernel parameters -----*- C++ -*-===//
//
// Kernels that copy operand blocks with TMA take, after the caller's
// arguments, one device pointer per descriptor (see `// bic-tma:` in the
// header). The runtime encodes each CUtensorMap with cuTensorMapEncodeTiled
// from the launch's base pointer and extents (a `rows=fit` box narrowed to
// the matrix's rows, as the kernel expects), and keeps a device copy per
// distinct descriptor: a launch with the same matrices reuses it (no copy,
// so launches stay capturable in CUDA graphs once warm). When the cache is
// full, the context is synchronised (no kernel can still read a copy) and
// the slots are reused.
//
//===----------------------------------------------------------------------===//
#ifndef BIC_RUNTIME_TMA_H
#define BIC_RUNTIME_TMA_H

#include "bic/runtime/Runtime.h"

#include <array>
#include <map>
#include <mutex>

namespace bic {

class TmaDescriptorCache {
public:
  static constexpr size_t kSlots = 4096, kBytes = 128;

  /// Device address of the descriptor for `t` with the launch's `args`.
  CUdeviceptr get(const KernelMeta &k, const TmaMeta &t, const std::vector<Arg> &args);
  size_t size() const;

private:
  mutable std::mutex mu_;
  std::map<std::array<uint64_t, 16>, CUdeviceptr> slots_;
  DeviceBuffer pool_;
  size_t used_ = 0;
};

} // namespace bic

#endif // BIC_RUNTIME_TMA_H
