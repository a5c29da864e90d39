//===- TileLoop.h - K loops inside a persistent tile loop -------*- C++ -*-===//
//
// A persistent kernel walks its output tiles in an outer loop
//     for t in range(program_id(0), tiles, num_programs(0)):
//         row, col = f(t); acc = zeros(...)
//         for k in range(0, K, BK): acc = dot(load(row, k), load(col, k), acc)
//         store(row, col, acc)
// The Hopper pipeline keeps one stream of stages across tiles, fetching the
// next tile's first blocks while this one finishes; for that it needs the
// computation of the tile coordinates from `t` (the "slice") to be pure and
// the K loop's bounds to be the same for every tile.
//
//===----------------------------------------------------------------------===//
#ifndef BIC_TRANSFORMS_TILELOOP_H
#define BIC_TRANSFORMS_TILELOOP_H

#include "mlir/Dialect/SCF/IR/SCF.h"

#include <string>

namespace bic {

struct TileLoop {
  /// The loop over tiles around the K loop, or null when the K loop is not
  /// nested in a loop.
  mlir::scf::ForOp outer;
  /// Operations of `outer`'s body, in order, that the K loop body uses.
  llvm::SmallVector<mlir::Operation *> slice;
  /// The results of `slice` that the K loop body reads (the tile's
  /// coordinates).
  llvm::SmallVector<mlir::Value> inputs;
};

/// Describes the loops around `kLoop`; on failure `why` says what stops the
/// pipeline from running across tiles.
mlir::FailureOr<TileLoop> analyzeTileLoop(mlir::scf::ForOp kLoop, std::string &why);

} // namespace bic

#endif
