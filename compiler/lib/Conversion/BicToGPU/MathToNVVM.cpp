//===- MathToNVVM.cpp - math functions to NVVM intrinsics -----------------===//
//
// Avoids libdevice: exp/exp2/log/log2/rsqrt use the approximate PTX
// instructions (as Triton's fast paths do), sqrt the IEEE-rounded one,
// abs clears the sign bit.
// Vectors are unrolled; f16/bf16 compute in f32.
//
//===----------------------------------------------------------------------===//
#include "bic/Conversion/BicToGPU.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include <cmath>

using namespace mlir;
using namespace bic;

namespace {
Value scalarF32(OpBuilder &b, Location loc, StringRef opName, Value x) {
  Type f32 = b.getF32Type();
  auto intr = [&](StringRef name, Value v) -> Value {
    return b.create<LLVM::CallIntrinsicOp>(loc, f32, b.getStringAttr(name),
                                           ValueRange{v})
        .getResult(0);
  };
  auto mulC = [&](Value v, double c) -> Value {
    Value k = b.create<arith::ConstantOp>(loc, f32, b.getF32FloatAttr(c));
    return b.create<arith::MulFOp>(loc, v, k);
  };
  if (opName == "math.exp2")
    return intr("llvm.nvvm.ex2.approx.f32", x);
  if (opName == "math.exp")
    return intr("llvm.nvvm.ex2.approx.f32", mulC(x, M_LOG2E));
  if (opName == "math.log2")
    return intr("llvm.nvvm.lg2.approx.f", x);
  if (opName == "math.log")
    return mulC(intr("llvm.nvvm.lg2.approx.f", x), M_LN2);
  if (opName == "math.rsqrt")
    return intr("llvm.nvvm.rsqrt.approx.f", x);
  // Not llvm.intr.sqrt/fabs: GPU-to-NVVM declares those illegal (it wants
  // libdevice calls for them).
  if (opName == "math.sqrt")
    return intr("llvm.nvvm.sqrt.rn.f", x);
  if (opName == "math.absf") {
    Type i32 = b.getI32Type();
    Value bits = b.create<arith::BitcastOp>(loc, i32, x);
    Value mask = b.create<arith::ConstantOp>(loc, i32,
                                             b.getI32IntegerAttr(0x7fffffff));
    Value cleared = b.create<arith::AndIOp>(loc, bits, mask);
    return b.create<arith::BitcastOp>(loc, f32, cleared);
  }
  return {};
}

struct MathToIntrinsic : public RewritePattern {
  MathToIntrinsic(MLIRContext *ctx)
      : RewritePattern(MatchAnyOpTypeTag(), 1, ctx) {}
  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rw) const override {
    if (!isa<math::MathDialect>(op->getDialect()) || op->getNumOperands() != 1)
      return failure();
    Location loc = op->getLoc();
    StringRef name = op->getName().getStringRef();
    Value x = op->getOperand(0);
    Type t = x.getType();
    Type elem = getElementTypeOrSelf(t);
    if (name == "math.absi") {
      Value zero = rw.create<arith::ConstantOp>(loc, t, rw.getZeroAttr(t));
      Value neg = rw.create<arith::SubIOp>(loc, zero, x);
      rw.replaceOpWithNewOp<arith::MaxSIOp>(op, x, neg);
      return success();
    }
    if (!isa<FloatType>(elem))
      return failure();
    auto one = [&](Value s) -> Value {
      Value f = s;
      if (!elem.isF32())
        f = rw.create<arith::ExtFOp>(loc, rw.getF32Type(), s);
      Value r = scalarF32(rw, loc, name, f);
      if (!r)
        return {};
      if (!elem.isF32())
        r = rw.create<arith::TruncFOp>(loc, elem, r);
      return r;
    };
    auto vt = dyn_cast<VectorType>(t);
    if (!vt) {
      Value r = one(x);
      if (!r)
        return op->emitOpError("has no NVVM lowering");
      rw.replaceOp(op, r);
      return success();
    }
    SmallVector<Value> elems;
    for (int64_t i = 0; i < vt.getNumElements(); ++i) {
      Value r = one(rw.create<vector::ExtractOp>(loc, x, i));
      if (!r)
        return op->emitOpError("has no NVVM lowering");
      elems.push_back(r);
    }
    rw.replaceOpWithNewOp<vector::FromElementsOp>(op, vt, elems);
    return success();
  }
};
} // namespace

void bic::populateMathToNVVMPatterns(RewritePatternSet &patterns) {
  patterns.add<MathToIntrinsic>(patterns.getContext());
}
