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
// A table is a guess made on a few shapes. tune() times every line on the
// launch at hand and keeps the fastest for that shape; saveTuning() and
// loadTuning() keep the picks across processes. Tuning cannot change a bit:
// it only chooses among lines the constructor proved to share one order.
//
//===----------------------------------------------------------------------===//
#ifndef BIC_JIT_TUNEDKERNEL_H
#define BIC_JIT_TUNEDKERNEL_H

#include "bic/jit/JIT.h"
#include "bic/runtime/ConfigTable.h"

#include <map>
#include <string>
#include <tuple>
#include <vector>

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

/// One tuned pick: on `device` (its name) and `arch`, for kernels of order
/// `orderHash`, the launch of extents (m, n, k) (k: 0 when the pick does not
/// depend on a third extent), plain or overlapped, runs fastest with table
/// line `line` (`us` microseconds when tuned).
struct TunedPick {
  std::string device, arch, orderHash;
  int64_t m = 0, n = 0, k = 0;
  bool overlap = false;
  std::string line;
  double us = 0;
  unsigned fileLine = 0; ///< where parseTuning() read it (1-based)
};

/// The text of a tuning file, one pick per line:
///   device arch order m n k overlap line us
/// (the device's name with '_' for spaces; `#` starts a comment).
std::string formatTuning(const std::vector<TunedPick> &picks);
/// Parses formatTuning()'s text; throws bic::Error naming `filename:line`
/// and the problem for a malformed line.
std::vector<TunedPick> parseTuning(const std::string &text,
                                   const std::string &filename = "<tuning>");

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
  /// The line serving (m, n) for a plain or an overlapped launch. If M's
  /// were tuned for (n, k) and this kind of launch, the pick of the
  /// smallest tuned M >= m (a tuned M serves the M's above the next smaller
  /// tuned one up to itself: tune M = 1, 16, 64, 256, ... for buckets);
  /// else, and for an m above every tuned M, the table's.
  const ConfigLine &pick(int64_t m, int64_t n, bool overlap = false, int64_t k = 0) const;
  /// The kernel of the table's line named `lineName` (throws for another).
  const Kernel &kernel(const std::string &lineName) const;
  /// The grid of a persistent tiled kernel over an m x n output for the
  /// line picked: one program per BM x BN tile (the line's compiled BM and
  /// BN), at most as many as run at once; its resident programs if it has
  /// no BM or BN.
  Grid persistentGrid(int64_t m, int64_t n, bool overlap = false, int64_t k = 0) const;
  /// Launches the line picked for (m, n) on persistentGrid(); `m`, `n` are
  /// the extents the table selects on (also passed in `args`). An
  /// overlapped launch (opts.overlapPrevious) of a shape whose line was not
  /// built to wait for the previous kernel (no `overlap` line serves it, as
  /// the matmul table's from M = 65) is launched plainly: same kernel order,
  /// it only starts after the previous kernel.
  /// `k` selects among tuned picks (see tune()).
  void launch(int64_t m, int64_t n, const std::vector<Arg> &args, CUstream stream = nullptr,
              LaunchOptions opts = {}, int64_t k = 0) const;
  /// As above, on an explicit grid (a kernel that is not persistent).
  void launch(int64_t m, int64_t n, Grid grid, const std::vector<Arg> &args,
              CUstream stream = nullptr, LaunchOptions opts = {}, int64_t k = 0) const;

  struct Timing {
    std::string line;
    double us; ///< median of its timed launches
  };
  /// Times the launch of extents (m, n) with `args` on every line of
  /// arch() that may serve it, whatever its M and N columns (for a plain
  /// launch, the lines not built only to overlap), each on its persistent
  /// grid: one warm-up, then `reps` timings, then `reps` more for the three
  /// fastest, interleaved. Each timing starts on inputs out of L2 and leaves
  /// out the host's part of a launch; an overlapped launch is timed as a
  /// chain of 4, each overlapping the one before. The line of the smallest
  /// median becomes the pick for (m, n, k) from then on; `k` is any further
  /// extent the best line depends on (a matmul's K; 0 if none) and must be
  /// given again to launch(). The launch must only write what it computes
  /// from its inputs (it runs many times). Returns the timings, fastest
  /// first. Synchronizes `stream`.
  std::vector<Timing> tune(int64_t m, int64_t n, const std::vector<Arg> &args,
                           CUstream stream = nullptr, bool overlap = false, int64_t k = 0,
                           int reps = 10);
  /// The picks tune() and loadTuning() made.
  std::vector<TunedPick> tunedPicks() const;
  /// Writes tunedPicks() to `path`, keeping the picks already there for
  /// other devices, orders and shapes (replaced whole, through a temporary
  /// file); throws bic::Error if it cannot, or if the file there is not a
  /// tuning file.
  void saveTuning(const std::string &path) const;
  /// Adds the picks of a tuning file made on this device's name and arch
  /// for this order hash; the others are skipped (counted in the result).
  /// Throws bic::Error, naming the file and line, for a malformed file or a
  /// pick naming no line of this table.
  size_t loadTuning(const std::string &path);
  /// Forgets every tuned pick: the table picks again.
  void clearTuning() { tuned_.clear(); }

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
  struct TunedKey {
    int64_t m, n, k;
    bool overlap;
    // By M last, so that the tuned M serving an M is a lower_bound.
    bool operator<(const TunedKey &o) const {
      return std::tie(n, k, overlap, m) < std::tie(o.n, o.k, o.overlap, o.m);
    }
  };
  /// Tuned picks: the index of the line in table_.lines(), and its time.
  std::map<TunedKey, std::pair<size_t, double>> tuned_;
  /// The index in table_.lines() of arch_'s line `name`; throws for none.
  size_t lineIndex(const std::string &name) const;
  Grid gridFor(const ConfigLine &line, int64_t m, int64_t n) const;
};

} // namespace bic::jit

#endif // BIC_JIT_TUNEDKERNEL_H
