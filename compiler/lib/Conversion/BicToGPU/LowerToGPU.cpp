//===- LowerToGPU.cpp - the bic-lower-to-gpu pass -------------------------===//
//
// Moves each kernel into `gpu.module @bic` as a gpu.func (pointer arguments
// as `!llvm.ptr<1>`, the bare-pointer ABI), gives it one shared-memory
// scratch buffer sized for its largest reduction or layout conversion, then
// runs the tile patterns as a dialect conversion and lowers math to NVVM.
//
//===----------------------------------------------------------------------===//
#include "bic/Conversion/BicToGPU.h"
#include "bic/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace bic {
#define GEN_PASS_DEF_BICLOWERTOGPU
#include "bic/Transforms/Passes.h.inc"
} // namespace bic

using namespace mlir;
using namespace bic;

namespace {
struct LowerToGPUPass : public bic::impl::BicLowerToGPUBase<LowerToGPUPass> {
  using Base::Base;
  /// The layouts were assigned for the kernel's warps (bic-assign-layouts;
  /// a tile may span fewer, replicated over the rest); IR edited by hand may
  /// say otherwise, and would leave parts of a tile to warps that do not run.
  LogicalResult checkWarps(func::FuncOp fn) {
    if (failed(verifyNumWarps(fn)))
      return failure();
    const int64_t nw = numWarpsOf(fn);
    WalkResult r = fn.walk([&](Operation *op) {
      for (Value v : op->getResults()) {
        auto t = dyn_cast<RankedTensorType>(v.getType());
        auto l = t ? TileLayout::get(t) : FailureOr<TileLayout>(failure());
        if (failed(l))
          continue;
        int64_t warps = 1;
        for (unsigned d = 0; d < l->rank(); ++d)
          warps *= l->dim(d).wpc;
        if (warps > nw || nw % warps) {
          op->emitOpError("has a layout for ")
              << warps << " warps, but the kernel runs " << nw << " (bic.num_warps)";
          return WalkResult::interrupt();
        }
      }
      return WalkResult::advance();
    });
    return failure(r.wasInterrupted());
  }

  LogicalResult moveKernel(func::FuncOp fn, gpu::GPUModuleOp gm) {
    MLIRContext *ctx = &getContext();
    OpBuilder b(ctx);
    if (failed(checkWarps(fn)))
      return failure();
    // On sm_90a, products with A in registers and warpgroups along the rows
    // take wgmma (before the buffers are sized: theirs are 1024-aligned).
    if (arch == "sm_90a") {
      fn.walk([&](DotOp d) {
        if (wgmmaDotEligible(d))
          d->setAttr(kWgmmaDotAttr, UnitAttr::get(&getContext()));
      });
    } else {
      // bic-pipeline-dots{arch=sm_90a} laid out slots for wgmma.
      Operation *wg = nullptr;
      fn.walk([&](SmemDotOp d) {
        if (d->hasAttr(kWgmmaDotAttr))
          wg = d;
      });
      if (wg)
        return wg->emitOpError("is laid out for wgmma (bic-pipeline-dots{arch=sm_90a}) but "
                               "the target is ")
               << arch;
    }
    // A dot in a loop that is the kernel's only shared-memory user alternates
    // between two buffers, which saves one barrier per iteration.
    int64_t users = 0;
    fn.walk([&](Operation *op) { users += scratchWords(op) > 0; });
    fn.walk([&](DotOp d) {
      if (users == 1 && isa<scf::ForOp>(d->getParentOp()) &&
          2 * dotBufferBytes(d) <= 48 * 1024)
        d->setAttr(kDoubleBufferAttr, UnitAttr::get(&getContext()));
    });
    // A TMA pipeline owns shared memory from byte 0 (stages, barriers, the
    // result store's boxes); every other user exchanges values past it.
    int64_t words = 0, tmaWords = 0, otherWords = 0;
    fn.walk([&](Operation *op) {
      int64_t &w = isTmaPipelineOp(op) ? tmaWords : otherWords;
      w = std::max(w, scratchWords(op));
    });
    // (1024-aligned past them when a wgmma dot swizzles its B there.)
    bool wgmmaDots = false;
    fn.walk([&](Operation *op) {
      wgmmaDots |= isa<DotOp, SmemDotOp>(op) && op->hasAttr(kWgmmaDotAttr);
    });
    const int64_t exAlign = wgmmaDots ? 1024 : 128;
    const int64_t exchangeByte =
        tmaWords && otherWords ? (tmaWords * 4 + exAlign - 1) / exAlign * exAlign : 0;
    words = exchangeByte ? exchangeByte / 4 + otherWords : std::max(tmaWords, otherWords);
    // Up to 48 KB as a static workgroup buffer; beyond, dynamic shared
    // memory (the runtime raises the kernel's limit and passes the size).
    constexpr int64_t kStaticLimit = 48 * 1024, kDynamicLimit = 227 * 1024;
    if (words * 4 > kDynamicLimit)
      return fn.emitError("needs ")
             << words * 4 << " bytes of shared memory; at most 227 KB exist";
    // TMA stages and the swizzled B of a wgmma dot need 1024-byte
    // alignment, which only the (patched) dynamic shared-memory array
    // guarantees.
    bool tma = false;
    fn.walk([&](TmaInitOp) { tma = true; });
    tma |= wgmmaDots;
    bool dynamic = words * 4 > kStaticLimit || tma;
    auto ptrTy = LLVM::LLVMPointerType::get(ctx, 1);
    SmallVector<Type> args;
    for (Type t : fn.getArgumentTypes())
      args.push_back(isa<PtrType>(t) ? Type(ptrTy) : t);
    SmallVector<Type> wg;
    if (words && !dynamic)
      wg.push_back(MemRefType::get({words}, b.getI32Type(), MemRefLayoutAttrInterface(),
                                   gpu::AddressSpaceAttr::get(
                                       ctx, gpu::AddressSpace::Workgroup)));
    b.setInsertionPointToEnd(gm.getBody());
    auto gf = b.create<gpu::GPUFuncOp>(fn.getLoc(), fn.getName(),
                                       b.getFunctionType(args, {}), wg,
                                       TypeRange{});
    gf->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
    gf.setKnownBlockSizeAttr(b.getDenseI32ArrayAttr({int32_t(threadsOf(fn)), 1, 1}));
    for (auto name : {kNumWarpsAttr, kConstexprsAttr, kWarpSpecializeAttr, kOverlapAttr,
                      kClusterAttr})
      if (Attribute a = fn->getAttr(name))
        gf->setAttr(name, a);
    // `.reqnctapercluster n, 1, 1`: every launch runs the grid as clusters.
    if (unsigned n = clusterOf(fn); n > 1)
      gf->setAttr(NVVM::NVVMDialect::getClusterDimAttrName(),
                  b.getDenseI32ArrayAttr({int32_t(n), 1, 1}));

    Block &entry = gf.getBody().front();
    Block &old = fn.getBody().front();
    b.setInsertionPointToStart(&entry);
    if (dynamic) {
      auto wgSpace = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
      auto bytesTy = MemRefType::get({ShapedType::kDynamic}, b.getI8Type(),
                                     MemRefLayoutAttrInterface(), wgSpace);
      Value dyn = b.create<gpu::DynamicSharedMemoryOp>(fn.getLoc(), bytesTy);
      Value zero = b.create<arith::ConstantIndexOp>(fn.getLoc(), 0);
      auto wordsTy = MemRefType::get({words}, b.getI32Type(), MemRefLayoutAttrInterface(),
                                     wgSpace);
      auto view = b.create<memref::ViewOp>(fn.getLoc(), wordsTy, dyn, zero, ValueRange{});
      view->setAttr(kScratchAttr, b.getUnitAttr());
      if (exchangeByte) {
        auto exTy = MemRefType::get({otherWords}, b.getI32Type(), MemRefLayoutAttrInterface(),
                                    wgSpace);
        Value at = b.create<arith::ConstantIndexOp>(fn.getLoc(), exchangeByte);
        auto ex = b.create<memref::ViewOp>(fn.getLoc(), exTy, dyn, at, ValueRange{});
        ex->setAttr(kExchangeScratchAttr, b.getUnitAttr());
      }
      gf->setAttr(kDynamicSmemAttr, b.getI64IntegerAttr(words * 4));
    }
    for (auto [i, oldArg] : llvm::enumerate(old.getArguments())) {
      Value nv = entry.getArgument(i);
      if (isa<PtrType>(oldArg.getType())) {
        Value addr = b.create<LLVM::PtrToIntOp>(fn.getLoc(), b.getI64Type(), nv);
        nv = b.create<UnrealizedConversionCastOp>(fn.getLoc(), oldArg.getType(),
                                                  addr)
                 .getResult(0);
      }
      oldArg.replaceAllUsesWith(nv);
    }
    // gpu.func builder leaves the entry block empty: splice the body in.
    entry.getOperations().splice(entry.end(), old.getOperations());
    Operation *ret = entry.getTerminator();
    b.setInsertionPoint(ret);
    b.create<gpu::ReturnOp>(ret->getLoc());
    ret->erase();
    fn.erase();
    return success();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    SmallVector<func::FuncOp> kernels;
    for (auto fn : module.getOps<func::FuncOp>())
      if (fn->hasAttr(kKernelAttr))
        kernels.push_back(fn);
    if (kernels.empty())
      return;
    module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                    UnitAttr::get(ctx));
    OpBuilder b(ctx);
    b.setInsertionPointToEnd(module.getBody());
    auto gm = b.create<gpu::GPUModuleOp>(module.getLoc(), "bic");
    for (auto fn : kernels)
      if (failed(moveKernel(fn, gm)))
        return signalPassFailure();

    TileTypeConverter tc(ctx);
    ConversionTarget target(*ctx);
    target.addIllegalDialect<BicDialect>();
    target.addLegalOp<UnrealizedConversionCastOp>();
    target.markUnknownOpDynamicallyLegal(
        [&](Operation *op) { return tc.isLegal(op); });
    RewritePatternSet patterns(ctx);
    populateTileOpPatterns(tc, patterns);
    populateMemoryOpPatterns(tc, patterns);
    populateReduceOpPatterns(tc, patterns);
    populateDotOpPatterns(tc, patterns);
    populateHopperOpPatterns(tc, patterns);
    populateAsyncCopyPatterns(tc, patterns);
    scf::populateSCFStructuralTypeConversionsAndLegality(tc, patterns, target);
    if (failed(applyPartialConversion(gm, target, std::move(patterns))))
      return signalPassFailure();
    // In a warp-specialised kernel every gpu.barrier is among the consumer
    // warps (the set-up's, which the producer warp takes part in, is an
    // nvvm.barrier already, and bic-pipeline-dots refuses code before the
    // split that synchronises): the producer warp never reaches them.
    gm.walk([&](gpu::GPUFuncOp gf) {
      if (!gf->hasAttr(kWarpSpecializeAttr))
        return;
      SmallVector<gpu::BarrierOp> bars;
      gf.walk([&](gpu::BarrierOp op) { bars.push_back(op); });
      for (gpu::BarrierOp op : bars) {
        OpBuilder ob(op);
        Location loc = op.getLoc();
        ob.create<NVVM::BarrierOp>(loc, TypeRange{}, constI32(ob, loc, 1),
                                   constI32(ob, loc, int64_t(numWarpsOf(gf)) * 32),
                                   NVVM::BarrierReductionAttr{}, Value{});
        op.erase();
      }
    });

    RewritePatternSet math(ctx);
    populateMathToNVVMPatterns(math);
    if (failed(applyPatternsGreedily(gm, std::move(math))))
      return signalPassFailure();
    bool leftover = false;
    gm.walk([&](Operation *op) {
      if (isa<math::MathDialect>(op->getDialect())) {
        op->emitOpError("has no NVVM lowering");
        leftover = true;
      }
    });
    if (leftover)
      signalPassFailure();
  }
};
} // namespace
