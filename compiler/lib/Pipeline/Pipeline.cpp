//===- Pipeline.cpp - from .bic source to PTX -----------------------------===//
#include "bic/Pipeline/Pipeline.h"
#include "Registration.h"

#include "bic/Dialect/Bic.h"
#include "bic/Frontend/Parser.h"
#include "bic/Transforms/OrderSignature.h"
#include "bic/Transforms/Passes.h"

#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Index/IR/IndexDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/SourceMgr.h"

#include <mutex>

using namespace mlir;
using namespace bic;

llvm::Expected<std::string> bic::featuresForArch(llvm::StringRef arch) {
  // Checked here because LLVM aborts the process on some bad combinations
  // (e.g. sm_90a with a PTX version below 8.0).
  if (arch == "sm_80")
    return std::string("+ptx70");
  if (arch == "sm_90" || arch == "sm_90a")
    return std::string("+ptx80");
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "unsupported target architecture '" + arch +
                                     "' (supported: sm_80, sm_90, sm_90a)");
}

static void setupContext(MLIRContext &ctx) {
  DialectRegistry registry;
  registerPipelineDialects(registry);
  ctx.appendDialectRegistry(registry);
  ctx.loadAllAvailableDialects();
}

static std::string print(Operation *op) {
  std::string s;
  llvm::raw_string_ostream os(s);
  op->print(os);
  return s;
}

static std::string typeText(Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  if (auto p = dyn_cast<PtrType>(t)) {
    os << "ptr<";
    p.getPointeeType().print(os);
    os << ">";
  } else {
    t.print(os);
  }
  return s;
}

static FailureOr<KernelInfo> kernelInfo(func::FuncOp fn) {
  KernelInfo k;
  k.name = fn.getName().str();
  k.threads = threadsOf(fn);
  // bic-wait-prior-grids gives every such kernel its wait.
  k.waitsPriorGrids = fn->hasAttr(kOverlapAttr);
  k.cluster = clusterOf(fn);
  for (unsigned i = 0; i < fn.getNumArguments(); ++i) {
    if (auto base = fn.getArgAttrOfType<IntegerAttr>(i, "bic.tma_base")) {
      TmaParam t;
      t.base = base.getInt();
      for (int64_t s : fn.getArgAttrOfType<DenseI64ArrayAttr>(i, "bic.tma_shape").asArrayRef())
        t.shape.push_back(s);
      for (int64_t s : fn.getArgAttrOfType<DenseI64ArrayAttr>(i, "bic.tma_box").asArrayRef())
        t.box.push_back(s);
      t.fitRows = bool(fn.getArgAttr(i, "bic.tma_fit"));
      if (auto sw = fn.getArgAttrOfType<IntegerAttr>(i, "bic.tma_swizzle"))
        t.swizzle = sw.getInt();
      k.tma.push_back(t);
      continue;
    }
    if (!k.tma.empty()) {
      fn.emitError("a caller's parameter follows a hidden TMA parameter");
      return failure();
    }
    KernelParam p;
    auto n = fn.getArgAttrOfType<StringAttr>(i, kArgNameAttr);
    p.name = n ? n.getValue().str() : ("arg" + std::to_string(i));
    p.type = typeText(fn.getArgumentTypes()[i]);
    p.batch = bool(fn.getArgAttr(i, kBatchArgAttr));
    p.weight = bool(fn.getArgAttr(i, kWeightArgAttr));
    if (auto m = fn.getArgAttrOfType<IntegerAttr>(i, kMultipleOfArgAttr))
      p.multipleOf = m.getInt();
    k.params.push_back(p);
  }
  if (auto d = fn->getAttrOfType<DictionaryAttr>(kConstexprsAttr))
    for (auto na : d)
      k.constexprs.push_back(
          {na.getName().str(), cast<IntegerAttr>(na.getValue()).getInt()});
  if (auto d = fn->getAttrOfType<DictionaryAttr>(kDtypesAttr))
    for (auto na : d)
      k.dtypes.push_back(
          {na.getName().str(), cast<StringAttr>(na.getValue()).getValue().str()});
  auto sig = orderSignature(fn);
  if (failed(sig))
    return failure();
  k.orderSignature = *sig;
  k.orderHash = signatureHash(*sig);
  return k;
}

/// A `@weight` argument is read before the kernel waits for the previous
/// one (bic.wait_prior_grids): a kernel that writes through it, or through
/// a pointer that may have come from it, breaks that promise. "May have
/// come from" is closed over every op (results of an op with such an
/// operand), region arguments (loop-carried values, from the init or the
/// yielded value) and region results (from any yield), until nothing
/// changes: conservative, never a miss.
static LogicalResult checkWeightsAreNotWritten(ModuleOp module) {
  for (auto fn : module.getOps<func::FuncOp>()) {
    if (fn.isExternal())
      continue;
    llvm::DenseMap<Value, unsigned> from; // value -> a weight argument it may come from
    for (unsigned i = 0; i < fn.getNumArguments(); ++i)
      if (fn.getArgAttr(i, kWeightArgAttr))
        from[fn.getArgument(i)] = i;
    if (from.empty())
      continue;
    auto mark = [&](ValueRange vs, unsigned w, bool &changed) {
      for (Value v : vs)
        changed |= from.try_emplace(v, w).second;
    };
    for (bool changed = true; changed;) {
      changed = false;
      fn.walk([&](Operation *op) {
        for (Value v : op->getOperands()) {
          auto it = from.find(v);
          if (it == from.end())
            continue;
          unsigned w = it->second;
          mark(op->getResults(), w, changed);
          for (Region &r : op->getRegions())
            for (Block &blk : r)
              mark(blk.getArguments(), w, changed);
          // A terminator passes values to its parent's results and to the
          // arguments of the parent's regions (the next iteration).
          if (op->hasTrait<OpTrait::IsTerminator>())
            if (Operation *parent = op->getParentOp(); parent && parent != fn) {
              mark(parent->getResults(), w, changed);
              for (Region &r : parent->getRegions())
                for (Block &blk : r)
                  mark(blk.getArguments(), w, changed);
            }
          break;
        }
      });
    }
    WalkResult r = fn.walk([&](Operation *op) {
      auto mem = dyn_cast<MemoryEffectOpInterface>(op);
      SmallVector<MemoryEffects::EffectInstance> effects;
      if (mem)
        mem.getEffects(effects);
      for (auto &e : effects) {
        if (!isa<MemoryEffects::Write>(e.getEffect()) || !e.getValue())
          continue;
        auto it = from.find(e.getValue());
        if (it == from.end())
          continue;
        auto name = fn.getArgAttrOfType<StringAttr>(it->second, kArgNameAttr);
        op->emitError("writes through '")
            << (name ? name.getValue() : StringRef("?"))
            << "', which is marked @weight (no kernel writes it), or through a pointer "
               "that may come from it";
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (r.wasInterrupted())
      return failure();
  }
  return success();
}

llvm::Expected<CompileResult> bic::compile(llvm::StringRef source,
                                           llvm::StringRef filename,
                                           const CompileOptions &opts,
                                           Emit emit) {
  auto features = featuresForArch(opts.arch);
  if (!features)
    return features.takeError();
  if (opts.optLevel > 3)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "optimisation level must be 0-3");
  registerPipelinePasses();

  llvm::SourceMgr sm;
  // Without a UTF-8 byte order mark, so that columns on line 1 count
  // characters the editor shows.
  llvm::StringRef text = source;
  if (text.starts_with("\xEF\xBB\xBF"))
    text = text.drop_front(3);
  sm.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(text, filename), llvm::SMLoc());
  std::string diagText;
  llvm::raw_string_ostream diagOS(diagText);
  auto fail = [&]() -> llvm::Error {
    if (diagText.empty())
      diagText = (filename + ": error: compilation failed").str();
    return llvm::createStringError(llvm::inconvertibleErrorCode(), diagText);
  };

  auto ast = parseModule(sm.getMemoryBuffer(1)->getBuffer(),
                         [&](llvm::SMLoc l, const llvm::Twine &msg) {
                           sm.PrintMessage(diagOS, l, llvm::SourceMgr::DK_Error,
                                           msg);
                         });
  if (!ast)
    return fail();

  MLIRContext ctx(MLIRContext::Threading::DISABLED);
  setupContext(ctx);
  ctx.printOpOnDiagnostic(false);
  SourceMgrDiagnosticHandler handler(sm, &ctx, diagOS);
  // A diagnostic with no place in the source (a -D option, say) reads
  // "error: ...", not "<unknown>:0: error: ..." (handlers registered later
  // run first; the rest fall through to the source manager's).
  ctx.getDiagEngine().registerHandler([&](Diagnostic &d) -> LogicalResult {
    if (!isa<UnknownLoc>(d.getLocation()) || d.getSeverity() != DiagnosticSeverity::Error)
      return failure();
    diagOS << "error: " << d.str() << "\n";
    return success();
  });

  OwningOpRef<ModuleOp> module = mlirGen(ctx, sm, *ast, opts.defines, opts.typeDefines);
  if (!module || failed(verify(*module)))
    return fail();
  if (failed(checkWeightsAreNotWritten(*module)))
    return fail();
  // griddepcontrol is sm_90's.
  if (!llvm::StringRef(opts.arch).starts_with("sm_90"))
    for (auto fn : module->getOps<func::FuncOp>())
      if (fn->hasAttr(kOverlapAttr)) {
        fn.emitError("overlap needs sm_90 (griddepcontrol); compiling for ") << opts.arch;
        return fail();
      }
  // Warp specialisation splits a TMA pipeline, which only sm_90a has.
  if (opts.arch != "sm_90a")
    for (auto fn : module->getOps<func::FuncOp>())
      if (fn->hasAttr(kWarpSpecializeAttr)) {
        fn.emitError("warp_specialize needs the TMA pipeline of sm_90a; compiling for ")
            << opts.arch;
        return fail();
      }
  // Clusters share B by TMA multicast, on sm_90a's TMA pipeline.
  if (opts.arch != "sm_90a")
    for (auto fn : module->getOps<func::FuncOp>())
      if (clusterOf(fn) > 1) {
        fn.emitError("cluster needs the TMA pipeline of sm_90a; compiling for ") << opts.arch;
        return fail();
      }
  CompileResult result;
  if (emit == Emit::Bic) {
    result.text = print(*module);
    return result;
  }

  // Each stage dumps into its own numbered folder so no pass overwrites
  // another's IR.
  unsigned stage = 0;
  if (!opts.dumpDir.empty()) {
    std::error_code ec = llvm::sys::fs::create_directories(opts.dumpDir);
    if (!ec && !llvm::sys::fs::is_directory(opts.dumpDir))
      ec = std::make_error_code(std::errc::not_a_directory);
    if (ec) {
      diagOS << "cannot create --dump-ir directory '" << opts.dumpDir
             << "': " << ec.message() << "\n";
      return fail();
    }
  }
  auto run = [&](llvm::StringRef pipeline) -> LogicalResult {
    PassManager pm(&ctx, ModuleOp::getOperationName());
    if (!opts.dumpDir.empty())
      pm.enableIRPrintingToFileTree(
          [](Pass *, Operation *) { return false; },
          [](Pass *, Operation *) { return true; },
          /*printModuleScope=*/true, /*printAfterOnlyOnChange=*/false,
          /*printAfterOnlyOnFailure=*/false,
          opts.dumpDir + "/stage" + std::to_string(++stage));
    if (failed(parsePassPipeline(pipeline, pm, diagOS)))
      return failure();
    return pm.run(*module);
  };

  // On sm_90a, K loops over tensor descriptors take TMA + wgmma; all other
  // block accesses become masked loads and stores. Either way the dot's
  // order, and so the signature, is the same.
  std::string tma = opts.arch == "sm_90a" ? "bic-cluster-split,bic-tma-dots," : "";
  if (failed(run("canonicalize,cse,bic-check-batch-invariance,"
                 "bic-verify-reduction-order," + tma + "bic-expand-tiles,cse,"
                 "bic-assign-layouts,"
                 "bic-verify-reduction-order{require-resolved=true},"
                 "bic-vectorize-access,cse")))
    return fail();
  for (auto fn : module->getOps<func::FuncOp>()) {
    if (!fn->hasAttr(kKernelAttr))
      continue;
    auto info = kernelInfo(fn);
    if (failed(info))
      return fail();
    result.kernels.push_back(*info);
  }
  if (emit == Emit::Layout || emit == Emit::Order) {
    if (emit == Emit::Layout) {
      result.text = print(*module);
    } else {
      for (auto &k : result.kernels)
        result.text += k.orderSignature + k.name + " hash " + k.orderHash + "\n";
    }
    return result;
  }

  // Kernels built for overlapped launches (`overlap=1`, sm_90 only: checked
  // above) wait for the previous kernel on the stream before they touch
  // memory (griddepcontrol); the pass leaves every other kernel alone.
  if (failed(run("bic-pipeline-dots{arch=" + opts.arch +
                 "},bic-wait-prior-grids,bic-lower-to-gpu{arch=" + opts.arch +
                 "},canonicalize,cse")))
    return fail();
  for (auto gm : module->getOps<gpu::GPUModuleOp>())
    for (auto gf : gm.getOps<gpu::GPUFuncOp>())
      if (auto a = gf->getAttrOfType<IntegerAttr>("bic.dynamic_smem"))
        for (auto &k : result.kernels)
          if (k.name == gf.getName())
            k.dynamicSmem = a.getInt();
  if (emit == Emit::GPU) {
    result.text = print(*module);
    return result;
  }
  if (failed(run("gpu.module(convert-scf-to-cf,"
                 "convert-vector-to-llvm,expand-strided-metadata,"
                 "convert-arith-to-llvm,convert-index-to-llvm,"
                 "convert-gpu-to-nvvm{use-bare-ptr-memref-call-conv=1},"
                 "convert-nvvm-to-llvm,canonicalize,cse,"
                 "reconcile-unrealized-casts)")))
    return fail();
  // gpu.dynamic_shared_memory lowers to an internal 1-byte shared global;
  // make it the `.extern .shared` array that dynamic shared memory is, so
  // that ptxas places nothing in front of or over it.
  module->walk([&](LLVM::GlobalOp g) {
    if (g.getSymName().starts_with("__dynamic_shmem__")) {
      g.setLinkage(LLVM::Linkage::External);
      g.setAlignment(1024);
      g.removeValueAttr();
    }
  });
  // TMA descriptors are kernel parameters by value (128 bytes, 64-byte
  // aligned, grid-constant: CUDA's `__grid_constant__ const CUtensorMap`):
  // the copy engine reads them from the launch's parameter bank, so a
  // program's first copy does not wait for a descriptor to come from
  // global memory. The kernel takes each one's generic address (NVPTX:
  // `cvta.param`), which is all the copies and `prefetch.tensormap` use.
  // Done here, on the LLVM kernels, because the NVVM dialect accepts
  // `nvvm.grid_constant` only on arguments of an LLVM kernel function, not
  // on the gpu.func that bic-lower-to-gpu creates.
  for (auto &k : result.kernels) {
    if (k.tma.empty())
      continue;
    module->walk([&](LLVM::LLVMFuncOp f) {
      if (f.getName() != k.name || f.isExternal())
        return;
      auto generic = LLVM::LLVMPointerType::get(&ctx);
      auto bytes = LLVM::LLVMArrayType::get(IntegerType::get(&ctx, 8), 128);
      SmallVector<Type> types(f.getFunctionType().getParams());
      for (size_t i = k.params.size(); i < types.size(); ++i) {
        types[i] = generic;
        f.getBody().getArgument(i).setType(generic);
        f.setArgAttr(i, LLVM::LLVMDialect::getByValAttrName(), TypeAttr::get(bytes));
        f.setArgAttr(i, LLVM::LLVMDialect::getAlignAttrName(),
                     IntegerAttr::get(IntegerType::get(&ctx, 32), 64));
        f.setArgAttr(i, NVVM::NVVMDialect::getGridConstantAttrName(),
                     UnitAttr::get(&ctx));
      }
      f.setFunctionType(LLVM::LLVMFunctionType::get(
          f.getFunctionType().getReturnType(), types));
    });
  }
  if (emit == Emit::LLVM) {
    result.text = print(*module);
    return result;
  }
  std::string tail = "nvvm-attach-target{chip=" + opts.arch +
                     " features=" + *features +
                     " O=" + std::to_string(opts.optLevel) +
                     "},gpu-module-to-binary{format=isa}";
  if (failed(run(tail)))
    return fail();
  std::string ptx;
  for (auto bin : module->getOps<gpu::BinaryOp>())
    for (Attribute o : bin.getObjects())
      ptx += cast<gpu::ObjectAttr>(o).getObject().getValue().str();
  if (ptx.empty()) {
    diagOS << filename << ": error: no PTX was produced\n";
    return fail();
  }
  result.text = metadataHeader(result.kernels, opts.arch) + ptx;
  if (!opts.dumpDir.empty()) {
    std::error_code ec;
    llvm::raw_fd_ostream os(opts.dumpDir + "/kernel.ptx", ec);
    if (!ec)
      os << result.text;
  }
  return result;
}
