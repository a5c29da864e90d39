//===- TunedKernel.h - one kernel, per-shape configurations, one order -*- C++ -*-===//
//
//   bic::jit::Compiler jit;
//   auto table = bic::ConfigTable::load("kernels_src/matmul_configs.txt");
//   bic::jit::TunedKernel mm(jit, ctx, source, "matmul", table);  // checks the order
//   mm.launch(M, N, {a, b, c, bias, M, N, K}, stream);            // picks, compiles once
//
// The table may choose tiles, warps and stages per shape because none of
// them changes a reduction's order; the constructor proves it for this
// source: it compiles every line of the table for the device's arch (the
// JIT cache keeps them) and refuses the table, with an error naming the
// lines and their order signatures, if any two lines differ. So whatever
// line a launch picks for its M, every row of the result has the bits it
// would have with any other M.
//
//===----------------------------------------------------------------------===//
#ifndef BIC_JIT_TUNEDKERNEL_H
#define BIC_JIT_TUNEDKERNEL_H

#include "bic/jit/JIT.h"
#include "bic/runtime/ConfigTable.h"

#include <map>
#include <mutex>
#include <string>

namespace bic::jit {

/// Compiles kernel `name` of `source` with every line of `table` for
/// `arch` (line columns as defines, then `base`'s defines over them) and
/// returns the order hash they share; throws bic::Error naming the lines
/// and their signatures if they do not share one, or if the table has no
/// line for `arch`.
std::string verifyTableOrder(Compiler &jit, const std::string &source, const std::string &name,
                             const ConfigTable &table, const std::string &arch,
                             const Options &base = {}, const std::string &filename = "<source>");

/// The options a table line compiles with: `base`, the line's columns as
/// defines (a define `base` also sets keeps base's value) and `arch`.
Options optionsForLine(const ConfigLine &line, const Options &base, const std::string &arch);

class TunedKernel {
public:
  /// Verifies the table for the context's device (verifyTableOrder);
  /// `base` holds what every line shares (e.g. T, B_NK, HAS_BIAS; a define
  /// here overrides the table's column of that name).
  TunedKernel(Compiler &jit, const Context &ctx, std::string source, std::string name,
              ConfigTable table, Options base = {}, std::string filename = "<source>");
  /// As above, reading the source and the table from files.
  static TunedKernel fromFiles(Compiler &jit, const Context &ctx, const std::string &sourcePath,
                               const std::string &name, const std::string &tablePath,
                               Options base = {});

  const std::string &arch() const { return arch_; }
  /// The order hash every line compiles to.
  const std::string &orderHash() const { return hash_; }
  const ConfigTable &table() const { return table_; }
  /// The line serving (m, n) for a plain or an overlapped launch.
  const ConfigLine &pick(int64_t m, int64_t n, bool overlap = false) const {
    return table_.pick(arch_, m, n, overlap);
  }
  /// The line's kernel, compiled (or found in the cache) and loaded once,
  /// demanding the table's order hash.
  const Kernel &kernel(const ConfigLine &line);
  /// Launches the line picked for (m, n) on persistentGrid(); `m`, `n` are
  /// the extents the table selects on (also passed in `args`).
  void launch(int64_t m, int64_t n, const std::vector<Arg> &args, CUstream stream = nullptr,
              LaunchOptions opts = {});
  /// As above, on an explicit grid (a kernel that is not persistent).
  void launch(int64_t m, int64_t n, Grid grid, const std::vector<Arg> &args,
              CUstream stream = nullptr, LaunchOptions opts = {});

private:
  Compiler &jit_;
  const Context &ctx_;
  std::string source_, name_, filename_, arch_, hash_;
  ConfigTable table_;
  Options base_;
  std::mutex mu_;
  std::map<std::string, LoadedKernel> loaded_;
};

} // namespace bic::jit

#endif // BIC_JIT_TUNEDKERNEL_H
