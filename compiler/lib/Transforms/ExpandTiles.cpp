//===- ExpandTiles.cpp - block accesses as masked pointer tiles -----------===//
//
// bic.load_tile / bic.store_tile that no faster path claimed (TMA on
// sm_90a marks the ones it takes with `bic.tma_desc`) become the pointer
// tile base + (row0 + i) * cols + (col0 + j), masked to the matrix, and a
// bic.load (zeros outside) or bic.store. Runs before layout assignment, so
// the usual layouts, vectorisation and cp.async pipelining apply.
//
//===----------------------------------------------------------------------===//
#include "bic/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace bic {
#define GEN_PASS_DEF_BICEXPANDTILES
#include "bic/Transforms/Passes.h.inc"
} // namespace bic

using namespace mlir;
using namespace bic;

namespace {
struct Expanded {
  Value ptrs, mask;
};

/// Pointers and in-matrix mask of the block of `shape` at `coords`.
Expanded expand(OpBuilder &b, Location loc, Value base, ValueRange extents,
                ValueRange coords, ArrayRef<int64_t> shape) {
  Type i32 = b.getI32Type(), i1 = b.getI1Type();
  auto tile = [&](Type e) { return RankedTensorType::get(shape, e); };
  unsigned rank = shape.size();
  Value offset, mask;
  for (unsigned d = 0; d < rank; ++d) {
    auto ty1 = RankedTensorType::get({shape[d]}, i32);
    Value idx = b.create<ArangeOp>(loc, ty1, 0, shape[d]);
    idx = b.create<arith::AddIOp>(loc, idx, b.create<SplatOp>(loc, ty1, coords[d]));
    Value in = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, idx,
                                       b.create<SplatOp>(loc, ty1, extents[d]));
    if (rank == 2) {
      SmallVector<int64_t> s = {1, 1};
      s[d] = shape[d];
      unsigned at = d == 0 ? 1 : 0;
      idx = b.create<ExpandDimsOp>(loc, RankedTensorType::get(s, i32), idx,
                                   b.getI32IntegerAttr(at));
      in = b.create<ExpandDimsOp>(loc, RankedTensorType::get(s, i1), in,
                                  b.getI32IntegerAttr(at));
      idx = b.create<BroadcastOp>(loc, tile(i32), idx);
      in = b.create<BroadcastOp>(loc, tile(i1), in);
    }
    if (d + 1 < rank) // scale by the (dense) row length
      idx = b.create<arith::MulIOp>(loc, idx,
                                    b.create<SplatOp>(loc, tile(i32), extents[d + 1]));
    offset = offset ? b.create<arith::AddIOp>(loc, offset, idx).getResult() : idx;
    mask = mask ? b.create<arith::AndIOp>(loc, mask, in).getResult() : in;
  }
  Type ptrTile = tile(base.getType());
  Value ptrs = b.create<AddPtrOp>(loc, ptrTile, b.create<SplatOp>(loc, ptrTile, base),
                                  offset);
  return {ptrs, mask};
}

struct ExpandTilesPass : public bic::impl::BicExpandTilesBase<ExpandTilesPass> {
  void runOnOperation() override {
    SmallVector<Operation *> ops;
    getOperation().walk([&](Operation *op) {
      if (isa<LoadTileOp, StoreTileOp>(op) && !op->hasAttr("bic.tma_desc"))
        ops.push_back(op);
    });
    for (Operation *op : ops) {
      OpBuilder b(op);
      Location loc = op->getLoc();
      if (auto l = dyn_cast<LoadTileOp>(op)) {
        auto ty = cast<RankedTensorType>(l.getType());
        Expanded e = expand(b, loc, l.getBase(), l.getShape(), l.getCoords(), ty.getShape());
        Value zero = b.create<SplatOp>(
            loc, ty, b.create<arith::ConstantOp>(loc, b.getZeroAttr(ty.getElementType())));
        Value v = b.create<LoadOp>(loc, ty, e.ptrs, e.mask, zero, IntegerAttr());
        l.replaceAllUsesWith(v);
      } else {
        auto s = cast<StoreTileOp>(op);
        auto ty = cast<RankedTensorType>(s.getValue().getType());
        Expanded e = expand(b, loc, s.getBase(), s.getShape(), s.getCoords(), ty.getShape());
        b.create<StoreOp>(loc, e.ptrs, s.getValue(), e.mask, IntegerAttr());
      }
      op->erase();
    }
  }
};
} // namespace
