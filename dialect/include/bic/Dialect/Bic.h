//===- Bic.h - the bic dialect: types, attributes and ops -------*- C++ -*-===//
#ifndef BIC_DIALECT_BIC_H
#define BIC_DIALECT_BIC_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "bic/Dialect/BicDialect.h.inc"

#define GET_TYPEDEF_CLASSES
#include "bic/Dialect/BicTypes.h.inc"

#define GET_ATTRDEF_CLASSES
#include "bic/Dialect/BicAttrs.h.inc"

#define GET_OP_CLASSES
#include "bic/Dialect/BicOps.h.inc"

namespace bic {
/// Attribute names used on kernels (func.func) and their arguments.
inline constexpr llvm::StringLiteral kKernelAttr = "bic.kernel";
inline constexpr llvm::StringLiteral kNumWarpsAttr = "bic.num_warps";
/// Shared-memory stages for bic-pipeline-dots (`num_stages`).
inline constexpr llvm::StringLiteral kNumStagesAttr = "bic.num_stages";
/// On a kernel: its TMA pipeline is warp-specialised (`warp_specialize=1`):
/// one more warp than `num_warps` runs, whose first thread fills the stages.
inline constexpr llvm::StringLiteral kWarpSpecializeAttr = "bic.warp_specialize";
/// On a kernel (`overlap=1`, sm_90): built for launches that overlap the
/// previous kernel on the stream. It waits for that kernel before touching
/// memory (bic.wait_prior_grids), and a warp-specialised producer copies
/// the `@weight` operand's first stages before that wait.
inline constexpr llvm::StringLiteral kOverlapAttr = "bic.overlap";
/// On a kernel (`cluster=2`, sm_90a): each program is run by a cluster of
/// that many CTAs, each computing its share of the tile's rows, which
/// receive the blocks of B they all need by TMA multicast
/// (bic-cluster-split). `program_id` and `num_programs` count clusters.
inline constexpr llvm::StringLiteral kClusterAttr = "bic.cluster";
inline constexpr llvm::StringLiteral kConstexprsAttr = "bic.constexprs";
inline constexpr llvm::StringLiteral kDtypesAttr = "bic.dtypes";
inline constexpr llvm::StringLiteral kBatchArgAttr = "bic.batch";
/// On a pointer argument (`@weight`): no kernel writes what it points to
/// while kernels read it (a model's weights), so its copies may start
/// before the kernel waits for the previous one (bic.wait_prior_grids).
inline constexpr llvm::StringLiteral kWeightArgAttr = "bic.weight";
inline constexpr llvm::StringLiteral kMultipleOfArgAttr = "bic.multiple_of";
inline constexpr llvm::StringLiteral kArgNameAttr = "bic.name";
/// Grid axes along which programs index the batch (`@kernel(batch_axis=0)`).
inline constexpr llvm::StringLiteral kBatchAxesAttr = "bic.batch_axes";

/// The warps per program of kernel `fn` (`num_warps`, 4 when not given).
inline unsigned numWarpsOf(mlir::Operation *fn) {
  auto w = fn->getAttrOfType<mlir::IntegerAttr>(kNumWarpsAttr);
  return w ? unsigned(w.getInt()) : 4;
}

/// The threads per program of kernel `fn`: its warps, plus the producer warp
/// of a warp-specialised kernel.
inline unsigned threadsOf(mlir::Operation *fn) {
  return (numWarpsOf(fn) + (fn->hasAttr(kWarpSpecializeAttr) ? 1 : 0)) * 32;
}
/// The CTAs that run one program of kernel `fn` (`cluster`, 1 when not given).
inline unsigned clusterOf(mlir::Operation *fn) {
  auto c = fn->getAttrOfType<mlir::IntegerAttr>(kClusterAttr);
  return c ? unsigned(c.getInt()) : 1;
}
/// Columns of each TMA box that stages a block of B given as [K, N]
/// (2-byte elements, read by wgmma as an N-major operand) `bn` columns
/// wide: 64 (one 128-byte swizzle row, bn / 64 boxes) when bn is a multiple
/// of 64; the whole block (one box in the 64- or 32-byte swizzle) when bn is
/// 32 or 16; 0 when no swizzle fits (any other bn).
inline int64_t nMajorBoxCols(int64_t bn) {
  if (bn > 0 && bn % 64 == 0)
    return 64;
  return bn == 32 || bn == 16 ? bn : 0;
}
} // namespace bic

#endif // BIC_DIALECT_BIC_H
