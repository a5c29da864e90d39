//===- Registration.h - the dialects and passes the pipeline uses -*- C++ -*-===//
#ifndef BIC_PIPELINE_REGISTRATION_H
#define BIC_PIPELINE_REGISTRATION_H

#include "mlir/IR/DialectRegistry.h"

namespace bic {
/// Registers (once per process) every pass the pipeline names.
void registerPipelinePasses();
/// Adds every dialect, extension and translation the pipeline needs.
void registerPipelineDialects(mlir::DialectRegistry &registry);
} // namespace bic

#endif
