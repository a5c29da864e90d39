//===- PipelineDots.cpp - asynchronous operand staging for K loops --------===//
//
// Software pipelining of the canonical K loop
//     for k: a = load(pa(k)); b = load(pb(k)); acc = dot(a, b, acc)
// into `stages` shared-memory slots per operand filled by cp.async
// `stages - 1` iterations ahead. The address computations of iteration k are
// cloned with k replaced by the iteration being fetched. Only when the data
// arrives changes, never which values are multiplied or in which order.
//
//===----------------------------------------------------------------------===//
#include "bic/Transforms/Layout.h"
#include "bic/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/IRMapping.h"

#include <array>

namespace bic {
#define GEN_PASS_DEF_BICPIPELINEDOTS
#include "bic/Transforms/Passes.h.inc"
} // namespace bic

using namespace mlir;
using namespace bic;

namespace {
// Dynamic shared memory beyond 48 KB is fine; stay small enough for two
// programs per multiprocessor.
constexpr int64_t kSmemLimit = 100 * 1024;
// The TMA pipeline may use what one program can have (227 KB on H100/H200).
constexpr int64_t kTmaSmemLimit = 227 * 1024;

int64_t slotBytes(RankedTensorType tile) {
  int64_t elem = tile.getElementType().getIntOrFloatBitWidth() / 8;
  int64_t bytes = tile.getShape()[0] * (tile.getShape()[1] + 8) * elem;
  return (bytes + 127) / 128 * 128;
}

bool zeroOrAbsent(Value other) {
  if (!other)
    return true;
  auto sp = other.getDefiningOp<SplatOp>();
  if (!sp)
    return false;
  auto c = sp.getSrc().getDefiningOp<arith::ConstantOp>();
  auto f = c ? dyn_cast<FloatAttr>(c.getValue()) : FloatAttr();
  return f && f.getValue().isZero();
}

struct Candidate {
  scf::ForOp loop;
  DotOp dot;
  LoadOp la, lb;
  /// The address computations of one iteration, in order (taken before the
  /// rewrite inserts anything into the body).
  SmallVector<Operation *> address;
};

std::optional<Candidate> match(scf::ForOp f) {
  if (f.getNumRegionIterArgs() != 1)
    return std::nullopt;
  Operation *yield = f.getBody()->getTerminator();
  auto dot = yield->getOperand(0).getDefiningOp<DotOp>();
  if (!dot || dot->getParentOp() != f.getOperation() ||
      dot.getAcc() != f.getRegionIterArgs()[0] ||
      dot.getA().getType().getElementType().isF32())
    return std::nullopt;
  auto la = dot.getA().getDefiningOp<LoadOp>(), lb = dot.getB().getDefiningOp<LoadOp>();
  if (!la || !lb || la->getParentOp() != f.getOperation() ||
      lb->getParentOp() != f.getOperation() || !la->hasOneUse() || !lb->hasOneUse() ||
      !zeroOrAbsent(la.getOther()) || !zeroOrAbsent(lb.getOther()))
    return std::nullopt;
  for (LoadOp l : {la, lb}) {
    auto t = cast<RankedTensorType>(l.getType());
    int64_t bytes = t.getElementType().getIntOrFloatBitWidth() / 8;
    int64_t vec = l.getVec() ? *l.getVec() : 1;
    // cp.async moves 4, 8 or 16 bytes, from aligned addresses.
    if (vec * bytes < 4)
      return std::nullopt;
  }
  // Nothing else with side effects in the body.
  for (Operation &op : f.getBody()->without_terminator())
    if (&op != la && &op != lb && &op != dot && !isPure(&op))
      return std::nullopt;
  SmallVector<Operation *> address;
  for (Operation &op : f.getBody()->without_terminator())
    if (&op != la && &op != lb && &op != dot)
      address.push_back(&op);
  return Candidate{f, dot, la, lb, address};
}

/// The Hopper pipeline for a loop that bic-tma-dots claimed: TMA copies of
/// both operand blocks into `S` stages (128-byte swizzled, completing on one
/// mbarrier per stage) issued `S - 1` iterations ahead, and wgmma from the
/// stage. Shared memory: S A-slots, S B-slots, then S 8-byte barriers.
struct TmaPipeline {
  scf::ForOp loop;
  DotOp dot;
  LoadTileOp la, lb;
  SmallVector<Operation *> address;
  int64_t S, sa, sb;
  unsigned numWarps;

  int64_t barriers() const { return S * (sa + sb); }
  static int64_t smemBytes(int64_t S, int64_t sa, int64_t sb) {
    return S * (sa + sb) + 8 * S;
  }

  Value desc(LoadTileOp l) {
    auto fn = loop->getParentOfType<func::FuncOp>();
    return fn.getArgument(l->getAttrOfType<IntegerAttr>("bic.tma_desc").getInt());
  }

  void issue(OpBuilder &b, Value k, Value iter, bool sync) {
    Location loc = loop.getLoc();
    IRMapping map;
    map.map(loop.getInductionVar(), k);
    for (Operation *op : address)
      b.clone(*op, map);
    Value pred = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, k,
                                         loop.getUpperBound());
    int64_t bases[2] = {0, S * sa}, slots[2] = {sa, sb};
    for (auto [i, l] : llvm::enumerate(std::array<LoadTileOp, 2>{la, lb})) {
      SmallVector<Value> coords;
      for (Value c : l.getCoords())
        coords.push_back(map.lookupOrDefault(c));
      auto box = cast<RankedTensorType>(l.getType()).getShape();
      b.create<TmaLoadOp>(loc, desc(l), coords, iter, pred, b.getI64IntegerAttr(bases[i]),
                          b.getDenseI64ArrayAttr(box), b.getI64IntegerAttr(slots[i]),
                          b.getI64IntegerAttr(S), b.getI64IntegerAttr(barriers()),
                          b.getI64IntegerAttr(i == 0 ? sa + sb : 0),
                          sync && i == 0 ? b.getUnitAttr() : UnitAttr());
    }
  }

  void run() {
    scf::ForOp f = loop;
    Location loc = f.getLoc();
    OpBuilder b(f);
    Type ivTy = f.getInductionVar().getType();
    auto cst = [&](int64_t v) -> Value {
      return b.create<arith::ConstantOp>(loc, ivTy, b.getIntegerAttr(ivTy, v));
    };
    auto i32 = [&](Value v) -> Value {
      return ivTy.isInteger(32) ? v : b.create<arith::TruncIOp>(loc, b.getI32Type(), v);
    };
    b.create<TmaInitOp>(loc, ValueRange{desc(la), desc(lb)},
                        b.getI64IntegerAttr(barriers()), b.getI64IntegerAttr(S));
    for (int64_t s = 0; s + 1 < S; ++s) {
      Value k = b.create<arith::AddIOp>(loc, f.getLowerBound(),
                                        b.create<arith::MulIOp>(loc, f.getStep(), cst(s)));
      issue(b, k, b.create<arith::ConstantIntOp>(loc, b.getI32Type(), s), false);
    }
    b.setInsertionPoint(dot);
    Value iv = f.getInductionVar();
    Value it = b.create<arith::DivUIOp>(
        loc, b.create<arith::SubIOp>(loc, iv, f.getLowerBound()), f.getStep());
    auto at = dot.getA().getType(), bt = dot.getB().getType();
    auto wg = b.create<WgmmaOp>(loc, dot.getType(), i32(it), dot.getAcc(),
                                TypeAttr::get(at), TypeAttr::get(bt), b.getI64IntegerAttr(0),
                                b.getI64IntegerAttr(S * sa), b.getI64IntegerAttr(sa),
                                b.getI64IntegerAttr(sb), b.getI64IntegerAttr(S),
                                b.getI64IntegerAttr(barriers()), dot.getOrder());
    // Refill the stage iteration it - 1 used: its wgmma has retired (each
    // wgmma leaves at most one group in flight); with several warpgroups,
    // all of them must have retired it.
    Value kNext = b.create<arith::AddIOp>(loc, iv, b.create<arith::MulIOp>(loc, f.getStep(), cst(S - 1)));
    Value itNext = b.create<arith::AddIOp>(loc, it, cst(S - 1));
    issue(b, kNext, i32(itNext), numWarps > 4);
    dot.replaceAllUsesWith(wg.getResult());
    dot.erase();
    la.erase();
    lb.erase();
    b.setInsertionPointAfter(f);
    Value acc = f.getResult(0);
    auto done = b.create<WgmmaWaitOp>(loc, acc.getType(), acc);
    acc.replaceAllUsesExcept(done.getResult(), done);
  }
};

struct PipelineDotsPass : public bic::impl::BicPipelineDotsBase<PipelineDotsPass> {
  using Base::Base;

  LogicalResult pipelineTma(func::FuncOp fn, DotOp dot) {
    auto f = dyn_cast<scf::ForOp>(dot->getParentOp());
    auto la = dot.getA().getDefiningOp<LoadTileOp>();
    auto lb = dot.getB().getDefiningOp<LoadTileOp>();
    if (!f || !la || !lb)
      return dot.emitOpError("was claimed for TMA + wgmma but its loop changed");
    TmaPipeline p{f, dot, la, lb, {}, 0, 0, 0, 4};
    for (Operation &op : f.getBody()->without_terminator())
      if (&op != la && &op != lb && &op != dot)
        p.address.push_back(&op);
    if (auto w = fn->getAttrOfType<IntegerAttr>(kNumWarpsAttr))
      p.numWarps = w.getInt();
    auto elemBytes = [](RankedTensorType t) {
      return t.getNumElements() * t.getElementType().getIntOrFloatBitWidth() / 8;
    };
    p.sa = elemBytes(dot.getA().getType());
    p.sb = elemBytes(dot.getB().getType());
    int64_t S = stages;
    if (auto a = fn->getAttrOfType<IntegerAttr>(kNumStagesAttr))
      S = a.getInt();
    S = std::min<int64_t>(S, 24);
    while (S > 2 && TmaPipeline::smemBytes(S, p.sa, p.sb) > kTmaSmemLimit)
      --S;
    p.S = S;
    p.run();
    return success();
  }

  /// Clones the address computation of `c` for iteration `k` and starts the
  /// copies into `slot`; then commits the group.
  void issue(OpBuilder &b, Candidate c, Value k, Value slot,
             ArrayRef<int64_t> bases, ArrayRef<int64_t> slots) {
    Location loc = c.loop.getLoc();
    IRMapping map;
    map.map(c.loop.getInductionVar(), k);
    for (Operation *op : c.address)
      b.clone(*op, map);
    Value inRange = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, k,
                                            c.loop.getUpperBound());
    for (auto [i, l] : llvm::enumerate(std::array<LoadOp, 2>{c.la, c.lb})) {
      auto pt = cast<RankedTensorType>(l.getPtr().getType());
      auto mt = RankedTensorType::get(pt.getShape(), b.getI1Type(), pt.getEncoding());
      Value m = b.create<SplatOp>(loc, mt, inRange);
      if (l.getMask())
        m = b.create<arith::AndIOp>(loc, map.lookupOrDefault(l.getMask()), m);
      auto copy = b.create<AsyncCopyOp>(loc, map.lookupOrDefault(l.getPtr()), m, slot,
                                        b.getI32IntegerAttr(i),
                                        b.getI32IntegerAttr(l.getVec() ? *l.getVec() : 1));
      copy->setAttr("bic.buffer_base", b.getI64IntegerAttr(bases[i]));
      copy->setAttr("bic.slot_bytes", b.getI64IntegerAttr(slots[i]));
    }
    b.create<AsyncCommitOp>(loc);
  }

  LogicalResult pipeline(Candidate c, int64_t S) {
    scf::ForOp f = c.loop;
    Location loc = f.getLoc();
    auto ta = cast<RankedTensorType>(c.la.getType()), tb = cast<RankedTensorType>(c.lb.getType());
    int64_t sa = slotBytes(ta), sb = slotBytes(tb);
    SmallVector<int64_t> bases = {0, S * sa}, slots = {sa, sb};
    OpBuilder b(f);
    Type ivTy = f.getInductionVar().getType();
    auto cst = [&](OpBuilder &bb, int64_t v) -> Value {
      return bb.create<arith::ConstantOp>(loc, ivTy, bb.getIntegerAttr(ivTy, v));
    };
    auto slot32 = [&](OpBuilder &bb, Value v) -> Value {
      return ivTy.isInteger(32) ? v : bb.create<arith::TruncIOp>(loc, bb.getI32Type(), v);
    };
    // Prologue: iterations 0 .. S-2.
    for (int64_t s = 0; s + 1 < S; ++s) {
      Value k = b.create<arith::AddIOp>(
          loc, f.getLowerBound(), b.create<arith::MulIOp>(loc, f.getStep(), cst(b, s)));
      issue(b, c, k, b.create<arith::ConstantIntOp>(loc, b.getI32Type(), s), bases, slots);
    }
    // Steady state: wait for this iteration's slot, fetch S-1 ahead, multiply.
    b.setInsertionPointToStart(f.getBody());
    b.create<AsyncWaitOp>(loc, b.getI32IntegerAttr(S - 2));
    Value iv = f.getInductionVar();
    Value it = b.create<arith::DivUIOp>(
        loc, b.create<arith::SubIOp>(loc, iv, f.getLowerBound()), f.getStep());
    Value kNext = b.create<arith::AddIOp>(
        loc, iv, b.create<arith::MulIOp>(loc, f.getStep(), cst(b, S - 1)));
    Value slotNext = b.create<arith::RemUIOp>(
        loc, b.create<arith::AddIOp>(loc, it, cst(b, S - 1)), cst(b, S));
    issue(b, c, kNext, slot32(b, slotNext), bases, slots);
    Value slotCur = slot32(b, b.create<arith::RemUIOp>(loc, it, cst(b, S)));
    b.setInsertionPoint(c.dot);
    auto sd = b.create<SmemDotOp>(loc, c.dot.getType(), slotCur, c.dot.getAcc(),
                                  TypeAttr::get(ta), TypeAttr::get(tb),
                                  c.dot.getTransB() ? b.getUnitAttr() : UnitAttr(),
                                  c.dot.getOrder());
    sd->setAttr("bic.stages", b.getI64IntegerAttr(S));
    sd->setAttr("bic.a_base", b.getI64IntegerAttr(bases[0]));
    sd->setAttr("bic.b_base", b.getI64IntegerAttr(bases[1]));
    sd->setAttr("bic.a_slot", b.getI64IntegerAttr(sa));
    sd->setAttr("bic.b_slot", b.getI64IntegerAttr(sb));
    c.dot.replaceAllUsesWith(sd.getResult());
    c.dot.erase();
    c.la.erase();
    c.lb.erase();
    // Nothing may use shared memory while copies are in flight.
    b.setInsertionPointAfter(f);
    b.create<AsyncWaitOp>(loc, b.getI32IntegerAttr(0));
    return success();
  }

  void runOnOperation() override {
    if (stages < 2 || stages > 4) {
      getOperation().emitError("bic-pipeline-dots: stages must be 2, 3 or 4");
      return signalPassFailure();
    }
    for (auto fn : getOperation().getOps<func::FuncOp>()) {
      SmallVector<DotOp> claimed;
      fn.walk([&](DotOp d) {
        if (d->hasAttr("bic.wgmma"))
          claimed.push_back(d);
      });
      if (!claimed.empty()) {
        for (DotOp d : claimed)
          if (failed(pipelineTma(fn, d)))
            return signalPassFailure();
        continue;
      }
      // Shared memory is the pipeline's alone: no other user may share it.
      bool others = false;
      SmallVector<Candidate> cands;
      fn.walk([&](Operation *op) {
        if (isa<ConvertLayoutOp>(op))
          others = true;
        if (auto r = dyn_cast<ReduceOp>(op)) {
          auto l = TileLayout::get(r.getSrc().getType());
          others |= failed(l) || l->dim(r.getAxis()).wpc > 1;
        }
        if (auto d = dyn_cast<DotOp>(op)) {
          auto f = dyn_cast<scf::ForOp>(d->getParentOp());
          auto c = f ? match(f) : std::nullopt;
          if (c)
            cands.push_back(*c);
          else
            others = true;
        }
      });
      if (others || cands.size() != 1)
        continue;
      Candidate c = cands[0];
      int64_t per = slotBytes(cast<RankedTensorType>(c.la.getType())) +
                    slotBytes(cast<RankedTensorType>(c.lb.getType()));
      int64_t S = stages;
      if (auto a = fn->getAttrOfType<IntegerAttr>(kNumStagesAttr))
        S = std::min<int64_t>(a.getInt(), 4);
      while (S > 2 && S * per > kSmemLimit)
        --S;
      if (S * per > kSmemLimit)
        continue;
      if (failed(pipeline(c, S)))
        return signalPassFailure();
    }
  }
};
} // namespace
