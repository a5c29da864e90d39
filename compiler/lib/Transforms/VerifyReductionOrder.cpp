//===- VerifyReductionOrder.cpp - every reduction has a realisable order --===//
//
// The contract: the lowering realises exactly the order a reduction
// declares. This pass rejects what would break that: unknown order kinds,
// (after layout assignment) order parameters that disagree with the layout,
// atomics, and accumulations outside a fixed ascending scf.for.
//
//===----------------------------------------------------------------------===//
#include "bic/Transforms/Layout.h"
#include "bic/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/MathExtras.h"

namespace bic {
#define GEN_PASS_DEF_BICVERIFYREDUCTIONORDER
#include "bic/Transforms/Passes.h.inc"
} // namespace bic

using namespace mlir;
using namespace bic;

namespace {
struct VerifyReductionOrderPass
    : public bic::impl::BicVerifyReductionOrderBase<VerifyReductionOrderPass> {
  using Base::Base;

  LogicalResult checkReduce(ReduceOp op) {
    ReduceOrderAttr order = op.getOrder();
    if (!requireResolved)
      return success();
    if (!order.isResolved())
      return op.emitError("reduction order is declared but not resolved; "
                          "run bic-assign-layouts first");
    auto layout = TileLayout::get(op.getSrc().getType());
    if (failed(layout))
      return op.emitError("reduction operand has no layout");
    if (order != realisedTreeOrder(op.getContext(), *layout, op.getAxis()))
      return op.emitError("declared reduction order ")
             << order << " is not the order its layout realises";
    return success();
  }

  void runOnOperation() override {
    bool ok = true;
    getOperation().walk([&](Operation *op) {
      if (auto r = dyn_cast<ReduceOp>(op)) {
        ok &= succeeded(checkReduce(r));
        return;
      }
      if (auto add = dyn_cast<arith::AddFOp>(op)) {
        // acc + dot(a, b): each K tile's product is rounded on its own and
        // then added, so the bits depend on the K tile size. It is a sum
        // over K tiles when the other operand comes from a value a loop
        // around the add carries (the running sum, perhaps converted or
        // scaled) or from another such product (an unrolled loop); a
        // single dot plus a bias is not.
        auto zeroAccDot = [](Value v) -> DotOp {
          auto d = v.getDefiningOp<DotOp>();
          if (!d)
            return {};
          auto sp = d.getAcc().getDefiningOp<SplatOp>();
          auto c = sp ? sp.getSrc().getDefiningOp<arith::ConstantOp>() : nullptr;
          auto f = c ? dyn_cast<FloatAttr>(c.getValue()) : FloatAttr();
          return f && f.getValue().isZero() ? d : DotOp();
        };
        auto sumsTiles = [&](Value other) {
          SmallVector<Value> work{other};
          DenseSet<Value> seen;
          while (!work.empty()) {
            Value v = work.pop_back_val();
            if (!seen.insert(v).second)
              continue;
            if (auto arg = dyn_cast<BlockArgument>(v)) {
              auto loop = dyn_cast_or_null<scf::ForOp>(arg.getOwner()->getParentOp());
              if (loop && arg.getArgNumber() > 0 && loop->isProperAncestor(add))
                return true;
              continue;
            }
            if (zeroAccDot(v))
              return true;
            if (Operation *def = v.getDefiningOp())
              for (Value o : def->getOperands())
                work.push_back(o);
          }
          return false;
        };
        for (unsigned i = 0; i < 2; ++i)
          if (zeroAccDot(add->getOperand(i)) && sumsTiles(add->getOperand(1 - i))) {
            add.emitError("'acc + dot(a, b)' rounds each K tile's product "
                          "separately, so its bits depend on the K tile "
                          "size; accumulate in place with dot(a, b, acc)");
            ok = false;
            break;
          }
        return;
      }
      StringRef name = op->getName().getStringRef();
      if (name.contains("atomic")) {
        op->emitError("atomic read-modify-write has no fixed order and is "
                      "not allowed in a bic kernel");
        ok = false;
        return;
      }
      if (isa<scf::WhileOp, scf::ParallelOp, scf::ForallOp>(op)) {
        op->emitError("only scf.for loops (ascending, fixed step) may carry "
                      "values in a bic kernel");
        ok = false;
      }
    });
    if (!ok)
      signalPassFailure();
  }
};
} // namespace
