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
#include "bic/Transforms/TileLoop.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SetVector.h"

#include <functional>

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

/// Bytes of one slot of `tile`: rows padded by 16 bytes (ldmatrix), or for
/// a wgmma operand (`swizzled`) the swizzled boxes, 1024-aligned.
int64_t slotBytes(RankedTensorType tile, bool swizzled = false) {
  int64_t elem = tile.getElementType().getIntOrFloatBitWidth() / 8;
  if (swizzled)
    return (tile.getShape()[0] * tile.getShape()[1] * elem + 1023) / 1024 * 1024;
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

/// Starts the asynchronous copy of load `l`'s tile (its pointer and mask
/// looked up in `map`, the iteration being fetched) into slot `slot` of
/// buffer `buffer` at byte `base`, `slotBytes` per slot; lanes of an
/// iteration past the loop's end (`inRange` false) copy nothing and zero-fill.
void asyncCopy(OpBuilder &b, Location loc, LoadOp l, IRMapping &map, Value inRange,
               Value slot, unsigned buffer, int64_t base, int64_t slotBytes,
               int64_t swizzleRowBytes = 0) {
  auto pt = cast<RankedTensorType>(l.getPtr().getType());
  auto mt = RankedTensorType::get(pt.getShape(), b.getI1Type(), pt.getEncoding());
  Value m = b.create<SplatOp>(loc, mt, inRange);
  if (l.getMask())
    m = b.create<arith::AndIOp>(loc, map.lookupOrDefault(l.getMask()), m);
  auto copy = b.create<AsyncCopyOp>(loc, map.lookupOrDefault(l.getPtr()), m, slot,
                                    b.getI32IntegerAttr(buffer),
                                    b.getI32IntegerAttr(l.getVec() ? *l.getVec() : 1));
  copy->setAttr("bic.buffer_base", b.getI64IntegerAttr(base));
  copy->setAttr("bic.slot_bytes", b.getI64IntegerAttr(slotBytes));
  // The slot as swizzled boxes of the tile's rows x this many bytes.
  if (swizzleRowBytes)
    copy->setAttr("bic.swizzle_row_bytes", b.getI64IntegerAttr(swizzleRowBytes));
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
      // IEEE f32 products are FMAs on whole tiles, not mma.sync (tf32 is).
      (dot.getA().getType().getElementType().isF32() && dot.getOrder().getKStep() == 1))
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
/// both operand blocks into `S` stages (swizzled: 128 bytes, 64 or 32 for a
/// narrow block of B given as [K, N]; completing on one
/// mbarrier per stage) issued `S - 1` iterations ahead, and wgmma from the
/// stage. Shared memory: S A-slots, S B-slots, then S 8-byte barriers (and
/// S more, "empty", when warp-specialised).
///
/// Inside a tile loop (a persistent kernel, TileLoop.h) the stages form one
/// stream over all of the program's (tile, k) iterations: the barriers are
/// set up once, iteration g of the stream uses stage g % S, and the last
/// S - 1 iterations of a tile already fetch the first blocks of the next
/// tile, so its loads are in flight while this tile's results are stored.
struct TmaPipeline {
  scf::ForOp loop;
  DotOp dot;
  LoadTileOp la, lb;
  SmallVector<Operation *> address;
  TileLoop tiles;
  int64_t S, sa, sb;
  unsigned numWarps;
  /// Warp-specialised (the kernel's `warp_specialize`).
  bool ws = false;
  /// The tile's result store that bic-tma-dots claimed for TMA, if any.
  StoreTileOp store;
  /// K iterations per tile, and the same at least 1 (a divisor).
  Value nk, nkSafe;
  /// Bytes of one stage: per operand, its block's boxes of one swizzle row
  /// (BK / 64 of BM or BN rows; B as [K, N]: BN / 64, or one, of BK), as
  /// many rows as the box has — min(rows, the matrix's rows) where the
  /// runtime narrows it to the matrix (`bic.tma_fit`, `rows=fit`).
  Value stageBytes;
  /// The tile after this one and its coordinates (the slice at t + step),
  /// computed once per tile before the K loop.
  Value tNext1;
  IRMapping next1;
  /// CTAs per program (`bic.cluster`): B's blocks are multicast to all of
  /// them, and a stage is free once every CTA's consumers released it.
  int64_t cluster = 1;

  int64_t barriers() const { return S * (sa + sb); }
  /// Shared memory of S stages: the slots, then S barriers (2 S when
  /// warp-specialised, `ws`: the "empty" ones follow).
  static int64_t smemBytes(int64_t S, int64_t sa, int64_t sb, bool ws) {
    return S * (sa + sb) + (ws ? 16 : 8) * S;
  }

  Value desc(LoadTileOp l) {
    auto fn = loop->getParentOfType<func::FuncOp>();
    return fn.getArgument(l->getAttrOfType<IntegerAttr>("bic.tma_desc").getInt());
  }
  /// Columns of the TMA boxes of `l`'s block (bic-tma-dots chose them).
  int64_t boxCols(LoadTileOp l) {
    auto fn = loop->getParentOfType<func::FuncOp>();
    unsigned idx = l->getAttrOfType<IntegerAttr>("bic.tma_desc").getInt();
    return fn.getArgAttrOfType<DenseI64ArrayAttr>(idx, "bic.tma_box")[1];
  }

  Value cst(OpBuilder &b, int64_t v) {
    Type t = loop.getInductionVar().getType();
    return b.create<arith::ConstantOp>(loop.getLoc(), t, b.getIntegerAttr(t, v));
  }
  Value i32(OpBuilder &b, Value v) {
    return v.getType().isInteger(32)
               ? v
               : b.create<arith::TruncIOp>(loop.getLoc(), b.getI32Type(), v);
  }

  /// Clones the tile coordinates (the tile loop's slice) for tile `tile`.
  void cloneTile(OpBuilder &b, Value tile, IRMapping &map) {
    map.map(tiles.outer.getInductionVar(), tile);
    for (Operation *op : tiles.slice)
      b.clone(*op, map);
  }

  /// Starts the copies of the blocks `q` K iterations past the first one of
  /// tile `t` (null without a tile loop): q / nk tiles further on, at K index
  /// q % nk. `g` is that iteration's place in the stream. In the K loop
  /// (`inLoop`) this tile's coordinates are used until q passes its last K
  /// iteration, then the next tile's (computed once per tile, `next1`);
  /// elsewhere the tile loop's values do not exist yet and are cloned.
  void issue(OpBuilder &b, Value t, Value q, Value g, bool sync, bool inLoop) {
    Location loc = loop.getLoc();
    IRMapping map;
    Value k;
    Value pred;
    if (!tiles.outer) {
      k = b.create<arith::AddIOp>(loc, loop.getLowerBound(),
                                  b.create<arith::MulIOp>(loc, q, loop.getStep()));
      pred = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, q, nk);
    } else {
      // K index q % nk of tile t + (q / nk) * step.
      auto farAhead = [&](OpBuilder &bb) -> std::pair<Value, Value> {
        Value ahead = bb.create<arith::DivUIOp>(loc, q, nkSafe);
        Value kk = bb.create<arith::AddIOp>(
            loc, loop.getLowerBound(),
            bb.create<arith::MulIOp>(loc, bb.create<arith::RemUIOp>(loc, q, nkSafe),
                                     loop.getStep()));
        Value tn = bb.create<arith::AddIOp>(
            loc, t, bb.create<arith::MulIOp>(loc, ahead, tiles.outer.getStep()));
        return {kk, tn};
      };
      Value tNext;
      if (!inLoop) {
        std::tie(k, tNext) = farAhead(b);
        cloneTile(b, tNext, map);
      } else {
        SmallVector<Type> types = {q.getType(), t.getType()};
        for (Value v : tiles.inputs)
          types.push_back(v.getType());
        Value far = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::uge, q, nk);
        auto sel = b.create<scf::IfOp>(loc, types, far, /*withElse=*/true);
        {
          // Usually the next tile; further on only when a tile has fewer
          // than S - 1 K iterations.
          OpBuilder tb = sel.getThenBodyBuilder();
          auto [kk, tn] = farAhead(tb);
          SmallVector<Type> ntypes(types.begin() + 2, types.end());
          auto one = tb.create<scf::IfOp>(
              loc, ntypes, tb.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, tn, tNext1),
              /*withElse=*/true);
          SmallVector<Value> nextYs, farYs;
          IRMapping m;
          OpBuilder ob = one.getElseBodyBuilder();
          cloneTile(ob, tn, m);
          for (Value v : tiles.inputs) {
            nextYs.push_back(next1.lookup(v));
            farYs.push_back(m.lookup(v));
          }
          one.getThenBodyBuilder().create<scf::YieldOp>(loc, nextYs);
          ob.create<scf::YieldOp>(loc, farYs);
          SmallVector<Value> ys = {kk, tn};
          ys.append(one.getResults().begin(), one.getResults().end());
          tb.create<scf::YieldOp>(loc, ys);
        }
        {
          OpBuilder eb = sel.getElseBodyBuilder();
          Value kk = eb.create<arith::AddIOp>(
              loc, loop.getLowerBound(), eb.create<arith::MulIOp>(loc, q, loop.getStep()));
          SmallVector<Value> ys = {kk, t};
          ys.append(tiles.inputs.begin(), tiles.inputs.end());
          eb.create<scf::YieldOp>(loc, ys);
        }
        k = sel.getResult(0);
        tNext = sel.getResult(1);
        for (auto [i, v] : llvm::enumerate(tiles.inputs))
          map.map(v, sel.getResult(2 + i));
      }
      pred = b.create<arith::AndIOp>(
          loc, b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sgt, nk, cst(b, 0)),
          b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, tNext,
                                  tiles.outer.getUpperBound()));
    }
    copies(b, map, k, g, pred, sync, store != nullptr, /*producer=*/false);
  }

  /// The copies of K index `k` (the address computations cloned with the
  /// K loop's variable mapped to `k`, on top of `map`) into the stage of
  /// stream iteration `g`: of the operands in `which` (bit 0: A, bit 1: B),
  /// the first announcing the stage's bytes unless `announce` is false (an
  /// earlier copy into the stage did).
  void copies(OpBuilder &b, IRMapping &map, Value k, Value g, Value pred, bool sync,
              bool afterStore, bool producer, unsigned which = 3, bool announce = true) {
    Location loc = loop.getLoc();
    map.map(loop.getInductionVar(), k);
    for (Operation *op : address)
      b.clone(*op, map);
    // Each operand's block is (its columns) / C boxes of C columns (C = 64,
    // one 128-byte swizzle row; B as [K, N]: BN / 64 boxes of BK rows, or
    // one box of all BN = 32 or 16 columns), box j at byte j * rows * 2C of
    // the slot; the first copy announces the stage's bytes.
    int64_t bases[2] = {0, S * sa}, slots[2] = {sa, sb};
    bool first = announce;
    for (auto [i, l] : llvm::enumerate(std::array<LoadTileOp, 2>{la, lb})) {
      if (!(which & (1u << i)))
        continue;
      SmallVector<Value> coords;
      for (Value c : l.getCoords())
        coords.push_back(map.lookupOrDefault(c));
      auto lt = cast<RankedTensorType>(l.getType());
      auto shape = lt.getShape();
      const int64_t cols = boxCols(l),
                    boxBytes = shape[0] * cols * (lt.getElementType().getIntOrFloatBitWidth() / 8);
      auto multicast = l->getAttrOfType<IntegerAttr>("bic.multicast");
      for (int64_t j = 0; j < shape[1] / cols; ++j) {
        SmallVector<Value> at = coords;
        if (j)
          at[1] = b.create<arith::AddIOp>(
              loc, at[1], b.create<arith::ConstantIntOp>(loc, at[1].getType(), cols * j));
        auto copy = b.create<TmaLoadOp>(loc, desc(l), at, i32(b, g), pred,
                            first ? stageBytes : Value(),
                            b.getI64IntegerAttr(bases[i] + j * boxBytes),
                            b.getDenseI64ArrayAttr({shape[0], cols}),
                            b.getI64IntegerAttr(slots[i]), b.getI64IntegerAttr(S),
                            b.getI64IntegerAttr(barriers()),
                            sync && first ? b.getUnitAttr() : UnitAttr(),
                            afterStore && first ? b.getUnitAttr() : UnitAttr(),
                            producer ? b.getUnitAttr() : UnitAttr());
        if (multicast)
          copy.setMulticast(multicast.getInt());
        first = false;
      }
    }
  }

  /// The barriers (and, with `consumers` > 0, the "empty" barriers of a
  /// warp-specialised pipeline), K iterations per tile and a stage's bytes,
  /// at `b` (before the outermost loop).
  void prepare(OpBuilder &b, int64_t consumers) {
    scf::ForOp f = loop;
    Location loc = f.getLoc();
    auto init = b.create<TmaInitOp>(loc, ValueRange{desc(la), desc(lb)},
                                    b.getI64IntegerAttr(barriers()), b.getI64IntegerAttr(S),
                                    b.getI64IntegerAttr(consumers));
    init.setCluster(cluster);
    Value span = b.create<arith::SubIOp>(loc, f.getUpperBound(), f.getLowerBound());
    Value n = b.create<arith::DivSIOp>(
        loc, b.create<arith::AddIOp>(loc, span, b.create<arith::SubIOp>(loc, f.getStep(), cst(b, 1))),
        f.getStep());
    nk = b.create<arith::MaxSIOp>(loc, n, cst(b, 0));
    nkSafe = b.create<arith::MaxSIOp>(loc, n, cst(b, 1));
    auto fn = loop->getParentOfType<func::FuncOp>();
    for (LoadTileOp l : {la, lb}) {
      auto type = cast<RankedTensorType>(l.getType());
      int64_t rowBytes = type.getShape()[1] * type.getElementTypeBitWidth() / 8;
      Value rows = b.create<arith::ConstantIntOp>(loc, b.getI32Type(), type.getShape()[0]);
      unsigned idx = l->getAttrOfType<IntegerAttr>("bic.tma_desc").getInt();
      if (fn.getArgAttr(idx, "bic.tma_fit"))
        rows = b.create<arith::MinSIOp>(loc, rows, i32(b, l.getShape()[0]));
      Value bytes = b.create<arith::MulIOp>(
          loc, rows, b.create<arith::ConstantIntOp>(loc, b.getI32Type(), rowBytes));
      stageBytes = stageBytes ? b.create<arith::AddIOp>(loc, stageBytes, bytes).getResult() : bytes;
    }
  }

  /// Where tile `t` starts in the program's stream: j * nk for its j-th tile
  /// (null without a tile loop), at `b`.
  Value tileBase(OpBuilder &b, Value t) {
    if (!tiles.outer)
      return Value();
    Location loc = loop.getLoc();
    Value j = b.create<arith::DivUIOp>(
        loc, b.create<arith::SubIOp>(loc, t, tiles.outer.getLowerBound()),
        tiles.outer.getStep());
    return b.create<arith::MulIOp>(loc, j, nk);
  }

  /// The K loop's iteration index and its place in the stream, at `b`.
  std::pair<Value, Value> streamIndex(OpBuilder &b, Value base) {
    scf::ForOp f = loop;
    Location loc = f.getLoc();
    Value it = b.create<arith::DivUIOp>(
        loc, b.create<arith::SubIOp>(loc, f.getInductionVar(), f.getLowerBound()), f.getStep());
    Value g = base ? b.create<arith::AddIOp>(loc, base, it).getResult() : it;
    return {it, g};
  }

  /// The dot becomes a bic.tma_dot on stream iteration `g`; the loads go.
  TmaDotOp replaceDot(OpBuilder &b, Value g) {
    Location loc = loop.getLoc();
    auto at = dot.getA().getType(), bt = dot.getB().getType();
    auto wg = b.create<TmaDotOp>(loc, dot.getType(), i32(b, g), dot.getAcc(),
                                TypeAttr::get(at), TypeAttr::get(bt), b.getI64IntegerAttr(0),
                                b.getI64IntegerAttr(S * sa), b.getI64IntegerAttr(sa),
                                b.getI64IntegerAttr(sb), b.getI64IntegerAttr(S),
                                b.getI64IntegerAttr(barriers()), dot.getOrder(),
                                dot.getTransB() ? UnitAttr() : b.getUnitAttr());
    dot.replaceAllUsesWith(wg.getResult());
    return wg;
  }

  /// After the K loop: the accumulator once its wgmma groups are done.
  void waitAfterLoop(OpBuilder &b) {
    b.setInsertionPointAfter(loop);
    Value acc = loop.getResult(0);
    auto done = b.create<TmaDotWaitOp>(loop.getLoc(), acc.getType(), acc);
    acc.replaceAllUsesExcept(done.getResult(), done);
  }

  void run() {
    scf::ForOp f = loop;
    Location loc = f.getLoc();
    // Set-up and the first S - 1 fetches go before the outermost loop.
    OpBuilder b(tiles.outer ? tiles.outer.getOperation() : f.getOperation());
    prepare(b, 0);
    Value t0 = tiles.outer ? tiles.outer.getLowerBound() : Value();
    for (int64_t s = 0; s + 1 < S; ++s)
      issue(b, t0, cst(b, s), cst(b, s), false, false);
    // Per tile: the next tile's coordinates, and where this tile starts in
    // the stream (j * nk for the j-th tile of this program).
    Value base, t;
    if (tiles.outer) {
      b.setInsertionPoint(f);
      t = tiles.outer.getInductionVar();
      tNext1 = b.create<arith::AddIOp>(loc, t, tiles.outer.getStep());
      cloneTile(b, tNext1, next1);
      base = tileBase(b, tiles.outer.getInductionVar());
    }
    b.setInsertionPoint(dot);
    auto [it, g] = streamIndex(b, base);
    replaceDot(b, g);
    // Refill the stage iteration g - 1 used: its wgmma has retired (each
    // wgmma leaves at most one group in flight, and a tile ends with none);
    // with several warpgroups, all of them must have retired it, and with
    // mma.sync (BM < 64) every warp must be done reading it.
    bool sync = numWarps > 4 || dot->hasAttr("bic.tma_mma_sync");
    issue(b, t, b.create<arith::AddIOp>(loc, it, cst(b, S - 1)),
          b.create<arith::AddIOp>(loc, g, cst(b, S - 1)), sync, true);
    dot.erase();
    la.erase();
    lb.erase();
    waitAfterLoop(b);
    if (store)
      storeThroughTma(base);
  }

  /// The warp-specialised pipeline (`warp_specialize`): the consumer warps
  /// (the kernel's num_warps, thread ids as without specialisation) run
  /// everything from the outermost loop on, with the loads replaced by
  /// waits on the stages' barriers, and release each stage once its wgmma
  /// has retired; the producer thread (first thread of one more warp) walks
  /// the same (tile, k) stream and refills each stage as soon as every
  /// consumer warp has released it. Which values are multiplied, and in
  /// which order, is the same as without specialisation.
  LogicalResult runSpecialized() {
    scf::ForOp f = loop;
    Location loc = f.getLoc();
    Operation *top = tiles.outer ? tiles.outer.getOperation() : f.getOperation();
    auto fn = loop->getParentOfType<func::FuncOp>();
    Block *entry = &fn.getBody().front();
    if (top->getBlock() != entry)
      return dot.emitOpError("warp_specialize needs the K loop (or its tile loop) at the "
                             "kernel's top level");
    // Code before the split runs in every thread, and the tile coordinates
    // and addresses are recomputed by the producer thread alone: none of it
    // may touch memory or synchronise (a reduction or layout conversion
    // goes through shared memory behind barriers).
    auto unfit = [](Operation *op) {
      bool bad = !isMemoryEffectFree(op);
      op->walk([&](Operation *in) {
        bad |= isa<ReduceOp, ConvertLayoutOp, DotOp>(in);
      });
      return bad;
    };
    const char *where = tiles.outer ? "tile loop" : "K loop";
    for (Operation &op : *entry) {
      if (&op == top)
        break;
      if (unfit(&op))
        return op.emitOpError("warp_specialize: comes before the ")
               << where << " and touches memory or synchronises; the producer warp would "
               << "run it too";
    }
    for (Operation *op : llvm::concat<Operation *const>(tiles.slice, address))
      if (unfit(op))
        return op->emitOpError("warp_specialize: the producer thread recomputes this tile "
                               "coordinate or address alone, and it touches memory or "
                               "synchronises");
    bool overlap = fn->hasAttr(kOverlapAttr);
    OpBuilder b(top);
    prepare(b, numWarps);
    Type i1 = b.getI1Type();
    auto role = [&](StringRef r) {
      return b.create<WarpRoleOp>(loc, i1, b.getStringAttr(r), b.getI64IntegerAttr(numWarps));
    };
    auto producer = b.create<scf::IfOp>(loc, TypeRange{}, role("producer"), false);
    auto consumer = b.create<scf::IfOp>(loc, TypeRange{}, role("consumer"), false);
    // The consumers: everything from the outermost loop to the return.
    Operation *yield = consumer.thenBlock()->getTerminator();
    for (Operation *op = top; op != entry->getTerminator();) {
      Operation *next = op->getNextNode();
      op->moveBefore(yield);
      op = next;
    }

    // Built for overlapped launches (`overlap`), the consumers touch memory
    // only once the previous kernel on the stream is done.
    if (overlap)
      OpBuilder::atBlockBegin(consumer.thenBlock()).create<WaitPriorGridsOp>(loc);

    // The producer: for each tile of the program, for each K iteration g of
    // the stream, wait until stage g % S is free, then fill it. Built for
    // overlapped launches, it first copies the blocks of `@weight` operands
    // for the first stages, then waits for the previous kernel (no kernel
    // writes them; launched plainly, that order would cost: the other
    // operand's first blocks queue behind them).
    OpBuilder pb = producer.getThenBodyBuilder();
    unsigned weights = overlap ? (isWeight(la) ? 1u : 0u) | (isWeight(lb) ? 2u : 0u) : 0u;
    Value early = weights ? prefetchWeights(pb, weights) : Value();
    if (overlap)
      pb.create<WaitPriorGridsOp>(loc);
    IRMapping map;
    Value base;
    if (tiles.outer) {
      auto outer = pb.create<scf::ForOp>(loc, tiles.outer.getLowerBound(),
                                         tiles.outer.getUpperBound(), tiles.outer.getStep());
      pb.setInsertionPointToStart(outer.getBody());
      Value t = outer.getInductionVar();
      cloneTile(pb, t, map);
      base = tileBase(pb, t);
    }
    auto inner = pb.create<scf::ForOp>(loc, cst(pb, 0), nk, cst(pb, 1));
    pb.setInsertionPointToStart(inner.getBody());
    Value it = inner.getInductionVar();
    Value k = pb.create<arith::AddIOp>(loc, map.lookupOrDefault(f.getLowerBound()),
                                       pb.create<arith::MulIOp>(
                                           loc, it, map.lookupOrDefault(f.getStep())));
    Value gi = base ? pb.create<arith::AddIOp>(loc, base, it).getResult() : it;
    Value g = i32(pb, gi);
    pb.create<TmaAcquireOp>(loc, g, pb.getI64IntegerAttr(barriers()), pb.getI64IntegerAttr(S))
        .setCluster(cluster);
    Value yes = pb.create<arith::ConstantIntOp>(loc, i1, 1);
    if (!early) {
      copies(pb, map, k, g, yes, /*sync=*/false, /*afterStore=*/false, /*producer=*/true);
    } else {
      // The first `early` iterations have their weight blocks (and the
      // stage's announcement) already: only the other operand is left.
      auto pre = pb.create<scf::IfOp>(
          loc, TypeRange{}, pb.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, gi, early),
          /*withElse=*/true);
      OpBuilder tb = pre.getThenBodyBuilder(), eb = pre.getElseBodyBuilder();
      IRMapping tm = map, em = map;
      if (unsigned rest = 3u & ~weights)
        copies(tb, tm, k, g, yes, false, false, true, rest, /*announce=*/false);
      copies(eb, em, k, g, yes, false, false, true);
    }

    // The consumers: the dot waits for its stage; once the next one has been
    // issued (one wgmma group left in flight), the previous stage is free.
    Value cbase;
    if (tiles.outer) {
      b.setInsertionPoint(f);
      cbase = tileBase(b, tiles.outer.getInductionVar());
    }
    b.setInsertionPoint(dot);
    auto [cit, cg] = streamIndex(b, cbase);
    TmaDotOp td = replaceDot(b, cg);
    b.setInsertionPointAfter(td);
    auto release = [&](OpBuilder &rb, Value cond, Value iter, bool afterStore) {
      auto ifOp = rb.create<scf::IfOp>(loc, TypeRange{}, cond, false);
      OpBuilder ib = ifOp.getThenBodyBuilder();
      auto r = ib.create<TmaReleaseOp>(loc, i32(ib, iter), ib.getI64IntegerAttr(barriers()),
                                       ib.getI64IntegerAttr(S));
      if (afterStore)
        r.setAfterStore(true);
      r.setCluster(cluster);
    };
    release(b, b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sgt, cit, cst(b, 0)),
            b.create<arith::SubIOp>(loc, cg, cst(b, 1)), false);
    dot.erase();
    la.erase();
    lb.erase();
    // After the loop every group has retired: the last stage is free once
    // the tile's result, if staged there for a TMA store, has been read.
    waitAfterLoop(b);
    Value any = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sgt, nk, cst(b, 0));
    Value end = cbase ? b.create<arith::AddIOp>(loc, cbase, nk).getResult() : nk;
    Value last = b.create<arith::SubIOp>(loc, end, cst(b, 1));
    if (store) {
      TmaStoreOp st = storeThroughTma(cbase);
      b.setInsertionPointAfter(st);
    }
    release(b, any, last, store != nullptr);
    // A CTA ends only once no other CTA of its cluster may still multicast
    // into it or arrive on its barriers: every thread of the cluster, the
    // producer warps' too, meets here.
    if (cluster > 1)
      OpBuilder(entry->getTerminator()).create<ClusterBarrierOp>(loc);
    return success();
  }

  /// Whether `l` reads a `@weight` argument.
  bool isWeight(LoadTileOp l) {
    auto fn = loop->getParentOfType<func::FuncOp>();
    unsigned idx = l->getAttrOfType<IntegerAttr>("bic.tma_desc").getInt();
    auto base = fn.getArgAttrOfType<IntegerAttr>(idx, "bic.tma_base");
    return base && fn.getArgAttr(base.getInt(), kWeightArgAttr);
  }

  /// The producer's copies, before it waits for the previous kernel, of the
  /// `which` operands' blocks of the program's first min(S, nk) K iterations
  /// (each announcing its stage's bytes). Returns that count (0 for a
  /// program without tiles).
  Value prefetchWeights(OpBuilder &b, unsigned which) {
    Location loc = loop.getLoc();
    Value n = b.create<arith::MinSIOp>(loc, nk, cst(b, S));
    IRMapping map;
    if (tiles.outer) {
      Value t0 = tiles.outer.getLowerBound();
      cloneTile(b, t0, map);
      Value any = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, t0,
                                          tiles.outer.getUpperBound());
      n = b.create<arith::SelectOp>(loc, any, n, cst(b, 0));
    }
    for (int64_t s = 0; s < S; ++s) {
      Value q = cst(b, s);
      Value k = b.create<arith::AddIOp>(
          loc, map.lookupOrDefault(loop.getLowerBound()),
          b.create<arith::MulIOp>(loc, q, map.lookupOrDefault(loop.getStep())));
      Value pred = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, q, n);
      copies(b, map, k, i32(b, q), pred, /*sync=*/false, /*afterStore=*/false,
             /*producer=*/true, which);
    }
    return n;
  }

  /// Box rows and box count of the claimed store.
  static std::pair<int64_t, int64_t> storeBoxes(StoreTileOp st) {
    auto fn = st->getParentOfType<func::FuncOp>();
    unsigned idx = st->getAttrOfType<IntegerAttr>("bic.tma_desc").getInt();
    int64_t rows = fn.getArgAttrOfType<DenseI64ArrayAttr>(idx, "bic.tma_box")[0];
    auto shape = st.getValue().getType().getShape();
    return {rows, (shape[0] / rows) * (shape[1] / 64)};
  }
  static int64_t extraBase(int64_t S, int64_t sa, int64_t sb, bool ws) {
    return (smemBytes(S, sa, sb, ws) + 1023) / 1024 * 1024;
  }
  /// Bytes of its own the store needs next to an S-stage pipeline (the
  /// boxes that the last stage's slots do not hold), or -1 if they do not
  /// fit in shared memory.
  static int64_t storeExtraBytes(StoreTileOp st, int64_t S, int64_t sa, int64_t sb,
                                 bool ws) {
    auto [rows, boxes] = storeBoxes(st);
    int64_t boxBytes = rows * 128;
    int64_t extra = std::max<int64_t>(0, boxes - sa / boxBytes - sb / boxBytes) * boxBytes;
    if (extra && extraBase(S, sa, sb, ws) + extra > kTmaSmemLimit)
      return -1;
    return extra;
  }

  /// The claimed result store becomes a bic.tma_store staged in the stage
  /// of the tile's last K iteration (free until the next tile's first
  /// refill, which waits for the store's reads) and, for the boxes that do
  /// not fit there, a region of its own after the barriers.
  TmaStoreOp storeThroughTma(Value base) {
    Location loc = store.getLoc();
    auto fn = loop->getParentOfType<func::FuncOp>();
    unsigned idx = store->getAttrOfType<IntegerAttr>("bic.tma_desc").getInt();
    int64_t boxRows = storeBoxes(store).first;
    int64_t extra = storeExtraBytes(store, S, sa, sb, ws); // >= 0: S was chosen so
    OpBuilder b(store);
    // The last K iteration of this tile in the stream: base + nk - 1.
    Value end = base ? b.create<arith::AddIOp>(loc, base, nk).getResult() : nk;
    Value last = b.create<arith::SubIOp>(loc, end, cst(b, 1));
    auto st = b.create<TmaStoreOp>(
        loc, fn.getArgument(idx), store.getCoords(), store.getValue(), i32(b, last),
        b.getI64IntegerAttr(boxRows), b.getI64IntegerAttr(0), b.getI64IntegerAttr(sa),
        b.getI64IntegerAttr(S * sa), b.getI64IntegerAttr(sb), b.getI64IntegerAttr(S),
        b.getI64IntegerAttr(extraBase(S, sa, sb, ws)), b.getI64IntegerAttr(extra));
    // The program ends only once its stores have.
    if (tiles.outer)
      b.setInsertionPointAfter(tiles.outer);
    b.create<TmaStoreWaitOp>(loc);
    store.erase();
    return st;
  }
};

/// Operand prefetch for any other loop (attention's key loops, in kernels
/// built with `num_stages` >= 2): a dot in
/// the loop's body whose A is already in registers in the accumulator's
/// fragment layout (aFromRegisters) and whose B is a load in the same body,
/// used only there, whose address and mask depend on nothing the loop
/// carries (only its induction variable and values from outside). B is
/// copied with cp.async into one of two slots one iteration ahead; the
/// other ops of the body stay as they are.
struct Prefetch {
  DotOp dot;
  LoadOp load;
  /// The address and mask computations of one iteration, in body order.
  SmallVector<Operation *> address;
  /// sm_90a: the product runs on wgmma, B's slots are swizzled boxes of
  /// this many bytes per row (0: padded rows for mma.sync).
  int64_t swizzleRowBytes = 0;
  RankedTensorType tile() { return cast<RankedTensorType>(load.getType()); }
  int64_t slot() { return slotBytes(tile(), swizzleRowBytes != 0); }
};

std::optional<Prefetch> matchPrefetch(DotOp dot) {
  auto f = dyn_cast<scf::ForOp>(dot->getParentOp());
  auto l = dot.getB().getDefiningOp<LoadOp>();
  if (!f || !l || l->getBlock() != dot->getBlock() || !l->hasOneUse() ||
      dot.getA().getType().getElementType().isF32() || !zeroOrAbsent(l.getOther()))
    return std::nullopt;
  auto la = TileLayout::get(dot.getA().getType());
  auto lc = TileLayout::get(dot.getType());
  if (failed(la) || failed(lc) || la->rank() != 2 ||
      !aFromRegisters(*la, *lc, dot.getA().getType().getShape()[1]))
    return std::nullopt;
  auto t = cast<RankedTensorType>(l.getType());
  int64_t vec = l.getVec() ? *l.getVec() : 1;
  if (t.getRank() != 2 || vec * t.getElementType().getIntOrFloatBitWidth() / 8 < 4)
    return std::nullopt;
  Block *body = f.getBody();
  SetVector<Operation *> slice;
  bool ok = true;
  std::function<void(Value)> visit = [&](Value v) {
    if (!ok || v == f.getInductionVar())
      return;
    if (auto ba = dyn_cast<BlockArgument>(v)) {
      ok &= ba.getOwner() != body; // a carried value changes per iteration
      return;
    }
    Operation *d = v.getDefiningOp();
    if (!f->isProperAncestor(d))
      return; // defined before the loop
    if (d->getBlock() != body || !isPure(d) || d->getNumRegions()) {
      ok = false;
      return;
    }
    if (slice.contains(d))
      return;
    for (Value o : d->getOperands())
      visit(o);
    slice.insert(d);
  };
  visit(l.getPtr());
  if (l.getMask())
    visit(l.getMask());
  if (!ok)
    return std::nullopt;
  SmallVector<Operation *> address(slice.begin(), slice.end());
  llvm::sort(address, [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
  return Prefetch{dot, l, address};
}

struct PipelineDotsPass : public bic::impl::BicPipelineDotsBase<PipelineDotsPass> {
  using Base::Base;

  /// `reserve`: bytes other ops exchange values through, past the pipeline.
  LogicalResult pipelineTma(func::FuncOp fn, DotOp dot, int64_t reserve) {
    auto f = dyn_cast<scf::ForOp>(dot->getParentOp());
    auto la = dot.getA().getDefiningOp<LoadTileOp>();
    auto lb = dot.getB().getDefiningOp<LoadTileOp>();
    if (!f || !la || !lb)
      return dot.emitOpError("was claimed for TMA (bic.tma_dot) but its loop changed");
    std::string why;
    auto tiles = analyzeTileLoop(f, why);
    if (failed(tiles))
      return dot.emitOpError("was claimed for TMA (bic.tma_dot) but ") << why;
    TmaPipeline p{f, dot, la, lb, {}, *tiles, 0, 0, 0, 4, {}, {}, {}};
    fn.walk([&](StoreTileOp st) {
      if (st->hasAttr("bic.tma_desc"))
        p.store = st;
    });
    for (Operation &op : f.getBody()->without_terminator())
      if (&op != la && &op != lb && &op != dot)
        p.address.push_back(&op);
    p.numWarps = numWarpsOf(fn);
    p.ws = fn->hasAttr(kWarpSpecializeAttr);
    p.cluster = clusterOf(fn);
    if (p.cluster > 1 && !p.ws)
      return dot.emitOpError("cluster=") << p.cluster << " needs warp_specialize=1";
    auto elemBytes = [](RankedTensorType t) {
      return t.getNumElements() * t.getElementType().getIntOrFloatBitWidth() / 8;
    };
    p.sa = elemBytes(dot.getA().getType());
    p.sb = elemBytes(dot.getB().getType());
    int64_t S = stages;
    auto asked = fn->getAttrOfType<IntegerAttr>(kNumStagesAttr);
    if (asked)
      S = asked.getInt();
    if (asked && S > 24)
      return dot.emitOpError("num_stages=") << S << " is over the TMA pipeline's 24";
    S = std::min<int64_t>(S, 24);
    // Fewer stages where the result store's boxes would not fit otherwise.
    auto fits = [&](int64_t s) {
      int64_t end = TmaPipeline::smemBytes(s, p.sa, p.sb, p.ws);
      if (p.store) {
        int64_t extra = TmaPipeline::storeExtraBytes(p.store, s, p.sa, p.sb, p.ws);
        if (extra < 0)
          return false;
        if (extra)
          end = TmaPipeline::extraBase(s, p.sa, p.sb, p.ws) + extra;
      }
      if (reserve) // as bic-lower-to-gpu places it
        end = (end + 127) / 128 * 128 + reserve;
      return end <= kTmaSmemLimit;
    };
    while (S > 2 && !fits(S))
      --S;
    if (!fits(S))
      return dot.emitOpError("two TMA stages, the result store's boxes and the "
                             "kernel's other shared memory do not fit");
    // A num_stages the kernel asked for is built as asked or refused, so a
    // configuration table says what runs (the pass option's default, which
    // nobody chose, is only an upper bound).
    if (asked && S != asked.getInt())
      return dot.emitOpError("num_stages=")
             << asked.getInt() << " does not fit: " << S << " TMA stages of "
             << p.sa + p.sb << " bytes (A " << p.sa << " + B " << p.sb
             << ") fit in shared memory beside the barriers"
             << (p.store ? " and the result store's boxes" : "") << "; ask for " << S;
    p.S = S;
    if (p.ws)
      return p.runSpecialized();
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
    for (auto [i, l] : llvm::enumerate(std::array<LoadOp, 2>{c.la, c.lb}))
      asyncCopy(b, loc, l, map, inRange, slot, i, bases[i], slots[i]);
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
    auto sd = b.create<SmemDotOp>(loc, c.dot.getType(), slotCur, c.dot.getAcc(), Value(),
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

  /// Copies of the loads `ps` (of one loop) for iteration `k` into `slot`
  /// (regions at `bases`, `slotBytes` apart), one commit group.
  void issuePrefetch(OpBuilder &b, scf::ForOp f, MutableArrayRef<Prefetch> ps, Value k,
                     Value slot, ArrayRef<int64_t> bases, ArrayRef<int64_t> slots) {
    Location loc = f.getLoc();
    Value inRange = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, k, f.getUpperBound());
    for (auto [i, p] : llvm::enumerate(ps)) {
      IRMapping map;
      map.map(f.getInductionVar(), k);
      for (Operation *op : p.address)
        b.clone(*op, map);
      asyncCopy(b, loc, p.load, map, inRange, slot, i, bases[i], slots[i], p.swizzleRowBytes);
    }
    b.create<AsyncCommitOp>(loc);
  }

  /// Operand prefetch (see Prefetch) for every loop of `fn` that has some;
  /// the slots of all loops share one region past every other shared-memory
  /// user's bytes (loops run one after another, and each ends by waiting for
  /// its copies and synchronising).
  ///
  /// Only for kernels that ask for it with `num_stages` >= 2: on the H100 it
  /// made attention's prefill slower (178.7 against 186 TFLOP/s at 8192
  /// tokens), so it is a build option measured per shape, not a default.
  void prefetchOperands(func::FuncOp fn) {
    auto ns = fn->getAttrOfType<IntegerAttr>(kNumStagesAttr);
    if (!ns || ns.getInt() < 2)
      return;
    llvm::MapVector<scf::ForOp, SmallVector<Prefetch>> loops;
    fn.walk([&](DotOp d) {
      if (auto p = matchPrefetch(d))
        loops[cast<scf::ForOp>(d->getParentOp())].push_back(*p);
    });
    // All loops' slots share one region, so no prefetched loop may run
    // inside another: such nests keep their loads.
    SmallVector<scf::ForOp> nested;
    for (auto &[f, ps] : loops)
      for (auto &[g, qs] : loops)
        if (f != g && f->isProperAncestor(g))
          nested.append({f, g});
    for (scf::ForOp f : nested)
      loops.remove_if([&](auto &e) { return e.first == f; });
    // On sm_90a a product wgmma can run reads B from swizzled boxes.
    bool swizzled = false;
    for (auto &[f, ps] : loops)
      for (Prefetch &p : ps)
        if (arch == "sm_90a" && wgmmaDotEligible(p.dot)) {
          p.swizzleRowBytes =
              swizzledBRowBytes(p.dot.getTransB(), p.dot.getType().getShape()[1]);
          swizzled = true;
        }
    // Each operand's two slots, one after the other from `start` (a
    // swizzled one from a 1024-byte boundary); returns the end.
    auto placeSlots = [](SmallVector<Prefetch> &ps, int64_t start,
                         SmallVector<int64_t> *bases = nullptr) {
      for (Prefetch &p : ps) {
        if (p.swizzleRowBytes)
          start = (start + 1023) / 1024 * 1024;
        if (bases)
          bases->push_back(start);
        start += 2 * p.slot();
      }
      return start;
    };
    // The region starts past every other user's bytes, dots that keep their
    // own buffer included; a loop whose slots do not fit keeps its loads,
    // and then its dots count among the others, so settle both together.
    int64_t start = 0;
    for (size_t kept = loops.size() + 1; kept != loops.size();) {
      kept = loops.size();
      int64_t others = 0;
      fn.walk([&](Operation *op) {
        if (auto d = dyn_cast<DotOp>(op)) {
          auto it = loops.find(dyn_cast<scf::ForOp>(d->getParentOp()));
          if (it == loops.end() ||
              llvm::none_of(it->second, [&](Prefetch &p) { return p.dot == d; }))
            others = std::max(others, dotBufferBytes(d));
        }
        others = std::max(others, 4 * exchangeScratchWords(op));
      });
      const int64_t align = swizzled ? 1024 : 128;
      start = (others + align - 1) / align * align;
      loops.remove_if([&](auto &e) { return placeSlots(e.second, start) > kSmemLimit; });
    }
    if (loops.empty())
      return;
    int64_t end = start;
    for (auto &[f, ps] : loops) {
      Location loc = f.getLoc();
      SmallVector<int64_t> bases, slots;
      end = std::max(end, placeSlots(ps, start, &bases));
      bool fence = false;
      for (Prefetch &p : ps) {
        slots.push_back(p.slot());
        fence |= p.swizzleRowBytes != 0;
      }
      // cp.async writes through the generic proxy; wgmma reads through the
      // async one: each thread fences its copies before the barrier.
      auto wait = [&](OpBuilder &bb) {
        auto w = bb.create<AsyncWaitOp>(loc, bb.getI32IntegerAttr(0));
        if (fence)
          w->setAttr("bic.fence_async_proxy", bb.getUnitAttr());
      };
      Type ivTy = f.getInductionVar().getType();
      auto i32 = [&](OpBuilder &bb, Value v) -> Value {
        return ivTy.isInteger(32) ? v : bb.create<arith::TruncIOp>(loc, bb.getI32Type(), v);
      };
      auto cst = [&](OpBuilder &bb, int64_t v) -> Value {
        return bb.create<arith::ConstantOp>(loc, ivTy, bb.getIntegerAttr(ivTy, v));
      };
      // Prologue: the first iteration's blocks into slot 0.
      OpBuilder b(f);
      issuePrefetch(b, f, ps, f.getLowerBound(),
                    b.create<arith::ConstantIntOp>(loc, b.getI32Type(), 0), bases, slots);
      // Each iteration: wait for its slot (and for every thread to be done
      // with the other one, read in the previous iteration), then fetch the
      // next iteration's blocks into the other slot.
      b.setInsertionPointToStart(f.getBody());
      wait(b);
      Value iv = f.getInductionVar();
      Value it = b.create<arith::DivUIOp>(
          loc, b.create<arith::SubIOp>(loc, iv, f.getLowerBound()), f.getStep());
      Value cur = i32(b, b.create<arith::RemUIOp>(loc, it, cst(b, 2)));
      Value next = b.create<arith::SubIOp>(
          loc, b.create<arith::ConstantIntOp>(loc, b.getI32Type(), 1), cur);
      issuePrefetch(b, f, ps, b.create<arith::AddIOp>(loc, iv, f.getStep()), next, bases,
                    slots);
      for (auto [i, p] : llvm::enumerate(ps)) {
        b.setInsertionPoint(p.dot);
        auto sd = b.create<SmemDotOp>(
            loc, p.dot.getType(), cur, p.dot.getAcc(), p.dot.getA(),
            TypeAttr::get(p.dot.getA().getType()), TypeAttr::get(p.load.getType()),
            p.dot.getTransB() ? b.getUnitAttr() : UnitAttr(), p.dot.getOrder());
        sd->setAttr("bic.b_base", b.getI64IntegerAttr(bases[i]));
        sd->setAttr("bic.b_slot", b.getI64IntegerAttr(slots[i]));
        sd->setAttr("bic.a_base", b.getI64IntegerAttr(0));
        sd->setAttr("bic.a_slot", b.getI64IntegerAttr(0));
        sd->setAttr("bic.region_end", b.getI64IntegerAttr(end));
        if (p.swizzleRowBytes)
          sd->setAttr(kWgmmaDotAttr, b.getUnitAttr());
        p.dot.replaceAllUsesWith(sd.getResult());
        p.dot.erase();
        p.load.erase();
      }
      // Nothing else may reuse the slots while copies are in flight.
      b.setInsertionPointAfter(f);
      b.create<AsyncWaitOp>(loc, b.getI32IntegerAttr(0));
    }
    // Every slot user reserves the whole region.
    fn.walk([&](SmemDotOp sd) {
      if (sd->hasAttr("bic.region_end"))
        sd->setAttr("bic.region_end", IntegerAttr::get(IntegerType::get(sd.getContext(), 64), end));
    });
  }

  void runOnOperation() override {
    if (stages < 2 || stages > 4) {
      getOperation().emitError("bic-pipeline-dots: stages must be 2, 3 or 4");
      return signalPassFailure();
    }
    for (auto fn : getOperation().getOps<func::FuncOp>()) {
      SmallVector<DotOp> claimed;
      fn.walk([&](DotOp d) {
        if (d->hasAttr("bic.tma_dot"))
          claimed.push_back(d);
      });
      if (fn->hasAttr(kWarpSpecializeAttr) && claimed.size() != 1) {
        auto diag = fn.emitError("warp_specialize needs exactly one K loop on the TMA path "
                                 "(sm_90a: bic-tma-dots), found ")
                    << claimed.size();
        // Why bic-tma-dots passed a dot over, if it said.
        fn.walk([&](DotOp d) {
          if (auto why = d->getAttrOfType<StringAttr>("bic.mma_sync_because"))
            diag.attachNote(d.getLoc()) << "this dot stays on mma.sync: " << why.getValue();
        });
        return signalPassFailure();
      }
      if (!claimed.empty()) {
        // The stages own shared memory from byte 0; reductions across warps
        // and layout conversions exchange values past them (bic-lower-to-gpu),
        // in as many bytes as the largest needs. A dot of its own would need
        // operand buffers as well: not supported next to TMA stages yet.
        int64_t reserve = 0;
        Operation *dotElsewhere = nullptr;
        fn.walk([&](Operation *op) {
          reserve = std::max(reserve, 4 * exchangeScratchWords(op));
          if (isa<DotOp>(op) && !op->hasAttr("bic.tma_dot"))
            dotElsewhere = op;
        });
        if (dotElsewhere) {
          dotElsewhere->emitOpError("needs shared memory in a kernel whose K loop runs on "
                                    "TMA stages: not supported yet");
          return signalPassFailure();
        }
        for (DotOp d : claimed)
          if (failed(pipelineTma(fn, d, reserve)))
            return signalPassFailure();
        continue;
      }
      // Shared memory is the pipeline's alone: no other user may share it.
      bool others = false;
      SmallVector<Candidate> cands;
      fn.walk([&](Operation *op) {
        others |= exchangeScratchWords(op) > 0;
        if (auto d = dyn_cast<DotOp>(op)) {
          auto f = dyn_cast<scf::ForOp>(d->getParentOp());
          auto c = f ? match(f) : std::nullopt;
          if (c)
            cands.push_back(*c);
          else
            others = true;
        }
      });
      if (others || cands.size() != 1) {
        prefetchOperands(fn);
        continue;
      }
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
