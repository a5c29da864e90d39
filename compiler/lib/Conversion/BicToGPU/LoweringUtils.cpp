//===- LoweringUtils.cpp - helpers shared by the BicToGPU patterns --------===//
#include "bic/Conversion/BicToGPU.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace bic;

TileTypeConverter::TileTypeConverter(MLIRContext *ctx) {
  addConversion([](Type t) { return t; });
  addConversion([ctx](PtrType) -> Type { return IntegerType::get(ctx, 64); });
  addConversion([this](RankedTensorType t) -> std::optional<Type> {
    auto l = TileLayout::get(t);
    if (failed(l))
      return std::nullopt;
    Type elem = convertType(t.getElementType());
    return VectorType::get({l->numElems()}, elem);
  });
  auto cast = [](OpBuilder &b, Type t, ValueRange in, Location loc) -> Value {
    return b.create<UnrealizedConversionCastOp>(loc, t, in).getResult(0);
  };
  addSourceMaterialization(cast);
  addTargetMaterialization(cast);
}

Value bic::constI32(OpBuilder &b, Location loc, int64_t v) {
  return b.create<arith::ConstantIntOp>(loc, b.getI32Type(), v);
}

ThreadIds bic::getThreadIds(OpBuilder &b, Location loc) {
  Value t = b.create<gpu::ThreadIdOp>(loc, gpu::Dimension::x);
  Value tid = b.create<arith::IndexCastUIOp>(loc, b.getI32Type(), t);
  Value lane = b.create<arith::AndIOp>(loc, tid, constI32(b, loc, 31));
  Value warp = b.create<arith::ShRUIOp>(loc, tid, constI32(b, loc, 5));
  return {tid, lane, warp};
}

SmallVector<SmallVector<Value>> bic::elementCoords(OpBuilder &b, Location loc,
                                                   const TileLayout &l,
                                                   const ThreadIds &ids,
                                                   bool wrap) {
  SmallVector<Value> base;
  for (unsigned d = 0; d < l.rank(); ++d)
    base.push_back(l.threadBase(b, loc, d, ids.lane, ids.warp));
  SmallVector<SmallVector<Value>> out;
  for (int64_t e = 0; e < l.numElems(); ++e) {
    auto idx = l.multiIndex(e);
    SmallVector<Value> c;
    for (unsigned d = 0; d < l.rank(); ++d) {
      const DimLayout &dl = l.dim(d);
      Value v = b.create<arith::AddIOp>(loc, base[d],
                                        constI32(b, loc, dl.offset(idx[d])));
      if (wrap && dl.replicated())
        v = b.create<arith::AndIOp>(loc, v, constI32(b, loc, dl.size - 1));
      c.push_back(v);
    }
    out.push_back(c);
  }
  return out;
}

Value bic::toWord(OpBuilder &b, Location loc, Value v) {
  Type t = v.getType();
  unsigned w = t.getIntOrFloatBitWidth();
  if (isa<FloatType>(t))
    v = b.create<arith::BitcastOp>(loc, b.getIntegerType(w), v);
  if (w < 32)
    v = b.create<arith::ExtUIOp>(loc, b.getI32Type(), v);
  return v;
}

Value bic::fromWord(OpBuilder &b, Location loc, Value w, Type t) {
  unsigned bits = t.getIntOrFloatBitWidth();
  if (bits < 32)
    w = b.create<arith::TruncIOp>(loc, b.getIntegerType(bits), w);
  if (isa<FloatType>(t))
    w = b.create<arith::BitcastOp>(loc, t, w);
  return w;
}

bool bic::isTmaPipelineOp(Operation *op) {
  return isa<TmaInitOp, TmaLoadOp, TmaDotOp, TmaStoreOp, TmaAcquireOp, TmaReleaseOp>(op);
}

Value bic::getScratch(Operation *op) {
  auto fn = op->getParentOfType<gpu::GPUFuncOp>();
  if (!fn)
    return {};
  if (!fn.getWorkgroupAttributions().empty())
    return fn.getWorkgroupAttributions().front();
  // With a TMA pipeline, everything else has its scratch past the stages
  // (kExchangeScratchAttr); without, there is one scratch for all.
  Value shared, exchange;
  for (Operation &o : fn.getBody().front()) {
    if (o.hasAttr(kScratchAttr))
      shared = o.getResult(0);
    if (o.hasAttr(kExchangeScratchAttr))
      exchange = o.getResult(0);
  }
  return exchange && !isTmaPipelineOp(op) ? exchange : shared;
}

int64_t bic::scratchWords(Operation *op) {
  if (isa<ReduceOp, ConvertLayoutOp>(op))
    return exchangeScratchWords(op);
  if (auto t = dyn_cast<TmaInitOp>(op)) // stages, then one or two barriers each
    return (t.getBarriers() + (t.getConsumers() ? 16 : 8) * t.getStages()) / 4;
  if (auto t = dyn_cast<TmaStoreOp>(op)) // its own boxes after the pipeline's
    return t.getExtraBytes() ? (t.getExtraBase() + t.getExtraBytes()) / 4 : 0;
  if (auto d = dyn_cast<SmemDotOp>(op)) {
    // Operand prefetch (bic-pipeline-dots): the slots end at region_end.
    if (auto end = d->getAttrOfType<IntegerAttr>("bic.region_end"))
      return end.getInt() / 4;
    return d->getAttrOfType<IntegerAttr>("bic.stages").getInt() *
           (d->getAttrOfType<IntegerAttr>("bic.a_slot").getInt() +
            d->getAttrOfType<IntegerAttr>("bic.b_slot").getInt()) / 4;
  }
  if (auto d = dyn_cast<DotOp>(op))
    return dotBufferBytes(d) * (d->hasAttr(kDoubleBufferAttr) ? 2 : 1) / 4;
  return 0;
}

Value bic::scratchBase(Operation *op, OpBuilder &b) {
  Location loc = op->getLoc();
  Value idx = b.create<memref::ExtractAlignedPointerAsIndexOp>(loc, getScratch(op));
  Value i64 = b.create<arith::IndexCastOp>(loc, b.getI64Type(), idx);
  return b.create<LLVM::IntToPtrOp>(loc, LLVM::LLVMPointerType::get(b.getContext(), 3), i64);
}

Value bic::inlineAsm(OpBuilder &b, Location loc, StringRef text, StringRef cons,
                     ValueRange operands, Type result) {
  if (!result)
    result = LLVM::LLVMVoidType::get(b.getContext());
  auto op = b.create<LLVM::InlineAsmOp>(
      loc, result, operands, text, cons,
      /*has_side_effects=*/true, /*is_align_stack=*/false, LLVM::TailCallKind::None,
      LLVM::AsmDialectAttr::get(b.getContext(), LLVM::AsmDialect::AD_ATT), ArrayAttr());
  return op.getNumResults() ? op.getResult(0) : Value();
}
