//===- MLIRGen.h - AST to the bic dialect -----------------------*- C++ -*-===//
#ifndef BIC_FRONTEND_MLIRGEN_H
#define BIC_FRONTEND_MLIRGEN_H

#include "bic/Frontend/AST.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <map>
#include <string>

namespace llvm {
class SourceMgr;
}

namespace bic {

/// Compile-time values for `constexpr` parameters (and `num_warps`), as given
/// with `-D NAME=VALUE`.
using Defines = std::map<std::string, int64_t>;
/// Element types for `dtype` parameters, as given with `-D T=f16`.
using TypeDefines = std::map<std::string, std::string>;

/// Emits one func.func per kernel into a new module. Errors are reported as
/// MLIR diagnostics at FileLineColLoc locations of the source buffer.
mlir::OwningOpRef<mlir::ModuleOp> mlirGen(mlir::MLIRContext &ctx,
                                          const llvm::SourceMgr &srcMgr,
                                          const ast::Module &module,
                                          const Defines &defines,
                                          const TypeDefines &typeDefines = {});

} // namespace bic

#endif // BIC_FRONTEND_MLIRGEN_H
