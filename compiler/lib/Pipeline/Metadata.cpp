//===- Metadata.cpp - kernel metadata carried in the PTX header ----------===//
#include "bic/Pipeline/Pipeline.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

using namespace bic;

llvm::StringRef bic::compilerVersion() { return BIC_VERSION; }

std::string bic::metadataHeader(const std::vector<KernelInfo> &kernels,
                                llvm::StringRef arch) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "// bic-version: " << compilerVersion() << "\n";
  os << "// bic-arch: " << arch << "\n";
  for (const auto &k : kernels) {
    os << "// bic-kernel: " << k.name << "\n";
    os << "// bic-threads: " << k.threads << "\n";
    if (k.dynamicSmem)
      os << "// bic-smem: " << k.dynamicSmem << "\n";
    // wait: touches memory only after the previous kernel on the stream
    // has finished, so a launch may overlap it (programmatic dependent launch).
    if (k.waitsPriorGrids)
      os << "// bic-grid-dependency: wait\n";
    // cluster: each program is a cluster of that many CTAs along x; a grid
    // of P programs launches P * cluster CTAs.
    if (k.cluster > 1)
      os << "// bic-cluster: " << k.cluster << "\n";
    for (const auto &p : k.params) {
      os << "// bic-param: " << p.name << " " << p.type;
      if (p.batch)
        os << " batch";
      if (p.multipleOf != 1)
        os << " multiple_of=" << p.multipleOf;
      if (p.weight)
        os << " weight";
      os << "\n";
    }
    for (const auto &t : k.tma) {
      os << "// bic-tma: base=" << t.base << " shape=";
      for (size_t i = 0; i < t.shape.size(); ++i)
        os << (i ? "," : "") << t.shape[i];
      os << " box=";
      for (size_t i = 0; i < t.box.size(); ++i)
        os << (i ? "," : "") << t.box[i];
      // rows=fit: the runtime narrows the box to the matrix's rows; the
      // kernel announces the bytes of the narrowed box (bic-pipeline-dots).
      // by=value: the descriptor itself is the (grid-constant) parameter.
      // swizzle=W: each box row is one W-byte swizzle row.
      os << " swizzle=" << t.swizzle << (t.fitRows ? " rows=fit" : "") << " by=value\n";
    }
    for (const auto &[n, v] : k.constexprs)
      os << "// bic-constexpr: " << n << "=" << v << "\n";
    for (const auto &[n, t] : k.dtypes)
      os << "// bic-dtype: " << n << "=" << t << "\n";
    os << "// bic-order-hash: " << k.orderHash << "\n";
    llvm::SmallVector<llvm::StringRef> lines;
    llvm::StringRef(k.orderSignature).split(lines, '\n', -1, false);
    for (auto l : lines)
      os << "// bic-order: " << l << "\n";
    os << "// bic-end\n";
  }
  return s;
}
