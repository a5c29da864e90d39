//===- RobustnessTest.cpp - malformed sources give errors, never crashes --===//
//
// Deterministic mutations of every shipped kernel and of the invariance
// corpus (deleted, duplicated and swapped characters and lines, truncation,
// stray tokens) are compiled in-process: each must either compile or fail
// with a `file:line:col` diagnostic. A crash fails the whole test binary.
//
//===----------------------------------------------------------------------===//
#include "bic/Pipeline/Pipeline.h"

#include <gtest/gtest.h>
#include <filesystem>
#include <fstream>
#include <random>
#include <cstdlib>
#include <sstream>

using namespace bic;
namespace fs = std::filesystem;

namespace {
std::vector<std::string> corpus() {
  std::vector<std::string> out;
  for (const char *dir : {BIC_KERNELS_SRC, BIC_LIT_DIR "/Invariance"})
    for (auto &e : fs::directory_iterator(dir))
      if (e.path().extension() == ".bic") {
        std::ifstream in(e.path());
        std::stringstream ss;
        ss << in.rdbuf();
        out.push_back(ss.str());
      }
  return out;
}

std::string mutate(std::string s, std::mt19937 &rng) {
  static const char *const kTokens[] = {"(", ")", "[", "]", ":", ",", "None", "=",
                                        "+", "*", "//", ".to(", "@batch", "\n",
                                        "    ", "sum(", "0.5", "-1", "arange(0, 3)",
                                        "x[:, None]", "axis=5", "ptr[", "if", "for"};
  auto pick = [&](size_t n) { return n ? std::uniform_int_distribution<size_t>(0, n - 1)(rng) : 0; };
  int edits = 1 + pick(3);
  for (int i = 0; i < edits && !s.empty(); ++i) {
    size_t at = pick(s.size());
    switch (pick(6)) {
    case 0: s.erase(at, 1 + pick(8)); break;
    case 1: s.insert(at, kTokens[pick(std::size(kTokens))]); break;
    case 2: s.resize(at); break;
    case 3: std::swap(s[at], s[pick(s.size())]); break;
    case 4: {
      size_t b = s.rfind('\n', at), e = s.find('\n', at);
      b = b == std::string::npos ? 0 : b;
      e = e == std::string::npos ? s.size() : e;
      s.insert(e, s.substr(b, e - b));
      break;
    }
    default: s[at] = "()[]:,=+-*/<>.@ \n\tx0"[pick(20)]; break;
    }
  }
  return s;
}
} // namespace

TEST(Robustness, MutatedSourcesNeverCrash) {
  auto srcs = corpus();
  ASSERT_GT(srcs.size(), 20u);
  // BIC_FUZZ_ITERS / BIC_FUZZ_SEED run longer campaigns by hand.
  const char *it = std::getenv("BIC_FUZZ_ITERS"), *sd = std::getenv("BIC_FUZZ_SEED");
  int iters = it ? std::atoi(it) : 400;
  std::mt19937 rng(sd ? std::atoi(sd) : 20261121);
  int compiled = 0, rejected = 0;
  for (int i = 0; i < iters; ++i) {
    std::string s = mutate(srcs[i % srcs.size()], rng);
    CompileOptions o;
    o.defines = {};
    auto r = compile(s, "fuzz.bic", o, i % 4 == 0 ? Emit::PTX : Emit::Order);
    if (r) {
      ++compiled;
      continue;
    }
    ++rejected;
    std::string msg = llvm::toString(r.takeError());
    EXPECT_NE(msg.find("error"), std::string::npos) << msg;
  }
  RecordProperty("compiled", compiled);
  RecordProperty("rejected", rejected);
  EXPECT_GT(rejected, 100);
}
