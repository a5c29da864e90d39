//===- PipelineTest.cpp - compile() end to end without a GPU --------------===//
#include "bic/Pipeline/Pipeline.h"

#include <gtest/gtest.h>

using namespace bic;

namespace {
llvm::Expected<CompileResult> compileSrc(const std::string &src, Emit e,
                                         const std::string &arch = "sm_90a") {
  CompileOptions o;
  o.arch = arch;
  return compile(src, "t.bic", o, e);
}
std::string errorOf(const std::string &src) {
  auto r = compileSrc(src, Emit::PTX);
  if (r) {
    ADD_FAILURE() << "expected an error";
    return "";
  }
  return llvm::toString(r.takeError());
}
} // namespace

TEST(Pipeline, EmitsPtxWithMetadataHeader) {
  auto r = compileSrc(R"(
@kernel(num_warps=2)
def copy(x: ptr[f32], y: ptr[f32], n: i32 @batch):
    o = program_id(0) * 256 + arange(0, 256)
    store(y + o, load(x + o, mask=o < n), mask=o < n)
)", Emit::PTX);
  ASSERT_TRUE(bool(r)) << llvm::toString(r.takeError());
  EXPECT_NE(r->text.find("// bic-kernel: copy"), std::string::npos);
  EXPECT_NE(r->text.find("// bic-threads: 64"), std::string::npos);
  EXPECT_NE(r->text.find("// bic-param: n i32 batch"), std::string::npos);
  EXPECT_NE(r->text.find(".entry copy"), std::string::npos);
  EXPECT_NE(r->text.find(".target sm_90a"), std::string::npos);
}

TEST(Pipeline, RejectsUnknownArchBeforeLLVM) {
  auto r = compileSrc("@kernel\ndef k():\n    pass\n", Emit::PTX, "sm_75");
  ASSERT_FALSE(bool(r));
  EXPECT_NE(llvm::toString(r.takeError()).find("unsupported target architecture"),
            std::string::npos);
}

TEST(Pipeline, ErrorsCarryFileLineColAndCaret) {
  std::string e = errorOf("@kernel\ndef k(x: ptr[f32]):\n    y = load(x + 1.5)\n");
  EXPECT_NE(e.find("t.bic:3:"), std::string::npos) << e;
  EXPECT_NE(e.find("^"), std::string::npos) << e;
  EXPECT_NE(e.find("pointer offsets must be i32 or i64"), std::string::npos) << e;
}

TEST(Pipeline, TypeErrors) {
  EXPECT_NE(errorOf("@kernel\ndef k(x: ptr[f32]):\n    store(x, arange(0, 4).to(bf16))\n")
                .find("convert with .to(f32)"),
            std::string::npos);
  EXPECT_NE(errorOf("@kernel\ndef k(x: ptr[f32]):\n    a = arange(0, 6)\n")
                .find("powers of two"),
            std::string::npos);
  EXPECT_NE(errorOf("@kernel\ndef k(x: ptr[f32]):\n    a = undefined_thing + 1\n")
                .find("undefined name 'undefined_thing'"),
            std::string::npos);
  EXPECT_NE(errorOf("@kernel\ndef k(B: constexpr):\n    pass\n").find("-D B=<int>"),
            std::string::npos);
  EXPECT_NE(errorOf("@kernel\ndef k(n: i32):\n    x = arange(0, 4) / 2\n")
                .find("ambiguous"),
            std::string::npos);
}

TEST(Pipeline, BatchVariantKernelIsRejected) {
  std::string e = errorOf(R"(
@kernel
def k(x: ptr[f32], y: ptr[f32], n_rows: i32 @batch):
    acc = 0.0
    for i in range(0, n_rows // 64):
        acc += load(x + i)
    store(y, acc)
)");
  EXPECT_NE(e.find("batch-variant reduction"), std::string::npos) << e;
  EXPECT_NE(e.find("@batch parameter 'n_rows'"), std::string::npos) << e;
  EXPECT_NE(e.find("t.bic:5:"), std::string::npos) << e;
}

// A warp-specialised kernel runs one more warp than num_warps, and says so
// in the header the runtime launches with; sm_80 has no TMA to specialise.
TEST(Pipeline, WarpSpecializedKernelHasAProducerWarp) {
  const char *src = R"(
@kernel(num_warps=4, warp_specialize=1)
def mm(a: ptr[bf16], b: ptr[bf16], c: ptr[bf16], M: i32 @batch,
       N: i32 @multiple_of(8), K: i32 @multiple_of(8)):
    A = tensor(a, (M, K))
    B = tensor(b, (N, K))
    C = tensor(c, (M, N))
    row = program_id(0) * 64
    col = program_id(1) * 64
    acc = zeros((64, 64), f32)
    for k in range(0, K, 64):
        acc = dot(A.load_tile((row, k), (64, 64)), B.load_tile((col, k), (64, 64)), acc,
                  trans_b=True)
    C.store_tile((row, col), acc.to(bf16))
)";
  auto r = compileSrc(src, Emit::PTX);
  ASSERT_TRUE(bool(r)) << llvm::toString(r.takeError());
  EXPECT_NE(r->text.find("// bic-threads: 160"), std::string::npos);
  EXPECT_NE(r->text.find(".maxntid 160, 1, 1"), std::string::npos);
  EXPECT_NE(r->text.find("mbarrier.arrive.shared::cta.b64"), std::string::npos);
  auto old = compileSrc(src, Emit::PTX, "sm_80");
  ASSERT_FALSE(bool(old));
  std::string e = llvm::toString(old.takeError());
  EXPECT_NE(e.find("t.bic:3:5: error: warp_specialize needs the TMA pipeline of sm_90a"),
            std::string::npos)
      << e;
}

// Built with overlap=1, an sm_90 kernel waits for the previous kernel on the
// stream before it touches memory (so a launch may overlap it) and says so
// in the header; without, or on sm_80, no wait. `@weight` reaches the
// header; writing through one is refused.
TEST(Pipeline, GridDependencyWaitAndWeights) {
  const char *src = R"(
@kernel(num_warps=2, overlap=1)
def scale(x: ptr[f32], w: ptr[f32] @weight, y: ptr[f32], n: i32 @batch):
    o = program_id(0) * 256 + arange(0, 256)
    store(y + o, load(x + o, mask=o < n) * load(w + o % 16), mask=o < n)
)";
  auto r = compileSrc(src, Emit::PTX);
  ASSERT_TRUE(bool(r)) << llvm::toString(r.takeError());
  EXPECT_NE(r->text.find("// bic-grid-dependency: wait"), std::string::npos);
  EXPECT_NE(r->text.find("// bic-param: w ptr<f32> weight"), std::string::npos);
  EXPECT_NE(r->text.find("// bic-param: x ptr<f32>\n"), std::string::npos);
  size_t wait = r->text.find("griddepcontrol.wait");
  ASSERT_NE(wait, std::string::npos);
  EXPECT_NE(r->text.find("griddepcontrol.launch_dependents"), std::string::npos);
  size_t load = r->text.find("ld.global");
  ASSERT_NE(load, std::string::npos);
  EXPECT_LT(wait, load) << "memory is touched only after the wait";
  std::string plainSrc = src;
  plainSrc.replace(plainSrc.find(", overlap=1"), 11, "");
  auto plain = compileSrc(plainSrc, Emit::PTX);
  ASSERT_TRUE(bool(plain)) << llvm::toString(plain.takeError());
  EXPECT_EQ(plain->text.find("griddepcontrol"), std::string::npos);
  EXPECT_EQ(plain->text.find("// bic-grid-dependency"), std::string::npos);
  EXPECT_NE(plain->text.find("// bic-param: w ptr<f32> weight"), std::string::npos);
  auto old = compileSrc(src, Emit::PTX, "sm_80");
  ASSERT_FALSE(bool(old));
  std::string oe = llvm::toString(old.takeError());
  EXPECT_NE(oe.find("overlap needs sm_90"), std::string::npos) << oe;

  std::string e = errorOf(R"(
@kernel(num_warps=1)
def bad(x: ptr[f32] @weight, n: i32 @batch):
    o = arange(0, 32)
    store(x + o, 1.0 + load(x + o), mask=o < n)
)");
  EXPECT_NE(e.find("t.bic:5:5: error: writes through 'x', which is marked @weight"),
            std::string::npos)
      << e;
  e = errorOf(R"(
@kernel(num_warps=1)
def bad(x: ptr[f32], n: i32 @weight):
    store(x, 1.0)
)");
  EXPECT_NE(e.find("t.bic:3:22: error: @weight marks a pointer"), std::string::npos) << e;
}
