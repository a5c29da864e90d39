//===- JIT.h - compile bic kernels at run time, with a cache ----*- C++ -*-===//
//
//   bic::Context ctx(0);
//   bic::jit::Compiler jit;                       // BIC_CACHE_DIR or ~/.cache/bic
//   bic::jit::Options opts;
//   opts.defines["BLOCK"] = 8192;
//   bic::jit::LoadedKernel k = jit.load(ctx, source, "rmsnorm", opts);
//   k.kernel().launch(bic::Grid(rows), {...}, stream);
//
// Compiled PTX is cached in memory and on disk, keyed by the source, the
// options, the target architecture and the compiler version. Disk entries
// are written atomically (temporary file, then rename) and carry a checksum;
// a corrupt or truncated entry is detected, removed and recompiled. Safe for
// concurrent use from several threads and processes. Errors throw
// bic::Error with the compiler's diagnostics (`file:line:col` and a caret).
//
// Link `bic::compiler` (this pulls in LLVM/MLIR); programs that only load
// precompiled kernels link `bic::runtime` alone.
//
//===----------------------------------------------------------------------===//
#ifndef BIC_JIT_JIT_H
#define BIC_JIT_JIT_H

#include "bic/runtime/Runtime.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace bic::jit {

struct Options {
  /// "sm_80", "sm_90", "sm_90a", or "auto" (from the context's device when
  /// loading; sm_90a when only compiling).
  std::string arch = "auto";
  /// constexpr parameters and num_warps.
  std::map<std::string, int64_t> defines;
  /// dtype parameters (`T: dtype`): name -> "bf16", "f16", ...
  std::map<std::string, std::string> typeDefines;
  unsigned optLevel = 3;
  /// Write the IR after every pass and the PTX here, also on a cache hit
  /// (empty: the BIC_DUMP_IR environment variable, if set).
  std::string dumpDir;
};

struct CacheStats {
  uint64_t memoryHits = 0, diskHits = 0, misses = 0, corruptEntries = 0;
  /// Entries compiled but not stored: the cache directory or the entry's
  /// path could not be written (e.g. a directory sits where the entry
  /// goes). The kernel is still returned; only the disk cache is missed.
  uint64_t unstoredEntries = 0;
  /// Entries present but not readable (no permission, a symlink loop, a
  /// path through a file): compiled again, and replaced where the cache
  /// directory allows it.
  uint64_t unreadableEntries = 0;
  /// The last problem with the disk cache since this Compiler was made,
  /// naming the entry's path and what was wrong ("" if none): a corrupt or
  /// unreadable entry (recompiled) or one that could not be stored. It stays set once
  /// a later call succeeds.
  std::string lastProblem;
};

/// A module compiled (or found in the cache) and loaded, with its kernel.
class LoadedKernel {
public:
  const Kernel &kernel() const { return kernel_; }
  const Module &module() const { return *module_; }
  const std::string &cacheKey() const { return key_; }

private:
  friend class Compiler;
  LoadedKernel(std::unique_ptr<Module> m, Kernel k, std::string key)
      : module_(std::move(m)), kernel_(k), key_(std::move(key)) {}
  std::unique_ptr<Module> module_;
  Kernel kernel_;
  std::string key_;
};

class Compiler {
public:
  /// `cacheDir` empty: $BIC_CACHE_DIR, else $XDG_CACHE_HOME/bic, else
  /// ~/.cache/bic. Pass "none" to disable the disk cache.
  explicit Compiler(std::string cacheDir = {});
  ~Compiler();
  Compiler(const Compiler &) = delete;
  Compiler &operator=(const Compiler &) = delete;

  /// Compiles `source` (named `filename` in diagnostics) to PTX with its
  /// bic metadata header. `opts.arch == "auto"` means sm_90a.
  std::string compileToPTX(const std::string &source, const Options &opts,
                           const std::string &filename = "<source>");
  /// As compileToPTX, reading the source from a file.
  std::string compileFileToPTX(const std::string &path, const Options &opts);
  /// Compiles for the context's device and loads kernel `name`.
  LoadedKernel load(const Context &ctx, const std::string &source,
                    const std::string &name, const Options &opts,
                    const std::string &filename = "<source>");

  /// The cache key for these inputs (hex), as used in memory and on disk.
  static std::string cacheKey(const std::string &source, const Options &opts);
  const std::string &cacheDir() const;
  CacheStats stats() const;
  /// Drops the in-memory cache (the disk cache stays).
  void clearMemoryCache();

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// "sm_90a" for compute capability 9.x, "sm_80" for 8.x; throws otherwise.
std::string archForDevice(const Context &ctx);

} // namespace bic::jit

#endif // BIC_JIT_JIT_H
