//===- JitTest.cpp - run-time compilation and its cache, without a GPU ----===//
#include "bic/bic.h"
#include "bic/jit/JIT.h"
#include "bic/jit/TunedKernel.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <sys/stat.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace bic;
namespace fs = std::filesystem;

namespace {
const char *kSrc = R"(
@kernel
def scale(x: ptr[f32], y: ptr[f32], n: i32 @batch, a: f32, BLOCK: constexpr = 256):
    o = program_id(0) * BLOCK + arange(0, BLOCK)
    store(y + o, a * load(x + o, mask=o < n), mask=o < n)
)";

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/bic-jit-test-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
  std::vector<fs::path> files() const {
    std::vector<fs::path> v;
    for (auto &e : fs::directory_iterator(path))
      v.push_back(e.path());
    return v;
  }
};

/// A kernel source from kernels_src/.
std::string shippedSource(const std::string &name) {
  std::ifstream in(std::string(BIC_KERNELS_SRC) + "/" + name);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
} // namespace

TEST(Jit, CompilesToPtxWithHeader) {
  TempDir d;
  jit::Compiler c(d.path);
  std::string ptx = c.compileToPTX(kSrc, {});
  EXPECT_NE(ptx.find("// bic-kernel: scale"), std::string::npos);
  EXPECT_NE(ptx.find(".target sm_90a"), std::string::npos);
  jit::Options o;
  o.arch = "sm_80";
  EXPECT_NE(c.compileToPTX(kSrc, o).find(".target sm_80"), std::string::npos);
}

TEST(Jit, MemoryAndDiskHits) {
  TempDir d;
  std::string first;
  {
    jit::Compiler c(d.path);
    first = c.compileToPTX(kSrc, {});
    EXPECT_EQ(c.stats().misses, 1u);
    EXPECT_EQ(c.compileToPTX(kSrc, {}), first);
    EXPECT_EQ(c.stats().memoryHits, 1u);
  }
  ASSERT_EQ(d.files().size(), 1u) << "one entry, no temporary files left";
  jit::Compiler fresh(d.path);
  EXPECT_EQ(fresh.compileToPTX(kSrc, {}), first);
  EXPECT_EQ(fresh.stats().diskHits, 1u);
  EXPECT_EQ(fresh.stats().misses, 0u);
}

TEST(Jit, KeyCoversSourceOptionsAndArch) {
  jit::Options a, b, c;
  b.defines["BLOCK"] = 512;
  c.arch = "sm_80";
  std::string k = jit::Compiler::cacheKey(kSrc, a);
  EXPECT_EQ(k.size(), 32u);
  EXPECT_NE(k, jit::Compiler::cacheKey(kSrc, b));
  EXPECT_NE(k, jit::Compiler::cacheKey(kSrc, c));
  EXPECT_NE(k, jit::Compiler::cacheKey(std::string(kSrc) + "\n", a));
  EXPECT_EQ(k, jit::Compiler::cacheKey(kSrc, a));
}

// Compiles kSrc once into d's cache; its PTX, and the entry's path in `entry`.
static std::string compileIntoCache(const TempDir &d, fs::path &entry) {
  jit::Compiler c(d.path);
  std::string ptx = c.compileToPTX(kSrc, {});
  entry = d.files().at(0);
  return ptx;
}

TEST(Jit, CorruptAndTruncatedEntriesAreRecompiled) {
  TempDir d;
  fs::path entry;
  std::string good = compileIntoCache(d, entry);
  for (int variant = 0; variant < 3; ++variant) {
    {
      std::string bytes;
      std::ifstream in(entry, std::ios::binary);
      bytes.assign(std::istreambuf_iterator<char>(in), {});
      std::ofstream out(entry, std::ios::binary | std::ios::trunc);
      if (variant == 0)
        out << bytes.substr(0, bytes.size() / 2); // truncated
      else if (variant == 1)
        out << "garbage\n";                        // not an entry
      else {
        bytes[bytes.size() - 10] ^= 1;             // one flipped bit
        out << bytes;
      }
    }
    jit::Compiler c(d.path);
    EXPECT_EQ(c.compileToPTX(kSrc, {}), good) << "variant " << variant;
    EXPECT_EQ(c.stats().corruptEntries, 1u) << "variant " << variant;
    EXPECT_EQ(c.stats().misses, 1u);
    EXPECT_EQ(c.stats().lastProblem.rfind("corrupt cache entry '" + entry.string() + "' (", 0),
              0u)
        << c.stats().lastProblem;
    EXPECT_EQ(c.stats().unstoredEntries, 0u);
    jit::Compiler again(d.path);
    again.compileToPTX(kSrc, {});
    EXPECT_EQ(again.stats().diskHits, 1u) << "entry was rewritten";
  }
}

// An entry that exists but cannot be read (here a symlink to itself; a
// file without read permission is the same to a non-root user) is named
// in the stats, not taken for a missing one, and replaced by the fresh
// compile.
TEST(Jit, UnreadableEntryIsReportedAndReplaced) {
  TempDir d;
  fs::path entry;
  std::string good = compileIntoCache(d, entry);
  fs::remove(entry);
  fs::create_symlink(entry.filename(), entry);
  jit::Compiler c(d.path);
  EXPECT_EQ(c.compileToPTX(kSrc, {}), good);
  jit::CacheStats st = c.stats();
  EXPECT_EQ(st.misses, 1u);
  EXPECT_EQ(st.unreadableEntries, 1u);
  EXPECT_EQ(st.corruptEntries, 0u);
  EXPECT_EQ(st.unstoredEntries, 0u);
  EXPECT_EQ(st.lastProblem.rfind("cannot read cache entry '" + entry.string() + "' (", 0), 0u)
      << st.lastProblem;
  EXPECT_NE(st.lastProblem.find("symbolic links"), std::string::npos) << st.lastProblem;
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(entry))) << "entry was not replaced";
  jit::Compiler again(d.path);
  again.compileToPTX(kSrc, {});
  EXPECT_EQ(again.stats().diskHits, 1u);
  EXPECT_EQ(again.stats().lastProblem, "");
}

// A directory where an entry goes can be neither read, removed nor
// replaced: the kernel is compiled on every run, the directory is left
// alone, and the stats name the path and both problems.
TEST(Jit, DirectoryInPlaceOfAnEntryIsReportedAndRecompiled) {
  TempDir d;
  fs::path entry;
  std::string good = compileIntoCache(d, entry);
  fs::remove(entry);
  fs::create_directories(entry / "inside");
  for (int run = 0; run < 2; ++run) {
    jit::Compiler c(d.path);
    EXPECT_EQ(c.compileToPTX(kSrc, {}), good) << "run " << run;
    jit::CacheStats st = c.stats();
    EXPECT_EQ(st.misses, 1u);
    EXPECT_EQ(st.diskHits, 0u);
    EXPECT_EQ(st.corruptEntries, 1u);
    EXPECT_EQ(st.unstoredEntries, 1u);
    EXPECT_EQ(st.lastProblem.rfind("cannot store cache entry '" + entry.string() + "': ", 0), 0u)
        << st.lastProblem;
    EXPECT_NE(st.lastProblem.find("compiled without the disk cache"), std::string::npos)
        << st.lastProblem;
  }
  EXPECT_TRUE(fs::is_directory(entry / "inside"));
}

// Entries a checksum cannot catch: a FIFO (opening it would wait for a
// writer), an entry whose header and checksum agree with a body that is not
// a bic kernel, and a header with trailing fields. Each is recompiled.
TEST(Jit, EntriesThatAreNotKernelsAreRecompiled) {
  TempDir d;
  fs::path entry;
  std::string good = compileIntoCache(d, entry);
  std::string key = entry.stem().string();
  auto entryOf = [&](const std::string &body, const std::string &extra) {
    char sum[17];
    uint64_t h = 1469598103934665603ull;
    for (unsigned char ch : body) {
      h ^= ch;
      h *= 1099511628211ull;
    }
    std::snprintf(sum, sizeof sum, "%016llx", (unsigned long long)h);
    return "// bic-cache v1 " + key + " " + std::to_string(body.size()) + " " + sum + extra +
           "\n" + body;
  };
  for (int variant = 0; variant < 3; ++variant) {
    fs::remove(entry);
    if (variant == 0) {
      ASSERT_EQ(mkfifo(entry.c_str(), 0600), 0);
    } else {
      std::ofstream out(entry, std::ios::binary);
      out << (variant == 1 ? entryOf("garbage\n", "") : entryOf(good, " extra"));
    }
    jit::Compiler c(d.path);
    EXPECT_EQ(c.compileToPTX(kSrc, {}), good) << "variant " << variant;
    EXPECT_EQ(c.stats().corruptEntries, 1u) << "variant " << variant;
    jit::Compiler again(d.path);
    again.compileToPTX(kSrc, {});
    EXPECT_EQ(again.stats().diskHits, 1u) << "entry was rewritten, variant " << variant;
  }
}

// A kernel the runtime cannot load (an f16 scalar parameter) is compiled
// but never written to disk, so it is not mistaken for a corrupt entry.
TEST(Jit, KernelsTheRuntimeCannotLoadAreNotCachedOnDisk) {
  TempDir d;
  const char *src = "@kernel\ndef k(x: ptr[f16], s: f16):\n    store(x, s)\n";
  for (int i = 0; i < 2; ++i) {
    jit::Compiler c(d.path);
    EXPECT_NE(c.compileToPTX(src, {}).find("// bic-kernel: k"), std::string::npos);
    EXPECT_EQ(c.stats().corruptEntries, 0u);
    EXPECT_EQ(c.stats().misses, 1u);
  }
  EXPECT_TRUE(d.files().empty());
}

TEST(Jit, ConcurrentCompilesFromEightThreads) {
  TempDir d;
  jit::Compiler c(d.path);
  std::vector<std::string> out(8);
  std::vector<std::thread> ts;
  for (int i = 0; i < 8; ++i)
    ts.emplace_back([&, i] {
      jit::Options o;
      o.defines["BLOCK"] = (i % 2) ? 512 : 256;
      out[i] = c.compileToPTX(kSrc, o);
    });
  for (auto &t : ts)
    t.join();
  for (int i = 2; i < 8; ++i)
    EXPECT_EQ(out[i], out[i % 2]);
  EXPECT_NE(out[0], out[1]);
  EXPECT_EQ(c.stats().misses, 2u) << "each key compiled once";
  EXPECT_EQ(d.files().size(), 2u);
}

TEST(Jit, ConcurrentCompilesFromSeveralProcesses) {
  TempDir d;
  std::vector<pid_t> kids;
  for (int i = 0; i < 4; ++i) {
    pid_t p = fork();
    if (p == 0) {
      try {
        jit::Compiler c(d.path);
        std::string ptx = c.compileToPTX(kSrc, {});
        _exit(ptx.find("// bic-kernel: scale") == std::string::npos ? 1 : 0);
      } catch (...) {
        _exit(2);
      }
    }
    kids.push_back(p);
  }
  for (pid_t p : kids) {
    int status = 0;
    waitpid(p, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  ASSERT_EQ(d.files().size(), 1u);
  jit::Compiler c(d.path);
  c.compileToPTX(kSrc, {});
  EXPECT_EQ(c.stats().diskHits, 1u);
}

TEST(Jit, ClearErrors) {
  jit::Compiler c("none");
  try {
    c.compileToPTX("@kernel\ndef k(x: ptr[f32]):\n    y = x +\n", {}, "bad.bic");
    FAIL() << "expected an error";
  } catch (const Error &e) {
    std::string m = e.what();
    EXPECT_NE(m.find("bad.bic:3:"), std::string::npos) << m;
    EXPECT_NE(m.find("^"), std::string::npos) << m;
  }
  jit::Options o;
  o.arch = "sm_70";
  EXPECT_THROW(c.compileToPTX(kSrc, o), Error);
  o.arch = "auto";
  o.defines["NOT_A_PARAM"] = 1;
  EXPECT_THROW(c.compileToPTX(kSrc, o), Error);
}

TEST(Jit, DumpIrWritesEveryPassAndPtxEvenOnHit) {
  TempDir cache, dump;
  jit::Compiler c(cache.path);
  c.compileToPTX(kSrc, {});
  jit::Options o;
  o.dumpDir = dump.path;
  c.compileToPTX(kSrc, o); // a cache hit otherwise: still dumps
  EXPECT_TRUE(fs::exists(dump.path / "kernel.ptx"));
  size_t n = 0;
  for (auto &e : fs::recursive_directory_iterator(dump.path))
    n += e.path().extension() == ".mlir";
  EXPECT_GT(n, 10u) << "IR after every pass";
}

TEST(Jit, CApi) {
  bic_jit *j = nullptr;
  ASSERT_EQ(bic_jit_create("none", &j), 0);
  const char *defs[] = {"BLOCK=512"};
  char *ptx = nullptr;
  ASSERT_EQ(bic_jit_compile_ptx(j, kSrc, "k.bic", "sm_90a", defs, 1, &ptx), 0)
      << bic_last_error();
  EXPECT_NE(std::string(ptx).find("// bic-constexpr: BLOCK=512"), std::string::npos);
  bic_free(ptx);
  const char *bad[] = {"BLOCK"};
  EXPECT_EQ(bic_jit_compile_ptx(j, kSrc, "k.bic", nullptr, bad, 1, &ptx), -1);
  EXPECT_NE(std::string(bic_last_error()).find("NAME=INTEGER or NAME=TYPE"), std::string::npos);
  EXPECT_EQ(bic_jit_compile_ptx(j, "@kernel\ndef k(:\n", "k.bic", nullptr, nullptr, 0, &ptx), -1);
  EXPECT_NE(std::string(bic_last_error()).find("k.bic:3:1: error: unexpected end of file inside brackets"), std::string::npos);
  bic_jit_destroy(j);
}

// A per-shape table may change tiles, never the order: TunedKernel's check,
// without a GPU, on the shipped matmul table and on a table that changes
// the order.
TEST(TunedKernel, ShippedMatmulTableHasOneOrderPerArch) {
  jit::Compiler c("none");
  std::string src = shippedSource("matmul.bic");
  ConfigTable t = ConfigTable::load(std::string(BIC_KERNELS_SRC) + "/matmul_configs.txt");
  std::string h90 = jit::verifyTableOrder(c, src, "matmul", t, "sm_90a", {}, "matmul.bic");
  std::string h80 = jit::verifyTableOrder(c, src, "matmul", t, "sm_80", {}, "matmul.bic");
  EXPECT_EQ(h90, h80); // (the same order on either lowering)
  // B as [K, N] takes TMA on every line of the table (BN 32 or a multiple
  // of 64, BK up to 256), warp-specialised ones included; base defines
  // override the lines' columns.
  jit::Options kn;
  kn.defines = {{"B_NK", 0}};
  EXPECT_EQ(jit::verifyTableOrder(c, src, "matmul", t, "sm_90a", kn, "matmul.bic"), h90);
  kn.defines = {{"B_NK", 0}, {"warp_specialize", 0}};
  EXPECT_EQ(jit::verifyTableOrder(c, src, "matmul", t, "sm_90a", kn, "matmul.bic"), h90);
  // A line the compiler refuses is named: 8-column blocks of B as [K, N]
  // take no TMA, which a warp-specialised line needs.
  kn.defines = {{"B_NK", 0}, {"BN", 8}};
  try {
    jit::verifyTableOrder(c, src, "matmul", t, "sm_90a", kn, "matmul.bic");
    FAIL() << "no error";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("matmul_configs.txt:"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("warp_specialize needs"), std::string::npos)
        << e.what();
  }
}

// The tf32 tables (matmul_tf32_configs.txt, built with T=f32 and TF32=1;
// matmul_tf32rz_configs.txt with TF32=2): each one order on either arch,
// wgmma lines and mma.sync lines alike, and not the bf16 table's, the IEEE
// one's or each other's.
TEST(TunedKernel, ShippedTf32TableHasOneOrderPerArch) {
  jit::Compiler c("none");
  std::string src = shippedSource("matmul.bic");
  ConfigTable t = ConfigTable::load(std::string(BIC_KERNELS_SRC) + "/matmul_tf32_configs.txt");
  jit::Options tf32;
  tf32.typeDefines = {{"T", "f32"}};
  tf32.defines = {{"TF32", 1}};
  std::string h90 = jit::verifyTableOrder(c, src, "matmul", t, "sm_90a", tf32, "matmul.bic");
  std::string h80 = jit::verifyTableOrder(c, src, "matmul", t, "sm_80", tf32, "matmul.bic");
  EXPECT_EQ(h90, h80);
  ConfigTable bf16 = ConfigTable::load(std::string(BIC_KERNELS_SRC) + "/matmul_configs.txt");
  EXPECT_NE(h90, jit::verifyTableOrder(c, src, "matmul", bf16, "sm_90a", {}, "matmul.bic"));
  // Without TF32=1, f32 is IEEE: another order again, the IEEE table's
  // (matmul_f32_configs.txt) on either arch.
  jit::Options ieee;
  ieee.typeDefines = {{"T", "f32"}};
  ConfigTable f32 = ConfigTable::load(std::string(BIC_KERNELS_SRC) + "/matmul_f32_configs.txt");
  std::string hIeee = jit::verifyTableOrder(c, src, "matmul", f32, "sm_90a", ieee, "matmul.bic");
  EXPECT_NE(h90, hIeee);
  EXPECT_EQ(jit::verifyTableOrder(c, src, "matmul", f32, "sm_80", ieee, "matmul.bic"), hIeee);
  // The truncating table (TF32=2, warp-specialised lines on sm_90a): one
  // order on either arch, neither rna's nor IEEE's.
  ConfigTable rz = ConfigTable::load(std::string(BIC_KERNELS_SRC) + "/matmul_tf32rz_configs.txt");
  jit::Options tf32rz = tf32;
  tf32rz.defines = {{"TF32", 2}};
  std::string hRz = jit::verifyTableOrder(c, src, "matmul", rz, "sm_90a", tf32rz, "matmul.bic");
  EXPECT_EQ(hRz, jit::verifyTableOrder(c, src, "matmul", rz, "sm_80", tf32rz, "matmul.bic"));
  EXPECT_NE(hRz, h90);
  EXPECT_NE(hRz, hIeee);
}

// A line run by 2-CTA clusters (the `cluster` column) has the order of
// every other line; one the compiler cannot split is named with its line.
TEST(TunedKernel, ClusterLinesKeepTheOrder) {
  jit::Compiler c("none");
  std::string src = shippedSource("matmul.bic");
  const char *header = "# columns: name arch max_M min_N BM BN BK num_warps num_stages "
                       "[warp_specialize] [overlap] [cluster]\n";
  ConfigTable t = ConfigTable::parse(std::string(header) +
                                         "c2   sm_90a 2048 0 256 256 64 8 4 1 0 2\n"
                                         "big  sm_90a 0    0 128 256 64 8 4\n",
                                     "t.txt");
  EXPECT_EQ(t.lines()[0].get("cluster"), 2);
  ConfigTable shipped =
      ConfigTable::load(std::string(BIC_KERNELS_SRC) + "/matmul_configs.txt");
  EXPECT_EQ(jit::verifyTableOrder(c, src, "matmul", t, "sm_90a", {}, "matmul.bic"),
            jit::verifyTableOrder(c, src, "matmul", shipped, "sm_90a", {}, "matmul.bic"));
  ConfigTable unspecialised = ConfigTable::parse(
      std::string(header) + "c2 sm_90a 0 0 256 256 64 8 4 0 0 2\n", "t.txt");
  try {
    jit::verifyTableOrder(c, src, "matmul", unspecialised, "sm_90a", {}, "matmul.bic");
    FAIL() << "no error";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("t.txt:"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("cluster=2 needs warp_specialize=1"),
              std::string::npos)
        << e.what();
  }
}

TEST(TunedKernel, RefusesATableThatChangesTheOrder) {
  jit::Compiler c("none");
  std::string src;
  {
    std::ifstream in(std::string(BIC_KERNELS_SRC) + "/rmsnorm.bic");
    src.assign(std::istreambuf_iterator<char>(in), {});
  }
  // BLOCK is the extent of the row reduction: it changes the order.
  ConfigTable t = ConfigTable::parse("# columns: name arch max_M min_N BLOCK\n"
                                     "narrow sm_90a 64 0 4096\n"
                                     "wide   sm_90a 0  0 8192\n",
                                     "rms.txt");
  try {
    jit::verifyTableOrder(c, src, "rmsnorm", t, "sm_90a");
    FAIL() << "no error";
  } catch (const Error &e) {
    std::string w = e.what();
    EXPECT_NE(w.find("rms.txt: the sm_90a lines compile 'rmsnorm' to different reduction "
                     "orders"),
              std::string::npos)
        << w;
    EXPECT_NE(w.find("line 2 'narrow'"), std::string::npos) << w;
    EXPECT_NE(w.find("line 3 'wide'"), std::string::npos) << w;
    EXPECT_NE(w.find("extent=8192"), std::string::npos) << w;
  }
  // One line, or lines that agree, pass; a kernel the source lacks is named.
  ConfigTable one = ConfigTable::parse("# columns: name arch max_M min_N BLOCK\n"
                                       "a sm_90a 0 0 4096\n",
                                       "rms.txt");
  EXPECT_FALSE(jit::verifyTableOrder(c, src, "rmsnorm", one, "sm_90a").empty());
  EXPECT_THROW(jit::verifyTableOrder(c, src, "nosuch", one, "sm_90a"), Error);
  EXPECT_THROW(jit::verifyTableOrder(c, src, "rmsnorm", one, "sm_80"), Error);
}

// Tuning files: what formatTuning writes, parseTuning reads back; a
// malformed line is an error naming file:line and the column.
TEST(Tuning, FileRoundTripsAndNamesMalformedLines) {
  std::vector<jit::TunedPick> picks(2);
  picks[0].device = "NVIDIA H100 80GB HBM3";
  picks[0].arch = "sm_90a";
  picks[0].orderHash = "20213e57bb077d97";
  picks[0].m = 1024, picks[0].n = 1024, picks[0].k = 4096;
  picks[0].line = "matmul_h512";
  picks[0].us = 21.5;
  picks[1] = picks[0];
  picks[1].m = 7, picks[1].k = 0, picks[1].overlap = true, picks[1].line = "matmul_h16p";
  std::string text = jit::formatTuning(picks);
  std::vector<jit::TunedPick> back = jit::parseTuning(text, "t.txt");
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].device, "NVIDIA_H100_80GB_HBM3");
  EXPECT_EQ(back[0].arch, "sm_90a");
  EXPECT_EQ(back[0].orderHash, "20213e57bb077d97");
  EXPECT_EQ(back[0].m, 1024);
  EXPECT_EQ(back[0].k, 4096);
  EXPECT_FALSE(back[0].overlap);
  EXPECT_EQ(back[0].line, "matmul_h512");
  EXPECT_DOUBLE_EQ(back[0].us, 21.5);
  EXPECT_EQ(back[0].fileLine, 2u);
  EXPECT_EQ(back[1].m, 7);
  EXPECT_TRUE(back[1].overlap);
  EXPECT_EQ(back[1].line, "matmul_h16p");

  auto err = [](const std::string &t) {
    try {
      jit::parseTuning(t, "t.txt");
    } catch (const Error &e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string ok = "dev sm_90a h 8 16 0 0 line 1.5\n";
  EXPECT_EQ(jit::parseTuning("# c\n\n" + ok + "  # trailing\n").size(), 1u);
  EXPECT_NE(err("\n" + ok.substr(0, ok.size() - 5) + "\n").find("t.txt:2: expected 9 columns"),
            std::string::npos);
  EXPECT_NE(err("dev sm_90a h 0 16 0 0 line 1\n").find("t.txt:1: 'm' must be a positive integer, got '0'"),
            std::string::npos);
  EXPECT_NE(err("dev sm_90a h 8 1x 0 0 line 1\n").find("'n' must be a positive integer, got '1x'"),
            std::string::npos);
  EXPECT_NE(err("dev sm_90a h 8 16 -1 0 line 1\n").find("'k' must be a non-negative integer"),
            std::string::npos);
  EXPECT_NE(err("dev sm_90a h 8 16 99999999999999999999 0 line 1\n").find("'k' must be"),
            std::string::npos);
  EXPECT_NE(err("dev sm_90a h 8 16 0 2 line 1\n").find("'overlap' must be 0 or 1, got '2'"),
            std::string::npos);
  EXPECT_NE(err("dev sm_90a h 8 16 0 0 line fast\n").find("'us' must be a non-negative number"),
            std::string::npos);
  EXPECT_NE(err("dev sm_90a h 8 16 0 0 line nan\n").find("'us' must be"), std::string::npos);
}
