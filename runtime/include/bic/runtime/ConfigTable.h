//===- ConfigTable.h - per-shape configurations of one kernel ---*- C++ -*-===//
//
// A kernel whose reduction order does not depend on its tile sizes, warps or
// stages may take different ones per shape; a table says which, one line per
// configuration (kernels_src/matmul_configs.txt):
//
//   # columns: name arch max_M N BM BN BK num_warps num_stages
//   #          [warp_specialize] [overlap]
//   matmul_h64n  sm_90a  64  0-2048  64 16 256  4 6  1
//   matmul_h64   sm_90a  64  0       64 32 128  4 8  1
//
// A line serves the M (the @batch extent) up to max_M (0: any M) and the N
// in its range ("LO": N >= LO; "LO-HI": LO <= N <= HI; the column was
// called min_N when it had no upper end, and may still be), on `arch`;
// pick() takes the first line that serves, so the table is ordered from
// the most specific line to a catch-all. Columns after N are constexpr
// parameters (and num_warps) the line compiles
// the kernel with; `[name]` columns may be left out (0). A line whose
// `overlap` column is 1 serves only launches that overlap the previous
// kernel (LaunchOptions::overlapPrevious). Without a `# columns:` line the
// columns are the matmul table's above.
//
// The table decides tiles, never order: bic::jit::TunedKernel compiles
// every line and refuses a table whose lines have different order
// signatures.
//
//===----------------------------------------------------------------------===//
#ifndef BIC_RUNTIME_CONFIGTABLE_H
#define BIC_RUNTIME_CONFIGTABLE_H

#include "bic/runtime/Driver.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace bic {

struct ConfigLine {
  std::string name, arch;
  int64_t maxM = 0; ///< serves M <= maxM; 0: any M
  int64_t minN = 0; ///< serves N >= minN
  int64_t maxN = 0; ///< and N <= maxN; 0: no upper end
  /// The line's constexpr parameters and num_warps, by column name.
  std::map<std::string, int64_t> defines;
  /// Serves only launches that overlap the previous kernel.
  bool overlapOnly = false;
  unsigned line = 0; ///< 1-based line of the table file

  bool serves(int64_t m, int64_t n, bool overlap) const {
    return (maxM == 0 || m <= maxM) && n >= minN && (maxN == 0 || n <= maxN) &&
           (overlap || !overlapOnly);
  }
  /// defines[key], or `otherwise` if the line has no such column.
  int64_t get(const std::string &key, int64_t otherwise = 0) const;
};

class ConfigTable {
public:
  /// Parses a table; throws bic::Error naming `filename:line` and the
  /// problem for a malformed one.
  static ConfigTable parse(const std::string &text, const std::string &filename = "<table>");
  /// Reads and parses a table file.
  static ConfigTable load(const std::string &path);

  const std::vector<ConfigLine> &lines() const { return lines_; }
  const std::string &filename() const { return filename_; }
  /// The lines for `arch`, in table order.
  std::vector<ConfigLine> forArch(const std::string &arch) const;
  /// The first line for `arch` that serves (m, n) for this kind of launch;
  /// throws bic::Error if none does.
  const ConfigLine &pick(const std::string &arch, int64_t m, int64_t n,
                         bool overlap = false) const;

private:
  std::string filename_;
  std::vector<ConfigLine> lines_;
};

} // namespace bic

#endif // BIC_RUNTIME_CONFIGTABLE_H
