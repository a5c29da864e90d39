//===- OrderSignature.cpp - canonical text of a kernel's reduction orders -===//
#include "bic/Transforms/OrderSignature.h"

#include "bic/Dialect/Bic.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace bic;

static std::string typeStr(Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  t.print(os);
  return s;
}

// A loop bound: its constant, or the kernel argument it is, or "dynamic".
static std::string boundStr(Value v, func::FuncOp fn) {
  if (auto c = v.getDefiningOp<arith::ConstantOp>())
    if (auto i = dyn_cast<IntegerAttr>(c.getValue()))
      return std::to_string(i.getInt());
  if (auto a = dyn_cast<BlockArgument>(v))
    if (a.getOwner()->getParentOp() == fn.getOperation())
      if (auto n = fn.getArgAttrOfType<StringAttr>(a.getArgNumber(), kArgNameAttr))
        return ("arg:" + n.getValue()).str();
  return "dynamic";
}

// Whether loop-carried value `i` accumulates: its next value is computed
// from itself. A value merely replaced every iteration (a prefetched tile)
// reduces nothing.
static bool isAccumulator(scf::ForOp f, unsigned i) {
  Value arg = f.getRegionIterArgs()[i];
  SmallVector<Value> work{f.getBody()->getTerminator()->getOperand(i)};
  llvm::SmallPtrSet<Operation *, 32> seen;
  while (!work.empty()) {
    Value v = work.pop_back_val();
    if (v == arg)
      return true;
    Operation *d = v.getDefiningOp();
    if (!d || !f->isProperAncestor(d) || !seen.insert(d).second)
      continue;
    for (Value o : d->getOperands())
      work.push_back(o);
  }
  return false;
}

FailureOr<std::string> bic::orderSignature(func::FuncOp fn) {
  std::string out;
  llvm::raw_string_ostream os(out);
  bool ok = true;
  unsigned n = 0;
  fn.walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (auto r = dyn_cast<ReduceOp>(op)) {
      ReduceOrderAttr o = r.getOrder();
      if (!o.isResolved()) {
        r.emitError("order signature needs resolved reduction orders");
        ok = false;
        return;
      }
      auto t = r.getSrc().getType();
      os << fn.getName() << " #" << n++ << " reduce " << r.getKind() << " "
         << typeStr(t.getElementType()) << " axis=" << r.getAxis()
         << " extent=" << t.getShape()[r.getAxis()] << " tree(perThread="
         << o.getPerThread() << " lanes=[";
      llvm::interleave(o.getLanes(), os, ",");
      os << "] warps=" << o.getWarps();
      if (o.getRun())
        os << " run=" << o.getRun();
      os << ")\n";
      return;
    }
    if (auto d = dyn_cast<DotOp>(op)) {
      Type elem = d.getA().getType().getElementType();
      // f32 with k-step 8: operands rounded to tf32 (nearest, ties away) or
      // truncated.
      const bool tf32 = elem.isF32() && d.getOrder().getKStep() == 8;
      os << fn.getName() << " #" << n++ << " dot " << typeStr(elem)
         << (!tf32                       ? ""
             : d.getOrder().getTruncate() ? " as tf32 (rz)"
                                          : " as tf32 (rna)")
         << " -> f32 K ascending in place, k-step " << d.getOrder().getKStep()
         << "\n";
      return;
    }
    if (auto f = dyn_cast<scf::ForOp>(op)) {
      // A loop whose floating-point carries are all dot accumulators updated
      // in place adds the same k-steps in the same order whatever its step
      // (the K tile), so the step is not part of its order.
      Operation *yield = f.getBody()->getTerminator();
      bool dotOnly = true, anyFloat = false;
      for (unsigned i = 0; i < f.getNumRegionIterArgs(); ++i) {
        if (!isa<FloatType>(getElementTypeOrSelf(f.getRegionIterArgs()[i].getType())) ||
            !isAccumulator(f, i))
          continue;
        anyFloat = true;
        auto d = yield->getOperand(i).getDefiningOp<DotOp>();
        dotOnly &= d && d.getAcc() == f.getRegionIterArgs()[i];
      }
      if (anyFloat && dotOnly) {
        os << fn.getName() << " #" << n++ << " loop ascending from "
           << boundStr(f.getLowerBound(), fn)
           << " accumulates dots in place (any K step)\n";
        return;
      }
      // Each element of a carried tile goes through the same operations in
      // the same order whatever the tile's row count: what crosses elements
      // is a reduce or a dot, signed on its own line with its extent. So
      // the rows (the leading dimension: BM, which a per-shape table may
      // change) are `?`; the loop's step and the other dimensions stay.
      SmallVector<std::string> acc;
      for (auto [i, t] : llvm::enumerate(f.getInitArgs().getTypes()))
        if (isa<FloatType>(getElementTypeOrSelf(t)) && isAccumulator(f, i)) {
          auto rt = dyn_cast<RankedTensorType>(t);
          SmallVector<int64_t> shape;
          if (rt)
            shape.assign(rt.getShape().begin(), rt.getShape().end());
          if (!shape.empty())
            shape[0] = ShapedType::kDynamic;
          acc.push_back(rt ? typeStr(RankedTensorType::get(shape, rt.getElementType()))
                           : typeStr(t));
        }
      if (acc.empty())
        return;
      os << fn.getName() << " #" << n++ << " loop ascending from "
         << boundStr(f.getLowerBound(), fn) << " step "
         << boundStr(f.getStep(), fn) << " carries ";
      llvm::interleave(acc, os, ",");
      os << "\n";
    }
  });
  if (!ok)
    return failure();
  if (n == 0)
    os << fn.getName() << " no reductions\n";
  return out;
}

std::string bic::signatureHash(StringRef text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  std::string s;
  llvm::raw_string_ostream(s) << llvm::format_hex_no_prefix(h, 16);
  return s;
}
