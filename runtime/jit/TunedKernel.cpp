//===- TunedKernel.cpp - one kernel, per-shape configurations, one order --===//
#include "bic/jit/TunedKernel.h"

#include "bic/runtime/Metadata.h"

#include <algorithm>
#include <fstream>
#include <sstream>

using namespace bic;
using namespace bic::jit;

namespace {
std::string readFile(const std::string &path, const char *what) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error(std::string("cannot read ") + what + " '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const KernelMeta &kernelIn(const ModuleMeta &m, const std::string &name,
                           const std::string &where) {
  for (const KernelMeta &k : m.kernels)
    if (k.name == name)
      return k;
  throw Error(where + ": the source has no kernel '" + name + "'");
}
} // namespace

Options bic::jit::optionsForLine(const ConfigLine &line, const Options &base,
                                 const std::string &arch) {
  Options o = base;
  o.arch = arch;
  for (const auto &[k, v] : line.defines)
    o.defines.emplace(k, v); // (keeps base's value where it has one)
  return o;
}

std::string bic::jit::verifyTableOrder(Compiler &jit, const std::string &source,
                                       const std::string &name, const ConfigTable &table,
                                       const std::string &arch, const Options &base,
                                       const std::string &filename) {
  std::vector<ConfigLine> lines = table.forArch(arch);
  if (lines.empty())
    throw Error(table.filename() + ": no line for " + arch);
  struct Seen {
    const ConfigLine *line;
    std::string hash, signature;
  };
  std::vector<Seen> seen;
  for (const ConfigLine &l : lines) {
    std::string where = table.filename() + ":" + std::to_string(l.line) + " ('" + l.name + "')";
    std::string ptx;
    try {
      ptx = jit.compileToPTX(source, optionsForLine(l, base, arch), filename);
    } catch (const Error &e) {
      throw Error(where + ": " + e.what());
    }
    ModuleMeta meta = parseMetadata(ptx);
    const KernelMeta &k = kernelIn(meta, name, where);
    seen.push_back({&l, k.orderHash, k.orderSignature});
  }
  for (const Seen &s : seen)
    if (s.hash != seen.front().hash) {
      auto describe = [&](const Seen &x) {
        return "  line " + std::to_string(x.line->line) + " '" + x.line->name + "': hash " +
               x.hash + "\n    " + x.signature + "\n";
      };
      throw Error(table.filename() + ": the " + arch + " lines compile '" + name +
                  "' to different reduction orders, so the result would depend on the "
                  "shape that picks a line (a table may change tiles, never the order):\n" +
                  describe(seen.front()) + describe(s));
    }
  return seen.front().hash;
}

TunedKernel::TunedKernel(Compiler &jit, const Context &ctx, std::string source,
                         std::string name, ConfigTable table, Options base,
                         std::string filename)
    : jit_(jit), ctx_(ctx), source_(std::move(source)), name_(std::move(name)),
      filename_(std::move(filename)), table_(std::move(table)), base_(std::move(base)) {
  arch_ = base_.arch == "auto" ? archForDevice(ctx_) : base_.arch;
  hash_ = verifyTableOrder(jit_, source_, name_, table_, arch_, base_, filename_);
  for (const ConfigLine &line : table_.forArch(arch_)) {
    Options o = optionsForLine(line, base_, arch_);
    LoadedKernel k = jit_.load(ctx_, source_, name_, o, filename_);
    if (k.kernel().meta().orderHash != hash_) // (the cache returned other PTX)
      throw Error(table_.filename() + ":" + std::to_string(line.line) + " ('" + line.name +
                  "'): kernel order hash " + k.kernel().meta().orderHash +
                  " is not the table's " + hash_);
    auto def = [&](const char *key) {
      auto it = o.defines.find(key);
      return it == o.defines.end() ? int64_t(0) : it->second;
    };
    unsigned resident = std::max(1u, k.kernel().residentPrograms());
    loaded_.emplace(line.name, Loaded{std::move(k), def("BM"), def("BN"), resident});
  }
}

TunedKernel TunedKernel::fromFiles(Compiler &jit, const Context &ctx,
                                   const std::string &sourcePath, const std::string &name,
                                   const std::string &tablePath, Options base) {
  return TunedKernel(jit, ctx, readFile(sourcePath, "kernel source"), name,
                     ConfigTable::load(tablePath), std::move(base), sourcePath);
}

const Kernel &TunedKernel::kernel(const std::string &lineName) const {
  auto it = loaded_.find(lineName);
  if (it == loaded_.end())
    throw Error(table_.filename() + ": no " + arch_ + " line named '" + lineName + "'");
  return it->second.kernel.kernel();
}

const ConfigLine &TunedKernel::pick(int64_t m, int64_t n, bool overlap, int64_t k) const {
  auto it = tuned_.lower_bound(TunedKey{m, n, k, overlap});
  if (it != tuned_.end() && it->first.n == n && it->first.k == k &&
      it->first.overlap == overlap)
    return table_.lines()[it->second.first];
  return table_.pick(arch_, m, n, overlap);
}

Grid TunedKernel::gridFor(const ConfigLine &line, int64_t m, int64_t n) const {
  const Loaded &l = loaded_.at(line.name);
  if (l.bm <= 0 || l.bn <= 0 || m <= 0 || n <= 0)
    return Grid(l.resident);
  int64_t tiles = ((m + l.bm - 1) / l.bm) * ((n + l.bn - 1) / l.bn);
  return Grid(unsigned(std::max<int64_t>(1, std::min<int64_t>(tiles, l.resident))));
}

Grid TunedKernel::persistentGrid(int64_t m, int64_t n, bool overlap, int64_t k) const {
  return gridFor(pick(m, n, overlap, k), m, n);
}

void TunedKernel::launch(int64_t m, int64_t n, const std::vector<Arg> &args, CUstream stream,
                         LaunchOptions opts, int64_t k) const {
  launch(m, n, persistentGrid(m, n, opts.overlapPrevious, k), args, stream, opts, k);
}

void TunedKernel::launch(int64_t m, int64_t n, Grid grid, const std::vector<Arg> &args,
                         CUstream stream, LaunchOptions opts, int64_t k) const {
  const Kernel &kk = kernel(pick(m, n, opts.overlapPrevious, k).name);
  if (!kk.meta().waitsPriorGrids)
    opts.overlapPrevious = false;
  kk.launch(grid, args, stream, opts);
}
