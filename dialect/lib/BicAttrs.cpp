//===- BicAttrs.cpp - layout and reduction-order attributes ---------------===//
#include "bic/Dialect/Bic.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace bic;

#define GET_ATTRDEF_CLASSES
#include "bic/Dialect/BicAttrs.cpp.inc"

void BicDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "bic/Dialect/BicAttrs.cpp.inc"
      >();
}

static bool isPow2(unsigned v) { return v && !(v & (v - 1)); }

LogicalResult
BlockedLayoutAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                          ArrayRef<unsigned> sizePerThread,
                          ArrayRef<unsigned> threadsPerWarp,
                          ArrayRef<unsigned> warpsPerCTA, bool rowsLanesFirst) {
  if (sizePerThread.size() != threadsPerWarp.size() ||
      sizePerThread.size() != warpsPerCTA.size() || sizePerThread.empty())
    return emitError() << "layout arrays must have one equal, non-zero rank";
  unsigned lanes = 1;
  for (size_t d = 0; d < sizePerThread.size(); ++d) {
    if (!isPow2(sizePerThread[d]) || !isPow2(threadsPerWarp[d]) ||
        !isPow2(warpsPerCTA[d]))
      return emitError() << "layout sizes must be powers of two";
    lanes *= threadsPerWarp[d];
  }
  if (lanes != 32)
    return emitError() << "threadsPerWarp must multiply to 32, got " << lanes;
  if (rowsLanesFirst && sizePerThread.size() != 2)
    return emitError() << "rowsLanesFirst needs a rank-2 layout";
  return success();
}

LogicalResult
ReduceOrderAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                        StringRef kind, int64_t perThread,
                        ArrayRef<int64_t> lanes, int64_t warps, int64_t run) {
  if (kind != "tree")
    return emitError() << "unknown reduction order kind '" << kind
                       << "' (expected \"tree\")";
  if (perThread < 0 || warps < 0 || run < 0)
    return emitError() << "reduction order counts must not be negative";
  if (run && (run >= perThread || perThread % run))
    return emitError() << "a run of " << run << " must divide perThread ("
                       << perThread << ") and be smaller (omit it when a "
                       << "thread's elements are all consecutive)";
  for (int64_t l : lanes)
    if (l <= 0 || l >= 32 || (l & (l - 1)))
      return emitError() << "butterfly lane offset " << l
                         << " is not a power of two below 32";
  return success();
}
