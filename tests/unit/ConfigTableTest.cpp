//===- ConfigTableTest.cpp - per-shape configuration tables, no GPU -------===//
#include "bic/runtime/ConfigTable.h"

#include <gtest/gtest.h>

using namespace bic;

namespace {
std::string errorOf(const std::string &text) {
  try {
    ConfigTable::parse(text, "t.txt");
  } catch (const Error &e) {
    return e.what();
  }
  return "";
}

const char *kTable = R"(# a comment
# columns: name arch max_M min_N BM BN BK num_warps num_stages [warp_specialize] [overlap]
few_ov   sm_90a  16   0     16  32  256  4  8  1  1
wide     sm_90a  64   8192  64  128 64   4  6
few      sm_90a  64   0     64  32  128  4  8  1
any      sm_90a  0    0     128 256 64   8  4
any80    sm_80   0    0     128 256 32   8  3
)";
} // namespace

TEST(ConfigTable, PicksTheFirstLineServingMNAndTheLaunchMode) {
  ConfigTable t = ConfigTable::parse(kTable, "t.txt");
  ASSERT_EQ(t.lines().size(), 5u);
  EXPECT_EQ(t.pick("sm_90a", 1, 4096).name, "few");
  EXPECT_EQ(t.pick("sm_90a", 1, 4096, /*overlap=*/true).name, "few_ov");
  EXPECT_EQ(t.pick("sm_90a", 17, 4096, true).name, "few");
  EXPECT_EQ(t.pick("sm_90a", 64, 14336).name, "wide");
  EXPECT_EQ(t.pick("sm_90a", 65, 14336).name, "any");
  EXPECT_EQ(t.pick("sm_80", 1, 4096).name, "any80");
  const ConfigLine &few = t.pick("sm_90a", 1, 4096);
  EXPECT_EQ(few.get("BM"), 64);
  EXPECT_EQ(few.get("warp_specialize"), 1);
  EXPECT_EQ(few.get("overlap", -1), -1); // (left out: not a define of the line)
  EXPECT_FALSE(few.overlapOnly);
  EXPECT_TRUE(t.pick("sm_90a", 1, 4096, true).overlapOnly);
  EXPECT_EQ(few.line, 5u);
  EXPECT_EQ(t.forArch("sm_80").size(), 1u);
}

TEST(ConfigTable, NoServingLineIsAnErrorNotAFallback) {
  ConfigTable t = ConfigTable::parse("x sm_90a 64 0 64 32 128 4 8\n", "t.txt");
  try {
    t.pick("sm_90a", 65, 4096);
    FAIL() << "no error";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("no line for sm_90a serves M = 65, N = 4096"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(t.pick("sm_80", 1, 4096), Error);
}

// N's column is a range: "LO" serves N >= LO, "LO-HI" serves LO <= N <= HI
// (both ends included); the header may call the column N or min_N.
TEST(ConfigTable, NRangesBoundNFromBothEnds) {
  ConfigTable t = ConfigTable::parse("# columns: name arch max_M N BM BN BK num_warps num_stages\n"
                                     "narrow sm_90a 64 0-2048    64 16  256 4 6\n"
                                     "mid    sm_90a 64 6144-8191 64 128 64  4 8\n"
                                     "wide   sm_90a 64 8192      64 128 64  4 6\n"
                                     "any    sm_90a 0  0         128 256 64 8 4\n",
                                     "t.txt");
  EXPECT_EQ(t.pick("sm_90a", 1, 1).name, "narrow");
  EXPECT_EQ(t.pick("sm_90a", 64, 2048).name, "narrow");
  EXPECT_EQ(t.pick("sm_90a", 64, 2049).name, "any");
  EXPECT_EQ(t.pick("sm_90a", 64, 4096).name, "any");
  EXPECT_EQ(t.pick("sm_90a", 64, 6143).name, "any");
  EXPECT_EQ(t.pick("sm_90a", 64, 6144).name, "mid");
  EXPECT_EQ(t.pick("sm_90a", 64, 8191).name, "mid");
  EXPECT_EQ(t.pick("sm_90a", 64, 8192).name, "wide");
  EXPECT_EQ(t.pick("sm_90a", 65, 1000).name, "any");
  const ConfigLine &mid = t.pick("sm_90a", 1, 7000);
  EXPECT_EQ(mid.minN, 6144);
  EXPECT_EQ(mid.maxN, 8191);
  EXPECT_EQ(t.pick("sm_90a", 1, 9000).maxN, 0);
  // The older header name still reads an old table.
  ConfigTable old = ConfigTable::parse("# columns: name arch max_M min_N BLOCK\nx sm_90a 0 0 4096\n",
                                       "t.txt");
  EXPECT_EQ(old.lines()[0].get("BLOCK"), 4096);
}

TEST(ConfigTable, CommentsAfterALineTabsAndCRLF) {
  ConfigTable t = ConfigTable::parse("x\tsm_90a 0 0 64 32 128 4 8   # the fast one\r\n"
                                     "y sm_80 0 0 64 32 128 4 8\r\n",
                                     "t.txt");
  ASSERT_EQ(t.lines().size(), 2u);
  EXPECT_EQ(t.lines()[0].get("num_stages"), 8);
  EXPECT_EQ(t.lines()[1].get("num_stages"), 8);
}

TEST(ConfigTable, CustomColumns) {
  ConfigTable t = ConfigTable::parse("# columns: name arch max_M min_N BLOCK num_warps\n"
                                     "small sm_90a 0 0 4096 4\n",
                                     "t.txt");
  EXPECT_EQ(t.lines()[0].get("BLOCK"), 4096);
  EXPECT_EQ(t.lines()[0].defines.size(), 2u);
}

TEST(ConfigTable, MalformedTablesNameFileLineAndProblem) {
  EXPECT_EQ(errorOf("x sm_90a 64 0 64 32 128 4\n"),
            "t.txt:1: line 'x' has 8 columns; expected 9 to 12 (name arch max_M N BM BN BK "
            "num_warps num_stages [warp_specialize] [overlap] [cluster])");
  EXPECT_EQ(errorOf("\n\nx sm_90a 64 0 64 32 12x 4 8\n"),
            "t.txt:3: line 'x': BK '12x' is not an integer");
  EXPECT_EQ(errorOf("x sm_75 64 0 64 32 128 4 8\n"),
            "t.txt:1: line 'x': unknown arch 'sm_75' (sm_80, sm_90 or sm_90a)");
  EXPECT_EQ(errorOf("x sm_90a -1 0 64 32 128 4 8\n"),
            "t.txt:1: line 'x': max_M '-1' is not a count (0: any M)");
  EXPECT_EQ(errorOf("x sm_90a 0 0 64 32 128 4 8\nx sm_80 0 0 64 32 128 4 8\n"),
            "t.txt:2: line 'x' is named twice");
  EXPECT_EQ(errorOf("x sm_90a 0 0 64 32 128 4 8\n# columns: name arch max_M min_N A\n"),
            "t.txt:2: '# columns:' must come once, before the first line");
  EXPECT_EQ(errorOf("# columns: name arch max_M min_N [A] B\n"),
            "t.txt:1: column 'B' follows an optional column: optional columns come last");
  EXPECT_EQ(errorOf("# columns: name arch M N A\n"),
            "t.txt:1: '# columns:' must start with 'name arch max_M N' and name at least "
            "one more column");
  EXPECT_EQ(errorOf("# columns: name arch max_M min_N\n"),
            "t.txt:1: '# columns:' must start with 'name arch max_M N' and name at least "
            "one more column");
  for (const char *n : {"-1", "1-", "-", "4096-1024", "0-0", "1-2-3", "a-9", "1e3"})
    EXPECT_EQ(errorOf(std::string("x sm_90a 0 ") + n + " 64 32 128 4 8\n"),
              std::string("t.txt:1: line 'x': N '") + n +
                  "' is not a range of N (LO: N >= LO; LO-HI: LO <= N <= HI)")
        << n;
  EXPECT_EQ(errorOf("x sm_90a 0 0 +64 32 128 4 8\n"),
            "t.txt:1: line 'x': BM '+64' is not an integer");
  EXPECT_EQ(errorOf("x sm_90a 0 0 1234567890123456789 32 128 4 8\n"),
            "t.txt:1: line 'x': BM '1234567890123456789' is not an integer");
  EXPECT_EQ(errorOf("x sm_90a 0 0 0 32 128 4 8\n"),
            "t.txt:1: line 'x': BM 0 out of range [1, 65536]");
  EXPECT_EQ(errorOf("x sm_90a 0 0 64 32 128 4 -1\n"),
            "t.txt:1: line 'x': num_stages -1 out of range [0, 24]");
  EXPECT_EQ(errorOf("x sm_90a 0 0 64 32 128 4 8 1 65\n"),
            "t.txt:1: line 'x': overlap 65 out of range [0, 1]");
  EXPECT_EQ(errorOf("x sm_90a 0 0 64 32 128 4 8 1 0 0\n"),
            "t.txt:1: line 'x': cluster 0 out of range [1, 8]");
  EXPECT_EQ(errorOf("any sm_90a 0 0 64 32 128 4 8\nsmall sm_90a 16 0 16 32 128 4 8\n"),
            "t.txt:2: line 'small' can never be picked: line 'any' (line 1) comes first and "
            "serves every launch it serves");
  EXPECT_EQ(errorOf("a sm_90a 64 0 64 32 128 4 8\nb sm_90a 32 4096 64 32 128 4 8 1 1\n"),
            "t.txt:2: line 'b' can never be picked: line 'a' (line 1) comes first and serves "
            "every launch it serves");
  // A range inside an earlier one is covered too; one reaching past it is not.
  EXPECT_EQ(errorOf("a sm_90a 64 0-4096 64 32 128 4 8\nb sm_90a 64 1024-2048 64 32 128 4 8\n"),
            "t.txt:2: line 'b' can never be picked: line 'a' (line 1) comes first and serves "
            "every launch it serves");
  EXPECT_EQ(errorOf("a sm_90a 64 0-4096 64 32 128 4 8\nb sm_90a 64 1024 64 32 128 4 8\n"
                    "c sm_90a 0 0 64 32 128 4 8\n"),
            "");
  EXPECT_EQ(errorOf("# only comments\n"), "t.txt: no configuration lines");
  EXPECT_THROW(ConfigTable::load("/nonexistent/table.txt"), Error);
}

TEST(ConfigTable, ShippedMatmulTableParses) {
  ConfigTable t = ConfigTable::load(std::string(BIC_KERNELS_SRC) + "/matmul_configs.txt");
  for (const char *arch : {"sm_80", "sm_90a"}) {
    ASSERT_FALSE(t.forArch(arch).empty()) << arch;
    // every arch ends with a catch-all: any M, any N, plain launches
    const ConfigLine &last = t.forArch(arch).back();
    EXPECT_EQ(last.maxM, 0) << arch;
    EXPECT_EQ(last.minN, 0) << arch;
    EXPECT_FALSE(last.overlapOnly) << arch;
    for (int64_t m : {1, 16, 64, 100, 1024, 8192})
      for (int64_t n : {1000, 4096, 14336})
        EXPECT_NO_THROW(t.pick(arch, m, n, true)) << arch << m << n;
  }
  EXPECT_EQ(t.pick("sm_90a", 1, 4096).name, "matmul_h64");
  EXPECT_EQ(t.pick("sm_90a", 1, 4096, true).name, "matmul_h16p");
  EXPECT_EQ(t.pick("sm_90a", 64, 14336).name, "matmul_hwide");
  EXPECT_EQ(t.pick("sm_90a", 8192, 4096).name, "matmul_hlarge");
  EXPECT_EQ(t.pick("sm_80", 1, 4096).name, "matmul_m16");
  EXPECT_TRUE(t.pick("sm_90a", 1, 4096, true).overlapOnly);
}
