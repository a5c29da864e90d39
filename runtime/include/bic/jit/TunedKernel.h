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

/// `jit` and `ctx` must outlive it. Every line's module is loaded (and its
/// resident programs counted) when it is constructed, so a launch compiles
/// and loads nothing (a launch may be captured in a CUDA graph).
class TunedKernel {
public:
  /// Verifies the table for the context's device (verifyTableOrder) and
  /// loads every line; `base` holds what every line shares (e.g. T, B_NK,
  /// HAS_BIAS; a define here overrides the table's column of that name).
  TunedKernel(Compiler &jit, const Context &ctx, std::string source, std::string name,
              ConfigTable table, Options base = {}, std::string filename = "<source>");
  TunedKernel(Compiler &, const Context &&, std::string, std::string, ConfigTable,
              Options = {}, std::string = {}) = delete; // (a temporary context)
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
  /// The kernel of the table's line named `lineName` (throws for another).
  const Kernel &kernel(const std::string &lineName) const;
  /// The grid of a persistent tiled kernel over an m x n output for the
  /// line picked: one program per BM x BN tile (the line's compiled BM and
  /// BN), at most as many as run at once; its resident programs if it has
  /// no BM or BN.
  Grid persistentGrid(int64_t m, int64_t n, bool overlap = false) const;
  /// Launches the line picked for (m, n) on persistentGrid(); `m`, `n` are
  /// the extents the table selects on (also passed in `args`). An
  /// overlapped launch (opts.overlapPrevious) of a shape whose line was not
  /// built to wait for the previous kernel (no `overlap` line serves it, as
  /// the matmul table's from M = 65) is launched plainly: same kernel order,
  /// it only starts after the previous kernel.
  void launch(int64_t m, int64_t n, const std::vector<Arg> &args, CUstream stream = nullptr,
              LaunchOptions opts = {}) const;
  /// As above, on an explicit grid (a kernel that is not persistent).
  void launch(int64_t m, int64_t n, Grid grid, const std::vector<Arg> &args,
              CUstream stream = nullptr, LaunchOptions opts = {}) const;

private:
  Compiler &jit_;
  const Context &ctx_;
  std::string source_, name_, filename_, arch_, hash_;
  ConfigTable table_;
  Options base_;
  struct Loaded {
    LoadedKernel kernel;
    int64_t bm, bn;    ///< as compiled (0: none)
    unsigned resident; ///< programs that run at once
  };
  std::map<std::string, Loaded> loaded_; ///< by line name, every line of arch_
};

} // namespace bic::jit

#endif // BIC_JIT_TUNEDKERNEL_H
