//===- JIT.cpp - run-time compilation with memory and disk caches ---------===//
#include "bic/jit/JIT.h"

#include "bic/Pipeline/Pipeline.h"
#include "bic/runtime/Metadata.h"

#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <sys/stat.h>
#include <system_error>
#include <thread>
#include <unistd.h>

using namespace bic;
using namespace bic::jit;

namespace {
uint64_t fnv1a(const std::string &s, uint64_t h = 1469598103934665603ull) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string hex(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", (unsigned long long)v);
  return buf;
}

std::string defaultCacheDir() {
  if (const char *d = std::getenv("BIC_CACHE_DIR"); d && *d)
    return d;
  if (const char *x = std::getenv("XDG_CACHE_HOME"); x && *x)
    return std::string(x) + "/bic";
  if (const char *h = std::getenv("HOME"); h && *h)
    return std::string(h) + "/.cache/bic";
  return "/tmp/bic-cache";
}

bool makeDirs(const std::string &path) {
  std::string cur;
  std::stringstream ss(path);
  std::string part;
  if (!path.empty() && path[0] == '/')
    cur = "/";
  while (std::getline(ss, part, '/')) {
    if (part.empty())
      continue;
    cur += part + "/";
    if (mkdir(cur.c_str(), 0755) != 0 && errno != EEXIST)
      return false;
  }
  return true;
}

constexpr const char *kMagic = "// bic-cache v1 ";

// Entry layout: "// bic-cache v1 KEY LENGTH CHECKSUM\n" followed by the PTX.
std::string entryHeader(const std::string &key, const std::string &ptx) {
  return kMagic + key + " " + std::to_string(ptx.size()) + " " + hex(fnv1a(ptx));
}
std::string encodeEntry(const std::string &key, const std::string &ptx) {
  return entryHeader(key, ptx) + "\n" + ptx;
}

enum class Read { Missing, Ok, Corrupt, Unreadable };
/// Reads the entry at `path`; for a corrupt or unreadable one, says why in
/// `why`.
Read decodeEntry(const std::string &path, const std::string &key, std::string &ptx,
                 std::string &why) {
  // Only a regular file of a plausible size is read: opening a FIFO would
  // wait for a writer, and a device file never ends.
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT)
      return Read::Missing;
    // There but not reachable (a symlink loop, a path through a file, a
    // directory we may not search): the caller says so, not "missing".
    why = std::generic_category().message(errno);
    return Read::Unreadable;
  }
  if (!S_ISREG(st.st_mode)) {
    why = S_ISDIR(st.st_mode) ? "a directory, not a file" : "not a regular file";
    return Read::Corrupt;
  }
  if (st.st_size > (off_t(256) << 20)) {
    why = "larger than 256 MB";
    return Read::Corrupt;
  }
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    why = errno ? std::generic_category().message(errno) : "cannot be opened";
    return Read::Unreadable;
  }
  std::string header;
  if (!std::getline(in, header) || header.rfind(kMagic + key + " ", 0) != 0) {
    why = "no bic-cache header for this key";
    return Read::Corrupt;
  }
  std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The header exactly as it would be written for this body (its length and
  // checksum), and a kernel header the runtime can read.
  if (header != entryHeader(key, body)) {
    why = "length or checksum does not match its header";
    return Read::Corrupt;
  }
  try {
    parseMetadata(body);
  } catch (const Error &e) {
    why = std::string("not a kernel the runtime can load: ") + e.what();
    return Read::Corrupt;
  }
  ptx = std::move(body);
  return Read::Ok;
}
} // namespace

struct Compiler::Impl {
  std::string dir;
  mutable std::mutex mu;
  std::condition_variable cv;
  std::map<std::string, std::string> memory;
  std::map<std::string, bool> inFlight; // key -> being compiled
  CacheStats stats;
};

Compiler::Compiler(std::string cacheDir) : impl_(std::make_unique<Impl>()) {
  impl_->dir = cacheDir.empty() ? defaultCacheDir() : cacheDir;
}
Compiler::~Compiler() = default;

const std::string &Compiler::cacheDir() const { return impl_->dir; }

CacheStats Compiler::stats() const {
  std::lock_guard<std::mutex> l(impl_->mu);
  return impl_->stats;
}

void Compiler::clearMemoryCache() {
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->memory.clear();
}

static std::string resolvedArch(const Options &o) {
  return o.arch == "auto" ? "sm_90a" : o.arch;
}

std::string Compiler::cacheKey(const std::string &source, const Options &opts) {
  std::string k = "bic " + compilerVersion().str() + "\narch " + resolvedArch(opts) +
                  "\nO " + std::to_string(opts.optLevel) + "\n";
  for (const auto &[n, v] : opts.defines)
    k += "D " + n + "=" + std::to_string(v) + "\n";
  for (const auto &[n, t] : opts.typeDefines)
    k += "T " + n + "=" + t + "\n";
  k += "src " + std::to_string(source.size()) + "\n" + source;
  // Two independent 64-bit hashes: 128 bits of key.
  return hex(fnv1a(k)) + hex(fnv1a(k, 0x84222325cbf29ce4ull));
}

std::string Compiler::compileToPTX(const std::string &source, const Options &opts,
                                   const std::string &filename) {
  std::string key = cacheKey(source, opts);
  Impl &im = *impl_;
  std::string dump = opts.dumpDir;
  if (dump.empty())
    if (const char *d = std::getenv("BIC_DUMP_IR"))
      dump = d;
  {
    std::unique_lock<std::mutex> l(im.mu);
    // Threads asking for a key that is being compiled wait for it.
    im.cv.wait(l, [&] { return !im.inFlight.count(key); });
    auto it = im.memory.find(key);
    if (it != im.memory.end() && dump.empty()) {
      ++im.stats.memoryHits;
      return it->second;
    }
    im.inFlight[key] = true;
  }
  struct Done {
    Impl &im;
    const std::string &key;
    ~Done() {
      std::lock_guard<std::mutex> l(im.mu);
      im.inFlight.erase(key);
      im.cv.notify_all();
    }
  } done{im, key};

  bool disk = im.dir != "none";
  std::string path = im.dir + "/" + key + ".ptx";
  std::string ptx;
  if (disk && dump.empty()) {
    std::string why;
    Read r = decodeEntry(path, key, ptx, why);
    if (r == Read::Ok) {
      std::lock_guard<std::mutex> l(im.mu);
      ++im.stats.diskHits;
      im.memory[key] = ptx;
      return ptx;
    }
    if (r == Read::Corrupt) {
      // Replaced below. remove() cannot delete a non-empty directory in its
      // place; the write below then reports the entry as not stored.
      std::remove(path.c_str());
      std::lock_guard<std::mutex> l(im.mu);
      ++im.stats.corruptEntries;
      im.stats.lastProblem = "corrupt cache entry '" + path + "' (" + why + "): recompiling";
    }
    if (r == Read::Unreadable) {
      // Not removed: it may be someone else's file. The write below replaces
      // it if it can, and reports it if not.
      std::lock_guard<std::mutex> l(im.mu);
      ++im.stats.unreadableEntries;
      im.stats.lastProblem = "cannot read cache entry '" + path + "' (" + why + "): recompiling";
    }
  }

  CompileOptions co;
  co.arch = resolvedArch(opts);
  co.defines = Defines(opts.defines.begin(), opts.defines.end());
  co.typeDefines = TypeDefines(opts.typeDefines.begin(), opts.typeDefines.end());
  co.optLevel = opts.optLevel;
  co.dumpDir = dump;
  auto res = compile(source, filename, co, Emit::PTX);
  if (!res)
    throw Error(llvm::toString(res.takeError()));
  ptx = std::move(res->text);

  // Only what the runtime can load goes to disk (the reader checks the same),
  // so an entry that does not parse is always corruption.
  bool loadable = true;
  try {
    parseMetadata(ptx);
  } catch (const Error &) {
    loadable = false;
  }
  auto reason = [] { return std::generic_category().message(errno); };
  std::string unstored;
  if (disk && loadable && !makeDirs(im.dir)) {
    unstored = "cannot create the cache directory '" + im.dir + "': " + reason();
  } else if (disk && loadable) {
    std::ostringstream tmp;
    tmp << path << ".tmp." << getpid() << "." << std::this_thread::get_id();
    bool written;
    {
      std::ofstream out(tmp.str(), std::ios::binary);
      out << encodeEntry(key, ptx);
      written = bool(out.flush());
    }
    // rename() is atomic: readers see the old entry, none, or the new one.
    if (!written) {
      unstored = "cannot write '" + tmp.str() + "': " + reason();
      std::remove(tmp.str().c_str());
    } else if (std::rename(tmp.str().c_str(), path.c_str()) != 0) {
      unstored = "cannot store cache entry '" + path + "': " + reason();
      std::remove(tmp.str().c_str());
    }
  }
  std::lock_guard<std::mutex> l(im.mu);
  if (!unstored.empty()) {
    ++im.stats.unstoredEntries;
    im.stats.lastProblem = unstored + "; compiled without the disk cache";
  }
  ++im.stats.misses;
  im.memory[key] = ptx;
  return ptx;
}

std::string Compiler::compileFileToPTX(const std::string &path, const Options &opts) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error("cannot read '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  return compileToPTX(ss.str(), opts, path);
}

std::string bic::jit::archForDevice(const Context &ctx) {
  // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR
  int major = ctx.attribute(75);
  if (major >= 9)
    return "sm_90a";
  if (major == 8)
    return "sm_80";
  throw Error("bic needs a GPU of compute capability 8.0 or newer (found " +
              std::to_string(major) + ".x)");
}

LoadedKernel Compiler::load(const Context &ctx, const std::string &source,
                            const std::string &name, const Options &opts,
                            const std::string &filename) {
  Options o = opts;
  if (o.arch == "auto")
    o.arch = archForDevice(ctx);
  std::string ptx = compileToPTX(source, o, filename);
  auto mod = std::make_unique<Module>(Module::fromPTX(ctx, ptx));
  Kernel k = mod->kernel(name);
  return LoadedKernel(std::move(mod), k, cacheKey(source, o));
}
