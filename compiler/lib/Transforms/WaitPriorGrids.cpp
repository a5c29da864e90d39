//===- WaitPriorGrids.cpp - overlap a kernel with the one before it -------===//
//
// With programmatic dependent launch (sm_90) a kernel may start while the
// previous kernel on the stream is still finishing: its programs take the
// multiprocessors that kernel's programs leave, and set up while the last
// ones run. It must not touch memory that kernel writes, or write memory
// it reads, before `griddepcontrol.wait`; this pass puts that wait
// (bic.wait_prior_grids) first in every kernel built for such launches
// (`overlap=1`, bic.overlap) that has not placed one itself.
// bic-pipeline-dots places it later in a warp-specialised kernel, after
// the first copies of `@weight` operands. Kernels for plain launches get
// nothing: the instructions were measured to move their timing by several
// percent either way.
//
//===----------------------------------------------------------------------===//
#include "bic/Dialect/Bic.h"
#include "bic/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace bic {
#define GEN_PASS_DEF_BICWAITPRIORGRIDS
#include "bic/Transforms/Passes.h.inc"
} // namespace bic

using namespace mlir;
using namespace bic;

namespace {
struct WaitPriorGridsPass : public bic::impl::BicWaitPriorGridsBase<WaitPriorGridsPass> {
  void runOnOperation() override {
    for (auto fn : getOperation().getOps<func::FuncOp>()) {
      if (!fn->hasAttr(kKernelAttr) || !fn->hasAttr(kOverlapAttr) || fn.isExternal())
        continue;
      bool placed = false;
      fn.walk([&](WaitPriorGridsOp) { placed = true; });
      if (placed)
        continue;
      OpBuilder b = OpBuilder::atBlockBegin(&fn.getBody().front());
      b.create<WaitPriorGridsOp>(fn.getLoc());
    }
  }
};
} // namespace
