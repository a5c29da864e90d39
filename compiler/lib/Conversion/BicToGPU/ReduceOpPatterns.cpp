//===- ReduceOpPatterns.cpp - reductions in their declared tree order -----===//
//
// Realises #bic.reduce_order<kind = "tree", perThread, lanes, warps>:
//   1. each thread folds its `perThread` elements along the axis
//      sequentially, ascending coordinate (replicas contribute the identity);
//   2. a butterfly of shfl.xor at the `lanes` offsets, in that order (every
//      lane ends with the same bits, since a+b == b+a);
//   3. when `warps` > 1, lane 0 of each warp's group writes its partial to
//      shared memory and every thread folds the `warps` partials in
//      ascending warp order.
// The parameters are re-derived from the layout and must equal the
// attribute: the order written in the IR is the order that runs.
//
//===----------------------------------------------------------------------===//
#include "bic/Conversion/BicToGPU.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace bic;

namespace {
Value identity(OpBuilder &b, Location loc, StringRef kind, Type t) {
  if (auto ft = dyn_cast<FloatType>(t)) {
    const auto &sem = ft.getFloatSemantics();
    APFloat v = kind == "sum"   ? APFloat::getZero(sem, /*Negative=*/true)
                : kind == "max" ? APFloat::getInf(sem, /*Negative=*/true)
                                : APFloat::getInf(sem, false);
    return b.create<arith::ConstantOp>(loc, ft, b.getFloatAttr(ft, v));
  }
  unsigned w = t.getIntOrFloatBitWidth();
  APInt v = kind == "sum"   ? APInt::getZero(w)
            : kind == "max" ? APInt::getSignedMinValue(w)
                            : APInt::getSignedMaxValue(w);
  return b.create<arith::ConstantOp>(loc, t, b.getIntegerAttr(t, v));
}

Value combine(OpBuilder &b, Location loc, StringRef kind, Value x, Value y) {
  bool f = isa<FloatType>(x.getType());
  if (kind == "sum")
    return f ? Value(b.create<arith::AddFOp>(loc, x, y))
             : b.create<arith::AddIOp>(loc, x, y);
  if (kind == "max")
    return f ? Value(b.create<arith::MaximumFOp>(loc, x, y))
             : b.create<arith::MaxSIOp>(loc, x, y);
  return f ? Value(b.create<arith::MinimumFOp>(loc, x, y))
           : b.create<arith::MinSIOp>(loc, x, y);
}

Value shuffleXor(OpBuilder &b, Location loc, Value v, int64_t offset) {
  Type t = v.getType();
  Value w = toWord(b, loc, v);
  auto sh = b.create<gpu::ShuffleOp>(loc, w, constI32(b, loc, offset),
                                     constI32(b, loc, 32), gpu::ShuffleMode::XOR);
  return fromWord(b, loc, sh.getShuffleResult(), t);
}

struct ReduceLowering : public OpConversionPattern<ReduceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ReduceOp op, OpAdaptor a,
                  ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    auto srcL = TileLayout::get(op.getSrc().getType());
    if (failed(srcL))
      return op.emitOpError("operand has no layout (run bic-assign-layouts)");
    unsigned axis = op.getAxis();
    const DimLayout &ax = srcL->dim(axis);
    ReduceOrderAttr order = op.getOrder();
    if (order != realisedTreeOrder(op.getContext(), *srcL, axis))
      return op.emitOpError("order ")
             << order << " is not resolved for this layout (run "
             << "bic-assign-layouts)";
    ArrayRef<int64_t> lanes = order.getLanes();
    Type elem = op.getSrc().getType().getElementType();
    if (elem.getIntOrFloatBitWidth() > 32)
      return op.emitOpError("reductions of 64-bit elements are not supported "
                            "yet");
    StringRef kind = op.getKind();
    ThreadIds ids = getThreadIds(rw, loc);
    auto raw = elementCoords(rw, loc, *srcL, ids, /*wrap=*/false);
    Value id = identity(rw, loc, kind, elem);

    // Result elements: the source's in-thread indices without the axis.
    SmallVector<int64_t> outDims;
    int64_t numOut = 1;
    for (unsigned d = 0; d < srcL->rank(); ++d)
      if (d != axis)
        numOut *= srcL->dim(d).perThread();

    SmallVector<Value> partial;
    SmallVector<SmallVector<int64_t>> outIdx;
    for (int64_t o = 0; o < numOut; ++o) {
      // Decompose o over the non-axis dims (row-major).
      SmallVector<int64_t> idx(srcL->rank(), 0);
      int64_t rem = o;
      for (int d = srcL->rank() - 1; d >= 0; --d) {
        if (unsigned(d) == axis)
          continue;
        idx[d] = rem % srcL->dim(d).perThread();
        rem /= srcL->dim(d).perThread();
      }
      outIdx.push_back(idx);
      // 1. sequential, ascending along the axis.
      Value acc;
      for (int64_t i = 0; i < ax.perThread(); ++i) {
        idx[axis] = i;
        int64_t e = srcL->linearIndex(idx);
        Value v = rw.create<vector::ExtractOp>(loc, a.getSrc(), e);
        if (ax.replicated() || ax.offset(i) >= ax.size) {
          Value inside = rw.create<arith::CmpIOp>(
              loc, arith::CmpIPredicate::ult, raw[e][axis],
              constI32(rw, loc, ax.size));
          v = rw.create<arith::SelectOp>(loc, inside, v, id);
        }
        acc = acc ? combine(rw, loc, kind, acc, v) : v;
      }
      // 2. butterfly over the lanes of the axis.
      for (int64_t off : lanes)
        acc = combine(rw, loc, kind, acc, shuffleXor(rw, loc, acc, off));
      partial.push_back(acc);
    }

    // 3. fold the warps' partials in ascending warp order.
    if (ax.wpc > 1) {
      Value scratch = getScratch(op);
      if (!scratch)
        return op.emitOpError("needs shared-memory scratch");
      Value laneAx = srcL->laneIndex(rw, loc, axis, ids.lane);
      Value warpAx = srcL->warpIndex(rw, loc, axis, ids.warp);
      Value writer = rw.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq,
                                              laneAx, constI32(rw, loc, 0));
      auto coords = elementCoords(rw, loc, *srcL, ids, /*wrap=*/true);
      auto slot = [&](int64_t o, Value w) {
        Value row = constI32(rw, loc, 0);
        for (unsigned d = 0; d < srcL->rank(); ++d)
          if (d != axis) {
            SmallVector<int64_t> idx = outIdx[o];
            idx[axis] = 0;
            row = coords[srcL->linearIndex(idx)][d];
          }
        Value s = rw.create<arith::AddIOp>(
            loc, rw.create<arith::MulIOp>(loc, row, constI32(rw, loc, ax.wpc)), w);
        return rw.create<arith::IndexCastOp>(loc, rw.getIndexType(), s);
      };
      rw.create<gpu::BarrierOp>(loc);
      for (int64_t o = 0; o < numOut; ++o) {
        Value word = toWord(rw, loc, partial[o]);
        Value idx = slot(o, warpAx);
        rw.create<scf::IfOp>(loc, writer, [&](OpBuilder &b, Location l) {
          b.create<memref::StoreOp>(l, word, scratch, ValueRange{idx});
          b.create<scf::YieldOp>(l);
        });
      }
      rw.create<gpu::BarrierOp>(loc);
      for (int64_t o = 0; o < numOut; ++o) {
        Value acc;
        for (unsigned w = 0; w < ax.wpc; ++w) {
          Value word = rw.create<memref::LoadOp>(
              loc, scratch, ValueRange{slot(o, constI32(rw, loc, w))});
          Value v = fromWord(rw, loc, word, elem);
          acc = acc ? combine(rw, loc, kind, acc, v) : v;
        }
        partial[o] = acc;
      }
    }

    if (!isa<RankedTensorType>(op.getType())) {
      rw.replaceOp(op, partial[0]);
      return success();
    }
    auto vt = VectorType::get({numOut}, elem);
    rw.replaceOpWithNewOp<vector::FromElementsOp>(op, vt, partial);
    return success();
  }
};
} // namespace

void bic::populateReduceOpPatterns(TileTypeConverter &tc,
                                   RewritePatternSet &patterns) {
  patterns.add<ReduceLowering>(tc, patterns.getContext());
}
