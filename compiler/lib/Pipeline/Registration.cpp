//===- Registration.cpp - exactly the dialects and passes bic uses --------===//
//
// Registering only what the pipeline runs keeps statically linked binaries
// (the JIT on the GPU machines) small: nothing else is pulled in.
//
//===----------------------------------------------------------------------===//
#include "Registration.h"

#include "bic/Dialect/Bic.h"
#include "bic/Transforms/Passes.h"

#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVM.h"
#include "mlir/Conversion/GPUToNVVM/GPUToNVVM.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/NVVMToLLVM/NVVMToLLVM.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVM.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Index/IR/IndexDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "mlir/Transforms/Passes.h"

#include <mutex>

using namespace mlir;

void bic::registerPipelinePasses() {
  static std::once_flag once;
  std::call_once(once, [] {
    registerCanonicalizer();
    registerCSE();
    registerSCFToControlFlowPass();
    registerConvertVectorToLLVMPass();
    memref::registerExpandStridedMetadataPass();
    registerArithToLLVMConversionPass();
    registerConvertIndexToLLVMPass();
    registerConvertGpuOpsToNVVMOps();
    registerConvertNVVMToLLVMPass();
    registerReconcileUnrealizedCastsPass();
    registerGpuNVVMAttachTarget();
    registerGpuModuleToBinaryPass();
    bic::registerBicPasses(); // includes bic-pipeline-dots
  });
}

void bic::registerPipelineDialects(DialectRegistry &registry) {
  registry.insert<BicDialect, arith::ArithDialect, math::MathDialect,
                  scf::SCFDialect, func::FuncDialect, gpu::GPUDialect,
                  vector::VectorDialect, LLVM::LLVMDialect, NVVM::NVVMDialect,
                  memref::MemRefDialect, cf::ControlFlowDialect,
                  index::IndexDialect>();
  // What convert-gpu-to-nvvm pulls from each dialect to lower it to LLVM.
  arith::registerConvertArithToLLVMInterface(registry);
  cf::registerConvertControlFlowToLLVMInterface(registry);
  registerConvertFuncToLLVMInterface(registry);
  index::registerConvertIndexToLLVMInterface(registry);
  registerConvertMathToLLVMInterface(registry);
  registerConvertMemRefToLLVMInterface(registry);
  vector::registerConvertVectorToLLVMInterface(registry);
  NVVM::registerConvertGpuToNVVMInterface(registry);
  registerConvertNVVMToLLVMInterface(registry);
  // NVPTX code generation.
  NVVM::registerNVVMTargetInterfaceExternalModels(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerNVVMDialectTranslation(registry);
  registerGPUDialectTranslation(registry);
}
