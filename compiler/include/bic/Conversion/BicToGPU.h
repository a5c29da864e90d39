//===- BicToGPU.h - lowering tile programs to per-thread GPU code -*- C++ -*-===//
//
// Each tile becomes the vector of elements its layout gives one thread
// (`TileLayout::numElems()` long, element e at the coordinates
// `TileLayout::multiIndex(e)` names). Patterns are exposed for reuse and
// testing; `bic-lower-to-gpu` drives them.
//
//===----------------------------------------------------------------------===//
#ifndef BIC_CONVERSION_BICTOGPU_H
#define BIC_CONVERSION_BICTOGPU_H

#include "bic/Transforms/Layout.h"
#include "mlir/Transforms/DialectConversion.h"

namespace bic {

/// Tiles to vectors, !bic.ptr to i64 addresses in the global space.
class TileTypeConverter : public mlir::TypeConverter {
public:
  explicit TileTypeConverter(mlir::MLIRContext *ctx);
};

/// Thread coordinates shared by the patterns (all i32).
struct ThreadIds {
  mlir::Value tid, lane, warp;
};
ThreadIds getThreadIds(mlir::OpBuilder &b, mlir::Location loc);

/// Per element, per tile dim: the element's coordinate. `wrap` folds
/// replicated coordinates back into the tile; without it they stay raw (and
/// may be >= the extent, which marks a replica).
llvm::SmallVector<llvm::SmallVector<mlir::Value>>
elementCoords(mlir::OpBuilder &b, mlir::Location loc, const TileLayout &l,
              const ThreadIds &ids, bool wrap);

/// Reinterpret a value of at most 32 bits as one i32 word and back.
mlir::Value toWord(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v);
mlir::Value fromWord(mlir::OpBuilder &b, mlir::Location loc, mlir::Value w,
                     mlir::Type t);
/// The kernel's shared-memory scratch (i32 words), created by the pass.
mlir::Value getScratch(mlir::Operation *op);
/// The kernel's shared-memory scratch as an `!llvm.ptr<3>`.
mlir::Value scratchBase(mlir::Operation *op, mlir::OpBuilder &b);

/// mma.sync over A [M, K] and B [N, K] blocks that TMA staged at `aStage` /
/// `bStage` (!llvm.ptr<3>; K / 64 boxes each of rows of 128 bytes in the
/// 128-byte swizzle, one box after the other) — or, with `bNMajor`, B [K, N]
/// staged as boxes of K rows of one swizzle row each (nMajorBoxCols(N)
/// columns, 128-, 64- or 32-byte swizzle), read with ldmatrix.trans: K
/// ascending in k-steps of 16, accumulating the fragment `acc` (layout `lc`,
/// the mma fragment layout) in place, exactly as bic.dot's mma.sync path.
/// f32 (`elem`) operands are tf32 in k-steps of 8 (boxes of 32 columns; B
/// as [N, K] only), rounded in registers unless `truncate`.
mlir::Value emitStagedMma(mlir::ConversionPatternRewriter &rw, mlir::Location loc,
                          const TileLayout &lc, mlir::Value acc, mlir::Type elem,
                          bool truncate, int64_t M, int64_t N, int64_t K, mlir::Value aStage,
                          mlir::Value bStage, const ThreadIds &ids, bool bNMajor);
/// The wgmma shared-memory matrix descriptor (i64) of an operand at shared
/// address `addr` (i32) whose rows are one swizzle row of `rowBytes` (128,
/// 64 or 32 bytes): K-major with `lbo` = 0 (8-row groups 8 x rowBytes
/// apart), N-major with `lbo` the distance between boxes of columns.
mlir::Value wgmmaMatrixDesc(mlir::OpBuilder &b, mlir::Location loc, mlir::Value addr,
                            int64_t lbo = 0, int64_t rowBytes = 128);
/// Fails (with a diagnostic on `op`) unless `lc` is the mma fragment layout
/// with whole 16x8 blocks per warp.
mlir::LogicalResult checkMmaAccumulator(mlir::Operation *op, const TileLayout &lc);
/// Inline PTX with side effects; returns its result (null for `result`
/// absent: no result).
mlir::Value inlineAsm(mlir::OpBuilder &b, mlir::Location loc, llvm::StringRef text,
                      llvm::StringRef constraints, mlir::ValueRange operands,
                      mlir::Type result = {});
/// Shared-memory words an op needs as scratch (0 if none).
int64_t scratchWords(mlir::Operation *op);
/// The op whose result is the kernel's scratch when it lives in dynamic
/// shared memory, and the gpu.func attribute giving its size in bytes.
inline constexpr llvm::StringLiteral kScratchAttr = "bic.scratch";
/// In a kernel with a TMA pipeline (which owns shared memory from byte 0):
/// the op whose result is the scratch of every other op, past the stages.
inline constexpr llvm::StringLiteral kExchangeScratchAttr = "bic.exchange_scratch";
/// Whether `op` is part of a TMA pipeline (uses its stages and barriers).
bool isTmaPipelineOp(mlir::Operation *op);
inline constexpr llvm::StringLiteral kDynamicSmemAttr = "bic.dynamic_smem";
/// Marks a dot whose operands alternate between two shared-memory buffers.
inline constexpr llvm::StringLiteral kDoubleBufferAttr = "bic.double_buffer";

mlir::Value constI32(mlir::OpBuilder &b, mlir::Location loc, int64_t v);

void populateTileOpPatterns(TileTypeConverter &tc,
                            mlir::RewritePatternSet &patterns);
void populateMemoryOpPatterns(TileTypeConverter &tc,
                              mlir::RewritePatternSet &patterns);
void populateReduceOpPatterns(TileTypeConverter &tc,
                              mlir::RewritePatternSet &patterns);
void populateDotOpPatterns(TileTypeConverter &tc,
                           mlir::RewritePatternSet &patterns);
/// bic.async_copy/commit/wait (cp.async) and bic.smem_dot.
void populateAsyncCopyPatterns(TileTypeConverter &tc,
                               mlir::RewritePatternSet &patterns);
/// bic.tma_init/tma_load/tma_dot/tma_dot_wait/tma_store (sm_90a: TMA,
/// mbarrier, wgmma or mma.sync on TMA stages).
void populateHopperOpPatterns(TileTypeConverter &tc,
                              mlir::RewritePatternSet &patterns);
/// math ops (scalar or vector) to NVVM intrinsics; applied greedily after
/// the conversion.
void populateMathToNVVMPatterns(mlir::RewritePatternSet &patterns);

} // namespace bic

#endif // BIC_CONVERSION_BICTOGPU_H
