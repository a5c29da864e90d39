//===- MetadataTest.cpp - reading kernel headers back ---------------------===//
#include "bic/runtime/Metadata.h"
#include "bic/runtime/Driver.h"

#include <gtest/gtest.h>

using namespace bic;

static const char *kHeader = "// bic-version: 0.1.0\n"
                             "// bic-arch: sm_90a\n"
                             "// bic-kernel: rmsnorm\n"
                             "// bic-threads: 256\n"
                             "// bic-smem: 61440\n"
                             "// bic-param: x ptr<bf16>\n"
                             "// bic-param: n i32 batch\n"
                             "// bic-param: s i64 multiple_of=8\n"
                             "// bic-param: eps f32\n"
                             "// bic-constexpr: BLOCK=8192\n"
                             "// bic-order-hash: 0123456789abcdef\n"
                             "// bic-order: rmsnorm #0 reduce sum f32\n"
                             "// bic-end\n"
                             "//\n.version 8.0\n";

TEST(Metadata, ParsesHeader) {
  ModuleMeta m = parseMetadata(kHeader);
  EXPECT_EQ(m.arch, "sm_90a");
  ASSERT_EQ(m.kernels.size(), 1u);
  const KernelMeta &k = m.kernels[0];
  EXPECT_EQ(k.threads, 256u);
  EXPECT_EQ(k.dynamicSmem, 61440u);
  ASSERT_EQ(k.params.size(), 4u);
  EXPECT_TRUE(k.params[0].isPointer());
  EXPECT_TRUE(k.params[1].batch);
  EXPECT_EQ(k.params[2].multipleOf, 8);
  EXPECT_EQ(k.constexprs[0].second, 8192);
  EXPECT_EQ(k.orderHash, "0123456789abcdef");
  EXPECT_EQ(k.orderSignature, "rmsnorm #0 reduce sum f32\n");
}

TEST(Metadata, RejectsMissingHeader) {
  try {
    parseMetadata(".version 8.0\n.target sm_90a\n");
    FAIL() << "expected an error";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("not a bic kernel"), std::string::npos);
  }
}

TEST(Metadata, RejectsTruncatedHeader) {
  std::string h = kHeader;
  h = h.substr(0, h.find("// bic-end"));
  EXPECT_THROW(parseMetadata(h), Error);
}

// Numbers that do not fit their field, values out of range, names and
// lines given twice: errors, never wrapped or silently kept.
TEST(Metadata, RejectsValuesOutOfRangeAndRepeats) {
  struct Case {
    const char *from, *to, *error; // `error`: "accepted" where the header is valid
  };
  const Case cases[] = {
      {"threads: 256", "threads: 4294967297",
       "malformed bic kernel header, line 4: thread count 4294967297 out of range [1, 1024]"},
      {"threads: 256", "threads: -128",
       "malformed bic kernel header, line 4: thread count -128 out of range [1, 1024]"},
      {"threads: 256", "threads: +32",
       "malformed bic kernel header, line 4: bad thread count '+32'"},
      {"smem: 61440", "smem: 4294967296",
       "malformed bic kernel header, line 5: shared-memory size 4294967296 out of range [0, "
       "4294967295]"},
      {"multiple_of=8", "multiple_of=9223372036854775808",
       "malformed bic kernel header, line 8: multiple_of 9223372036854775808 out of range [1, "
       "9223372036854775807]"},
      // What the compiler may write: 19-digit values and negative constexprs.
      {"multiple_of=8", "multiple_of=1000000000000000000", "accepted"},
      {"BLOCK=8192", "BLOCK=-1000000000000000000", "accepted"},
      {"multiple_of=8", "multiple_of=x",
       "malformed bic kernel header, line 8: bad multiple_of 'x'"},
      {"multiple_of=8", "multiple_of=0",
       "malformed bic kernel header, line 8: multiple_of 0 out of range [1, 9223372036854775807]"},
      {"BLOCK=8192", "BLOCK=12abc",
       "malformed bic kernel header, line 10: bad bic-constexpr value '12abc'"},
      {"0123456789abcdef", "xyz",
       "malformed bic kernel header, line 11: bad order hash 'xyz' (16 hexadecimal digits)"},
      {"x ptr<bf16>", "x ptr<zzz>",
       "malformed bic kernel header, line 6: unsupported parameter type 'ptr<zzz>'"},
      {"x ptr<bf16>", "x ptr<bf16> multiple_of=16",
       "malformed bic kernel header, line 6: parameter 'x': multiple_of on a pointer"},
      {"eps f32", "x f32", "malformed bic kernel header, line 9: parameter 'x' described twice"},
      {"// bic-smem: 61440\n", "// bic-threads: 128\n",
       "malformed bic kernel header, line 5: bic-threads given twice"},
      {"// bic-end\n", "// bic-kernel: other\n",
       "malformed bic kernel header, line 13: kernel 'rmsnorm' is not closed by '// bic-end' "
       "before kernel 'other'"},
      {"// bic-end\n", "// bic-end\n// bic-kernel: rmsnorm\n// bic-threads: 32\n// bic-end\n",
       "malformed bic kernel header, line 14: kernel 'rmsnorm' described twice"},
      {"kernel: rmsnorm", "kernel: ", "malformed bic kernel header, line 3: bad kernel name ''"},
      {"// bic-end\n", "// bic-arch: sm_999\n// bic-end\n",
       "malformed bic kernel header, line 13: '// bic-arch: sm_999' inside kernel 'rmsnorm''s "
       "header"},
  };
  for (const Case &c : cases) {
    std::string t = kHeader;
    t.replace(t.find(c.from), std::string(c.from).size(), c.to);
    std::string got = "accepted";
    try {
      parseMetadata(t);
    } catch (const Error &e) {
      got = e.what();
    }
    EXPECT_EQ(got, c.error) << "replacing '" << c.from << "' with '" << c.to << "'";
  }
}

TEST(Metadata, RejectsUnknownTypesAndLines) {
  std::string h = kHeader;
  EXPECT_THROW(parseMetadata(std::string(h).replace(h.find("f32\n"), 3, "f99")), Error);
  EXPECT_THROW(parseMetadata("// bic-kernel: k\n// bic-bogus: 1\n// bic-end\n"), Error);
}

// Hidden TMA descriptor parameters: which parameters hold the matrix's base
// and extents, and the block; bad references are refused when the module
// is read, not at launch.
TEST(Metadata, ParsesTmaDescriptors) {
  auto header = [](const std::string &tma) {
    return "// bic-version: 0.1.0\n// bic-arch: sm_90a\n// bic-kernel: mm\n"
           "// bic-threads: 128\n// bic-param: a ptr<bf16>\n// bic-param: M i32 batch\n"
           "// bic-param: K i32\n" + tma + "// bic-order-hash: 0000000000000000\n// bic-end\n";
  };
  ModuleMeta m =
      parseMetadata(header("// bic-tma: base=0 shape=1,2 box=128,64 swizzle=128 by=value\n"));
  ASSERT_EQ(m.kernels[0].tma.size(), 1u);
  const TmaMeta &t = m.kernels[0].tma[0];
  EXPECT_EQ(t.base, 0u);
  EXPECT_EQ(t.shape, (std::vector<unsigned>{1, 2}));
  EXPECT_EQ(t.box, (std::vector<unsigned>{128, 64}));
  EXPECT_FALSE(t.fitRows) << "without rows=fit the box keeps its rows";
  EXPECT_EQ(m.kernels[0].params.size(), 3u) << "hidden parameters are not the caller's";
  ModuleMeta fit =
      parseMetadata(header("// bic-tma: base=0 shape=1,2 box=128,64 swizzle=128 rows=fit by=value\n"));
  EXPECT_TRUE(fit.kernels[0].tma[0].fitRows);
  // The box the runtime encodes: narrowed to the matrix's rows only with
  // rows=fit (the kernel then expects that many bytes), never widened.
  EXPECT_EQ(fit.kernels[0].tma[0].boxRowsFor(1), 1u);
  EXPECT_EQ(fit.kernels[0].tma[0].boxRowsFor(100), 100u);
  EXPECT_EQ(fit.kernels[0].tma[0].boxRowsFor(128), 128u);
  EXPECT_EQ(fit.kernels[0].tma[0].boxRowsFor(8192), 128u);
  EXPECT_EQ(t.boxRowsFor(1), 128u);
  EXPECT_EQ(t.swizzle, 128u);
  // A narrow block of B given as [K, N]: one box row of 32 or 16 columns in
  // the 64- or 32-byte swizzle.
  for (auto [box, swizzle] : {std::pair<const char *, unsigned>{"64,32", 64}, {"128,16", 32}}) {
    ModuleMeta n = parseMetadata(header(std::string("// bic-tma: base=0 shape=1,2 box=") + box +
                                        " swizzle=" + std::to_string(swizzle) + " by=value\n"));
    EXPECT_EQ(n.kernels[0].tma[0].swizzle, swizzle) << box;
  }
  // A box whose rows are not one swizzle row is refused by name.
  try {
    parseMetadata(header("// bic-tma: base=0 shape=1,2 box=128,32 swizzle=128 by=value\n"));
    ADD_FAILURE() << "a 64-byte box row in the 128-byte swizzle was accepted";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("not one 128-byte swizzle row"), std::string::npos)
        << e.what();
  }
  // So is a matrix of a type TMA does not copy.
  std::string i32Base =
      header("// bic-tma: base=0 shape=1,2 box=128,32 swizzle=128 by=value\n");
  i32Base.replace(i32Base.find("ptr<bf16>"), 9, "ptr<i32>");
  try {
    parseMetadata(i32Base);
    ADD_FAILURE() << "a TMA descriptor of an i32 matrix was accepted";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("ptr<i32>, not a bf16, f16 or f32 matrix"),
              std::string::npos)
        << e.what();
  }
  for (const char *bad : {"// bic-tma: base=1 shape=1,2 box=128,64 swizzle=128 by=value\n",
                          "// bic-tma: base=0 shape=0,2 box=128,64 swizzle=128 by=value\n",
                          "// bic-tma: base=0 shape=1,9 box=128,64 swizzle=128 by=value\n",
                          "// bic-tma: base=0 shape=1 box=128,64 swizzle=128 by=value\n",
                          "// bic-tma: base=0 shape=1,2 box=128,64 swizzle=64 by=value\n",
                          "// bic-tma: base=0 shape=1,2 box=128,32 swizzle=128 by=value\n",
                          "// bic-tma: base=0 shape=1,2 box=128,8 swizzle=16 by=value\n",
                          "// bic-tma: base=0 shape=1,2 box=128,64 swizzle=128 rows=all by=value\n",
                          "// bic-tma: base=0 shape=1,2 box=128,64 swizzle=128 by=pointer\n"})
    EXPECT_THROW(parseMetadata(header(bad)), Error) << bad;
  // A kernel compiled before descriptors were passed by value takes a
  // pointer where the runtime would pass 128 bytes: refused by name.
  try {
    parseMetadata(header("// bic-tma: base=0 shape=1,2 box=128,64 swizzle=128 rows=fit\n"));
    ADD_FAILURE() << "a bic-tma line without by=value was accepted";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("by=value"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("compile it again"), std::string::npos) << e.what();
  }
}

// `bic-grid-dependency: wait` (the kernel may overlap the previous one on
// the stream) and `weight` parameters; older headers have neither.
TEST(Metadata, ParsesGridDependencyAndWeights) {
  ModuleMeta old = parseMetadata(kHeader);
  EXPECT_FALSE(old.kernels[0].waitsPriorGrids);
  EXPECT_FALSE(old.kernels[0].params[0].weight);
  std::string h = kHeader;
  h.replace(h.find("// bic-param: x ptr<bf16>\n"), 26,
            "// bic-grid-dependency: wait\n// bic-param: x ptr<bf16> weight\n");
  ModuleMeta m = parseMetadata(h);
  EXPECT_TRUE(m.kernels[0].waitsPriorGrids);
  EXPECT_TRUE(m.kernels[0].params[0].weight);
  EXPECT_FALSE(m.kernels[0].params[1].weight);
  auto errorOf = [](const std::string &text) -> std::string {
    try {
      parseMetadata(text);
    } catch (const Error &e) {
      return e.what();
    }
    return "";
  };
  std::string k = kHeader;
  size_t at = k.find("// bic-param: x");
  std::string e = errorOf(std::string(k).insert(at, "// bic-grid-dependency: maybe\n"));
  EXPECT_NE(e.find("unknown bic-grid-dependency 'maybe'"), std::string::npos) << e;
  // Only pointers can be weights.
  e = errorOf(std::string(k).insert(at, "// bic-param: w f32 weight\n"));
  EXPECT_NE(e.find("parameter 'w' of type f32 is marked weight"), std::string::npos) << e;
}

// `bic-cluster: n`: each program is a cluster of n CTAs (the launch
// multiplies grid.x by n); absent, 1. Zero, garbage or more than 8 (the
// portable cluster limit) is refused.
TEST(Metadata, ParsesClusterSize) {
  EXPECT_EQ(parseMetadata(kHeader).kernels[0].cluster, 1u);
  std::string h = kHeader;
  size_t at = h.find("// bic-param: x");
  ModuleMeta m = parseMetadata(std::string(h).insert(at, "// bic-cluster: 2\n"));
  EXPECT_EQ(m.kernels[0].cluster, 2u);
  for (const char *bad : {"0", "9", "two"}) {
    std::string e;
    try {
      parseMetadata(std::string(h).insert(at, std::string("// bic-cluster: ") + bad + "\n"));
    } catch (const Error &err) {
      e = err.what();
    }
    EXPECT_NE(e.find("cluster size"), std::string::npos) << bad << ": " << e;
  }
}
