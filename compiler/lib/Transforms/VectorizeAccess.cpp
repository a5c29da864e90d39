//===- VectorizeAccess.cpp - vector width of loads and stores -------------===//
//
// A forward analysis in the style of Triton's AxisInfo, along the last tile
// dimension only (the one a thread's consecutive elements run along):
//   contig - values come in runs of consecutive integers this long, each run
//            starting at a coordinate that is a multiple of its length;
//   div    - the first value of every run is a multiple of this (for
//            pointers: in bytes);
//   konst  - values come in runs this long of equal values.
// Facts come from arange, literals, 16-byte aligned pointer arguments and
// `bic.multiple_of` integer arguments (the runtime checks both at launch).
//
//===----------------------------------------------------------------------===//
#include "bic/Transforms/Layout.h"
#include "bic/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"
#include <numeric>

namespace bic {
#define GEN_PASS_DEF_BICVECTORIZEACCESS
#include "bic/Transforms/Passes.h.inc"
} // namespace bic

using namespace mlir;
using namespace bic;

namespace {
constexpr int64_t kMaxDiv = int64_t(1) << 30;
constexpr int64_t kPtrAlign = 16;

struct Info {
  int64_t contig = 1, div = 1, konst = 1;
};

int64_t pow2Divisor(int64_t v) {
  if (v == 0)
    return kMaxDiv;
  int64_t p = v & -v;
  return std::min(p < 0 ? -p : p, kMaxDiv);
}
int64_t gcd(int64_t a, int64_t b) { return std::gcd(a, b); }
int64_t lastDim(Type t) {
  if (auto r = dyn_cast<RankedTensorType>(t))
    return r.getShape().back();
  return 1;
}

class Analysis {
public:
  Info get(Value v) {
    auto it = info.find(v);
    if (it != info.end())
      return it->second;
    // Unknown values: scalars are constant over any tile they splat into.
    Info i;
    if (!isa<RankedTensorType>(v.getType()))
      i.konst = kMaxDiv;
    return i;
  }

  void visit(Operation *op) {
    if (auto f = dyn_cast<scf::ForOp>(op)) {
      // iv = lb + i * step: a multiple of gcd(div(lb), div(step)).
      Info iv{1, gcd(get(f.getLowerBound()).div, get(f.getStep()).div), kMaxDiv};
      info[f.getInductionVar()] = iv;
      return;
    }
    if (op->getNumResults() != 1)
      return;
    Value r = op->getResult(0);
    int64_t n = lastDim(r.getType());
    Info out;
    if (auto a = dyn_cast<ArangeOp>(op)) {
      out = {n, pow2Divisor(a.getStart()), 1};
    } else if (auto c = dyn_cast<arith::ConstantOp>(op)) {
      if (auto ia = dyn_cast<IntegerAttr>(c.getValue()))
        out = {1, pow2Divisor(ia.getInt()), kMaxDiv};
      else
        out = {1, 1, kMaxDiv};
    } else if (auto s = dyn_cast<SplatOp>(op)) {
      Info src = get(s.getSrc());
      out = {1, src.div, n};
    } else if (isa<arith::AddIOp, arith::SubIOp, AddPtrOp>(op)) {
      Info a = get(op->getOperand(0)), b = get(op->getOperand(1));
      int64_t scale = 1;
      if (auto ap = dyn_cast<AddPtrOp>(op))
        scale = getElementTypeOrSelf(
                    cast<PtrType>(getElementTypeOrSelf(ap.getPtr().getType()))
                        .getPointeeType())
                    .getIntOrFloatBitWidth() / 8;
      bool sub = isa<arith::SubIOp>(op);
      out.contig = sub ? gcd(a.contig, b.konst)
                       : std::max(gcd(a.contig, b.konst), gcd(b.contig, a.konst));
      out.div = gcd(a.div, std::min(kMaxDiv, b.div * scale));
      out.konst = gcd(a.konst, b.konst);
    } else if (isa<arith::MulIOp>(op)) {
      Info a = get(op->getOperand(0)), b = get(op->getOperand(1));
      out.contig = 1;
      out.div = std::min(kMaxDiv, a.div * b.div);
      out.konst = gcd(a.konst, b.konst);
    } else if (isa<arith::ExtSIOp, arith::ExtUIOp, arith::TruncIOp,
                   arith::IndexCastOp>(op)) {
      out = get(op->getOperand(0));
    } else if (isa<arith::CmpIOp>(op)) {
      auto cmp = cast<arith::CmpIOp>(op);
      Info a = get(cmp.getLhs()), b = get(cmp.getRhs());
      out.konst = gcd(a.konst, b.konst);
      auto p = cmp.getPredicate();
      bool ordered = p == arith::CmpIPredicate::slt || p == arith::CmpIPredicate::sge ||
                     p == arith::CmpIPredicate::ult || p == arith::CmpIPredicate::uge;
      // x < n with x in aligned runs and n a multiple of the run alignment:
      // each aligned group of gcd(contig, div_x, div_n) compares the same.
      if (ordered && b.konst >= n)
        out.konst = std::max(out.konst, gcd(a.contig, gcd(a.div, b.div)));
      out.div = 1;
    } else if (isa<arith::AndIOp, arith::OrIOp, arith::XOrIOp, arith::SelectOp>(op)) {
      out.konst = kMaxDiv;
      for (Value o : op->getOperands())
        out.konst = gcd(out.konst, get(o).konst);
      out.div = 1;
    } else if (auto e = dyn_cast<ExpandDimsOp>(op)) {
      Info s = get(e.getSrc());
      if (e.getAxis() == e.getSrc().getType().getRank()) // new last dim
        out = {1, s.contig > 1 ? 1 : s.div, 1};
      else
        out = s;
    } else if (auto bc = dyn_cast<BroadcastOp>(op)) {
      Info s = get(bc.getSrc());
      if (bc.getSrc().getType().getShape().back() == 1 && n > 1)
        out = {1, s.div, n};
      else
        out = s;
    } else if (auto cl = dyn_cast<ConvertLayoutOp>(op)) {
      out = get(cl.getSrc());
    } else {
      return;
    }
    out.contig = std::min(out.contig, n);
    if (isa<RankedTensorType>(r.getType()))
      out.konst = std::min(out.konst, n);
    info[r] = out;
  }

  llvm::DenseMap<Value, Info> info;
};

int64_t floorPow2(int64_t v) { return v <= 0 ? 1 : int64_t(1) << llvm::Log2_64(v); }

template <typename OpT> void setVec(OpT op, Analysis &an) {
  auto pt = dyn_cast<RankedTensorType>(op.getPtr().getType());
  int64_t vec = 1;
  if (pt) {
    auto layout = TileLayout::get(pt);
    if (succeeded(layout)) {
      Type elem = cast<PtrType>(pt.getElementType()).getPointeeType();
      int64_t bytes = std::max<unsigned>(1, elem.getIntOrFloatBitWidth() / 8);
      Info p = an.get(op.getPtr());
      const DimLayout &last = layout->dim(layout->rank() - 1);
      vec = last.lanesFirst ? 1 : last.sptEff();
      vec = std::min(vec, p.contig);
      vec = std::min(vec, floorPow2(p.div / bytes));
      vec = std::min(vec, 16 / bytes);
      if (op.getMask())
        vec = std::min(vec, an.get(op.getMask()).konst);
      vec = floorPow2(std::max<int64_t>(1, vec));
    }
  }
  op.setVecAttr(IntegerAttr::get(IntegerType::get(op.getContext(), 32), vec));
}

struct VectorizeAccessPass
    : public bic::impl::BicVectorizeAccessBase<VectorizeAccessPass> {
  void runOnOperation() override {
    for (auto fn : getOperation().getOps<func::FuncOp>()) {
      Analysis an;
      for (BlockArgument a : fn.getArguments()) {
        Info i{1, 1, kMaxDiv};
        if (isa<PtrType>(a.getType()))
          i.div = kPtrAlign;
        if (auto m = fn.getArgAttrOfType<IntegerAttr>(a.getArgNumber(),
                                                      kMultipleOfArgAttr))
          i.div = pow2Divisor(m.getInt());
        an.info[a] = i;
      }
      fn.walk<WalkOrder::PreOrder>([&](Operation *op) { an.visit(op); });
      fn.walk([&](LoadOp op) { setVec(op, an); });
      fn.walk([&](StoreOp op) { setVec(op, an); });
    }
  }
};
} // namespace
