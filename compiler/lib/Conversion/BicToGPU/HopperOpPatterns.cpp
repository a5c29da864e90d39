//===- HopperOpPatterns.cpp - TMA, mbarriers and wgmma (sm_90a) -----------===//
//
// The ops bic-pipeline-dots creates for a loop bic-tma-dots claimed, as
// inline PTX (as Triton and CUTLASS emit them):
//  * tma_init: thread 0 initialises one mbarrier per stage (arrival count 1;
//    warp-specialised, one more per stage counting the consumer warps) and
//    prefetches the descriptors; then the program synchronises.
//  * tma_load: thread 0 (warp-specialised: the producer thread, which
//    first waits in tma_acquire until the consumer warps have released the
//    stage with tma_release) announces the stage's bytes on its mbarrier (the
//    copy that carries `expect`: the first of an iteration, with the bytes
//    of boxes the runtime may have narrowed to the matrix) and starts
//    `cp.async.bulk.tensor.2d` into the 1024-byte aligned stage, swizzled
//    as its descriptor says (128 bytes; 64 or 32 for a narrow block of B
//    given as [K, N]).
//  * clusters (`cluster` = n, bic-cluster-split): tma_init counts the
//    consumer warps of all n CTAs on the empty barriers and synchronises the
//    cluster after the set-up; a `multicast` tma_load is copied 1/n of the
//    box's rows by each CTA into the same place of every CTA's stage
//    (`.multicast::cluster`, mask 2^n - 1); tma_release arrives on the empty
//    barrier of every CTA (lane c on CTA c's, `mapa`; after a TMA store,
//    lane 0 on every CTA's, once thread 0 waited for the store's reads); cluster_barrier is
//    `barrier.cluster.arrive.release` + `wait.acquire`, not `.aligned`.
//  * tma_dot: every thread waits on the stage's mbarrier (phase parity of the
//    iteration's round), then each warpgroup issues, for k16 = 0 .. BK/16 - 1
//    (ascending) and each of its m64 row blocks, one
//    `wgmma.mma_async.m64nNk16` reading A and B from shared-memory
//    descriptors, and leaves one group in flight. A tile of 16 or 32 rows
//    (few tokens; below wgmma's 64), or any tile of tf32 rounded to nearest
//    in a warp-specialised kernel (`bic.tma_mma_sync`), is in the mma.sync
//    fragment layout instead and takes mma.sync m16n8k16 on the same stages (ldmatrix
//    through the swizzle; ldmatrix.trans for B given as [K, N]), K
//    ascending: the same order, so the same bits (tf32: m16n8k8 on the
//    same ldmatrix loads, each fragment rounded in registers with cvt.rna,
//    or with tf32_rz read as it is). tf32 on wgmma (f32 operands,
//    k-step 8; B as [N, K], 64 rows or more): every thread first rounds the
//    landed stage in place (roundStageToTf32; not for tf32_rz, whose
//    `truncate` is the tensor cores' own reading of f32 bits, so the stage
//    is read as it landed, warp-specialised or not), then k8 = 0 .. BK/8 - 1 issue
//    `wgmma.m64nNk8.f32.tf32.tf32`; a k8 step is 32 bytes of a swizzle row,
//    as a k16 step of 2-byte elements is, so the descriptors are the same.
//  * tma_dot_wait: waits for all wgmma groups and synchronises the program.
//  * tma_store: the tile goes from registers into free shared memory in the
//    128-byte-swizzled box layout (conflict-free for the wgmma fragment),
//    then thread 0 starts `cp.async.bulk.tensor` stores, one per box, as a
//    bulk group; the program goes on while they drain. tma_store_wait waits
//    until they have read shared memory, before the program exits.
//
// Shared-memory matrix descriptor (K-major, 128-byte swizzle): start address
// >> 4 in bits 0-13, leading-dimension offset 1 (unused for this swizzle) in
// 16-29, stride between 8-row groups 1024 >> 4 in 32-45, swizzle mode 1
// (128 B) in 62-63. Stepping K by 16 elements adds 32 bytes to the start
// within a box of 64 columns (tf32: 8 elements, boxes of 32); a K block of
// BK = 64 b (tf32: 32 b) is b such boxes, one
// after the other in the stage. B given as [K, N] (`bNMajor`) is N-major:
// its stage is boxes of BK rows x one swizzle row of W bytes (nMajorBoxCols:
// BN / 64 boxes of W = 128, or one box of W = 64 for BN = 32, 32 for BN =
// 16); the descriptor's swizzle mode is W's (1, 2, 3 for 128, 64, 32
// bytes), its leading offset the distance between boxes (BK x W bytes), its
// stride that between groups of 8 K-rows (8 W), a k16 step starts 16 W
// bytes further on, and wgmma's imm-trans-b is 1.
//
//===----------------------------------------------------------------------===//
#include "bic/Conversion/BicToGPU.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace bic;

namespace {
Value i32c(OpBuilder &b, Location loc, int64_t v) { return constI32(b, loc, v); }
Value i64c(OpBuilder &b, Location loc, int64_t v) {
  return b.create<arith::ConstantIntOp>(loc, b.getI64Type(), v);
}

/// 32-bit shared-window address of byte `offset` of the scratch.
Value smemAddr(OpBuilder &b, Location loc, Value base, Value offset) {
  auto ptrTy = LLVM::LLVMPointerType::get(b.getContext(), 3);
  Value p = b.create<LLVM::GEPOp>(loc, ptrTy, b.getI8Type(), base, ValueRange{offset});
  return b.create<LLVM::PtrToIntOp>(loc, b.getI32Type(), p);
}

/// Pointer to stage `slot` of a region: byte start + slot * stride.
Value stagePtr(OpBuilder &b, Location loc, Value base, Value slot, int64_t start,
               int64_t stride) {
  Value off = b.create<arith::AddIOp>(
      loc, i32c(b, loc, start), b.create<arith::MulIOp>(loc, slot, i32c(b, loc, stride)));
  return b.create<LLVM::GEPOp>(loc, LLVM::LLVMPointerType::get(b.getContext(), 3),
                               b.getI8Type(), base, ValueRange{off});
}

/// Shared address of stage `slot` of a region: byte start + slot * stride.
Value stageAddr(OpBuilder &b, Location loc, Value base, Value slot, int64_t start,
                int64_t stride) {
  return b.create<LLVM::PtrToIntOp>(loc, b.getI32Type(),
                                    stagePtr(b, loc, base, slot, start, stride));
}

/// Spins until the mbarrier at shared address `bar` has completed the phase
/// of parity `phase`.
void waitParity(OpBuilder &b, Location loc, Value bar, Value phase) {
  inlineAsm(b, loc,
            "{\n.reg .pred P1;\nWAIT:\n"
            "mbarrier.try_wait.parity.shared::cta.b64 P1, [$0], $1;\n"
            "@P1 bra DONE;\nbra WAIT;\nDONE:\n}",
            "r,r", ValueRange{bar, phase});
}

/// This CTA's rank in its cluster (i32): `%cluster_ctaid.x`, which is
/// `%cluster_ctarank` because every bic cluster is n x 1 x 1
/// (`.reqnctapercluster n, 1, 1`, LowerToGPU.cpp).
Value clusterRank(OpBuilder &b, Location loc) {
  Value r = b.create<gpu::ClusterBlockIdOp>(loc, gpu::Dimension::x);
  return b.create<arith::IndexCastUIOp>(loc, b.getI32Type(), r);
}

/// Every thread of every CTA of the cluster meets here (not `.aligned`: the
/// lanes of a warp may arrive apart).
void clusterBarrier(OpBuilder &b, Location loc) {
  inlineAsm(b, loc, "barrier.cluster.arrive.release;\nbarrier.cluster.wait.acquire;", "",
            ValueRange{});
}

/// Runs `body` in thread 0 only.
template <typename F> void inThread0(OpBuilder &b, Location loc, F body) {
  Value tid = getThreadIds(b, loc).tid;
  Value first = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, tid, i32c(b, loc, 0));
  auto ifOp = b.create<scf::IfOp>(loc, TypeRange{}, first, /*withElse=*/false);
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPointToStart(&ifOp.getThenRegion().front());
  body();
}

struct TmaInitLowering : public OpConversionPattern<TmaInitOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(TmaInitOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    if (!getScratch(op))
      return op.emitOpError("needs shared memory");
    Value base = scratchBase(op, rw);
    const int64_t S = op.getStages(), consumers = op.getConsumers() * op.getCluster();
    inThread0(rw, loc, [&] {
      for (int64_t s = 0; s < S; ++s) {
        Value bar = smemAddr(rw, loc, base, i32c(rw, loc, op.getBarriers() + 8 * s));
        inlineAsm(rw, loc, "mbarrier.init.shared::cta.b64 [$0], 1;", "r", ValueRange{bar});
      }
      // Warp-specialised: a stage is empty once every consumer warp let go.
      for (int64_t s = 0; consumers && s < S; ++s) {
        Value bar = smemAddr(rw, loc, base, i32c(rw, loc, op.getBarriers() + 8 * (S + s)));
        inlineAsm(rw, loc,
                  "mbarrier.init.shared::cta.b64 [$0], " + std::to_string(consumers) + ";", "r",
                  ValueRange{bar});
      }
      for (Value d : a.getDescs())
        inlineAsm(rw, loc, "prefetch.tensormap [$0];", "l", ValueRange{d});
      inlineAsm(rw, loc, "fence.mbarrier_init.release.cluster;", "", ValueRange{});
    });
    // Every thread, the producer warp's too (after this, a warp-specialised
    // program's barriers are among its consumer warps only: bic-lower-to-gpu
    // turns every gpu.barrier of such a kernel into a named barrier).
    if (consumers)
      rw.create<NVVM::BarrierOp>(loc);
    else
      rw.create<gpu::BarrierOp>(loc);
    // No CTA of a cluster multicasts into another's stages, or arrives on
    // its barriers, before that CTA has initialised them.
    if (op.getCluster() > 1)
      clusterBarrier(rw, loc);
    rw.eraseOp(op);
    return success();
  }
};

struct TmaLoadLowering : public OpConversionPattern<TmaLoadOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(TmaLoadOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    if (!getScratch(op))
      return op.emitOpError("needs shared memory");
    if (a.getCoords().size() != 2)
      return op.emitOpError("only 2-D TMA copies are supported");
    if (op.getSync())
      rw.create<gpu::BarrierOp>(loc);
    Value base = scratchBase(op, rw);
    Value S = i32c(rw, loc, op.getStages());
    Value slot = rw.create<arith::RemUIOp>(loc, a.getIter(), S);
    Value bar = stageAddr(rw, loc, base, slot, op.getBarriers(), 8);
    Value dst = stageAddr(rw, loc, base, slot, op.getBase(), op.getSlotBytes());
    // Thread 0 issues, or the producer thread that runs the op.
    Value go = a.getPred();
    if (!op.getProducer()) {
      Value tid = getThreadIds(rw, loc).tid;
      go = rw.create<arith::AndIOp>(
          loc, go, rw.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, tid, i32c(rw, loc, 0)));
    }
    auto ifOp = rw.create<scf::IfOp>(loc, TypeRange{}, go, /*withElse=*/false);
    rw.setInsertionPointToStart(&ifOp.getThenRegion().front());
    if (op.getAfterStore()) // the stage may hold a TMA store's block
      inlineAsm(rw, loc, "cp.async.bulk.wait_group.read 0;", "", ValueRange{});
    if (Value bytes = a.getExpect())
      inlineAsm(rw, loc, "mbarrier.arrive.expect_tx.shared::cta.b64 _, [$0], $1;", "r,r",
                ValueRange{bar, bytes});
    // TMA coordinates are innermost first.
    const int64_t n = op.getMulticast();
    if (n <= 1) {
      inlineAsm(rw, loc,
                "cp.async.bulk.tensor.2d.shared::cluster.global.mbarrier::complete_tx::bytes"
                " [$0], [$1, {$2, $3}], [$4];",
                "r,l,r,r,r",
                ValueRange{dst, a.getDesc(), a.getCoords()[1], a.getCoords()[0], bar});
    } else {
      // CTA r copies rows [r R / n, (r + 1) R / n) of the block into the
      // same place of every CTA's stage, completing on each one's barrier.
      int64_t rows = op.getBox()[0] / n;
      Value r = clusterRank(rw, loc);
      Value row = rw.create<arith::AddIOp>(
          loc, a.getCoords()[0], rw.create<arith::MulIOp>(loc, r, i32c(rw, loc, rows)));
      // (rows of one 128-byte swizzle row each: multicast copies B as [N, K])
      Value at = rw.create<arith::AddIOp>(
          loc, dst, rw.create<arith::MulIOp>(loc, r, i32c(rw, loc, rows * 128)));
      Value mask = rw.create<arith::ConstantIntOp>(loc, rw.getI16Type(), (1 << n) - 1);
      inlineAsm(rw, loc,
                "cp.async.bulk.tensor.2d.shared::cluster.global.mbarrier::complete_tx::bytes"
                ".multicast::cluster [$0], [$1, {$2, $3}], [$4], $5;",
                "r,l,r,r,r,h", ValueRange{at, a.getDesc(), a.getCoords()[1], row, bar, mask});
    }
    rw.setInsertionPointAfter(ifOp);
    rw.eraseOp(op);
    return success();
  }
};

/// Rounds the f32 words of a stage, `aBytes` at `aStage` and `bBytes` at
/// `bStage` (i32 shared addresses), to tf32 in place (cvt.rna: nearest, ties
/// away from zero; the tensor cores would truncate them), 16 bytes per
/// thread at a time, every thread of the program taking part; then makes
/// the writes visible to wgmma (async proxy) and waits for all threads. The
/// swizzle only permutes 16-byte chunks, so the pass ignores it.
void roundStageToTf32(ConversionPatternRewriter &rw, Location loc, int64_t threads,
                      Value aStage, int64_t aBytes, Value bStage, int64_t bBytes,
                      const ThreadIds &ids) {
  Value off = rw.create<arith::MulIOp>(loc, ids.tid, i32c(rw, loc, 16));
  for (auto [stage, bytes] : {std::pair<Value, int64_t>{aStage, aBytes}, {bStage, bBytes}})
    for (int64_t o = 0; o < bytes; o += threads * 16) {
      Value at = rw.create<arith::AddIOp>(
          loc, stage, rw.create<arith::AddIOp>(loc, off, i32c(rw, loc, o)));
      std::string text = "{\n.reg .b32 r<4>;\nld.shared.v4.b32 {r0, r1, r2, r3}, [$0];\n";
      for (int i = 0; i < 4; ++i)
        text += "cvt.rna.tf32.f32 r" + std::to_string(i) + ", r" + std::to_string(i) + ";\n";
      text += "st.shared.v4.b32 [$0], {r0, r1, r2, r3};\n}";
      if (o + threads * 16 <= bytes) {
        inlineAsm(rw, loc, text, "r", ValueRange{at});
        continue;
      }
      // The last round covers part of the stage: threads past it skip.
      Value in = rw.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult,
                                          rw.create<arith::AddIOp>(loc, off, i32c(rw, loc, o)),
                                          i32c(rw, loc, bytes));
      auto ifOp = rw.create<scf::IfOp>(loc, TypeRange{}, in, /*withElse=*/false);
      OpBuilder::InsertionGuard guard(rw);
      rw.setInsertionPointToStart(&ifOp.getThenRegion().front());
      inlineAsm(rw, loc, text, "r", ValueRange{at});
    }
  inlineAsm(rw, loc, "fence.proxy.async.shared::cta;", "", ValueRange{});
  rw.create<gpu::BarrierOp>(loc);
}

struct TmaDotLowering : public OpConversionPattern<TmaDotOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(TmaDotOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    auto lc = TileLayout::get(op.getType());
    if (failed(lc) || !getScratch(op))
      return op.emitOpError("needs a layout and shared memory");
    const DimLayout &d0 = lc->dim(0), &d1 = lc->dim(1);
    // A tile bic-tma-dots marked `bic.tma_mma_sync` (fewer than 64 rows, or
    // warp-specialised tf32 rounded to nearest) is in the mma.sync fragment
    // layout and takes mma.sync on the stage.
    const bool mmaSync = !d0.lanesFirst;
    if (mmaSync && failed(checkMmaAccumulator(op, *lc)))
      return failure();
    if (!mmaSync && (d0.spt != 2 || d0.tpw != 8 || d1.spt != 2 || d1.tpw != 4 ||
                     d1.wpc != 1 || d0.replicated() || d1.replicated()))
      return op.emitOpError("accumulator is not in the wgmma fragment layout");
    auto at = cast<RankedTensorType>(op.getAType());
    Type elem = at.getElementType();
    // tf32 (f32 operands, k-step 8): k-steps of 8 4-byte elements, the same
    // 32 bytes of a swizzle row as a bf16/f16 k-step of 16.
    const bool tf32 = elem.isF32();
    if (tf32 && (op.getOrder().getKStep() != 8 || op.getBNMajor()))
      return op.emitOpError("f32 operands take TMA stages only as tf32 (k-step 8), B as "
                            "[N, K]");
    const char *ty = tf32 ? "tf32" : elem.isBF16() ? "bf16" : "f16";
    const int64_t kStep = tf32 ? 8 : 16;
    int64_t N = op.getType().getShape()[1], K = at.getShape()[1];
    int64_t reps = d0.reps(), nw = d0.wpc, regs = N / 2;
    Value base = scratchBase(op, rw);
    ThreadIds ids = getThreadIds(rw, loc);

    // Wait for the stage: its barrier completes once per round of S
    // iterations, so the parity to wait for is (iter / S) & 1.
    Value S = i32c(rw, loc, op.getStages());
    Value slot = rw.create<arith::RemUIOp>(loc, a.getIter(), S);
    Value phase = rw.create<arith::AndIOp>(
        loc, rw.create<arith::DivUIOp>(loc, a.getIter(), S), i32c(rw, loc, 1));
    Value bar = stageAddr(rw, loc, base, slot, op.getBarriers(), 8);
    waitParity(rw, loc, bar, phase);

    const bool nMajor = op.getBNMajor();
    if (mmaSync) {
      Value aPtr = stagePtr(rw, loc, base, slot, op.getABase(), op.getASlot());
      Value bPtr = stagePtr(rw, loc, base, slot, op.getBBase(), op.getBSlot());
      rw.replaceOp(op, emitStagedMma(rw, loc, *lc, a.getAcc(), elem,
                                     op.getOrder().getTruncate(), op.getType().getShape()[0],
                                     N, K, aPtr, bPtr, ids, nMajor));
      return success();
    }

    // Stage bases, and this warpgroup's first row.
    Value aStage = stageAddr(rw, loc, base, slot, op.getABase(), op.getASlot());
    Value bStage = stageAddr(rw, loc, base, slot, op.getBBase(), op.getBSlot());
    Value wgRow = rw.create<arith::MulIOp>(
        loc, rw.create<arith::ShRUIOp>(loc, ids.warp, i32c(rw, loc, 2)), i32c(rw, loc, 64));
    // A stage holds BK / 64 (tf32: BK / 32) boxes per operand, box j (k-steps
    // 4j .. 4j + 3) at byte j * rows * 128: rows of 128 bytes in the 128-byte
    // swizzle.
    const int64_t rowBytes = 128, M = op.getType().getShape()[0];
    auto boxOff = [&](int64_t rows, int64_t k) { return (k / 4) * rows * rowBytes + 32 * (k % 4); };

    // Accumulator registers of row block r: wgmma's d[4j + 2h + c] is
    // element (row 2r + h, column 2j + c) of the thread's fragment.
    Value acc = a.getAcc();
    auto f32 = rw.getF32Type();
    SmallVector<SmallVector<Value>> frag(reps);
    for (int64_t r = 0; r < reps; ++r)
      for (int64_t q = 0; q < regs; ++q) {
        int64_t j = q / 4, h = (q / 2) % 2, c = q % 2;
        int64_t e = lc->linearIndex({2 * r + h, 2 * j + c});
        frag[r].push_back(rw.create<vector::ExtractOp>(loc, acc, e));
      }

    std::string text = "{\n.reg .pred p;\nsetp.ne.b32 p, $" + std::to_string(regs + 2) +
                       ", 0;\nwgmma.mma_async.sync.aligned.m64n" + std::to_string(N) + "k" +
                       std::to_string(kStep) + ".f32." + ty + "." + ty + " {";
    std::string cons;
    for (int64_t q = 0; q < regs; ++q) {
      text += (q ? ", $" : "$") + std::to_string(q);
      cons += "=f,";
    }
    // imm-trans-b: 1 reads B N-major (tf32 has no transposes: K-major only).
    text += "}, $" + std::to_string(regs) + ", $" + std::to_string(regs + 1) + ", p, 1, 1" +
            (tf32 ? "" : std::string(", 0, ") + (nMajor ? "1" : "0")) + ";\n}";
    cons += "l,l,r";
    for (int64_t q = 0; q < regs; ++q)
      cons += "," + std::to_string(q);
    auto structTy =
        LLVM::LLVMStructType::getLiteral(rw.getContext(), SmallVector<Type>(regs, f32));

    // tf32_rz: wgmma reads the stage as it landed (the tensor cores drop
    // the low 13 bits); tf32 (rna): every thread rounds it first.
    if (tf32 && !op.getOrder().getTruncate()) {
      auto gf = op->getParentOfType<gpu::GPUFuncOp>();
      if (!gf || gf->hasAttr(kWarpSpecializeAttr))
        return op.emitOpError("tf32 stages are rounded by every thread of a kernel "
                              "without warp specialisation");
      roundStageToTf32(rw, loc, int64_t(numWarpsOf(gf)) * 32, aStage, M * K * 4, bStage,
                       N * K * 4, ids);
    }
    inlineAsm(rw, loc, "wgmma.fence.sync.aligned;", "", ValueRange{});
    // N-major B: boxes of K rows x one swizzle row of nRow bytes (the
    // verifier admits only N that nMajorBoxCols takes).
    const int64_t nRow = nMajor ? nMajorBoxCols(N) * 2 : 0;
    for (int64_t k = 0; k < K / kStep; ++k) {
      // N-major B: k16 step k starts at K-row 16 k (two 8-row groups of
      // 8 nRow bytes each); its boxes of K rows are K * nRow bytes apart.
      Value bDesc =
          nMajor ? wgmmaMatrixDesc(rw, loc,
                              rw.create<arith::AddIOp>(loc, bStage, i32c(rw, loc, 16 * nRow * k)),
                              K * nRow, nRow)
                 : wgmmaMatrixDesc(rw, loc,
                              rw.create<arith::AddIOp>(loc, bStage, i32c(rw, loc, boxOff(N, k))));
      for (int64_t r = 0; r < reps; ++r) {
        // Rows r * 16 * nw + 64 * warpgroup + [0, 64) of the stage.
        Value row = rw.create<arith::AddIOp>(loc, wgRow, i32c(rw, loc, r * 16 * nw));
        Value aOff = rw.create<arith::AddIOp>(
            loc, rw.create<arith::MulIOp>(loc, row, i32c(rw, loc, rowBytes)),
            i32c(rw, loc, boxOff(M, k)));
        Value aDesc = wgmmaMatrixDesc(rw, loc, rw.create<arith::AddIOp>(loc, aStage, aOff));
        SmallVector<Value> operands = {aDesc, bDesc, i32c(rw, loc, 1)};
        operands.append(frag[r].begin(), frag[r].end());
        Value res = inlineAsm(rw, loc, text, cons, operands, structTy);
        for (int64_t q = 0; q < regs; ++q)
          frag[r][q] = rw.create<LLVM::ExtractValueOp>(loc, res, q);
      }
    }
    inlineAsm(rw, loc, "wgmma.commit_group.sync.aligned;", "", ValueRange{});
    inlineAsm(rw, loc, "wgmma.wait_group.sync.aligned 1;", "", ValueRange{});

    for (int64_t r = 0; r < reps; ++r)
      for (int64_t q = 0; q < regs; ++q) {
        int64_t j = q / 4, h = (q / 2) % 2, c = q % 2;
        int64_t e = lc->linearIndex({2 * r + h, 2 * j + c});
        acc = rw.create<vector::InsertOp>(loc, frag[r][q], acc, e);
      }
    rw.replaceOp(op, acc);
    return success();
  }
};

struct TmaDotWaitLowering : public OpConversionPattern<TmaDotWaitOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(TmaDotWaitOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    auto vt = cast<VectorType>(a.getAcc().getType());
    int64_t n = vt.getNumElements();
    SmallVector<Value> regs;
    std::string cons;
    for (int64_t i = 0; i < n; ++i) {
      regs.push_back(rw.create<vector::ExtractOp>(loc, a.getAcc(), i));
      cons += "=f,";
    }
    for (int64_t i = 0; i < n; ++i)
      cons += std::to_string(i) + (i + 1 < n ? "," : "");
    auto structTy = LLVM::LLVMStructType::getLiteral(
        rw.getContext(), SmallVector<Type>(n, rw.getF32Type()));
    Value res = inlineAsm(rw, loc, "wgmma.wait_group.sync.aligned 0;", cons, regs, structTy);
    Value acc = a.getAcc();
    for (int64_t i = 0; i < n; ++i)
      acc = rw.create<vector::InsertOp>(loc, rw.create<LLVM::ExtractValueOp>(loc, res, i),
                                        acc, i);
    rw.create<gpu::BarrierOp>(loc);
    rw.replaceOp(op, acc);
    return success();
  }
};

struct TmaStoreLowering : public OpConversionPattern<TmaStoreOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(TmaStoreOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    auto vt = cast<RankedTensorType>(op.getValue().getType());
    auto l = TileLayout::get(vt);
    if (failed(l) || !getScratch(op) || l->rank() != 2 || a.getCoords().size() != 2)
      return op.emitOpError("needs a 2-D tile with a layout, and shared memory");
    const int64_t R = op.getBoxRows(), C = 64, boxBytes = R * 128;
    const DimLayout &d0 = l->dim(0), &d1 = l->dim(1);
    int64_t rows = vt.getShape()[0], cols = vt.getShape()[1];
    // Each thread's base coordinate lies within one cover, so with covers
    // dividing the box every element's box is a compile-time fact.
    if (rows % R || cols % C || d0.replicated() || d1.replicated() || R % d0.cover() ||
        C % d1.cover())
      return op.emitOpError("tile ") << rows << "x" << cols << " does not split into "
                                     << R << "x" << C << " boxes along its layout";
    const int64_t boxesN = cols / C, boxes = (rows / R) * boxesN;

    // Where boxes go: the region of its own, then stage iter % S's slots.
    Value base = scratchBase(op, rw);
    SmallVector<Value> room;
    for (int64_t o = 0; o + boxBytes <= int64_t(op.getExtraBytes()); o += boxBytes)
      room.push_back(smemAddr(rw, loc, base, i32c(rw, loc, op.getExtraBase() + o)));
    Value slot = rw.create<arith::RemUIOp>(loc, a.getIter(), i32c(rw, loc, op.getStages()));
    for (auto [start, bytes] : {std::pair<int64_t, int64_t>{op.getABase(), op.getASlot()},
                                {op.getBBase(), op.getBSlot()}}) {
      Value s0 = stageAddr(rw, loc, base, slot, start, bytes);
      for (int64_t o = 0; o + boxBytes <= bytes; o += boxBytes)
        room.push_back(rw.create<arith::AddIOp>(loc, s0, i32c(rw, loc, o)));
    }
    if (int64_t(room.size()) < boxes)
      return op.emitOpError("has room for ") << room.size() << " of its " << boxes
                                              << " boxes of " << R << "x" << C;

    // Per thread: byte of (row rr, column cc) in a box is rr * 128 +
    // ((cc / 8) ^ (rr % 8)) * 16 + (cc % 8) * 2. Both covers are multiples
    // of 8 apart, so rr % 8 and cc % 8 are the base's.
    ThreadIds ids = getThreadIds(rw, loc);
    Value r0 = l->threadBase(rw, loc, 0, ids.lane, ids.warp);
    Value c0 = l->threadBase(rw, loc, 1, ids.lane, ids.warp);
    auto andc = [&](Value v, int64_t m) {
      return rw.create<arith::AndIOp>(loc, v, i32c(rw, loc, m));
    };
    Value rowSwz = andc(r0, 7);
    Value rowByte = rw.create<arith::MulIOp>(loc, r0, i32c(rw, loc, 128));
    Value chunk0 = rw.create<arith::ShRUIOp>(loc, c0, i32c(rw, loc, 3));
    Value inChunk = rw.create<arith::MulIOp>(loc, andc(c0, 7), i32c(rw, loc, 2));

    // Elements by box; pairs of neighbouring columns go as one 4-byte word.
    struct Item {
      int64_t e, rr, cc;
      bool pair;
    };
    SmallVector<SmallVector<Item>> byBox(boxes);
    for (int64_t e = 0; e < l->numElems(); ++e) {
      auto mi = l->multiIndex(e);
      int64_t ro = d0.offset(mi[0]), co = d1.offset(mi[1]);
      bool second = d1.elemStride() == 1 && d1.sptEff() % 2 == 0 && mi[1] % 2 == 1;
      if (second)
        continue; // stored with its left neighbour
      // (the thread's base column is then even: the word is aligned)
      bool pair = d1.elemStride() == 1 && d1.sptEff() % 2 == 0;
      byBox[(ro / R) * boxesN + co / C].push_back({e, ro % R, co % C, pair});
    }
    auto elems = a.getValue();
    auto i16 = rw.getI16Type(), i32 = rw.getI32Type();
    auto smemPtr = LLVM::LLVMPointerType::get(rw.getContext(), 3);
    auto bits = [&](int64_t e) {
      Value v = rw.create<vector::ExtractOp>(loc, elems, e);
      return rw.create<arith::BitcastOp>(loc, i16, v).getResult();
    };

    // Earlier stores (the previous tile's) must have read the shared memory
    // this one writes.
    inThread0(rw, loc, [&] {
      inlineAsm(rw, loc, "cp.async.bulk.wait_group.read 0;", "", ValueRange{});
    });
    rw.create<gpu::BarrierOp>(loc);
    for (int64_t bx = 0; bx < boxes; ++bx) {
      for (const Item &it : byBox[bx]) {
        // Offsets that are multiples of 8 reuse the base's swizzle terms.
        Value rr8 = it.rr % 8 ? andc(rw.create<arith::AddIOp>(loc, r0, i32c(rw, loc, it.rr)), 7)
                              : rowSwz;
        Value chunk, within;
        if (it.cc % 8) {
          Value cc = rw.create<arith::AddIOp>(loc, c0, i32c(rw, loc, it.cc));
          chunk = rw.create<arith::ShRUIOp>(loc, cc, i32c(rw, loc, 3));
          within = rw.create<arith::MulIOp>(loc, andc(cc, 7), i32c(rw, loc, 2));
        } else {
          chunk = rw.create<arith::AddIOp>(loc, chunk0, i32c(rw, loc, it.cc / 8));
          within = inChunk;
        }
        Value off = rw.create<arith::AddIOp>(
            loc, rw.create<arith::AddIOp>(loc, rowByte, i32c(rw, loc, it.rr * 128)),
            rw.create<arith::AddIOp>(
                loc, rw.create<arith::MulIOp>(loc, rw.create<arith::XOrIOp>(loc, chunk, rr8),
                                              i32c(rw, loc, 16)),
                within));
        Value ptr = rw.create<LLVM::IntToPtrOp>(
            loc, smemPtr, rw.create<arith::AddIOp>(loc, room[bx], off).getResult());
        if (it.pair) {
          Value lo = rw.create<arith::ExtUIOp>(loc, i32, bits(it.e));
          Value hi = rw.create<arith::ExtUIOp>(loc, i32, bits(it.e + 1));
          Value w = rw.create<arith::OrIOp>(
              loc, lo, rw.create<arith::ShLIOp>(loc, hi, i32c(rw, loc, 16)));
          rw.create<LLVM::StoreOp>(loc, w, ptr, 4);
        } else {
          rw.create<LLVM::StoreOp>(loc, bits(it.e), ptr, 2);
        }
      }
    }
    // Generic-proxy writes become visible to the TMA engine.
    inlineAsm(rw, loc, "fence.proxy.async.shared::cta;", "", ValueRange{});
    rw.create<gpu::BarrierOp>(loc);
    inThread0(rw, loc, [&] {
      for (int64_t bx = 0; bx < boxes; ++bx) {
        Value row = rw.create<arith::AddIOp>(loc, a.getCoords()[0],
                                             i32c(rw, loc, (bx / boxesN) * R));
        Value col = rw.create<arith::AddIOp>(loc, a.getCoords()[1],
                                             i32c(rw, loc, (bx % boxesN) * C));
        inlineAsm(rw, loc,
                  "cp.async.bulk.tensor.2d.global.shared::cta.bulk_group [$0, {$1, $2}], [$3];",
                  "l,r,r,r", ValueRange{a.getDesc(), col, row, room[bx]});
      }
      inlineAsm(rw, loc, "cp.async.bulk.commit_group;", "", ValueRange{});
    });
    rw.eraseOp(op);
    return success();
  }
};

struct WarpRoleLowering : public OpConversionPattern<WarpRoleOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(WarpRoleOp op, OpAdaptor,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    Value tid = getThreadIds(rw, loc).tid;
    Value first = i32c(rw, loc, 32 * op.getConsumers());
    rw.replaceOpWithNewOp<arith::CmpIOp>(
        op, op.getRole() == "producer" ? arith::CmpIPredicate::eq : arith::CmpIPredicate::ult,
        tid, first);
    return success();
  }
};

/// Address of the "empty" barrier of stage `iter % stages`.
Value emptyBarrier(OpBuilder &b, Location loc, Operation *op, Value iter, int64_t barriers,
                   int64_t stages) {
  Value slot = b.create<arith::RemUIOp>(loc, iter, i32c(b, loc, stages));
  return stageAddr(b, loc, scratchBase(op, b), slot, barriers + 8 * stages, 8);
}

struct TmaAcquireLowering : public OpConversionPattern<TmaAcquireOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(TmaAcquireOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    if (!getScratch(op))
      return op.emitOpError("needs shared memory");
    const int64_t S = op.getStages();
    Value bar = emptyBarrier(rw, loc, op, a.getIter(), op.getBarriers(), S);
    // The previous round's phase: ((iter / S) & 1) ^ 1.
    Value phase = rw.create<arith::XOrIOp>(
        loc,
        rw.create<arith::AndIOp>(loc, rw.create<arith::DivUIOp>(loc, a.getIter(), i32c(rw, loc, S)),
                                 i32c(rw, loc, 1)),
        i32c(rw, loc, 1));
    waitParity(rw, loc, bar, phase);
    rw.eraseOp(op);
    return success();
  }
};

struct TmaReleaseLowering : public OpConversionPattern<TmaReleaseOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(TmaReleaseOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    if (!getScratch(op))
      return op.emitOpError("needs shared memory");
    Value bar = emptyBarrier(rw, loc, op, a.getIter(), op.getBarriers(), op.getStages());
    ThreadIds ids = getThreadIds(rw, loc);
    const int64_t n = op.getCluster();
    if (n > 1 && !op.getAfterStore()) {
      // Lane c arrives on the barrier of the cluster's CTA c (its own too,
      // through the cluster window), all CTAs at once.
      Value mine = rw.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult, ids.lane,
                                            i32c(rw, loc, n));
      auto ifOp = rw.create<scf::IfOp>(loc, TypeRange{}, mine, /*withElse=*/false);
      rw.setInsertionPointToStart(&ifOp.getThenRegion().front());
      inlineAsm(rw, loc,
                "{\n.reg .b32 ra;\nmapa.shared::cluster.u32 ra, $0, $1;\n"
                "mbarrier.arrive.shared::cluster.b64 _, [ra];\n}",
                "r,r", ValueRange{bar, ids.lane});
      rw.setInsertionPointAfter(ifOp);
      rw.eraseOp(op);
      return success();
    }
    Value lane0 = rw.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, ids.lane, i32c(rw, loc, 0));
    auto ifOp = rw.create<scf::IfOp>(loc, TypeRange{}, lane0, /*withElse=*/false);
    rw.setInsertionPointToStart(&ifOp.getThenRegion().front());
    if (op.getAfterStore()) {
      // Thread 0 issued the stores that read the stage.
      Value t0 = rw.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, ids.tid, i32c(rw, loc, 0));
      auto w = rw.create<scf::IfOp>(loc, TypeRange{}, t0, /*withElse=*/false);
      OpBuilder::InsertionGuard g(rw);
      rw.setInsertionPointToStart(&w.getThenRegion().front());
      inlineAsm(rw, loc, "cp.async.bulk.wait_group.read 0;", "", ValueRange{});
    }
    if (op.getCluster() <= 1) {
      inlineAsm(rw, loc, "mbarrier.arrive.shared::cta.b64 _, [$0];", "r", ValueRange{bar});
    } else {
      // After a store (thread 0 waited for its reads): lane 0 arrives on the
      // stage's empty barrier in every CTA of the cluster (its own too,
      // through the cluster window), at the default scope as above.
      for (int64_t c = 0; c < op.getCluster(); ++c)
        inlineAsm(rw, loc,
                  "{\n.reg .b32 ra;\nmapa.shared::cluster.u32 ra, $0, $1;\n"
                  "mbarrier.arrive.shared::cluster.b64 _, [ra];\n}",
                  "r,r", ValueRange{bar, i32c(rw, loc, c)});
    }
    rw.setInsertionPointAfter(ifOp);
    rw.eraseOp(op);
    return success();
  }
};

struct ClusterRankLowering : public OpConversionPattern<ClusterRankOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ClusterRankOp op, OpAdaptor,
                                ConversionPatternRewriter &rw) const override {
    rw.replaceOp(op, clusterRank(rw, op.getLoc()));
    return success();
  }
};

struct ClusterBarrierLowering : public OpConversionPattern<ClusterBarrierOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ClusterBarrierOp op, OpAdaptor,
                                ConversionPatternRewriter &rw) const override {
    clusterBarrier(rw, op.getLoc());
    rw.eraseOp(op);
    return success();
  }
};

struct TmaStoreWaitLowering : public OpConversionPattern<TmaStoreWaitOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(TmaStoreWaitOp op, OpAdaptor,
                                ConversionPatternRewriter &rw) const override {
    // Only the reads of shared memory must be over before the program ends
    // (it is freed then); the writes complete with the grid, as every write
    // of a kernel does before the next kernel on the stream (or a dependent
    // launched to overlap it, at its griddepcontrol.wait) can see them.
    inThread0(rw, op.getLoc(), [&] {
      inlineAsm(rw, op.getLoc(), "cp.async.bulk.wait_group.read 0;", "", ValueRange{});
    });
    rw.eraseOp(op);
    return success();
  }
};

/// Lets the next kernel on the stream launch, then waits for the kernels
/// this one depends on (both no-ops without programmatic dependent launch).
struct WaitPriorGridsLowering : public OpConversionPattern<WaitPriorGridsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(WaitPriorGridsOp op, OpAdaptor,
                                ConversionPatternRewriter &rw) const override {
    rw.create<NVVM::GriddepcontrolOp>(op.getLoc(), NVVM::GridDepActionKind::launch_dependents);
    rw.create<NVVM::GriddepcontrolOp>(op.getLoc(), NVVM::GridDepActionKind::wait);
    rw.eraseOp(op);
    return success();
  }
};
} // namespace

void bic::populateHopperOpPatterns(TileTypeConverter &tc, RewritePatternSet &patterns) {
  patterns.add<TmaInitLowering, TmaLoadLowering, TmaDotLowering, TmaDotWaitLowering,
               TmaStoreLowering, TmaStoreWaitLowering, WarpRoleLowering, TmaAcquireLowering,
               TmaReleaseLowering, WaitPriorGridsLowering, ClusterRankLowering,
               ClusterBarrierLowering>(tc, patterns.getContext());
}

/// Descriptor of a swizzled operand at shared address `addr` (i32) whose
/// rows are one swizzle row of `rowBytes` (128, 64 or 32). K-major (`lbo`
/// 0, 128-byte rows): the leading-dimension offset is unused (1) and 8-row
/// groups are 1024 bytes apart. N-major (B given as [K, N]): `lbo` is the
/// distance between boxes of N-columns and 8 x `rowBytes` that between
/// groups of 8 K-rows.
Value bic::wgmmaMatrixDesc(OpBuilder &b, Location loc, Value addr, int64_t lbo,
                           int64_t rowBytes) {
  // 14 bits of lbo >> 4 (bic-tma-dots keeps N-major K blocks to 256 rows,
  // at most 32 KB; wgmmaDotEligible keeps register-A ones below 256 KB).
  assert(lbo % 16 == 0 && (lbo >> 4) < (1 << 14) && "leading offset out of range");
  // The descriptor's layout type: 1, 2, 3 for the 128-, 64-, 32-byte swizzle.
  const int64_t mode = rowBytes == 128 ? 1 : rowBytes == 64 ? 2 : 3;
  assert((rowBytes == 128 || rowBytes == 64 || rowBytes == 32) && "not a swizzle row");
  Value a = b.create<arith::ExtUIOp>(loc, b.getI64Type(), addr);
  a = b.create<arith::AndIOp>(loc, b.create<arith::ShRUIOp>(loc, a, i64c(b, loc, 4)),
                              i64c(b, loc, 0x3FFF));
  int64_t fixed = ((lbo ? lbo >> 4 : 1) << 16) | (int64_t(8 * rowBytes >> 4) << 32) |
                  (mode << 62);
  return b.create<arith::OrIOp>(loc, a, i64c(b, loc, fixed));
}

