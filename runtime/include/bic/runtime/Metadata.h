//===- Metadata.h - kernel signatures read from `// bic-` headers -*- C++ -*-===//
//
// `bic compile` writes each kernel's launch shape, parameter list and order
// signature as comment lines at the top of the PTX; the driver ignores them
// and the runtime reads them back with parseMetadata.
//
//===----------------------------------------------------------------------===//
#ifndef BIC_RUNTIME_METADATA_H
#define BIC_RUNTIME_METADATA_H

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace bic {

struct ParamMeta {
  std::string name;
  std::string type; ///< "ptr<bf16>", "i32", "i64", "f32"
  bool batch = false;
  int64_t multipleOf = 1;
  bool weight = false; ///< `@weight`: the kernel may read it before the previous kernel ends
  bool isPointer() const { return type.rfind("ptr<", 0) == 0; }
};

/// A hidden parameter the runtime fills with the TMA descriptor (a
/// CUtensorMap, passed by value) of the row-major matrix at parameter
/// `base`, whose extents are parameters `shape` (outermost first), copied
/// in `box` blocks whose rows are one swizzle row of `swizzle` bytes.
struct TmaMeta {
  unsigned base = 0;
  std::vector<unsigned> shape;
  std::vector<unsigned> box;
  /// `rows=fit`: the box's rows are min(box rows, the matrix's rows), and
  /// the kernel expects that many bytes per box.
  bool fitRows = false;
  /// `swizzle=W`: the shared-memory swizzle, 128, 64 or 32 bytes; a box
  /// row is W bytes.
  unsigned swizzle = 128;

  /// Rows of the box encoded for a matrix of `rows` rows.
  unsigned boxRowsFor(uint64_t rows) const {
    return fitRows && rows < box[0] ? unsigned(rows) : box[0];
  }
};

struct KernelMeta {
  std::string name;
  unsigned threads = 0;
  unsigned dynamicSmem = 0; ///< bytes of dynamic shared memory per program
  /// `bic-grid-dependency: wait`: the kernel waits for the previous kernel on
  /// the stream before it touches memory (other than `@weight` arguments),
  /// so it may be launched to overlap that kernel (LaunchOptions::overlapPrevious).
  bool waitsPriorGrids = false;
  /// `bic-cluster: n`: each program is a cluster of n CTAs along x (the
  /// kernel requires it, `.reqnctapercluster`); a grid of P programs along
  /// x launches n P CTAs.
  unsigned cluster = 1;
  std::vector<ParamMeta> params; ///< what a caller passes
  std::vector<TmaMeta> tma;      ///< hidden parameters after them
  std::vector<std::pair<std::string, int64_t>> constexprs;
  std::vector<std::pair<std::string, std::string>> dtypes;
  std::string orderHash;
  std::string orderSignature; ///< one line per reduction, '\n'-separated
};

struct ModuleMeta {
  std::string version, arch;
  std::vector<KernelMeta> kernels;
};

/// Parses the header; throws bic::Error on a malformed or missing header.
ModuleMeta parseMetadata(const std::string &ptx);

} // namespace bic

#endif // BIC_RUNTIME_METADATA_H
