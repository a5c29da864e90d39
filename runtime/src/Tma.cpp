//===- Tma.cpp - TMA descriptors for hidden kernel parameters -------------===//
#include "Tma.h"

using namespace bic;

namespace {
// CUtensorMapDataType, CUtensorMapSwizzle, CUtensorMapL2promotion values.
constexpr int kFloat16 = 6, kFloat32 = 7, kBFloat16 = 9;
constexpr int kSwizzle32B = 1, kSwizzle64B = 2, kSwizzle128B = 3;
constexpr int kL2Promotion256B = 3, kOobZero = 0;

struct ElemType {
  int code;
  unsigned bytes;
};

ElemType elemOf(const std::string &ptrType, const std::string &where) {
  if (ptrType == "ptr<bf16>")
    return {kBFloat16, 2};
  if (ptrType == "ptr<f16>")
    return {kFloat16, 2};
  if (ptrType == "ptr<f32>")
    return {kFloat32, 4};
  throw Error(where + ": TMA does not support element type " + ptrType);
}
} // namespace

TmaDescriptor bic::encodeTma(const KernelMeta &k, const TmaMeta &t,
                             const std::vector<Arg> &args) {
  const ParamMeta &bp = k.params[t.base];
  std::string where = "kernel '" + k.name + "' matrix '" + bp.name + "'";
  ElemType e = elemOf(bp.type, where);
  uint64_t rows = args[t.shape[0]].asInt(), cols = args[t.shape[1]].asInt();
  if (int64_t(rows) <= 0 || int64_t(cols) <= 0)
    throw Error(where + ": extents " + std::to_string(int64_t(rows)) + " x " +
                std::to_string(int64_t(cols)) + " must be positive");
  if ((cols * e.bytes) % 16)
    throw Error(where + ": rows of " + std::to_string(cols) + " elements are not a "
                "multiple of 16 bytes, which TMA needs");
  if (t.box[1] * e.bytes != t.swizzle)
    throw Error(where + ": a " + std::to_string(t.swizzle) + "-byte swizzled block must be " +
                std::to_string(t.swizzle) + " bytes wide, not " +
                std::to_string(t.box[1] * e.bytes));
  const int swizzle = t.swizzle == 128 ? kSwizzle128B
                      : t.swizzle == 64 ? kSwizzle64B
                                        : kSwizzle32B;
  uint64_t dims[2] = {cols, rows}; // innermost first
  uint64_t strides[1] = {cols * e.bytes};
  // A box taller than the matrix would copy rows that are all zero fill:
  // TMA takes as long over those as over real ones (a 64-row box over one
  // token was 2x slower than over 64), so `rows=fit` kernels get the rows
  // that exist, and announce that many bytes.
  uint32_t box[2] = {t.box[1], t.boxRowsFor(rows)}, elemStrides[2] = {1, 1};
  void *base = reinterpret_cast<void *>(args[t.base].asPtr());

  TmaDescriptor map{};
  const Driver &d = Driver::get();
  if (!d.cuTensorMapEncodeTiled)
    throw Error(where + ": the CUDA driver has no cuTensorMapEncodeTiled "
                "(TMA needs a CUDA 12 or newer driver)");
  check(d.cuTensorMapEncodeTiled(map.words, e.code, 2, base, dims, strides, box,
                                 elemStrides, /*interleave=*/0, swizzle,
                                 kL2Promotion256B, kOobZero),
        "cuTensorMapEncodeTiled(" + where + ", " + std::to_string(rows) + " x " +
            std::to_string(cols) + ")");
  return map;
}
