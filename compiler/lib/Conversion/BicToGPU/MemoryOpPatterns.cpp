//===- MemoryOpPatterns.cpp - loads and stores of tiles -------------------===//
//
// A thread moves `vec` consecutive elements with one LLVM vector access
// (`vec` comes from bic-vectorize-access, which proved the addresses
// contiguous and aligned and the mask uniform over each group). A masked
// group of whole 32-bit words is one predicated `@p ld.global` whose
// registers start as the `other` values; a smaller one is an scf.if around
// the access. Either way masked-off memory is never touched, and the
// predicated form keeps the loads in one basic block, where ptxas issues
// them together. Replicated elements (layouts wider than the tile) are stored by
// one thread only.
//
//===----------------------------------------------------------------------===//
#include "bic/Conversion/BicToGPU.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace bic;

namespace {
Value toGlobalPtr(OpBuilder &b, Location loc, Value addr) {
  auto ptrTy = LLVM::LLVMPointerType::get(b.getContext(), /*addressSpace=*/1);
  return b.create<LLVM::IntToPtrOp>(loc, ptrTy, addr);
}

int64_t vecOf(IntegerAttr a) { return a ? std::max<int64_t>(1, a.getInt()) : 1; }

Value zeroOf(OpBuilder &b, Location loc, Type t) {
  return b.create<arith::ConstantOp>(loc, t, b.getZeroAttr(t));
}

/// `@mask ld.global.v{W}.b32` of the vector type `gt` (W * 4 bytes) at
/// `addr`, the destination registers holding `other` (of type `gt`) where
/// the mask is off.
Value predicatedLoad(OpBuilder &b, Location loc, VectorType gt, Value addr, Value mask,
                     Value other) {
  int64_t words = gt.getNumElements() * gt.getElementTypeBitWidth() / 32;
  auto i32 = b.getI32Type();
  auto wt = VectorType::get({words}, i32);
  Value ow = b.create<LLVM::BitcastOp>(loc, wt, other);
  SmallVector<Value> ins = {addr, mask};
  std::string regs, cons;
  for (int64_t w = 0; w < words; ++w) {
    regs += (w ? ",$" : "$") + std::to_string(w);
    cons += "=r,";
  }
  cons += "l,b";
  for (int64_t w = 0; w < words; ++w) {
    ins.push_back(b.create<vector::ExtractOp>(loc, ow, w));
    cons += "," + std::to_string(w); // starts as `other`
  }
  std::string text = "@$" + std::to_string(words + 1) + " ld.global" +
                     (words > 1 ? ".v" + std::to_string(words) : std::string()) +
                     ".b32 " + (words > 1 ? "{" + regs + "}" : regs) + ", [$" +
                     std::to_string(words) + "];";
  Type resTy = words == 1 ? Type(i32)
                          : LLVM::LLVMStructType::getLiteral(
                                b.getContext(), SmallVector<Type>(words, i32));
  auto op = b.create<LLVM::InlineAsmOp>(
      loc, resTy, ins, text, cons, /*has_side_effects=*/true, /*is_align_stack=*/false,
      LLVM::TailCallKind::None,
      LLVM::AsmDialectAttr::get(b.getContext(), LLVM::AsmDialect::AD_ATT), ArrayAttr());
  Value v = b.create<LLVM::PoisonOp>(loc, wt);
  for (int64_t w = 0; w < words; ++w) {
    Value x = words == 1 ? op.getResult(0)
                         : b.create<LLVM::ExtractValueOp>(loc, op.getResult(0), w).getResult();
    v = b.create<vector::InsertOp>(loc, x, v, w);
  }
  return b.create<LLVM::BitcastOp>(loc, gt, v);
}

struct LoadLowering : public OpConversionPattern<LoadOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LoadOp op, OpAdaptor a,
                  ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    Type elem = getElementTypeOrSelf(op.getType());
    if (elem.isInteger(1))
      return op.emitOpError("loading i1 from memory is not supported; load "
                            "i32 and compare");
    int64_t bytes = elem.getIntOrFloatBitWidth() / 8;
    auto tile = dyn_cast<RankedTensorType>(op.getType());
    if (!tile) { // scalar: every thread loads the same address
      auto load = [&](OpBuilder &b, Location l) -> Value {
        return b.create<LLVM::LoadOp>(l, elem, toGlobalPtr(b, l, a.getPtr()),
                                      bytes);
      };
      if (!a.getMask()) {
        rw.replaceOp(op, load(rw, loc));
        return success();
      }
      Value other = a.getOther() ? a.getOther() : zeroOf(rw, loc, elem);
      if (bytes == 4) {
        auto vt1 = VectorType::get({1}, elem);
        Value o1 = rw.create<vector::BroadcastOp>(loc, vt1, other);
        Value v = predicatedLoad(rw, loc, vt1, a.getPtr(), a.getMask(), o1);
        rw.replaceOpWithNewOp<vector::ExtractOp>(op, v, 0);
        return success();
      }
      auto ifOp = rw.create<scf::IfOp>(
          loc, a.getMask(),
          [&](OpBuilder &b, Location l) { b.create<scf::YieldOp>(l, load(b, l)); },
          [&](OpBuilder &b, Location l) { b.create<scf::YieldOp>(l, other); });
      rw.replaceOp(op, ifOp.getResult(0));
      return success();
    }
    auto layout = TileLayout::get(tile);
    if (failed(layout))
      return failure();
    int64_t n = layout->numElems(), vec = vecOf(op.getVecAttr());
    auto vt = VectorType::get({n}, elem);
    auto gt = VectorType::get({vec}, elem);
    Value result = zeroOf(rw, loc, vt);
    for (int64_t e = 0; e < n; e += vec) {
      Value addr = rw.create<vector::ExtractOp>(loc, a.getPtr(), e);
      auto load = [&](OpBuilder &b, Location l) -> Value {
        return b.create<LLVM::LoadOp>(l, gt, toGlobalPtr(b, l, addr),
                                      vec * bytes);
      };
      Value g;
      if (!a.getMask()) {
        g = load(rw, loc);
      } else {
        Value m = rw.create<vector::ExtractOp>(loc, a.getMask(), e);
        Value other =
            a.getOther()
                ? rw.create<vector::ExtractStridedSliceOp>(
                      loc, a.getOther(), ArrayRef<int64_t>{e},
                      ArrayRef<int64_t>{vec}, ArrayRef<int64_t>{1})
                : zeroOf(rw, loc, gt);
        if ((vec * bytes) % 4 == 0 && vec * bytes <= 16) {
          g = predicatedLoad(rw, loc, gt, addr, m, other);
        } else {
          g = rw.create<scf::IfOp>(
                    loc, m,
                    [&](OpBuilder &b, Location l) {
                      b.create<scf::YieldOp>(l, load(b, l));
                    },
                    [&](OpBuilder &b, Location l) {
                      b.create<scf::YieldOp>(l, other);
                    })
                  .getResult(0);
        }
      }
      result = rw.create<vector::InsertStridedSliceOp>(
          loc, g, result, ArrayRef<int64_t>{e}, ArrayRef<int64_t>{1});
    }
    rw.replaceOp(op, result);
    return success();
  }
};

struct StoreLowering : public OpConversionPattern<StoreOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(StoreOp op, OpAdaptor a,
                  ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    Type elem = getElementTypeOrSelf(op.getValue().getType());
    if (elem.isInteger(1))
      return op.emitOpError("storing i1 to memory is not supported; store "
                            "i32");
    int64_t bytes = elem.getIntOrFloatBitWidth() / 8;
    auto tile = dyn_cast<RankedTensorType>(op.getValue().getType());
    auto store = [&](OpBuilder &b, Location l, Value v, Value addr,
                     int64_t align) {
      b.create<LLVM::StoreOp>(l, v, toGlobalPtr(b, l, addr), align);
    };
    auto guarded = [&](Value cond, function_ref<void(OpBuilder &, Location)> f) {
      if (!cond) {
        f(rw, loc);
        return;
      }
      rw.create<scf::IfOp>(loc, cond, [&](OpBuilder &b, Location l) {
        f(b, l);
        b.create<scf::YieldOp>(l);
      });
    };
    if (!tile) { // scalar: thread 0 stores
      ThreadIds ids = getThreadIds(rw, loc);
      Value first = rw.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq,
                                             ids.tid, constI32(rw, loc, 0));
      if (a.getMask())
        first = rw.create<arith::AndIOp>(loc, first, a.getMask());
      guarded(first, [&](OpBuilder &b, Location l) {
        store(b, l, a.getValue(), a.getPtr(), bytes);
      });
      rw.eraseOp(op);
      return success();
    }
    auto layout = TileLayout::get(tile);
    if (failed(layout))
      return failure();
    int64_t n = layout->numElems(), vec = vecOf(op.getVecAttr());
    bool replicated = false;
    for (unsigned d = 0; d < layout->rank(); ++d)
      replicated |= layout->dim(d).replicated();
    SmallVector<SmallVector<Value>> raw;
    if (replicated)
      raw = elementCoords(rw, loc, *layout, getThreadIds(rw, loc), false);
    for (int64_t e = 0; e < n; e += vec) {
      Value addr = rw.create<vector::ExtractOp>(loc, a.getPtr(), e);
      Value v = vec == 1 ? Value(rw.create<vector::ExtractOp>(loc, a.getValue(), e))
                         : rw.create<vector::ExtractStridedSliceOp>(
                               loc, a.getValue(), ArrayRef<int64_t>{e},
                               ArrayRef<int64_t>{vec}, ArrayRef<int64_t>{1});
      Value cond;
      if (a.getMask())
        cond = rw.create<vector::ExtractOp>(loc, a.getMask(), e);
      if (replicated) // only the thread holding the unwrapped coordinate
        for (unsigned d = 0; d < layout->rank(); ++d) {
          if (!layout->dim(d).replicated())
            continue;
          Value in = rw.create<arith::CmpIOp>(
              loc, arith::CmpIPredicate::ult, raw[e][d],
              constI32(rw, loc, layout->dim(d).size));
          cond = cond ? rw.create<arith::AndIOp>(loc, cond, in).getResult() : in;
        }
      guarded(cond, [&](OpBuilder &b, Location l) {
        store(b, l, v, addr, vec * bytes);
      });
    }
    rw.eraseOp(op);
    return success();
  }
};
} // namespace

void bic::populateMemoryOpPatterns(TileTypeConverter &tc,
                                   RewritePatternSet &patterns) {
  patterns.add<LoadLowering, StoreLowering>(tc, patterns.getContext());
}
