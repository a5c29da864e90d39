//===- ClusterSplit.cpp - one program, a cluster of CTAs (sm_90a) ---------===//
//
// A kernel built with `cluster` = n (2) is run by clusters of n CTAs, one
// cluster per program: `program_id` and `num_programs` count clusters, so
// every CTA of a cluster walks the same tiles and K blocks. This pass gives
// each CTA its share of the tile: CTA r computes rows [r BM / n, (r + 1) BM
// / n) of the BM x BN accumulator of the kernel's one K loop. A's block
// shrinks to those rows (its row coordinate moves by r BM / n); B's block
// is the same in every CTA, which is what lets bic-tma-dots and
// bic-pipeline-dots copy it once per cluster, by multicast. The
// accumulator's initial value, the loop and everything that follows it
// (element-wise ops, and the store_tile, whose row coordinate moves too)
// take the share's shape.
//
// The order along K is untouched: every output element is still
// accumulated by one thread, from the same A row and B column, in the same
// k-steps. Only which CTA holds the element changes.
//
// What the pass cannot follow (another use of the tile's rows after the
// loop, a tile that is not split-able by rows) is an error at that op: a
// clustered kernel never silently runs unsplit.
//
//===----------------------------------------------------------------------===//
#include "bic/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace bic {
#define GEN_PASS_DEF_BICCLUSTERSPLIT
#include "bic/Transforms/Passes.h.inc"
} // namespace bic

using namespace mlir;
using namespace bic;

namespace {
struct ClusterSplitPass : public bic::impl::BicClusterSplitBase<ClusterSplitPass> {
  using Base::Base;

  /// `t` with its rows divided by `n`.
  static RankedTensorType share(Type t, int64_t n) {
    auto rt = cast<RankedTensorType>(t);
    SmallVector<int64_t> shape(rt.getShape());
    shape[0] /= n;
    return RankedTensorType::get(shape, rt.getElementType(), rt.getEncoding());
  }

  /// A value of the share's shape for operand `v` of an element-wise op on
  /// the tile, built at `b`: a splat again, or a broadcast of one row again;
  /// null for anything else (its rows would have to be split as well).
  static Value shareOf(OpBuilder &b, Value v, int64_t n) {
    if (auto sp = v.getDefiningOp<SplatOp>())
      return b.create<SplatOp>(sp.getLoc(), share(v.getType(), n), sp.getSrc());
    if (auto bc = v.getDefiningOp<BroadcastOp>()) {
      auto src = dyn_cast<RankedTensorType>(bc.getSrc().getType());
      if (src && src.getRank() == 2 && src.getShape()[0] == 1)
        return b.create<BroadcastOp>(bc.getLoc(), share(v.getType(), n), bc.getSrc());
    }
    return Value();
  }

  LogicalResult split(func::FuncOp fn, int64_t n) {
    if (!fn->hasAttr(kWarpSpecializeAttr))
      return fn.emitError("cluster=") << n << " needs warp_specialize=1 (a stage is "
                                      "refilled for every CTA of the cluster once all of "
                                      "them released it)";
    SmallVector<DotOp> dots;
    fn.walk([&](DotOp d) { dots.push_back(d); });
    if (dots.size() != 1)
      return fn.emitError("cluster=") << n << " needs exactly one dot (the K loop whose "
                                      "tile the cluster's CTAs share), found "
                                      << dots.size();
    DotOp dot = dots.front();
    auto loop = dyn_cast<scf::ForOp>(dot->getParentOp());
    if (!loop || loop.getNumRegionIterArgs() != 1 ||
        loop.getBody()->getTerminator()->getOperand(0) != dot.getResult() ||
        dot.getAcc() != loop.getRegionIterArgs()[0] || !dot.getAcc().hasOneUse())
      return dot.emitOpError("cluster=") << n << ": not the in-place accumulator of a K loop";
    auto la = dot.getA().getDefiningOp<LoadTileOp>();
    if (!la || !la->hasOneUse() || la->getParentOp() != loop.getOperation())
      return dot.emitOpError("cluster=") << n << ": A is not a load_tile in the K loop";
    int64_t bm = dot.getType().getShape()[0];
    if (bm % n)
      return dot.emitOpError("cluster=") << n << ": BM = " << bm << " rows do not split into "
                                         << n << " CTAs";
    auto init = loop.getInits()[0].getDefiningOp<SplatOp>();
    if (!init)
      return dot.emitOpError("cluster=") << n << ": the accumulator does not start as a splat";

    // CTA r's first row of the tile, at the kernel's entry.
    OpBuilder b = OpBuilder::atBlockBegin(&fn.getBody().front());
    Location loc = fn.getLoc();
    Value rank = b.create<ClusterRankOp>(loc, b.getI32Type());
    Value first = b.create<arith::MulIOp>(
        loc, rank, b.create<arith::ConstantIntOp>(loc, b.getI32Type(), bm / n));
    // A row coordinate moved by `first`, once per coordinate value, right
    // after its definition: A's load and the store keep sharing one value
    // when they did (bic-tma-dots then narrows A's box to the matrix).
    DenseMap<Value, Value> moved;
    auto moveRow = [&](OpOperand &coord) {
      Value c = coord.get();
      Value &m = moved[c];
      if (!m) {
        OpBuilder ob(&getContext());
        if (Operation *def = c.getDefiningOp())
          ob.setInsertionPointAfter(def);
        else if (c.getParentBlock() == first.getParentBlock())
          ob.setInsertionPointAfter(first.getDefiningOp());
        else
          ob.setInsertionPointToStart(c.getParentBlock());
        m = ob.create<arith::AddIOp>(c.getLoc(), c, first); // (coordinates are i32)
      }
      coord.set(m);
    };

    // A: the share's rows.
    moveRow(la.getCoordsMutable()[0]);
    la.getResult().setType(share(la.getType(), n));
    // The accumulator: its start, the loop's carried value, the dot, the result.
    b.setInsertionPoint(loop);
    Value start = b.create<SplatOp>(init.getLoc(), share(init.getType(), n), init.getSrc());
    loop.getInitsMutable()[0].set(start);
    if (init->use_empty())
      init->erase();
    loop.getRegionIterArgs()[0].setType(share(dot.getType(), n));
    dot.getResult().setType(share(dot.getType(), n));
    loop.getResult(0).setType(share(loop.getResult(0).getType(), n));

    // What follows the loop: element-wise ops and the store of the tile.
    SmallVector<Value> work = {loop.getResult(0)};
    DenseSet<Value> done = {loop.getResult(0)};
    SmallPtrSet<Operation *, 2> tileStores;
    while (!work.empty()) {
      Value v = work.pop_back_val();
      for (OpOperand &use : llvm::make_early_inc_range(v.getUses())) {
        Operation *u = use.getOwner();
        if (auto st = dyn_cast<StoreTileOp>(u)) {
          if (use.get() != st.getValue())
            return u->emitOpError("cluster=") << n << ": the tile is used as an address";
          moveRow(st.getCoordsMutable()[0]);
          tileStores.insert(st);
          continue;
        }
        if (!u->hasTrait<OpTrait::Elementwise>() || u->getNumResults() != 1 ||
            !isa<RankedTensorType>(u->getResult(0).getType()))
          return u->emitOpError("cluster=")
                 << n << ": after the K loop only element-wise ops and store_tile may use "
                         "the tile (each CTA of the cluster holds only its rows)";
        Value r = u->getResult(0);
        if (done.contains(r))
          continue;
        OpBuilder ob(u);
        for (OpOperand &o : u->getOpOperands()) {
          if (done.contains(o.get()) || !isa<RankedTensorType>(o.get().getType()))
            continue;
          Value s = shareOf(ob, o.get(), n);
          if (!s)
            return u->emitOpError("cluster=")
                   << n << ": an operand has rows of its own (only splats and broadcast "
                           "rows can be split between the cluster's CTAs)";
          Operation *old = o.get().getDefiningOp();
          o.set(s);
          if (old->use_empty())
            old->erase();
        }
        r.setType(share(r.getType(), n));
        done.insert(r);
        work.push_back(r);
      }
    }
    // Anything else that writes memory would run in every CTA of the
    // cluster (a read-modify-write of another buffer would race).
    WalkResult w = fn.walk([&](Operation *op) {
      auto mem = dyn_cast<MemoryEffectOpInterface>(op);
      if (tileStores.contains(op) || !mem || !mem.hasEffect<MemoryEffects::Write>())
        return WalkResult::advance();
      op->emitOpError("cluster=") << n << ": writes memory in every CTA of the cluster; only "
                                        "the store_tile of the K loop's tile may";
      return WalkResult::interrupt();
    });
    return failure(w.wasInterrupted());
  }

  void runOnOperation() override {
    for (auto fn : getOperation().getOps<func::FuncOp>())
      if (fn->hasAttr(kKernelAttr) && clusterOf(fn) > 1)
        if (failed(split(fn, clusterOf(fn))))
          return signalPassFailure();
  }
};
} // namespace
