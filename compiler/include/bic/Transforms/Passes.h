//===- Passes.h - passes of the bic compiler --------------------*- C++ -*-===//
#ifndef BIC_TRANSFORMS_PASSES_H
#define BIC_TRANSFORMS_PASSES_H

#include "bic/Dialect/Bic.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace bic {

#define GEN_PASS_DECL
#include "bic/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "bic/Transforms/Passes.h.inc"

} // namespace bic

#endif // BIC_TRANSFORMS_PASSES_H
