//===- Layout.h - how a tile is spread over the threads of a program -*- C++ -*-===//
//
// A uniform view of #bic.blocked and #bic.slice encodings: for each tile
// dimension, how many elements one thread holds and at which coordinates.
// Per-thread elements are numbered row-major over the per-dimension
// in-thread indices; along one dimension a higher in-thread index is a
// higher coordinate. Everything here is a compile-time constant except the
// thread's base coordinate.
//
//===----------------------------------------------------------------------===//
#ifndef BIC_TRANSFORMS_LAYOUT_H
#define BIC_TRANSFORMS_LAYOUT_H

#include "bic/Dialect/Bic.h"
#include "mlir/IR/Builders.h"

namespace bic {

struct DimLayout {
  int64_t size;         // tile extent S
  unsigned spt, tpw, wpc;
  unsigned laneShift, warpShift; // bit position of this dim in lane/warp id
  /// The thread's elements are `tpw` apart (lanes first, then registers,
  /// then warps): the wgmma accumulator rows. Otherwise consecutive.
  bool lanesFirst = false;
  int64_t sptEff() const { return std::min<int64_t>(spt, size); }
  int64_t cover() const { return int64_t(spt) * tpw * wpc; }
  int64_t reps() const { return std::max<int64_t>(1, size / cover()); }
  int64_t perThread() const { return sptEff() * reps(); }
  bool replicated() const { return cover() > size; }
  /// Coordinate offset of in-thread index i, to add to the thread's base.
  int64_t offset(int64_t i) const {
    return (i / sptEff()) * cover() + (i % sptEff()) * (lanesFirst ? tpw : 1);
  }
  /// Coordinate distance between two elements a thread holds next to each
  /// other along this dim (1 unless lanesFirst).
  int64_t elemStride() const { return lanesFirst ? tpw : 1; }
};

class TileLayout {
public:
  /// Fails for tensors without a bic encoding.
  static mlir::FailureOr<TileLayout> get(mlir::RankedTensorType t);

  unsigned rank() const { return dims.size(); }
  const DimLayout &dim(unsigned d) const { return dims[d]; }
  int64_t numElems() const;
  /// In-thread multi-index of element e, and back.
  llvm::SmallVector<int64_t> multiIndex(int64_t e) const;
  int64_t linearIndex(llvm::ArrayRef<int64_t> idx) const;

  /// Base coordinate of the calling thread along dim d (i32, unwrapped).
  mlir::Value threadBase(mlir::OpBuilder &b, mlir::Location loc, unsigned d,
                         mlir::Value lane, mlir::Value warp) const;
  /// lane / warp bits that select this dim (for shuffles and warp folds).
  mlir::Value laneIndex(mlir::OpBuilder &b, mlir::Location loc, unsigned d,
                        mlir::Value lane) const;
  mlir::Value warpIndex(mlir::OpBuilder &b, mlir::Location loc, unsigned d,
                        mlir::Value warp) const;

private:
  llvm::SmallVector<DimLayout, 2> dims;
};

/// The order the lowering realises for a tree reduction along tile dim
/// `axis` of `layout`: the single source of truth that layout assignment,
/// the order verifier and the lowering all compare against.
ReduceOrderAttr realisedTreeOrder(mlir::MLIRContext *ctx, const TileLayout &layout,
                                  unsigned axis);

/// The default blocked layout for a tile shape and a warp count.
BlockedLayoutAttr defaultBlockedLayout(mlir::MLIRContext *ctx,
                                       llvm::ArrayRef<int64_t> shape,
                                       unsigned numWarps);

/// The accumulator layout of an MxN tensor-core product: the mma.sync
/// m16n8 fragment (8 row groups x 4 lanes, 2 consecutive columns per
/// thread), warps tiled over M and N. Pairs of row repetitions form the two
/// halves of one m16 instruction, so M must cover 16 rows per warp row.
/// With `warpsAlongRows`, warps go down M first (as far as 16 rows per
/// warp allow), so that one warp holds whole rows: a row reduction then
/// stays within the warp, and the tile can be the A operand of a next
/// product straight from registers.
BlockedLayoutAttr mmaAccumulatorLayout(mlir::MLIRContext *ctx, int64_t m,
                                       int64_t n, unsigned numWarps,
                                       bool warpsAlongRows = false);

/// The accumulator layout of wgmma.m64nNk16 over an MxN tile: warps along
/// M, warp w owning rows 16w + {lane/4, lane/4 + 8} of each 16*numWarps
/// rows, two consecutive columns per n8 block. Needs M % (16 * numWarps) == 0.
BlockedLayoutAttr wgmmaAccumulatorLayout(mlir::MLIRContext *ctx,
                                         unsigned numWarps);

/// Whether A (layout `la`) can feed the mma.sync A fragments of an
/// accumulator in layout `lc` straight from registers: A is itself in the
/// mma fragment layout with its warps along the rows only, on the same
/// rows as the accumulator (the output of a previous product whose warps
/// go along the rows, like attention's P). Then the A fragment of rows
/// (2q, 2q + 1) and k-step k0 is the thread's column pairs k0 / 4 + {0, 1}
/// and k0 / 4 + {2, 3} of those rows: the accumulator registers of n8
/// blocks k0 / 8 and k0 / 8 + 1.
bool aFromRegisters(const TileLayout &la, const TileLayout &lc, int64_t K);

/// Checks kernel `fn`'s bic.num_warps (absent: 4) is a power of two in
/// [1, 32], with an error on `fn` if not. The frontend checks its own;
/// IR written by hand (bic-opt) may not have been.
mlir::LogicalResult verifyNumWarps(mlir::Operation *fn);

/// Whether `d` can run on sm_90a as wgmma.m64nNk16 with A from registers:
/// bf16/f16 operands, A in the accumulator's fragment layout (aFromRegisters), the warps all along the rows in warpgroups of
/// four (each warp one or more whole m16 row blocks, all N columns), N a
/// multiple of 8 up to 256, and B a whole number of swizzle boxes: as
/// [N, K] (trans_b) K a multiple of 64; as [K, N] N 16, 32 or a multiple
/// of 64 (nMajorBoxCols). Needs the layouts.
bool wgmmaDotEligible(DotOp d);

/// Marks a dot (bic.dot, or bic.smem_dot from bic-pipeline-dots) that runs
/// on wgmma with A from registers on sm_90a (see wgmmaDotEligible).
inline constexpr llvm::StringLiteral kWgmmaDotAttr = "bic.wgmma";

/// Bytes of one row of the swizzled boxes a B operand of `n` columns is
/// staged in for wgmma (as TMA lays it out): 128 as [N, K] (`kMajor`, 64
/// columns of K per box); as [K, N] one swizzle row of nMajorBoxCols(n)
/// columns (0 where none fits).
inline int64_t swizzledBRowBytes(bool kMajor, int64_t n) {
  return kMajor ? 128 : nMajorBoxCols(n) * 2;
}

/// Bytes of one shared-memory operand buffer of a dot: A then B, rows
/// padded, rounded to 128; for a `bic.wgmma` dot B alone (A stays in
/// registers), swizzled, rounded to 1024 (its boxes start on 1024-byte
/// boundaries).
int64_t dotBufferBytes(DotOp d);

/// Shared-memory words that `op` exchanges values through when it is a
/// reduction whose axis spans warps (one partial per warp and row) or a
/// layout conversion (the whole tile); 0 for anything else.
int64_t exchangeScratchWords(mlir::Operation *op);

/// Returns `t` with encoding `enc`.
mlir::RankedTensorType withEncoding(mlir::RankedTensorType t,
                                    mlir::Attribute enc);

} // namespace bic

#endif // BIC_TRANSFORMS_LAYOUT_H
