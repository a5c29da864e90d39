//===- Tma.h - TMA descriptors for hidden kernel parameters -----*- C++ -*-===//
//
// Kernels that copy operand blocks with TMA take, after the caller's
// arguments, one CUtensorMap per descriptor by value (see `// bic-tma:` in
// the header): a 128-byte, 64-byte-aligned grid-constant parameter, as
// CUDA's `__grid_constant__ const CUtensorMap`. The runtime encodes each one
// with cuTensorMapEncodeTiled from the launch's base pointer and extents (a
// `rows=fit` box narrowed to the matrix's rows, as the kernel expects) and
// passes it with the launch: nothing lives in device memory, so a launch
// copies nothing, waits for nothing and is capturable in a CUDA graph, and
// a program's first copy does not wait for its descriptor to come from
// global memory.
//
//===----------------------------------------------------------------------===//
#ifndef BIC_RUNTIME_TMA_H
#define BIC_RUNTIME_TMA_H

#include "bic/runtime/Runtime.h"

#include <cstdint>

namespace bic {

/// A CUtensorMap: opaque, 128 bytes, 64-byte aligned.
struct alignas(64) TmaDescriptor {
  uint64_t words[16];
};
static_assert(sizeof(TmaDescriptor) == 128, "CUtensorMap is 128 bytes");

/// Encodes the descriptor `t` of kernel `k` for the launch's `args`; throws
/// bic::Error naming the kernel and the matrix when TMA cannot copy it.
TmaDescriptor encodeTma(const KernelMeta &k, const TmaMeta &t, const std::vector<Arg> &args);

} // namespace bic

#endif // BIC_RUNTIME_TMA_H
