//===- TileOpPatterns.cpp - index, shape and element-wise tile ops --------===//
//
// Shape ops between layouts that agree (expand_dims of a slice into its
// parent, broadcast within one layout) are compile-time shuffles of the
// per-thread vector; convert_layout goes through shared memory.
//
//===----------------------------------------------------------------------===//
#include "bic/Conversion/BicToGPU.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace bic;

namespace {

template <typename OpT>
struct GridIdLowering : public OpConversionPattern<OpT> {
  using OpConversionPattern<OpT>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpT op, typename OpT::Adaptor,
                  ConversionPatternRewriter &rw) const override {
    auto dim = static_cast<gpu::Dimension>(op.getAxis());
    // A clustered kernel's program is a cluster of CTAs (bic-cluster-split).
    auto fn = op->template getParentOfType<gpu::GPUFuncOp>();
    bool clustered = fn && clusterOf(fn) > 1;
    Value v;
    if constexpr (std::is_same_v<OpT, ProgramIdOp>)
      v = clustered ? rw.create<gpu::ClusterIdOp>(op.getLoc(), dim).getResult()
                    : rw.create<gpu::BlockIdOp>(op.getLoc(), dim).getResult();
    else
      v = clustered ? rw.create<gpu::ClusterDimOp>(op.getLoc(), dim).getResult()
                    : rw.create<gpu::GridDimOp>(op.getLoc(), dim).getResult();
    rw.replaceOpWithNewOp<arith::IndexCastUIOp>(op, rw.getI32Type(), v);
    return success();
  }
};

struct ArangeLowering : public OpConversionPattern<ArangeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ArangeOp op, OpAdaptor,
                  ConversionPatternRewriter &rw) const override {
    auto l = TileLayout::get(op.getType());
    if (failed(l))
      return rw.notifyMatchFailure(op, "no layout");
    Location loc = op.getLoc();
    ThreadIds ids = getThreadIds(rw, loc);
    auto coords = elementCoords(rw, loc, *l, ids, /*wrap=*/true);
    SmallVector<Value> elems;
    for (auto &c : coords)
      elems.push_back(
          rw.create<arith::AddIOp>(loc, c[0], constI32(rw, loc, op.getStart())));
    auto vt = VectorType::get({l->numElems()}, rw.getI32Type());
    rw.replaceOpWithNewOp<vector::FromElementsOp>(op, vt, elems);
    return success();
  }
};

struct SplatLowering : public OpConversionPattern<SplatOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SplatOp op, OpAdaptor a,
                  ConversionPatternRewriter &rw) const override {
    Type t = getTypeConverter()->convertType(op.getType());
    if (!t)
      return failure();
    rw.replaceOpWithNewOp<vector::BroadcastOp>(op, t, a.getSrc());
    return success();
  }
};

/// Replaces `op` by a shuffle of `src` where element e of the result is
/// element srcIndex(e) of the source.
LogicalResult shuffleInto(Operation *op, Value src, const TileLayout &dst,
                          function_ref<int64_t(ArrayRef<int64_t>)> srcIndex,
                          ConversionPatternRewriter &rw) {
  SmallVector<int64_t> mask;
  for (int64_t e = 0; e < dst.numElems(); ++e)
    mask.push_back(srcIndex(dst.multiIndex(e)));
  rw.replaceOpWithNewOp<vector::ShuffleOp>(op, src, src, mask);
  return success();
}

struct ExpandDimsLowering : public OpConversionPattern<ExpandDimsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ExpandDimsOp op, OpAdaptor a,
                  ConversionPatternRewriter &rw) const override {
    auto sl = dyn_cast_or_null<SliceLayoutAttr>(op.getSrc().getType().getEncoding());
    auto dl = TileLayout::get(op.getType());
    auto srcL = TileLayout::get(op.getSrc().getType());
    if (!sl || sl.getDim() != op.getAxis() ||
        sl.getParent() != op.getType().getEncoding() || failed(dl) || failed(srcL))
      return op.emitOpError("expects its operand in the slice of its result "
                            "layout (run bic-assign-layouts)");
    unsigned axis = op.getAxis();
    return shuffleInto(op, a.getSrc(), *dl, [&](ArrayRef<int64_t> idx) {
      SmallVector<int64_t> s;
      for (unsigned d = 0; d < idx.size(); ++d)
        if (d != axis)
          s.push_back(idx[d]);
      return srcL->linearIndex(s);
    }, rw);
  }
};

struct BroadcastLowering : public OpConversionPattern<BroadcastOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BroadcastOp op, OpAdaptor a,
                  ConversionPatternRewriter &rw) const override {
    if (op.getSrc().getType().getEncoding() != op.getType().getEncoding())
      return op.emitOpError("expects one layout for operand and result");
    auto dl = TileLayout::get(op.getType());
    auto srcL = TileLayout::get(op.getSrc().getType());
    if (failed(dl) || failed(srcL))
      return failure();
    auto srcShape = op.getSrc().getType().getShape();
    return shuffleInto(op, a.getSrc(), *dl, [&](ArrayRef<int64_t> idx) {
      SmallVector<int64_t> s(idx);
      for (unsigned d = 0; d < idx.size(); ++d)
        if (srcShape[d] == 1)
          s[d] = 0;
      return srcL->linearIndex(s);
    }, rw);
  }
};

struct AddPtrLowering : public OpConversionPattern<AddPtrOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(AddPtrOp op, OpAdaptor a,
                  ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    Type ptrTy = a.getPtr().getType();
    Type elem = cast<PtrType>(getElementTypeOrSelf(op.getPtr().getType()))
                    .getPointeeType();
    int64_t bytes = std::max<unsigned>(1, elem.getIntOrFloatBitWidth() / 8);
    Value off = a.getOffset();
    if (getElementTypeOrSelf(off.getType()).getIntOrFloatBitWidth() < 64)
      off = rw.create<arith::ExtSIOp>(loc, ptrTy, off);
    Value scale = rw.create<arith::ConstantOp>(
        loc, ptrTy,
        isa<VectorType>(ptrTy)
            ? TypedAttr(DenseElementsAttr::get(cast<ShapedType>(ptrTy),
                                               rw.getI64IntegerAttr(bytes).getValue()))
            : TypedAttr(rw.getI64IntegerAttr(bytes)));
    Value scaled = rw.create<arith::MulIOp>(loc, off, scale);
    rw.replaceOpWithNewOp<arith::AddIOp>(op, a.getPtr(), scaled);
    return success();
  }
};

/// Through shared memory: every thread writes its elements at their
/// row-major coordinate, then reads the elements of the new layout.
struct ConvertLayoutLowering : public OpConversionPattern<ConvertLayoutOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConvertLayoutOp op, OpAdaptor a,
                  ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    auto srcL = TileLayout::get(op.getSrc().getType());
    auto dstL = TileLayout::get(op.getType());
    Value scratch = getScratch(op);
    Type elem = getTypeConverter()->convertType(op.getType().getElementType());
    if (failed(srcL) || failed(dstL) || !scratch)
      return op.emitOpError("cannot lower this layout conversion");
    if (elem.getIntOrFloatBitWidth() > 32)
      return op.emitOpError("layout conversion of 64-bit elements is not "
                            "supported yet");
    auto shape = op.getType().getShape();
    ThreadIds ids = getThreadIds(rw, loc);
    auto flat = [&](ArrayRef<Value> c) {
      Value f = c[0];
      for (unsigned d = 1; d < c.size(); ++d)
        f = rw.create<arith::AddIOp>(
            loc, rw.create<arith::MulIOp>(loc, f, constI32(rw, loc, shape[d])),
            c[d]);
      return rw.create<arith::IndexCastOp>(loc, rw.getIndexType(), f);
    };
    rw.create<gpu::BarrierOp>(loc);
    auto sc = elementCoords(rw, loc, *srcL, ids, true);
    for (int64_t e = 0; e < srcL->numElems(); ++e) {
      Value v = rw.create<vector::ExtractOp>(loc, a.getSrc(), e);
      rw.create<memref::StoreOp>(loc, toWord(rw, loc, v), scratch,
                                 ValueRange{flat(sc[e])});
    }
    rw.create<gpu::BarrierOp>(loc);
    auto dc = elementCoords(rw, loc, *dstL, ids, true);
    SmallVector<Value> out;
    for (int64_t e = 0; e < dstL->numElems(); ++e) {
      Value w = rw.create<memref::LoadOp>(loc, scratch, ValueRange{flat(dc[e])});
      out.push_back(fromWord(rw, loc, w, elem));
    }
    rw.replaceOpWithNewOp<vector::FromElementsOp>(
        op, VectorType::get({dstL->numElems()}, elem), out);
    return success();
  }
};

/// arith/math ops on tiles become the same ops on per-thread vectors.
struct ElementwiseLowering : public ConversionPattern {
  ElementwiseLowering(TypeConverter &tc, MLIRContext *ctx)
      : ConversionPattern(tc, MatchAnyOpTypeTag(), 1, ctx) {}
  LogicalResult
  matchAndRewrite(Operation *op, ArrayRef<Value> operands,
                  ConversionPatternRewriter &rw) const override {
    if (!isa<arith::ArithDialect, math::MathDialect>(op->getDialect()) ||
        op->getNumRegions())
      return failure();
    SmallVector<Type> types;
    if (failed(getTypeConverter()->convertTypes(op->getResultTypes(), types)))
      return failure();
    if (auto c = dyn_cast<arith::ConstantOp>(op)) {
      auto dense = dyn_cast<SplatElementsAttr>(c.getValue());
      if (!dense)
        return op->emitOpError("only splat tile constants are supported");
      rw.replaceOpWithNewOp<arith::ConstantOp>(
          op, DenseElementsAttr::get(cast<ShapedType>(types[0]),
                                     dense.getSplatValue<Attribute>()));
      return success();
    }
    OperationState st(op->getLoc(), op->getName(), operands, types,
                      op->getAttrs());
    rw.replaceOp(op, rw.create(st)->getResults());
    return success();
  }
};
} // namespace

void bic::populateTileOpPatterns(TileTypeConverter &tc,
                                 RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<GridIdLowering<ProgramIdOp>, GridIdLowering<NumProgramsOp>,
               ArangeLowering, SplatLowering, ExpandDimsLowering,
               BroadcastLowering, AddPtrLowering, ConvertLayoutLowering>(tc, ctx);
  patterns.add<ElementwiseLowering>(tc, ctx);
}
