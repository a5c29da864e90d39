//===- CheckBatchInvariance.cpp - no reduction order from a @batch value --===//
//
// Taint analysis: a value is tainted when it is computed from a `bic.batch`
// argument. Taint may choose which rows a program touches (addresses,
// masks), but it must not decide
//   - the bounds or step of an scf.for that carries a floating-point
//     accumulator (trip count / split of a reduction), nor
//   - the condition of an scf.if whose two branches both do work (reduce,
//     accumulate or store), or that yields floating-point values (a
//     different reduction tree, accumulation type or precision per batch
//     size). A guard with one empty branch is allowed.
// The error names the chain from the batch parameter to the decision.
//
//===----------------------------------------------------------------------===//
#include "bic/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"

namespace bic {
#define GEN_PASS_DEF_BICCHECKBATCHINVARIANCE
#include "bic/Transforms/Passes.h.inc"
} // namespace bic

using namespace mlir;
using namespace bic;

namespace {
std::string locText(Location loc) {
  if (auto f = dyn_cast<FileLineColLoc>(loc))
    return (llvm::Twine(f.getFilename().getValue()) + ":" +
            llvm::Twine(f.getLine()) + ":" + llvm::Twine(f.getColumn()))
        .str();
  return "";
}

class Taint {
public:
  explicit Taint(func::FuncOp fn) : fn(fn) {
    for (BlockArgument a : fn.getArguments())
      if (fn.getArgAttr(a.getArgNumber(), kBatchArgAttr))
        parent[a] = Value();
    // The grid is chosen at launch, typically from the batch size; program
    // ids along declared batch axes index the batch.
    auto axes = fn->getAttrOfType<DenseI32ArrayAttr>(kBatchAxesAttr);
    fn.walk([&](Operation *op) {
      if (isa<NumProgramsOp>(op))
        parent[op->getResult(0)] = Value();
      if (auto p = dyn_cast<ProgramIdOp>(op))
        if (axes && llvm::is_contained(axes.asArrayRef(), int32_t(p.getAxis())))
          parent[p.getResult()] = Value();
    });
  }
  bool tainted(Value v) const { return parent.count(v); }

  /// "n_rows -> arith.muli (k.bic:4:9) -> ..." for a tainted value.
  std::string chain(Value v) const {
    SmallVector<std::string> steps;
    for (int guard = 0; v && guard < 32; ++guard) {
      if (auto a = dyn_cast<BlockArgument>(v)) {
        if (a.getOwner()->getParentOp() == fn.getOperation()) {
          auto n = fn.getArgAttrOfType<StringAttr>(a.getArgNumber(), kArgNameAttr);
          steps.push_back("@batch parameter '" +
                          (n ? n.getValue().str() : std::string("?")) + "'");
        } else {
          steps.push_back("loop variable");
        }
      } else if (isa<NumProgramsOp>(v.getDefiningOp())) {
        steps.push_back("num_programs (the launch grid) at " +
                        locText(v.getDefiningOp()->getLoc()));
      } else if (isa<ProgramIdOp>(v.getDefiningOp()) &&
                 !parent.lookup(v)) {
        steps.push_back("program_id along a batch axis at " +
                        locText(v.getDefiningOp()->getLoc()));
      } else {
        Operation *op = v.getDefiningOp();
        std::string s = op->getName().getStringRef().str();
        std::string l = locText(op->getLoc());
        steps.push_back(l.empty() ? s : s + " (" + l + ")");
      }
      auto it = parent.find(v);
      v = it == parent.end() ? Value() : it->second;
    }
    std::string out;
    for (auto it = steps.rbegin(); it != steps.rend(); ++it)
      out += (out.empty() ? "" : " -> ") + *it;
    return out;
  }

  void propagate() {
    fn.walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (auto f = dyn_cast<scf::ForOp>(op)) {
        for (Value b : {f.getLowerBound(), f.getUpperBound(), f.getStep()})
          if (tainted(b))
            parent[f.getInductionVar()] = b;
        for (auto [init, arg] : llvm::zip(f.getInitArgs(), f.getRegionIterArgs()))
          if (tainted(init))
            parent[arg] = init;
        return;
      }
      for (Value o : op->getOperands())
        if (tainted(o)) {
          for (Value r : op->getResults())
            parent.try_emplace(r, o);
          break;
        }
    });
    // Loop and if results inherit from their yields.
    fn.walk([&](scf::YieldOp y) {
      Operation *p = y->getParentOp();
      for (auto [i, v] : llvm::enumerate(y.getOperands()))
        if (tainted(v) && i < p->getNumResults())
          parent.try_emplace(p->getResult(i), v);
    });
  }

private:
  mutable func::FuncOp fn;
  llvm::DenseMap<Value, Value> parent;
};

bool hasFloat(TypeRange types) {
  return llvm::any_of(types, [](Type t) {
    return isa<FloatType>(getElementTypeOrSelf(t));
  });
}

struct CheckBatchInvariancePass
    : public bic::impl::BicCheckBatchInvarianceBase<CheckBatchInvariancePass> {
  void runOnOperation() override {
    bool ok = true;
    for (auto fn : getOperation().getOps<func::FuncOp>()) {
      Taint t(fn);
      t.propagate();
      fn.walk([&](Operation *op) {
        if (auto f = dyn_cast<scf::ForOp>(op)) {
          if (!hasFloat(f.getInitArgs().getTypes()))
            return;
          for (auto [what, v] :
               {std::pair<const char *, Value>{"lower bound", f.getLowerBound()},
                {"upper bound", f.getUpperBound()},
                {"step", f.getStep()}})
            if (t.tainted(v)) {
              f.emitError("batch-variant reduction: the ")
                  << what << " of this accumulating loop depends on the batch "
                  << "size: " << t.chain(v);
              ok = false;
              return;
            }
          return;
        }
        if (auto s = dyn_cast<arith::SelectOp>(op)) {
          // where(n_rows > 64, a, b) on a scalar condition picks a whole
          // computation by batch size; a tile mask only picks rows.
          if (!isa<RankedTensorType>(s.getCondition().getType()) &&
              t.tainted(s.getCondition()) && hasFloat(s->getResultTypes())) {
            s.emitError("batch-variant reduction: this select chooses "
                        "floating-point values by the batch size: ")
                << t.chain(s.getCondition());
            ok = false;
          }
          return;
        }
        if (auto i = dyn_cast<scf::IfOp>(op)) {
          if (!t.tainted(i.getCondition()))
            return;
          // A guard (`if row >= n_rows: return`) leaves one branch empty and
          // is fine; choosing between two computations, or yielding floats
          // chosen by the batch size, is not.
          auto works = [](Region &r) {
            bool w = false;
            r.walk([&](Operation *inner) {
              if (auto f = dyn_cast<scf::ForOp>(inner))
                w |= hasFloat(f.getInitArgs().getTypes());
              w |= isa<ReduceOp, StoreOp>(inner);
            });
            return w;
          };
          bool both = works(i.getThenRegion()) && works(i.getElseRegion());
          if (both || hasFloat(i.getResultTypes())) {
            i.emitError("batch-variant reduction: this branch chooses ")
                << (both ? "between two computations" : "floating-point values")
                << " by the batch size: " << t.chain(i.getCondition());
            ok = false;
          }
        }
      });
    }
    if (!ok)
      signalPassFailure();
  }
};
} // namespace
