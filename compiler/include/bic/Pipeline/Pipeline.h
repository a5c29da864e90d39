//===- Pipeline.h - from .bic source to PTX ---------------------*- C++ -*-===//
//
// The one place that owns the pass order. `compile` parses, generates the
// bic dialect, checks batch invariance and reduction orders, assigns layouts,
// lowers to the gpu/nvvm/llvm dialects and emits PTX through LLVM's NVPTX
// backend. Each compiled kernel carries metadata (launch shape, parameter
// list, order signature) as `// bic-...` comment lines at the top of the PTX,
// which the runtime reads back.
//
//===----------------------------------------------------------------------===//
#ifndef BIC_PIPELINE_PIPELINE_H
#define BIC_PIPELINE_PIPELINE_H

#include "bic/Frontend/MLIRGen.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace bic {

enum class Emit { Bic, Layout, GPU, LLVM, PTX, Order };

struct CompileOptions {
  std::string arch = "sm_90a"; ///< sm_80, sm_90 or sm_90a
  Defines defines;             ///< constexpr values and num_warps
  TypeDefines typeDefines;     ///< dtype parameters
  unsigned optLevel = 3;
  std::string dumpDir;         ///< if set: IR after every pass + PTX land here
};

struct KernelParam {
  std::string name;
  std::string type; ///< "ptr<bf16>", "i32", "f32", ...
  bool batch = false;
  int64_t multipleOf = 1;
  bool weight = false; ///< `@weight`: no kernel writes it
};

/// A hidden parameter the runtime fills: the TMA descriptor (CUtensorMap,
/// 128 bytes by value, grid-constant) of the row-major matrix at parameter `base`
/// with extents parameters `shape` (outermost first), copied in blocks of
/// `box` elements whose rows are one swizzle row of `swizzle` bytes (128;
/// 64 or 32 for a narrow block of B given as [K, N]). Hidden parameters
/// follow the user's, in this order.
struct TmaParam {
  unsigned base = 0;
  std::vector<unsigned> shape;
  std::vector<int64_t> box;
  /// The runtime may narrow the box to the matrix's rows (`rows=fit`).
  bool fitRows = false;
  /// Bytes of the swizzle (`swizzle=`): 128, 64 or 32.
  int64_t swizzle = 128;
};

struct KernelInfo {
  std::string name;
  unsigned threads = 0;
  std::vector<KernelParam> params; ///< the parameters a caller passes
  std::vector<TmaParam> tma;       ///< hidden parameters after them
  std::vector<std::pair<std::string, int64_t>> constexprs;
  std::vector<std::pair<std::string, std::string>> dtypes;
  int64_t dynamicSmem = 0;    ///< bytes of dynamic shared memory per program
  /// The kernel waits for the previous kernel on the stream before it
  /// touches memory (bic.wait_prior_grids, sm_90): it may be launched with
  /// programmatic dependent launch.
  bool waitsPriorGrids = false;
  /// CTAs per program (`cluster`): the runtime launches `cluster` times as
  /// many CTAs along x, in clusters of that many (`.reqnctapercluster`).
  unsigned cluster = 1;
  std::string orderSignature; ///< canonical text, one line per reduction
  std::string orderHash;      ///< 16 hex digits
};

struct CompileResult {
  std::string text; ///< IR, PTX (with metadata header) or signature text
  std::vector<KernelInfo> kernels;
};

/// Validates an arch name and returns the NVPTX features it compiles with.
llvm::Expected<std::string> featuresForArch(llvm::StringRef arch);

/// Compiles one source buffer. `filename` is used in diagnostics, which come
/// back in the error as `file:line:col: error: ...` with the line and caret.
llvm::Expected<CompileResult> compile(llvm::StringRef source,
                                      llvm::StringRef filename,
                                      const CompileOptions &opts, Emit emit);

/// The `// bic-...` metadata header for a set of kernels.
std::string metadataHeader(const std::vector<KernelInfo> &kernels,
                           llvm::StringRef arch);

struct AotSources {
  std::string header, source;
};

/// C++ header and source embedding `ptx` with one typed launcher class per
/// kernel, in namespace bic_aot::<name>; the header is included as
/// "<name>.h".
llvm::Expected<AotSources> aotSources(const std::string &ptx,
                                      const std::vector<KernelInfo> &kernels,
                                      llvm::StringRef name);

/// Version of the compiler, part of every cache key.
llvm::StringRef compilerVersion();

} // namespace bic

#endif // BIC_PIPELINE_PIPELINE_H
