//===- bic-opt.cpp - mlir-opt with the bic dialect and passes -------------===//
#include "bic/Dialect/Bic.h"
#include "bic/Transforms/Passes.h"

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  bic::registerBicPasses();
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  registry.insert<bic::BicDialect>();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "bic optimizer driver\n", registry));
}
