//===- TileLoop.cpp - K loops inside a persistent tile loop ---------------===//
#include "bic/Transforms/TileLoop.h"

#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;

namespace bic {

FailureOr<TileLoop> analyzeTileLoop(scf::ForOp kLoop, std::string &why) {
  TileLoop r;
  Operation *parent = kLoop->getParentOp();
  if (!isa<scf::ForOp>(parent)) {
    if (parent->getParentOfType<scf::ForOp>() || !isa<FunctionOpInterface>(parent)) {
      why = "the K loop is nested in a region other than a tile loop";
      return failure();
    }
    return r;
  }
  r.outer = cast<scf::ForOp>(parent);
  if (!isa<FunctionOpInterface>(r.outer->getParentOp())) {
    why = "the tile loop is nested in another region";
    return failure();
  }
  if (r.outer.getInductionVar().getType() != kLoop.getInductionVar().getType()) {
    why = "the tile and K loop variables have different types";
    return failure();
  }
  for (Value v : {kLoop.getLowerBound(), kLoop.getUpperBound(), kLoop.getStep()})
    if (r.outer->isAncestor(v.getParentRegion()->getParentOp())) {
      why = "the K loop's bounds change from tile to tile";
      return failure();
    }
  // Everything the K loop body reads from the tile loop's body.
  llvm::SetVector<Operation *> need;
  SmallVector<Value> work;
  kLoop.getBody()->walk([&](Operation *op) {
    for (Value o : op->getOperands())
      work.push_back(o);
  });
  while (!work.empty()) {
    Value v = work.pop_back_val();
    Operation *def = v.getDefiningOp();
    if (!def || def->getBlock() != r.outer.getBody() || need.contains(def))
      continue;
    if (!isMemoryEffectFree(def) || def->getNumRegions()) {
      why = "a tile coordinate comes from an operation with side effects";
      return failure();
    }
    need.insert(def);
    for (Value o : def->getOperands())
      work.push_back(o);
  }
  for (Operation &op : r.outer.getBody()->without_terminator())
    if (need.contains(&op)) {
      r.slice.push_back(&op);
      for (Value v : op.getResults())
        if (llvm::any_of(v.getUsers(), [&](Operation *u) { return kLoop->isAncestor(u); }))
          r.inputs.push_back(v);
    }
  return r;
}

} // namespace bic
