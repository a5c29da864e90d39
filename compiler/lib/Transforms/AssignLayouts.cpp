//===- AssignLayouts.cpp - give every tile a thread layout ----------------===//
//
// Layouts depend only on tile shapes and the kernel's warp count, never on a
// run-time value, so the reduction orders they imply are compile-time facts.
// Forward walk: producers of fresh tiles (arange, splat, load) take the
// default blocked layout of their shape; a dot's accumulator the mma
// fragment layout; a reduction leaves a slice of its operand's layout and
// `x[:, None]` of a slice gives back the parent. Element-wise ops and
// broadcasts take the layout of their most firmly placed operand (see
// `strength`): a value computed by a load, dot or reduction rather than a
// cheap one. Where an operand disagrees, cheap producers (arange, splat
// and element-wise ops of them) are re-created in the wanted layout;
// anything else gets a bic.convert_layout.
//
// Loop-carried values whose initial value is cheap (`m = full(...)`) take
// the layout the loop body gives the value it yields, found by a first
// walk over a copy of the function, so that the loop does not convert them
// on every iteration. A dot whose result is reduced along its rows or feeds
// the A operand of another dot (attention's scores) puts its warps along
// the rows, and so does that other dot: then a row never leaves its warp
// and the A operand comes straight from the first dot's registers.
//
//===----------------------------------------------------------------------===//
#include "bic/Transforms/Layout.h"
#include "bic/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "llvm/Support/MathExtras.h"

namespace bic {
#define GEN_PASS_DEF_BICASSIGNLAYOUTS
#include "bic/Transforms/Passes.h.inc"
} // namespace bic

using namespace mlir;
using namespace bic;

namespace {

bool isElementwise(Operation *op) {
  return isa<arith::ArithDialect, math::MathDialect>(op->getDialect()) ||
         isa<AddPtrOp>(op);
}

/// Per scf.for (numbered in walk order), the layout of each value its body
/// yields, before it is matched to the loop-carried value's.
using LoopHints = std::vector<SmallVector<Attribute>>;

class Assigner {
public:
  Assigner(func::FuncOp fn, unsigned numWarps, const LoopHints *hints)
      : fn(fn), numWarps(numWarps), b(fn.getContext()), hints(hints) {}

  LogicalResult run() { return processBlock(fn.getBody().front()); }
  LoopHints takeYielded() { return std::move(yielded); }

private:
  func::FuncOp fn;
  unsigned numWarps;
  OpBuilder b;
  const LoopHints *hints;
  LoopHints yielded;
  unsigned numLoops = 0;
  DenseMap<Operation *, Attribute> accLayouts;

  /// Whether `v` (a dot result) is reduced along its rows or becomes the A
  /// operand of a dot, through element-wise ops.
  static bool feedsRowConsumer(Value v, int depth = 0) {
    auto t = dyn_cast<RankedTensorType>(v.getType());
    if (!t || depth > 12)
      return false;
    for (OpOperand &u : v.getUses()) {
      Operation *o = u.getOwner();
      if (auto r = dyn_cast<ReduceOp>(o); r && r.getAxis() == t.getRank() - 1)
        return true;
      if (isa<DotOp>(o) && u.getOperandNumber() == 0)
        return true;
      if ((isElementwise(o) || isa<ConvertLayoutOp>(o)) && o->getNumResults() == 1 &&
          feedsRowConsumer(o->getResult(0), depth + 1))
        return true;
    }
    return false;
  }
  /// Whether `v` is computed element-wise from a dot whose warps go along
  /// its rows.
  bool derivesFromRowDot(Value v, int depth = 0) {
    Operation *def = v.getDefiningOp();
    if (!def || depth > 12)
      return false;
    if (auto d = dyn_cast<DotOp>(def))
      return warpsAlongRows(d);
    if (!isElementwise(def) && !isa<ConvertLayoutOp>(def))
      return false;
    return llvm::any_of(def->getOperands(), [&](Value o) {
      return isa<RankedTensorType>(o.getType()) && derivesFromRowDot(o, depth + 1);
    });
  }
  bool warpsAlongRows(DotOp d) {
    return feedsRowConsumer(d.getResult()) || derivesFromRowDot(d.getA());
  }

  Attribute accLayout(DotOp d) {
    if (d->hasAttr("bic.tma_dot") && !d->hasAttr("bic.tma_mma_sync")) // bic-tma-dots
      return wgmmaAccumulatorLayout(fn.getContext(), numWarps);
    // Decided once, while the dot's uses are still the original ones.
    auto it = accLayouts.find(d);
    if (it != accLayouts.end())
      return it->second;
    auto t = d.getType();
    Attribute l = mmaAccumulatorLayout(fn.getContext(), t.getShape()[0],
                                       t.getShape()[1], numWarps,
                                       warpsAlongRows(d));
    accLayouts[d] = l;
    return l;
  }

  /// A dot in a loop whose warps go along the rows and whose A operand is
  /// defined outside the loop (attention's Q): A is converted once, where
  /// it is defined, to the fragment layout on the same rows, so the product
  /// reads its A fragments from registers in every iteration instead of
  /// staging A through shared memory again.
  void keepLoopInvariantAInRegisters(DotOp d, Attribute accEnc) {
    auto acc = dyn_cast<BlockedLayoutAttr>(accEnc);
    auto loop = d->getParentOfType<scf::ForOp>();
    Value a = d.getA();
    auto at = cast<RankedTensorType>(a.getType());
    if (!acc || !loop || acc.getWarpsPerCTA()[1] != 1 || acc.getSizePerThread()[1] != 2 ||
        !(at.getElementType().isBF16() || at.getElementType().isF16()) ||
        d->hasAttr("bic.tma_dot"))
      return;
    Operation *def = a.getDefiningOp();
    Operation *where = def ? def : a.getParentBlock()->getParentOp();
    if (loop->isAncestor(where))
      return;
    auto want = mmaAccumulatorLayout(fn.getContext(), at.getShape()[0],
                                     at.getShape()[1], numWarps, /*warpsAlongRows=*/true);
    if (want.getWarpsPerCTA() != acc.getWarpsPerCTA() || encOf(a) == Attribute(want))
      return;
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointAfterValue(a);
    d->setOperand(0, b.create<ConvertLayoutOp>(d.getLoc(), withEncoding(at, want), a));
  }

  /// How firmly `v`'s layout is placed: 2 when it is computed (through
  /// element-wise ops) from a load, dot, reduction or conversion, whose
  /// result is costly to move; 1 for a loop-carried value with a cheap
  /// initial value, whose layout the loop hints may still choose; 0 for
  /// cheap values (aranges, splats and element-wise ops of them), which are
  /// re-created in whatever layout a user wants.
  int strength(Value v, int depth = 0) {
    if (depth > 10)
      return 2;
    if (auto ba = dyn_cast<BlockArgument>(v)) {
      auto f = dyn_cast_or_null<scf::ForOp>(ba.getOwner()->getParentOp());
      if (f && ba.getArgNumber() > 0)
        return strength(f.getInitArgs()[ba.getArgNumber() - 1], depth + 1) ? 2 : 1;
      return 2;
    }
    Operation *def = v.getDefiningOp();
    bool cheap = def && !def->getNumRegions() && def->getNumResults() == 1 &&
                 (isa<ArangeOp, SplatOp, BroadcastOp, ExpandDimsOp>(def) ||
                  isElementwise(def));
    if (!cheap)
      return 2;
    int s = 0;
    for (Value o : def->getOperands())
      if (isa<RankedTensorType>(o.getType()))
        s = std::max(s, strength(o, depth + 1));
    return s;
  }
  Attribute defaultFor(RankedTensorType t) {
    return defaultBlockedLayout(fn.getContext(), t.getShape(), numWarps);
  }
  static Attribute encOf(Value v) {
    if (auto t = dyn_cast<RankedTensorType>(v.getType()))
      return t.getEncoding();
    return {};
  }
  static void setEnc(Value v, Attribute enc) {
    v.setType(withEncoding(cast<RankedTensorType>(v.getType()), enc));
  }

  /// Re-creates a cheap producer of `v` in layout `enc` before `user`.
  /// With `convertLeaves`, values that cannot be re-created are converted
  /// where they are produced (below broadcasts, so on smaller tiles).
  Value rematerialize(Value v, Attribute enc, Operation *user, int depth = 0,
                      bool convertLeaves = false) {
    Operation *def = v.getDefiningOp();
    bool cheap = def && !def->getNumRegions() && def->getNumResults() == 1 &&
                 (isa<ArangeOp, SplatOp, BroadcastOp, ExpandDimsOp>(def) ||
                  isElementwise(def));
    if (!cheap || depth > 16) {
      if (!convertLeaves || depth == 0)
        return {};
      // Convert a conversion's source, not the conversion.
      if (auto c = dyn_cast_or_null<ConvertLayoutOp>(def)) {
        if (encOf(c.getSrc()) == enc)
          return c.getSrc();
        v = c.getSrc();
      }
      b.setInsertionPoint(user);
      auto t = withEncoding(cast<RankedTensorType>(v.getType()), enc);
      return b.create<ConvertLayoutOp>(user->getLoc(), t, v);
    }
    // The operand layout that gives `enc` on the result.
    Attribute operandEnc = enc;
    if (auto e = dyn_cast<ExpandDimsOp>(def)) {
      auto parent = dyn_cast<BlockedLayoutAttr>(enc);
      if (!parent)
        return {};
      operandEnc = SliceLayoutAttr::get(def->getContext(), e.getAxis(), parent);
    }
    SmallVector<Value> operands;
    for (Value o : def->getOperands()) {
      auto ot = dyn_cast<RankedTensorType>(o.getType());
      if (!ot) {
        operands.push_back(o);
        continue;
      }
      Value r = encOf(o) == operandEnc
                    ? o
                    : rematerialize(o, operandEnc, user, depth + 1, convertLeaves);
      if (!r)
        return {};
      operands.push_back(r);
    }
    b.setInsertionPoint(user);
    Operation *clone = b.clone(*def);
    clone->setOperands(operands);
    setEnc(clone->getResult(0), enc);
    return clone->getResult(0);
  }

  /// Makes operand `i` of `op` have layout `enc`.
  void require(Operation *op, unsigned i, Attribute enc) {
    Value v = op->getOperand(i);
    if (!isa<RankedTensorType>(v.getType()) || encOf(v) == enc)
      return;
    Value r = rematerialize(v, enc, op);
    if (!r && cast<RankedTensorType>(v.getType()).getNumElements() > 1024)
      r = rematerialize(v, enc, op, 0, /*convertLeaves=*/true);
    if (!r) {
      b.setInsertionPoint(op);
      auto t = withEncoding(cast<RankedTensorType>(v.getType()), enc);
      r = b.create<ConvertLayoutOp>(op->getLoc(), t, v);
    }
    op->setOperand(i, r);
  }

  LogicalResult resolveOrder(ReduceOp op) {
    auto srcTy = op.getSrc().getType();
    auto layout = TileLayout::get(srcTy);
    if (failed(layout))
      return op.emitOpError("operand has no layout");
    if (layout->dim(op.getAxis()).lanesFirst)
      return op.emitOpError("reducing the rows of a wgmma accumulator is not "
                            "supported (its rows are not in a tree order the "
                            "reduction attribute can state); reduce along "
                            "the columns or store and reload the tile");
    auto want = realisedTreeOrder(op.getContext(), *layout, op.getAxis());
    ReduceOrderAttr have = op.getOrder();
    if (have.isResolved() && have != want)
      return op.emitOpError("declares order ")
             << have << " but its layout realises " << want;
    op.setOrderAttr(want);
    return success();
  }

  LogicalResult processOp(Operation *op) {
    Location loc = op->getLoc();
    if (auto f = dyn_cast<scf::ForOp>(op)) {
      unsigned loop = numLoops++;
      if (yielded.size() <= loop)
        yielded.resize(loop + 1);
      // A loop-carried dot accumulator lives in the accumulator layout from
      // its initial value on, so the K loop never moves it; another value
      // with a cheap initial value takes the layout of what the body yields.
      Operation *yield = f.getBody()->getTerminator();
      for (unsigned i = 0; i < f.getNumRegionIterArgs(); ++i) {
        if (auto dot = yield->getOperand(i).getDefiningOp<DotOp>()) {
          require(op, 3 + i, accLayout(dot));
          continue;
        }
        Value init = f.getInitArgs()[i];
        if (hints && loop < hints->size() && i < (*hints)[loop].size() &&
            (*hints)[loop][i] && strength(init) == 0)
          require(op, 3 + i, (*hints)[loop][i]);
      }
      for (auto [init, arg, res] :
           llvm::zip(f.getInitArgs(), f.getRegionIterArgs(), f.getResults())) {
        arg.setType(init.getType());
        res.setType(init.getType());
      }
      if (failed(processBlock(*f.getBody())))
        return failure();
      Operation *y = f.getBody()->getTerminator();
      yielded[loop].clear();
      for (Value v : y->getOperands())
        yielded[loop].push_back(encOf(v));
      for (auto [i, arg] : llvm::enumerate(f.getRegionIterArgs()))
        if (auto e = encOf(arg))
          require(y, i, e);
      return success();
    }
    if (auto i = dyn_cast<scf::IfOp>(op)) {
      if (failed(processBlock(i.getThenRegion().front())))
        return failure();
      if (!i.getElseRegion().empty() &&
          failed(processBlock(i.getElseRegion().front())))
        return failure();
      if (i.getNumResults() == 0)
        return success();
      Operation *ty = i.getThenRegion().front().getTerminator();
      Operation *ey = i.getElseRegion().front().getTerminator();
      for (auto [k, res] : llvm::enumerate(i.getResults())) {
        res.setType(ty->getOperand(k).getType());
        if (auto e = encOf(res))
          require(ey, k, e);
      }
      return success();
    }
    if (op->getNumRegions())
      return op->emitOpError("is not supported inside a bic kernel");

    if (auto d = dyn_cast<DotOp>(op)) {
      Attribute l = accLayout(d);
      require(op, 2, l);
      setEnc(d.getResult(), l);
      keepLoopInvariantAInRegisters(d, l);
      return success();
    }
    if (auto r = dyn_cast<ReduceOp>(op)) {
      auto srcEnc = encOf(r.getSrc());
      if (auto res = dyn_cast<RankedTensorType>(r.getType())) {
        auto parent = dyn_cast<BlockedLayoutAttr>(srcEnc);
        if (!parent) { // reduce of a slice: give it a blocked layout first
          parent = cast<BlockedLayoutAttr>(defaultFor(r.getSrc().getType()));
          require(op, 0, parent);
        }
        setEnc(r.getResult(),
               SliceLayoutAttr::get(op->getContext(), r.getAxis(), parent));
      }
      return resolveOrder(r);
    }
    if (auto e = dyn_cast<ExpandDimsOp>(op)) {
      auto slice = dyn_cast_or_null<SliceLayoutAttr>(encOf(e.getSrc()));
      if (slice && slice.getDim() == e.getAxis() &&
          slice.getParent().getSizePerThread().size() ==
              size_t(e.getType().getRank())) {
        setEnc(e.getResult(), slice.getParent());
        return success();
      }
      // x[:, None] of a vector that is not a slice: in the layout of the
      // tile it is broadcast to, if that is its one use, so that only the
      // vector moves.
      auto parent = cast<BlockedLayoutAttr>(defaultFor(e.getType()));
      if (e->hasOneUse())
        if (auto bc = dyn_cast<BroadcastOp>(*e->user_begin()))
          parent = cast<BlockedLayoutAttr>(defaultFor(bc.getType()));
      require(op, 0, SliceLayoutAttr::get(op->getContext(), e.getAxis(), parent));
      setEnc(e.getResult(), parent);
      return success();
    }
    if (auto bc = dyn_cast<BroadcastOp>(op)) {
      // The result keeps the layout of a firmly placed statistic of a tile
      // (x[:, None] of a reduction's slice) broadcast back over that tile;
      // otherwise it takes the layout its shape wants and the operand is
      // re-created or converted (on the smaller tile).
      Attribute enc = defaultFor(bc.getType());
      auto ex = bc.getSrc().getDefiningOp<ExpandDimsOp>();
      if (ex && isa_and_nonnull<SliceLayoutAttr>(encOf(ex.getSrc())) &&
          !ex.getSrc().getDefiningOp<ConvertLayoutOp>() &&
          strength(bc.getSrc()) == 2)
        enc = encOf(bc.getSrc());
      require(op, 0, enc);
      setEnc(bc.getResult(), enc);
      return success();
    }
    if (auto ld = dyn_cast<LoadOp>(op)) {
      if (auto t = dyn_cast<RankedTensorType>(ld.getType())) {
        Attribute enc = encOf(ld.getPtr());
        for (unsigned k = 1; k < op->getNumOperands(); ++k)
          require(op, k, enc);
        setEnc(ld.getResult(), enc);
      }
      return success();
    }
    if (auto st = dyn_cast<StoreOp>(op)) {
      Attribute enc = encOf(st.getPtr());
      // Prefer to move the addresses (cheap to re-create) to the value's
      // layout, e.g. to store an accumulator where it was computed.
      Attribute venc = encOf(st.getValue());
      if (venc && venc != enc) {
        Value p = rematerialize(st.getPtr(), venc, op);
        Value m = !st.getMask() ? Value()
                  : encOf(st.getMask()) == venc ? st.getMask()
                                                : rematerialize(st.getMask(), venc, op);
        if (p && (m || !st.getMask())) {
          st.getPtrMutable().assign(p);
          if (m)
            st.getMaskMutable().assign(m);
          return success();
        }
      }
      for (unsigned k = 1; k < op->getNumOperands(); ++k)
        require(op, k, enc);
      return success();
    }
    if (isa<ConvertLayoutOp>(op))
      return success();
    bool hasTileResult = llvm::any_of(op->getResultTypes(), [](Type t) {
      return isa<RankedTensorType>(t);
    });
    if (!hasTileResult)
      return success();
    if (isa<ArangeOp, SplatOp, LoadTileOp>(op) || (isa<arith::ConstantOp>(op))) {
      if (isa<arith::ConstantOp>(op))
        return op->emitOpError("tile constants with more than one value are not supported");
      setEnc(op->getResult(0),
             defaultFor(cast<RankedTensorType>(op->getResult(0).getType())));
      return success();
    }
    if (isElementwise(op)) {
      Attribute enc;
      int best = -1;
      for (Value o : op->getOperands())
        if (auto e = encOf(o)) {
          int st = strength(o);
          if (st > best) {
            best = st;
            enc = e;
          }
        }
      if (!enc)
        return op->emitOpError("has no tile operand to take a layout from");
      for (unsigned k = 0; k < op->getNumOperands(); ++k)
        require(op, k, enc);
      for (Value r : op->getResults())
        setEnc(r, enc);
      return success();
    }
    (void)loc;
    return op->emitOpError("produces a tile but has no layout rule");
  }

  LogicalResult processBlock(Block &blk) {
    for (Operation &op : llvm::make_early_inc_range(blk))
      if (failed(processOp(&op)))
        return failure();
    return success();
  }
};

struct AssignLayoutsPass
    : public bic::impl::BicAssignLayoutsBase<AssignLayoutsPass> {
  void runOnOperation() override {
    for (auto fn : getOperation().getOps<func::FuncOp>()) {
      if (!fn->hasAttr(kKernelAttr))
        continue;
      // (0 divided by zero below, and -1 never finished)
      if (failed(verifyNumWarps(fn)))
        return signalPassFailure();
      // Folding may turn a tile computation into a dense constant (v == v
      // on integers is all true); tiles are built from scalars by bic.splat,
      // so a constant with one value becomes one again.
      SmallVector<arith::ConstantOp> folded;
      fn.walk([&](arith::ConstantOp c) {
        auto dense = dyn_cast<DenseElementsAttr>(c.getValue());
        if (dense && dense.isSplat() && isa<RankedTensorType>(c.getType()))
          folded.push_back(c);
      });
      for (arith::ConstantOp c : folded) {
        OpBuilder b(c);
        auto dense = cast<DenseElementsAttr>(c.getValue());
        Value scalar = b.create<arith::ConstantOp>(
            c.getLoc(), cast<TypedAttr>(dense.getSplatValue<Attribute>()));
        c.replaceAllUsesWith(
            b.create<SplatOp>(c.getLoc(), c.getType(), scalar).getResult());
        c.erase();
      }
      // First walk, on a copy and silently: which layout each loop body
      // gives the values it carries.
      // Repeated until the hints settle: an inner loop's results, which
      // an outer loop yields, only take their layout once the inner loop
      // has its hints.
      LoopHints hints;
      {
        ScopedDiagnosticHandler quiet(fn.getContext(),
                                      [](Diagnostic &) { return success(); });
        for (int round = 0; round < 4; ++round) {
          func::FuncOp copy = fn.clone();
          Assigner dry(copy, numWarpsOf(fn), round ? &hints : nullptr);
          bool ok = succeeded(dry.run());
          LoopHints next = ok ? dry.takeYielded() : LoopHints();
          copy.erase();
          if (!ok || next == hints)
            break;
          hints = std::move(next);
        }
      }
      if (failed(Assigner(fn, numWarpsOf(fn), &hints).run()))
        return signalPassFailure();
    }
  }
};
} // namespace
