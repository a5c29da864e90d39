//===- TmaDots.cpp - claim tensor-core K loops for TMA + wgmma (sm_90a) ---===//
//
// Decides, before layouts exist, which K loops take the Hopper path: both
// operands are blocks of kernel-parameter descriptors, A [BM, BK] and B
// [BN, BK] (B given as [N, K], the weight layout) in bf16 or f16, BK a
// multiple of 64 up to 512 (TMA boxes of 64 columns, BK / 64 per operand and
// stage), and the tile fits the wgmma fragment. B given as [K, N] qualifies
// too with BN 16, 32 or a multiple of 64 and BK up to 256: its block is
// BN / 64 boxes of BK rows x 64 columns in the 128-byte swizzle, or one box
// of BK x BN in the 64- (BN = 32) or 32-byte (BN = 16) swizzle, an N-major
// wgmma operand (read by mma.sync through ldmatrix.trans on the 16/32-row
// tiles below). Each operand gets a hidden kernel parameter for its TMA
// descriptor; the metadata tells the runtime how to encode it.
// A tile of 16 or 32 rows (few tokens: BM < 64, which wgmma cannot take)
// qualifies too, on up to 4 warps that each own whole 16x8 blocks of it
// (mma.sync cannot split one): TMA stages both blocks and mma.sync reads them
// (ldmatrix through the swizzle, ldmatrix.trans for B as [K, N];
// `bic.tma_mma_sync`), so only A's BM rows
// cross from L2 and no thread issues per-element copies.
// f32 operands qualify as tf32 (k-step 8): B as [N, K] only (wgmma reads
// tf32 K-major), BK a multiple of 32 (boxes of 32 4-byte columns). On
// wgmma (BM >= 64) truncated (tf32_rz: wgmma reads the stage as it landed)
// or rounded to nearest (tf32) without warp specialisation (every thread
// rounds each stage in place before wgmma reads it). Rounded to nearest and
// warp-specialised, any tile (BM a multiple of 16, up to 4 warps) runs
// mma.sync on the stages instead, as tiles of 16 or 32 rows always do: each
// thread rounds the fragments it loads, in registers, so no warp waits for
// another's pass.
// Loops that do not qualify keep the mma.sync path, which gives the same
// bits (the dot's order does not change), so this is a speed decision only.
//
// The tile's result store after a claimed loop (a block of a kernel-
// parameter descriptor, 2-byte elements, the accumulator's shape, 64-column
// multiples) is claimed too: it becomes a TMA store through shared memory
// (bic-pipeline-dots), so the program's next tile starts while it drains.
//
//===----------------------------------------------------------------------===//
#include "bic/Transforms/Passes.h"
#include "bic/Transforms/TileLoop.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace bic {
#define GEN_PASS_DEF_BICTMADOTS
#include "bic/Transforms/Passes.h.inc"
} // namespace bic

using namespace mlir;
using namespace bic;

namespace {
/// Index of `v` among `fn`'s arguments, or -1.
int64_t argIndex(func::FuncOp fn, Value v) {
  auto ba = dyn_cast<BlockArgument>(v);
  if (!ba || ba.getOwner() != &fn.getBody().front())
    return -1;
  return ba.getArgNumber();
}

struct TmaDotsPass : public bic::impl::BicTmaDotsBase<TmaDotsPass> {
  using Base::Base;

  /// Whether a claimed `dot` runs mma.sync on the TMA stages (ldmatrix
  /// through the swizzle) rather than wgmma: tiles of 16 or 32 rows, which
  /// wgmma cannot take, and tf32 rounded to nearest when warp-specialised —
  /// wgmma would read the stage, which every thread must round in place
  /// first, while mma.sync rounds the fragments each thread loads, in
  /// registers, so the consumer warps never wait for each other.
  static bool onMmaSync(func::FuncOp fn, DotOp dot) {
    int64_t bm = dot.getType().getShape()[0];
    bool rna = dot.getA().getType().getElementType().isF32() && !dot.getOrder().getTruncate();
    return bm < 64 || (rna && fn->hasAttr(kWarpSpecializeAttr));
  }

  /// The reason `dot` cannot take the TMA path, or "" if it can.
  std::string reject(func::FuncOp fn, DotOp dot, unsigned numWarps) {
    auto f = dyn_cast<scf::ForOp>(dot->getParentOp());
    if (!f || f.getNumRegionIterArgs() != 1 ||
        f.getBody()->getTerminator()->getOperand(0) != dot.getResult() ||
        dot.getAcc() != f.getRegionIterArgs()[0])
      return "not the in-place accumulator of a K loop";
    std::string why;
    if (failed(analyzeTileLoop(f, why)))
      return why;
    Type elem = dot.getA().getType().getElementType();
    // tf32 (f32, k-step 8): the stages are read as they landed (truncated:
    // the tensor cores drop the low 13 bits), or rounded to nearest: by
    // wgmma after the consumer warps rounded them in place, or by mma.sync
    // rounding each fragment in registers (onMmaSync).
    const bool tf32 = elem.isF32() && dot.getOrder().getKStep() == 8;
    if (!elem.isBF16() && !elem.isF16() && !tf32)
      return "operands are not bf16/f16 or tf32";
    for (Value v : {dot.getA(), dot.getB()}) {
      auto l = v.getDefiningOp<LoadTileOp>();
      if (!l || l->getParentOp() != f.getOperation() || !l->hasOneUse())
        return "an operand is not a load_tile in the loop";
      if (argIndex(fn, l.getBase()) < 0)
        return "a descriptor base is not a kernel parameter";
      for (Value s : l.getShape())
        if (argIndex(fn, s) < 0)
          return "a descriptor extent is not a kernel parameter";
    }
    for (Operation &op : f.getBody()->without_terminator())
      if (&op != dot && !isa<LoadTileOp>(op) && !isPure(&op))
        return "the loop body has other side effects";
    auto shape = dot.getType().getShape();
    int64_t bm = shape[0], bn = shape[1], bk = dot.getA().getType().getShape()[1];
    // Boxes of one 128-byte swizzle row: 64 2-byte or 32 4-byte columns.
    const int64_t bytes = elem.getIntOrFloatBitWidth() / 8, boxCols = 128 / bytes;
    if (bk % boxCols || bk > 8 * boxCols)
      return "the K block is not a multiple of " + std::to_string(boxCols) + " up to " +
             std::to_string(8 * boxCols) + " (boxes of one 128-byte swizzle row)";
    if (tf32) {
      if (!dot.getTransB())
        return "tf32 with B as [K, N] (wgmma reads tf32 operands K-major only)";
    }
    if (bn % 8 || bn > 256)
      return "BN is not a multiple of 8 up to 256";
    // BM < 64 (few tokens), and tf32 rounded to nearest when warp-
    // specialised: mma.sync on the TMA stages, every warp on whole 16x8
    // blocks of the tile (the mma fragment has no replicas).
    const bool sync = onMmaSync(fn, dot);
    const bool smallM = bm == 16 || bm == 32;
    if (bm < 64 && !smallM)
      return "BM is not 16 or 32, or a multiple of 64 and of 16 x num_warps "
             "up to 256";
    // mma.sync addresses its fragments' rows and columns modulo the tile
    // (power-of-two extents; the DSL's blocks always are).
    if (sync && !smallM && (!llvm::isPowerOf2_64(bm) || bm > 256))
      return "tf32 rounded to nearest and warp-specialised runs mma.sync on the TMA "
             "stages, which needs BM 64, 128 or 256";
    if (sync && !llvm::isPowerOf2_64(bn))
      return "mma.sync on the TMA stages needs BN a power of two";
    if (sync && numWarps > 4)
      return smallM ? "a tile of 16 or 32 rows takes at most 4 warps"
                    : "tf32 rounded to nearest and warp-specialised runs mma.sync on the "
                      "TMA stages, on at most 4 warps";
    if (sync && (bm / 16) * (bn / 8) < numWarps)
      return "the tile has fewer 16x8 blocks than warps";
    // B as [K, N]: a stage holds BN / 64 boxes of BK rows (one box for BN =
    // 32 or 16, in a narrower swizzle), which wgmma reads as an N-major
    // operand and mma.sync (16/32-row tiles) with ldmatrix.trans.
    if (!dot.getTransB()) {
      if (!nMajorBoxCols(bn))
        return "B is [K, N] and BN is not 16, 32 or a multiple of 64 (N-major boxes "
               "of one 32-, 64- or 128-byte swizzle row)";
      if (bk > 256)
        return "B is [K, N] and BK is over 256 (a TMA box's rows)";
    }
    // wgmma is issued by whole warpgroups of 4 warps (fewer would leave it to
    // warps that do not exist).
    if (!sync && numWarps % 4)
      return "wgmma needs whole warpgroups (num_warps a multiple of 4), not " +
             std::to_string(numWarps) + " warps";
    if (!sync && (bm % 64 || bm % (16 * numWarps) || bm > 256))
      return "BM is not 16 or 32, or a multiple of 64 and of 16 x num_warps "
             "up to 256";
    // wgmma holds 64-row blocks per warpgroup; mma.sync only the tile.
    if ((sync ? bm : std::max<int64_t>(bm, 64)) * bn / (32 * numWarps) > 128)
      return "the accumulator needs more than 128 registers per thread";
    if (2 * (bm + bn) * bk * bytes + 64 > maxSmem)
      return "two stages do not fit in shared memory";
    return "";
  }

  /// The store of the loop's tile that can go through TMA, if any: the one
  /// store_tile after the K loop in its block, of a kernel-parameter
  /// descriptor, with 2-byte elements, the accumulator's shape, BN a
  /// multiple of 64 (128-byte box rows). `boxRows` is set to the box height.
  StoreTileOp storeToClaim(func::FuncOp fn, DotOp dot, unsigned numWarps,
                           int64_t &boxRows) {
    Operation *loop = dot->getParentOp();
    StoreTileOp found;
    for (Operation *op = loop->getNextNode(); op; op = op->getNextNode()) {
      auto st = dyn_cast<StoreTileOp>(op);
      if (!st)
        continue;
      if (found)
        return {};
      found = st;
    }
    if (!found || argIndex(fn, found.getBase()) < 0)
      return {};
    for (Value s : found.getShape())
      if (argIndex(fn, s) < 0)
        return {};
    auto vt = found.getValue().getType();
    auto shape = vt.getShape();
    if (shape.size() != 2 || shape != dot.getType().getShape() ||
        vt.getElementType().getIntOrFloatBitWidth() != 16 || shape[1] % 64)
      return {};
    // Boxes of at most 128 rows, each a whole number of the accumulator's
    // row covers (16 x num_warps rows), so each element's box is static.
    int64_t cover = 16 * numWarps;
    boxRows = shape[0];
    while (boxRows > 128 && (boxRows / 2) % cover == 0)
      boxRows /= 2;
    if (boxRows > 256 || boxRows % cover)
      return {};
    return found;
  }

  /// Appends the hidden descriptor parameter of the matrix `base` with
  /// extents `shape` (kernel parameters) and TMA box `box`, and marks `op`
  /// (the load or store it serves) with its index.
  /// Whether the rows a narrowed box of `l` leaves stale in its stage (those
  /// past the matrix: `rows=fit`) can only reach elements nobody reads: the
  /// K loop's result feeds nothing but elementwise ops and store_tiles whose
  /// descriptor clips the same rows — for A (`dim` 0) the store's row
  /// coordinate and extent are A's, for B as [N, K] (`dim` 1) its column
  /// coordinate and extent are B's rows. Otherwise the box keeps its rows
  /// and TMA fills those past the matrix with zeros, as load_tile promises.
  static bool staleRowsUnread(scf::ForOp loop, LoadTileOp l, unsigned dim) {
    SmallVector<Value> work = {loop.getResult(0)};
    while (!work.empty()) {
      Value v = work.pop_back_val();
      for (OpOperand &use : v.getUses()) {
        Operation *u = use.getOwner();
        if (auto st = dyn_cast<StoreTileOp>(u)) {
          if (use.get() != st.getValue() || st.getCoords()[dim] != l.getCoords()[0] ||
              st.getShape()[dim] != l.getShape()[0])
            return false;
          continue;
        }
        if (!u->hasTrait<OpTrait::Elementwise>() || u->getNumResults() != 1)
          return false;
        work.push_back(u->getResult(0));
      }
    }
    return true;
  }

  LogicalResult claim(func::FuncOp fn, Operation *op, Value base, ValueRange shape,
                      ArrayRef<int64_t> box, bool fitRows, int64_t swizzle = 128) {
    Builder b(&getContext());
    SmallVector<int64_t> shapeArgs;
    for (Value s : shape)
      shapeArgs.push_back(argIndex(fn, s));
    NamedAttrList attrs;
    attrs.append("bic.tma_base", b.getI64IntegerAttr(argIndex(fn, base)));
    attrs.append("bic.tma_shape", b.getDenseI64ArrayAttr(shapeArgs));
    attrs.append("bic.tma_box", b.getDenseI64ArrayAttr(box));
    if (fitRows)
      attrs.append("bic.tma_fit", b.getUnitAttr());
    if (swizzle != 128) // a box row narrower than 128 bytes (B as [K, N])
      attrs.append("bic.tma_swizzle", b.getI64IntegerAttr(swizzle));
    unsigned idx = fn.getNumArguments();
    if (failed(fn.insertArgument(idx, PtrType::get(&getContext(), b.getI8Type()),
                                 attrs.getDictionary(&getContext()), op->getLoc())))
      return failure();
    op->setAttr("bic.tma_desc", b.getI64IntegerAttr(idx));
    return success();
  }

  void runOnOperation() override {
    for (auto fn : getOperation().getOps<func::FuncOp>()) {
      if (!fn->hasAttr(kKernelAttr))
        continue;
      unsigned numWarps = numWarpsOf(fn);
      SmallVector<DotOp> dots;
      fn.walk([&](DotOp d) { dots.push_back(d); });
      if (dots.size() != 1)
        continue; // the pipeline owns shared memory for one K loop only
      DotOp dot = dots.front();
      // A clustered kernel (bic-cluster-split) exists for multicast, which
      // only this path has: it never falls back. A tile that would take
      // mma.sync is refused for that reason first (the limits reject() then
      // names are mma.sync's, not the cluster's).
      const int64_t cluster = clusterOf(fn);
      const bool clusterOnSync = cluster > 1 && onMmaSync(fn, dot);
      std::string why;
      if (clusterOnSync && dot.getType().getShape()[0] < 64)
        why = "each CTA's share of the tile (BM / cluster rows) is below wgmma's 64";
      else if (clusterOnSync)
        why = "tf32 rounded to nearest, warp-specialised, runs mma.sync (clusters "
              "multicast to wgmma)";
      else
        why = reject(fn, dot, numWarps);
      if (why.empty() && cluster > 1) {
        int64_t bn = dot.getType().getShape()[1];
        if (!dot.getTransB())
          why = "B is [K, N] (multicast copies B as [N, K] only)";
        else if (bn % (8 * cluster))
          why = "BN / cluster is not a multiple of 8 (each CTA multicasts whole 1024-byte "
                "swizzle blocks of B)";
      }
      if (!why.empty()) {
        if (cluster > 1) {
          dot.emitOpError("cluster=") << cluster << " needs the TMA + wgmma path: " << why;
          return signalPassFailure();
        }
        dot->setAttr("bic.mma_sync_because", StringAttr::get(&getContext(), why));
        continue;
      }
      auto loop = cast<scf::ForOp>(dot->getParentOp());
      for (auto [dim, v] : llvm::enumerate(std::array<Value, 2>{dot.getA(), dot.getB()})) {
        auto l = v.getDefiningOp<LoadTileOp>();
        // Boxes of 64 columns (one 128-byte swizzle row; B as [K, N]: see
        // below); a K block of
        // BK = 64 b takes b of them per stage. In a cluster B's block is
        // copied by multicast, a box of BN / n rows from each CTA; its box
        // is never narrowed (every CTA's share lands at a fixed place).
        int64_t rows = cast<RankedTensorType>(l.getType()).getShape()[0];
        bool multicast = dim == 1 && cluster > 1;
        // B as [K, N] keeps its K rows: stale rows past K would meet A's
        // zero-filled columns, and 0 x NaN is not 0. Its boxes are one
        // swizzle row wide (nMajorBoxCols: 64 columns, or all 32 or 16).
        bool kRows = dim == 1 && !dot.getTransB();
        auto lt = cast<RankedTensorType>(l.getType());
        const int64_t bytes = lt.getElementType().getIntOrFloatBitWidth() / 8;
        int64_t cols = kRows ? nMajorBoxCols(lt.getShape()[1]) : 128 / bytes;
        if (failed(claim(fn, l, l.getBase(), l.getShape(),
                         {multicast ? rows / cluster : rows, cols},
                         !multicast && !kRows && staleRowsUnread(loop, l, dim), cols * bytes)))
          return signalPassFailure();
        if (multicast)
          l->setAttr("bic.multicast", IntegerAttr::get(IntegerType::get(&getContext(), 64),
                                                       cluster));
      }
      dot->setAttr("bic.tma_dot", UnitAttr::get(&getContext()));
      if (onMmaSync(fn, dot))
        dot->setAttr("bic.tma_mma_sync", UnitAttr::get(&getContext()));
      int64_t boxRows = 0;
      if (StoreTileOp st = storeToClaim(fn, dot, numWarps, boxRows))
        // A narrowed store box writes the rows a full one would after
        // clipping: always `rows=fit`.
        if (failed(claim(fn, st, st.getBase(), st.getShape(), {boxRows, 64}, true)))
          return signalPassFailure();
    }
  }
};
} // namespace
