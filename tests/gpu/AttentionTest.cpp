//===- AttentionTest.cpp - attention.bic on the GPU -----------------------===//
//
// Against fp64 (causal and not, grouped KV heads); a token's output bitwise
// identical whether computed in a prefill, in a chunk of a chunked prefill
// or alone in a decode step, through `attention` or split-KV
// (`attention_partial` + `attention_combine`); every row bitwise identical
// across query counts; every BM build (and the sm_80 PTX on Hopper)
// bitwise identical.
//
//===----------------------------------------------------------------------===//
#include "GpuTestUtil.h"

#include <cmath>
#include <cstring>
#include <map>

using namespace bic;
using namespace bic::test;

namespace {
constexpr int64_t kD = 64;
const float kScale = float(1.4426950408889634 / std::sqrt(double(kD))); // log2(e)/sqrt(D)

/// The builds of kernels_src/attention.bic (kernels_src/CMakeLists.txt):
/// name, BM, causal.
struct Build {
  const char *name;
  int64_t bm;
  bool causal;
  bool packed = false; // PACK_GQA: rows are (query, head) pairs of a KV head
  bool hopperOnly = false; // built for sm_90a only (its mma.sync build spills)
  /// Whether this GPU has PTX of the build.
  bool here() const { return !hopperOnly || deviceArch() == "sm_90a"; }
};
const Build kCausal[] = {{"attention", 64, true},
                         {"attention_m32", 32, true},
                         {"attention_m128", 128, true},
                         {"attention_gqa", 64, true, true},
                         {"attention_gqa_m128", 128, true, true},
                         {"attention_m128w4", 128, true, false, true},
                         {"attention_gqa_m128w4", 128, true, true, true},
                         {"attention_m128w4_async", 128, true, false, true},
                         {"attention_gqa_m128w4_async", 128, true, true, true},
                         {"attention_async", 64, true},
                         {"attention_gqa_async", 64, true, true}};
const Build kFull = {"attention_full", 64, false};
/// Builds whose split-KV partial kernel is tested (its BM rows are
/// (query, head) pairs of one KV head's group).
const Build kSplit[] = {{"attention_m32", 32, true}, {"attention", 64, true}};
constexpr int64_t kSplitKeys = 256; // SPLIT

/// Q [S, H, D] and K, V [L, H_KV, D] of random bf16 in [-1, 1].
struct Problem {
  int64_t S, L, H, HKV;
  std::vector<uint16_t> hq, hk, hv;
  DeviceBuffer q, k, v, o;
  std::map<std::string, Module> modules; // NAME.ARCH -> loaded once
  Problem(int64_t s, int64_t l, int64_t h, int64_t hkv, uint64_t seed)
      : S(s), L(l), H(h), HKV(hkv) {
    auto fill = [](std::vector<uint16_t> &dst, size_t n, uint64_t sd) {
      dst = toBF16(randomFloats(n, sd, -1, 1));
    };
    fill(hq, size_t(s) * h * kD, seed);
    fill(hk, size_t(l) * hkv * kD, seed + 1);
    fill(hv, size_t(l) * hkv * kD, seed + 2);
    q = DeviceBuffer(hq.size() * 2);
    k = DeviceBuffer(hk.size() * 2);
    v = DeviceBuffer(hv.size() * 2);
    o = DeviceBuffer(hq.size() * 2);
    q.upload(hq.data(), hq.size() * 2);
    k.upload(hk.data(), hk.size() * 2);
    v.upload(hv.data(), hv.size() * 2);
  }

  /// Runs `b` for the `n` queries from query `first` (at positions
  /// qStart + first ...) over the first `keys` keys; returns their output
  /// rows ([n, H, D]), after poisoning the output buffer.
  std::vector<uint16_t> run(const Build &b, int64_t first, int64_t n, int64_t qStart,
                            int64_t keys, const std::string &arch = deviceArch()) {
    auto it = modules.find(std::string(b.name) + "." + arch);
    if (it == modules.end())
      it = modules.emplace(std::string(b.name) + "." + arch, loadKernel(b.name, arch)).first;
    // Every build must have the order of the default one.
    Kernel kern = it->second.kernel("attention", expectedHash());
    o.fill(0xff);
    size_t row = size_t(H) * kD * 2;
    int64_t rows = b.packed ? n * (H / HKV) : n;
    kern.launch(Grid(unsigned((rows + b.bm - 1) / b.bm), unsigned(b.packed ? HKV : H)),
                {DevicePtr{q.ptr() + first * row}, DevicePtr{k.ptr()}, DevicePtr{v.ptr()},
                 DevicePtr{o.ptr() + first * row}, int32_t(n), int32_t(keys),
                 int32_t(qStart + first), int32_t(H), int32_t(HKV), kScale});
    context().synchronize();
    std::vector<uint16_t> out(size_t(n) * H * kD);
    o.download(out.data(), out.size() * 2, first * row);
    return out;
  }

  /// As run(), through split-KV: `attention_partial` of build `b` writes
  /// one partial state per split of kSplitKeys keys, `attention_combine`
  /// merges them.
  std::vector<uint16_t> runSplit(const Build &b, int64_t first, int64_t n, int64_t qStart,
                                 int64_t keys) {
    auto it = modules.find(std::string(b.name) + "." + deviceArch());
    if (it == modules.end())
      it = modules.emplace(std::string(b.name) + "." + deviceArch(), loadKernel(b.name)).first;
    Kernel part = it->second.kernel("attention_partial", expectedHash("attention_partial"));
    Kernel comb = it->second.kernel("attention_combine", expectedHash("attention_combine"));
    int64_t splits = (keys + kSplitKeys - 1) / kSplitKeys;
    DeviceBuffer pacc(size_t(splits * n * H * kD) * 4), pm(size_t(splits * n * H) * 4),
        pl(size_t(splits * n * H) * 4);
    for (DeviceBuffer *w : {&pacc, &pm, &pl})
      w->fill(0xff); // NaN: a partial the combine reads but nobody wrote shows
    o.fill(0xff);
    size_t row = size_t(H) * kD * 2;
    int64_t groupRows = n * (H / HKV);
    part.launch(Grid(unsigned((groupRows + b.bm - 1) / b.bm), unsigned(HKV), unsigned(splits)),
                {DevicePtr{q.ptr() + first * row}, DevicePtr{k.ptr()}, DevicePtr{v.ptr()},
                 DevicePtr{pacc.ptr()}, DevicePtr{pm.ptr()}, DevicePtr{pl.ptr()},
                 int32_t(n), int32_t(keys), int32_t(qStart + first), int32_t(H),
                 int32_t(HKV), kScale});
    comb.launch(Grid(unsigned(n), unsigned(H)),
                {DevicePtr{pacc.ptr()}, DevicePtr{pm.ptr()}, DevicePtr{pl.ptr()},
                 DevicePtr{o.ptr() + first * row}, int32_t(n), int32_t(keys), int32_t(H)});
    context().synchronize();
    std::vector<uint16_t> out(size_t(n) * H * kD);
    o.download(out.data(), out.size() * 2, first * row);
    return out;
  }

  /// Output row of query i (position pos), head h, in fp64.
  std::vector<double> reference(int64_t i, int64_t pos, int64_t h, int64_t keys,
                                bool causal) const {
    int64_t hk_ = h / (H / HKV);
    int64_t last = causal ? std::min(keys - 1, pos) : keys - 1;
    std::vector<double> s(size_t(last + 1));
    double mx = -1e300;
    for (int64_t j = 0; j <= last; ++j) {
      double dot = 0;
      for (int64_t d = 0; d < kD; ++d)
        dot += double(fromBF16(hq[size_t((i * H + h) * kD + d)])) *
               double(fromBF16(hk[size_t((j * HKV + hk_) * kD + d)]));
      s[size_t(j)] = dot * double(kScale);
      mx = std::max(mx, s[size_t(j)]);
    }
    double sum = 0;
    for (auto &x : s)
      sum += (x = std::exp2(x - mx));
    std::vector<double> out(kD, 0.0);
    for (int64_t j = 0; j <= last; ++j)
      for (int64_t d = 0; d < kD; ++d)
        out[size_t(d)] += s[size_t(j)] / sum *
                          double(fromBF16(hv[size_t((j * HKV + hk_) * kD + d)]));
    return out;
  }

  /// The order hash of kernel `name` in the default build.
  static std::string expectedHash(const std::string &name = "attention") {
    static std::map<std::string, std::string> hashes;
    auto it = hashes.find(name);
    if (it == hashes.end()) {
      Module m = loadKernel("attention");
      it = hashes.emplace(name, m.kernel(name).meta().orderHash).first;
    }
    return it->second;
  }
};

/// Largest |got - want| over the rows `rows` of `got` (rows from `first`).
double maxError(const Problem &p, const std::vector<uint16_t> &got, int64_t first,
                std::vector<int64_t> rows, int64_t qStart, int64_t keys, bool causal) {
  double worst = 0;
  for (int64_t i : rows)
    for (int64_t h = 0; h < p.H; ++h) {
      auto want = p.reference(i, qStart + i, h, keys, causal);
      for (int64_t d = 0; d < kD; ++d) {
        double g = fromBF16(got[size_t(((i - first) * p.H + h) * kD + d)]);
        if (!std::isfinite(g))
          return INFINITY;
        worst = std::max(worst, std::abs(g - want[size_t(d)]));
      }
    }
  return worst;
}

bool rowsEqual(const std::vector<uint16_t> &a, int64_t ra, const std::vector<uint16_t> &b,
               int64_t rb, int64_t rowElems) {
  return std::memcmp(a.data() + ra * rowElems, b.data() + rb * rowElems,
                     size_t(rowElems) * 2) == 0;
}
} // namespace

// Causal prefill (q_start = 0), a later chunk (q_start > 0) and no mask,
// with 4 query heads on 2 KV heads, against fp64 on every row of a sample.
// The outputs are bf16 of values in [-1, 1] (half an ulp up to 2^-9).
TEST(AttentionGpu, MatchesFp64) {
  BIC_REQUIRE_GPU();
  Problem p(300, 300, 4, 2, 11);
  std::vector<int64_t> rows = {0, 1, 63, 64, 65, 127, 128, 200, 299};
  for (const Build &b : kCausal) {
    if (!b.here())
      continue;
    auto out = p.run(b, 0, 300, 0, 300);
    EXPECT_LT(maxError(p, out, 0, rows, 0, 300, true), 1e-2) << b.name << " prefill";
  }
  // Queries 0..99 at positions 200..299 over all 300 keys (a chunk).
  auto chunk = p.run(kCausal[0], 0, 100, 200, 300);
  EXPECT_LT(maxError(p, chunk, 0, {0, 1, 50, 99}, 200, 300, true), 1e-2) << "chunk";
  auto full = p.run(kFull, 0, 300, 0, 300);
  EXPECT_LT(maxError(p, full, 0, rows, 0, 300, false), 1e-2) << "no mask";
  // Keys not a multiple of BN.
  auto odd = p.run(kFull, 0, 300, 0, 171);
  EXPECT_LT(maxError(p, odd, 0, rows, 0, 171, false), 1e-2) << "171 keys";
}

// The same token, the same bits: decode (one query at its position over
// the keys up to it), chunks of a chunked prefill, and the whole prefill.
TEST(AttentionGpu, PrefillChunksAndDecodeAgreeBitwise) {
  BIC_REQUIRE_GPU();
  const int64_t L = 1000, H = 4, HKV = 2, row = H * kD;
  Problem p(L, L, H, HKV, 23);
  auto prefill = p.run(kCausal[0], 0, L, 0, L);
  int64_t mismatched = 0;
  for (int64_t pos : {0, 1, 2, 63, 64, 65, 127, 128, 500, 998, 999}) {
    auto one = p.run(kCausal[0], pos, 1, 0, pos + 1);
    EXPECT_TRUE(rowsEqual(one, 0, prefill, pos, row)) << "decode of token " << pos;
    mismatched += !rowsEqual(one, 0, prefill, pos, row);
    // The same decode with the rows packed by KV head.
    auto packed = p.run(kCausal[3], pos, 1, 0, pos + 1);
    EXPECT_TRUE(rowsEqual(packed, 0, prefill, pos, row)) << "packed decode of token " << pos;
    mismatched += !rowsEqual(packed, 0, prefill, pos, row);
  }
  // Chunks of 100 and of 37 queries, each over the keys up to its last.
  for (int64_t chunk : {100, 37})
    for (int64_t first = 0; first < L; first += chunk) {
      int64_t n = std::min(chunk, L - first);
      auto part = p.run(kCausal[0], first, n, 0, first + n);
      for (int64_t i = 0; i < n; ++i)
        mismatched += !rowsEqual(part, i, prefill, first + i, row);
    }
  EXPECT_EQ(mismatched, 0) << "rows whose bits depend on how the prompt was split";
}

// Every row bitwise identical across query counts, BM builds and (on
// Hopper) the sm_80 PTX; and across repeated runs.
TEST(AttentionGpu, RowsBitwiseIdenticalAcrossQueryCountsAndBuilds) {
  BIC_REQUIRE_GPU();
  const int64_t L = 1000, H = 4, HKV = 1, row = H * kD;
  Problem p(L, L, H, HKV, 37);
  // Non-causal: the queries are just a batch; causal: positions from 0.
  for (const Build &ref : {kFull, kCausal[0]}) {
    auto all = p.run(ref, 0, L, 0, L);
    std::vector<Build> builds = {ref};
    if (ref.causal)
      builds.assign(std::begin(kCausal), std::end(kCausal));
    for (const Build &b : builds) {
      if (!b.here())
        continue;
      for (int64_t s : {1, 2, 7, 16, 17, 64, 100, 255, 1000}) {
        auto got = p.run(b, 0, s, 0, L);
        int64_t bad = 0;
        for (int64_t i = 0; i < s; ++i)
          bad += !rowsEqual(got, i, all, i, row);
        EXPECT_EQ(bad, 0) << b.name << " S=" << s;
      }
    }
    if (deviceArch() == "sm_90a") {
      auto sm80 = p.run(ref, 0, L, 0, L, "sm_80");
      EXPECT_EQ(sm80, all) << ref.name << ": sm_80 PTX on Hopper";
    }
    for (int rep = 0; rep < 20; ++rep)
      ASSERT_EQ(p.run(ref, 0, L, 0, L), all) << ref.name << " run " << rep;
  }
}

// Split-KV gives the bits of the prefill: decode steps (one query over the
// keys up to it: inside the first split, on a split boundary, in a partial
// last split) and a chunk of queries, through the partial kernel's BM = 32
// and BM = 64 builds (rows: a KV head's query heads for each query),
// against `attention`'s whole prefill. The splits'
// partial states go through memory as f32 and merge in split order, as
// `attention` merges them in registers.
TEST(AttentionGpu, SplitKvAgreesBitwiseWithPrefill) {
  BIC_REQUIRE_GPU();
  const int64_t L = 1000, H = 4, HKV = 2, row = H * kD;
  Problem p(L, L, H, HKV, 41);
  auto prefill = p.run(kCausal[0], 0, L, 0, L);
  EXPECT_LT(maxError(p, prefill, 0, {0, 255, 256, 999}, 0, L, true), 1e-2);
  for (const Build &b : kSplit) {
    int64_t bad = 0;
    for (int64_t pos : {0, 1, 63, 255, 256, 257, 511, 512, 700, 999}) {
      auto one = p.runSplit(b, pos, 1, 0, pos + 1);
      EXPECT_TRUE(rowsEqual(one, 0, prefill, pos, row)) << b.name << " decode of token " << pos;
      bad += !rowsEqual(one, 0, prefill, pos, row);
    }
    // Queries 600..699 over the keys up to 699, and all 1000 queries.
    auto chunk = p.runSplit(b, 600, 100, 0, 700);
    for (int64_t i = 0; i < 100; ++i)
      bad += !rowsEqual(chunk, i, prefill, 600 + i, row);
    auto all = p.runSplit(b, 0, L, 0, L);
    for (int64_t i = 0; i < L; ++i)
      bad += !rowsEqual(all, i, prefill, i, row);
    EXPECT_EQ(bad, 0) << b.name << ": rows whose bits depend on split-KV";
  }
}

// The same past 4096 keys (the combine merges 16 splits per iteration:
// here 20 splits, two iterations) with 3 query heads per KV head, which
// does not divide the partial kernel's rows (a tile holds parts of two
// queries' groups).
TEST(AttentionGpu, SplitKvAgreesBitwiseWithPrefillLongGroupsOfThree) {
  BIC_REQUIRE_GPU();
  const int64_t L = 5000, H = 6, HKV = 2, row = H * kD;
  Problem p(L, L, H, HKV, 43);
  auto prefill = p.run(kCausal[0], 0, L, 0, L);
  EXPECT_LT(maxError(p, prefill, 0, {4095, 4999}, 0, L, true), 1e-2);
  for (const Build &b : kSplit) {
    int64_t bad = 0;
    for (int64_t pos : {4095, 4096, 4097, 4999}) {
      auto one = p.runSplit(b, pos, 1, 0, pos + 1);
      bad += !rowsEqual(one, 0, prefill, pos, row);
    }
    auto chunk = p.runSplit(b, 4900, 100, 0, L);
    for (int64_t i = 0; i < 100; ++i)
      bad += !rowsEqual(chunk, i, prefill, 4900 + i, row);
    EXPECT_EQ(bad, 0) << b.name << ": rows whose bits depend on split-KV";
  }
}
