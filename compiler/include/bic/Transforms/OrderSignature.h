//===- OrderSignature.h - canonical text of a kernel's reduction orders -*- C++ -*-===//
//
// The order signature lists, in program order, every reduction of a kernel
// and every loop that carries a floating-point accumulator, with exactly the
// parameters that fix their order. It is computed after bic-assign-layouts
// from compile-time facts only; two compilations with equal signatures
// combine every reduced value in the same order.
//
//===----------------------------------------------------------------------===//
#ifndef BIC_TRANSFORMS_ORDERSIGNATURE_H
#define BIC_TRANSFORMS_ORDERSIGNATURE_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include <cstdint>
#include <string>

namespace bic {

/// One line per reduction or accumulating loop, prefixed by the kernel name.
mlir::FailureOr<std::string> orderSignature(mlir::func::FuncOp kernel);

/// FNV-1a 64 of the text, as 16 hex digits.
std::string signatureHash(llvm::StringRef text);

} // namespace bic

#endif // BIC_TRANSFORMS_ORDERSIGNATURE_H
