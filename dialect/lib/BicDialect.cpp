//===- BicDialect.cpp - registration of the bic dialect -------------------===//
#include "bic/Dialect/Bic.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace bic;

#include "bic/Dialect/BicDialect.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "bic/Dialect/BicTypes.cpp.inc"

void BicDialect::initialize() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "bic/Dialect/BicTypes.cpp.inc"
      >();
  registerAttributes();
  addOperations<
#define GET_OP_LIST
#include "bic/Dialect/BicOps.cpp.inc"
      >();
}
