//===- Layout.cpp - how a tile is spread over the threads of a program ----===//
#include "bic/Transforms/Layout.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace bic;

static SmallVector<DimLayout, 2> fromBlocked(BlockedLayoutAttr b) {
  SmallVector<DimLayout, 2> out;
  unsigned rank = b.getSizePerThread().size();
  unsigned laneShift = 0, warpShift = 0;
  out.resize(rank);
  for (int d = rank - 1; d >= 0; --d) {
    out[d] = DimLayout{1, b.getSizePerThread()[d], b.getThreadsPerWarp()[d],
                       b.getWarpsPerCTA()[d], laneShift, warpShift,
                       d == 0 && b.getRowsLanesFirst()};
    laneShift += llvm::Log2_32(b.getThreadsPerWarp()[d]);
    warpShift += llvm::Log2_32(b.getWarpsPerCTA()[d]);
  }
  return out;
}

FailureOr<TileLayout> TileLayout::get(RankedTensorType t) {
  TileLayout l;
  Attribute enc = t.getEncoding();
  if (auto b = dyn_cast_or_null<BlockedLayoutAttr>(enc)) {
    l.dims = fromBlocked(b);
    if (l.dims.size() != size_t(t.getRank()))
      return failure();
  } else if (auto s = dyn_cast_or_null<SliceLayoutAttr>(enc)) {
    auto parent = fromBlocked(s.getParent());
    if (parent.size() != size_t(t.getRank()) + 1 || s.getDim() >= parent.size())
      return failure();
    for (unsigned d = 0; d < parent.size(); ++d)
      if (d != s.getDim())
        l.dims.push_back(parent[d]);
  } else {
    return failure();
  }
  for (unsigned d = 0; d < l.dims.size(); ++d)
    l.dims[d].size = t.getShape()[d];
  return l;
}

int64_t TileLayout::numElems() const {
  int64_t n = 1;
  for (auto &d : dims)
    n *= d.perThread();
  return n;
}

SmallVector<int64_t> TileLayout::multiIndex(int64_t e) const {
  SmallVector<int64_t> idx(dims.size());
  for (int d = dims.size() - 1; d >= 0; --d) {
    idx[d] = e % dims[d].perThread();
    e /= dims[d].perThread();
  }
  return idx;
}

int64_t TileLayout::linearIndex(ArrayRef<int64_t> idx) const {
  int64_t e = 0;
  for (unsigned d = 0; d < dims.size(); ++d)
    e = e * dims[d].perThread() + idx[d];
  return e;
}

static Value cst(OpBuilder &b, Location loc, int64_t v) {
  return b.create<arith::ConstantIntOp>(loc, b.getI32Type(), v);
}

static Value bits(OpBuilder &b, Location loc, Value id, unsigned shift,
                  unsigned count) {
  if (count == 1)
    return cst(b, loc, 0);
  Value v = shift ? b.create<arith::ShRUIOp>(loc, id, cst(b, loc, shift)).getResult()
                  : id;
  return b.create<arith::AndIOp>(loc, v, cst(b, loc, count - 1));
}

Value TileLayout::laneIndex(OpBuilder &b, Location loc, unsigned d,
                            Value lane) const {
  return bits(b, loc, lane, dims[d].laneShift, dims[d].tpw);
}

Value TileLayout::warpIndex(OpBuilder &b, Location loc, unsigned d,
                            Value warp) const {
  return bits(b, loc, warp, dims[d].warpShift, dims[d].wpc);
}

Value TileLayout::threadBase(OpBuilder &b, Location loc, unsigned d, Value lane,
                             Value warp) const {
  const DimLayout &dl = dims[d];
  Value l = laneIndex(b, loc, d, lane), w = warpIndex(b, loc, d, warp);
  Value lo = dl.lanesFirst ? l : b.create<arith::MulIOp>(loc, l, cst(b, loc, dl.spt)).getResult();
  Value hi = b.create<arith::MulIOp>(loc, w, cst(b, loc, int64_t(dl.spt) * dl.tpw));
  return b.create<arith::AddIOp>(loc, lo, hi);
}

BlockedLayoutAttr bic::defaultBlockedLayout(MLIRContext *ctx,
                                            ArrayRef<int64_t> shape,
                                            unsigned numWarps) {
  int64_t last = shape.back();
  if (shape.size() == 1) {
    // 8 consecutive elements per thread (16 bytes of bf16) unless the tile
    // is too small to give every lane some.
    unsigned spt = std::max<int64_t>(1, std::min<int64_t>(8, last / 32));
    return BlockedLayoutAttr::get(ctx, {spt}, {32}, {numWarps}, false);
  }
  // 2-D: 8 consecutive elements per thread along the last dimension, lanes
  // across it first, then down the rows; warps down the rows first.
  unsigned spt = std::min<int64_t>(8, last);
  unsigned tpw1 = std::max<int64_t>(1, std::min<int64_t>(32, last / spt));
  unsigned tpw0 = 32 / tpw1;
  unsigned wpc0 = std::max<int64_t>(
      1, std::min<int64_t>(numWarps, shape[0] / std::max<unsigned>(1, tpw0)));
  unsigned wpc1 = numWarps / wpc0;
  return BlockedLayoutAttr::get(ctx, {1, spt}, {tpw0, tpw1}, {wpc0, wpc1}, false);
}

RankedTensorType bic::withEncoding(RankedTensorType t, Attribute enc) {
  return RankedTensorType::get(t.getShape(), t.getElementType(), enc);
}

BlockedLayoutAttr bic::mmaAccumulatorLayout(MLIRContext *ctx, int64_t m,
                                            int64_t n, unsigned numWarps,
                                            bool warpsAlongRows) {
  if (warpsAlongRows) {
    unsigned wm = 1;
    while (wm < numWarps && m >= 16 * wm * 2)
      wm *= 2;
    unsigned wn = numWarps / wm;
    if (n >= 8 * wn)
      return BlockedLayoutAttr::get(ctx, {1, 2}, {8, 4}, {wm, wn}, false);
  }
  unsigned wm = 1, wn = 1;
  while (wm * wn < numWarps) {
    bool mFits = m >= 16 * wm * 2, nFits = n >= 8 * wn * 2;
    if (mFits && (!nFits || m / wm >= n / wn))
      wm *= 2;
    else if (nFits)
      wn *= 2;
    else
      wm *= 2; // more warps than 16x8 blocks: replicas
  }
  return BlockedLayoutAttr::get(ctx, {1, 2}, {8, 4}, {wm, wn}, false);
}

BlockedLayoutAttr bic::wgmmaAccumulatorLayout(MLIRContext *ctx,
                                              unsigned numWarps) {
  return BlockedLayoutAttr::get(ctx, {2, 2}, {8, 4}, {numWarps, 1},
                                /*rowsLanesFirst=*/true);
}

ReduceOrderAttr bic::realisedTreeOrder(MLIRContext *ctx, const TileLayout &layout,
                                       unsigned axis) {
  const DimLayout &d = layout.dim(axis);
  SmallVector<int64_t> lanes;
  for (int j = llvm::Log2_32(d.tpw) - 1; j >= 0; --j)
    lanes.push_back(int64_t(1) << (d.laneShift + j));
  // Runs of sptEff consecutive coordinates, one per cover of lanes and warps.
  int64_t run = d.sptEff() < d.perThread() ? d.sptEff() : 0;
  return ReduceOrderAttr::get(ctx, "tree", d.perThread(), lanes, d.wpc, run);
}

int64_t bic::exchangeScratchWords(Operation *op) {
  if (auto r = dyn_cast<ReduceOp>(op)) {
    auto l = TileLayout::get(r.getSrc().getType());
    if (failed(l) || l->dim(r.getAxis()).wpc == 1)
      return 0;
    int64_t rows = 1;
    for (unsigned d = 0; d < l->rank(); ++d)
      if (d != r.getAxis())
        rows *= l->dim(d).size;
    return rows * l->dim(r.getAxis()).wpc;
  }
  if (auto c = dyn_cast<ConvertLayoutOp>(op))
    return c.getSrc().getType().getNumElements();
  return 0;
}

LogicalResult bic::verifyNumWarps(Operation *fn) {
  auto w = fn->getAttrOfType<IntegerAttr>(kNumWarpsAttr);
  int64_t n = w ? w.getInt() : numWarpsOf(fn);
  if (n < 1 || n > 32 || (n & (n - 1)))
    return fn->emitError() << "bic.num_warps must be a power of two in [1, 32], got " << n;
  return success();
}

bool bic::aFromRegisters(const TileLayout &la, const TileLayout &lc, int64_t K) {
  const DimLayout &a0 = la.dim(0), &a1 = la.dim(1), &c0 = lc.dim(0),
                  &c1 = lc.dim(1);
  return a0.spt == c0.spt && a0.tpw == c0.tpw && a0.wpc == c0.wpc &&
         a0.laneShift == c0.laneShift && a0.warpShift == c0.warpShift &&
         a0.size == c0.size && !a0.lanesFirst && !a0.replicated() &&
         a1.spt == 2 && a1.tpw == 4 && a1.wpc == 1 && c1.wpc == 1 &&
         !a1.replicated() && K % 16 == 0;
}

int64_t bic::dotBufferBytes(DotOp d) {
  auto a = d.getA().getType();
  int64_t m = a.getShape()[0], k = a.getShape()[1];
  int64_t n = d.getType().getShape()[1];
  int64_t elem = a.getElementType().getIntOrFloatBitWidth() / 8;
  if (d->hasAttr(kWgmmaDotAttr))
    return (elem * k * n + 1023) / 1024 * 1024;
  // A [M, K + 8] and B [N, K + 8] or [K, N + 8].
  int64_t bytes = elem * (m * (k + 8) + (d.getTransB() ? n * (k + 8) : k * (n + 8)));
  return (bytes + 127) / 128 * 128;
}

bool bic::wgmmaDotEligible(DotOp d) {
  auto at = d.getA().getType();
  Type elem = at.getElementType();
  auto la = TileLayout::get(at);
  auto lc = TileLayout::get(d.getType());
  if ((!elem.isBF16() && !elem.isF16()) || failed(la) || failed(lc))
    return false;
  const int64_t N = d.getType().getShape()[1], K = at.getShape()[1];
  const DimLayout &c0 = lc->dim(0), &c1 = lc->dim(1);
  if (c0.lanesFirst || c0.spt != 1 || c0.tpw != 8 || c1.spt != 2 || c1.tpw != 4 ||
      c1.wpc != 1 || c0.wpc % 4 || c0.perThread() % 2 || c0.replicated() ||
      c1.replicated() || !aFromRegisters(*la, *lc, K) || N % 8 || N > 256)
    return false;
  if (d.getTransB())
    return K % 64 == 0;
  // The descriptor's leading offset (K x row bytes) has 14 bits of 16 bytes.
  const int64_t row = swizzledBRowBytes(false, N);
  return row && K % 16 == 0 && K * row < (int64_t(1) << 18);
}
