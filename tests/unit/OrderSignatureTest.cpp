//===- OrderSignatureTest.cpp - signatures are stable and discriminating --===//
#include "bic/Pipeline/Pipeline.h"

#include <gtest/gtest.h>
#include <fstream>
#include <sstream>

using namespace bic;

namespace {
std::string readKernel(const std::string &name) {
  std::ifstream in(std::string(BIC_KERNELS_SRC) + "/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string hashOf(const std::string &src, Defines defs, const char *arch = "sm_90a") {
  CompileOptions o;
  o.arch = arch;
  o.defines = std::move(defs);
  auto r = compile(src, "k.bic", o, Emit::Order);
  if (!r) {
    ADD_FAILURE() << llvm::toString(r.takeError());
    return "";
  }
  EXPECT_EQ(r->kernels.size(), 1u);
  return r->kernels[0].orderHash;
}

const char *kRowSum = R"(
@kernel
def rowsum(x: ptr[f32], y: ptr[f32], n: i32 @batch, R: constexpr, C: constexpr):
    rows = program_id(0) * R + arange(0, R)
    cols = arange(0, C)
    v = load(x + rows[:, None] * C + cols[None, :])
    store(y + rows, sum(v, axis=1))
)";
} // namespace

TEST(OrderSignature, StableAcrossRuns) {
  std::string src = readKernel("rmsnorm.bic");
  std::string a = hashOf(src, {{"BLOCK", 8192}});
  EXPECT_EQ(a.size(), 16u);
  EXPECT_EQ(a, hashOf(src, {{"BLOCK", 8192}}));
}

TEST(OrderSignature, IndependentOfNonReducedTileSizeAndArch) {
  // R only tiles the rows (not reduced): same order along each row.
  std::string a = hashOf(kRowSum, {{"R", 4}, {"C", 1024}});
  EXPECT_EQ(a, hashOf(kRowSum, {{"R", 8}, {"C", 1024}}));
  EXPECT_EQ(a, hashOf(kRowSum, {{"R", 4}, {"C", 1024}}, "sm_80"));
}

TEST(OrderSignature, ChangesWhenTheOrderDoes) {
  std::string src = readKernel("rmsnorm.bic");
  std::string base = hashOf(src, {{"BLOCK", 8192}});
  EXPECT_NE(base, hashOf(src, {{"BLOCK", 4096}}));      // extent
  EXPECT_NE(base, hashOf(src, {{"BLOCK", 8192}, {"num_warps", 4}})); // tree
  std::string rs = hashOf(kRowSum, {{"R", 4}, {"C", 1024}});
  EXPECT_NE(rs, hashOf(kRowSum, {{"R", 4}, {"C", 2048}}));
}

TEST(OrderSignature, AccumulationTypeIsPartOfIt) {
  std::string f32 = hashOf(R"(
@kernel
def s(x: ptr[f32], y: ptr[f32]):
    store(y, sum(load(x + arange(0, 256)), axis=0))
)", {});
  std::string f16 = hashOf(R"(
@kernel
def s(x: ptr[f32], y: ptr[f32]):
    store(y, sum(load(x + arange(0, 256)).to(f16), axis=0).to(f32))
)", {});
  EXPECT_NE(f32, f16);
}

TEST(OrderSignature, SoftmaxRowsPerProgramDoNotMatterUnlessWarpsMoveOntoTheRow) {
  std::string src = readKernel("softmax.bic");
  std::string r4 = hashOf(src, {{"ROWS", 4}});
  EXPECT_EQ(r4, hashOf(src, {{"ROWS", 8}}));
  EXPECT_EQ(r4, hashOf(src, {{"ROWS", 16}}));
  EXPECT_NE(r4, hashOf(src, {{"ROWS", 2}}));
}

// A warp-specialised pipeline changes who issues the copies, not the order.
TEST(OrderSignature, WarpSpecializationKeepsTheOrder) {
  std::string src = readKernel("matmul.bic");
  Defines d = {{"BM", 64}, {"BN", 32}, {"BK", 256}};
  std::string plain = hashOf(src, d);
  d["warp_specialize"] = 1;
  EXPECT_FALSE(plain.empty());
  EXPECT_EQ(hashOf(src, d), plain);
}

// Every configuration the matmul table may pick has the kernel's one order.
TEST(OrderSignature, AllMatmulConfigurationsShareTheOrder) {
  std::string src = readKernel("matmul.bic");
  std::ifstream in(std::string(BIC_KERNELS_SRC) + "/matmul_configs.txt");
  std::string line, first;
  int n = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#')
      continue;
    std::istringstream ls(line);
    std::string name, arch, nRange;
    int64_t maxM, bm, bn, bk, nw, ns, ws = 0;
    ls >> name >> arch >> maxM >> nRange >> bm >> bn >> bk >> nw >> ns;
    ls >> ws; // optional: warp-specialised (sm_90a lines only); then `overlap`
    // Either family (TMA + wgmma on sm_90a, mma.sync elsewhere), either B;
    // a warp-specialised line as it is built (sm_90a; B as [K, N] only
    // where it takes TMA: a wgmma tile, BN a multiple of 64, BK <= 256, as
    // kernels_src/CMakeLists.txt builds it) and as it would be without
    // specialisation.
    for (const char *target : {"sm_80", "sm_90a"})
      for (int64_t bnk : {0, 1}) {
        bool knTma = bm >= 64 && bn % 64 == 0 && bk <= 256;
        bool spec = ws && (bnk == 1 || knTma) && std::string(target) == "sm_90a";
        std::string h = hashOf(src, {{"BM", bm}, {"BN", bn}, {"BK", bk}, {"num_warps", nw},
                                     {"num_stages", ns}, {"B_NK", bnk},
                                     {"warp_specialize", spec ? 1 : 0}}, target);
        if (first.empty())
          first = h;
        EXPECT_EQ(h, first) << name << " " << target << " B_NK=" << bnk;
        ++n;
      }
  }
  EXPECT_GE(n, 6);
}
