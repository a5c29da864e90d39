//===- TunedKernelTune.cpp - timing a TunedKernel's lines on one shape ----===//
//
// Every line of a TunedKernel has the same order hash (checked when it is
// constructed), so the fastest line for a shape may be chosen by timing,
// and the choice kept in a file, without any effect on the results' bits.
//
//===----------------------------------------------------------------------===//
#include "bic/jit/TunedKernel.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <unistd.h>

using namespace bic;
using namespace bic::jit;

namespace {
std::string deviceToken(std::string name) {
  std::replace(name.begin(), name.end(), ' ', '_');
  return name.empty() ? std::string("unknown") : name;
}

bool parseInt(const std::string &s, int64_t &out) {
  if (s.empty())
    return false;
  size_t i = s[0] == '-' ? 1 : 0;
  if (i == s.size() || s.find_first_not_of("0123456789", i) != std::string::npos)
    return false;
  errno = 0;
  long long v = std::strtoll(s.c_str(), nullptr, 10);
  if (errno == ERANGE)
    return false;
  out = v;
  return true;
}
} // namespace

std::string bic::jit::formatTuning(const std::vector<TunedPick> &picks) {
  std::ostringstream os;
  os << "# bic tuning: device arch order m n k overlap line us\n";
  for (const TunedPick &p : picks) {
    char us[32];
    std::snprintf(us, sizeof us, "%.3f", p.us);
    os << deviceToken(p.device) << ' ' << p.arch << ' ' << p.orderHash << ' ' << p.m << ' '
       << p.n << ' ' << p.k << ' ' << (p.overlap ? 1 : 0) << ' ' << p.line << ' ' << us
       << '\n';
  }
  return os.str();
}

std::vector<TunedPick> bic::jit::parseTuning(const std::string &text,
                                             const std::string &filename) {
  std::vector<TunedPick> out;
  std::istringstream in(text);
  std::string raw;
  unsigned lineNo = 0;
  while (std::getline(in, raw)) {
    ++lineNo;
    std::string where = filename + ":" + std::to_string(lineNo) + ": ";
    if (auto hash = raw.find('#'); hash != std::string::npos)
      raw.resize(hash);
    std::istringstream ls(raw);
    std::vector<std::string> f;
    for (std::string w; ls >> w;)
      f.push_back(w);
    if (f.empty())
      continue;
    if (f.size() != 9)
      throw Error(where + "expected 9 columns (device arch order m n k overlap line us), got " +
                  std::to_string(f.size()));
    TunedPick p;
    p.device = f[0];
    p.arch = f[1];
    p.orderHash = f[2];
    int64_t ov = 0;
    const char *names[] = {"m", "n", "k"};
    int64_t *dims[] = {&p.m, &p.n, &p.k};
    for (int d = 0; d < 3; ++d)
      if (!parseInt(f[3 + size_t(d)], *dims[d]) || *dims[d] < 0 || (d < 2 && *dims[d] == 0))
        throw Error(where + "'" + names[d] + "' must be a " + (d < 2 ? "positive" : "non-negative") +
                    " integer, got '" + f[3 + size_t(d)] + "'");
    if (!parseInt(f[6], ov) || (ov != 0 && ov != 1))
      throw Error(where + "'overlap' must be 0 or 1, got '" + f[6] + "'");
    p.overlap = ov == 1;
    p.line = f[7];
    char *end = nullptr;
    p.us = std::strtod(f[8].c_str(), &end);
    if (end == f[8].c_str() || *end || !(p.us >= 0) || p.us > 1e12)
      throw Error(where + "'us' must be a non-negative number, got '" + f[8] + "'");
    p.fileLine = lineNo;
    out.push_back(std::move(p));
  }
  return out;
}

size_t TunedKernel::lineIndex(const std::string &name) const {
  const std::vector<ConfigLine> &lines = table_.lines();
  for (size_t i = 0; i < lines.size(); ++i)
    if (lines[i].arch == arch_ && lines[i].name == name)
      return i;
  throw Error(table_.filename() + ": no " + arch_ + " line named '" + name + "'");
}

std::vector<TunedKernel::Timing> TunedKernel::tune(int64_t m, int64_t n,
                                                   const std::vector<Arg> &args,
                                                   CUstream stream, bool overlap, int64_t k,
                                                   int reps) {
  if (m <= 0 || n <= 0 || k < 0)
    throw Error("tune: extents must be positive (k: non-negative), got m=" + std::to_string(m) +
                " n=" + std::to_string(n) + " k=" + std::to_string(k));
  if (reps < 1)
    throw Error("tune: reps must be at least 1, got " + std::to_string(reps));
  struct Candidate {
    size_t line; ///< index in table_.lines()
    const Kernel *kernel;
    Grid grid;
    LaunchOptions opts;
    std::vector<float> ms;
  };
  std::vector<Candidate> cands;
  for (size_t i = 0; i < table_.lines().size(); ++i) {
    const ConfigLine &line = table_.lines()[i];
    if (line.arch != arch_ || (line.overlapOnly && !overlap))
      continue;
    const Kernel &kk = kernel(line.name);
    kk.checkArgs(args);
    LaunchOptions opts;
    opts.overlapPrevious = overlap && kk.waitsPriorGrids();
    cands.push_back({i, &kk, gridFor(line, m, n), opts, {}});
  }
  if (cands.empty())
    throw Error(table_.filename() + ": no " + arch_ + " line serves " +
                (overlap ? "an overlapped" : "a plain") + " launch");
  // Each line is timed on inputs out of L2, as in a model where the other
  // layers' weights pass through it in between: a buffer twice the L2's
  // size is cleared before each timing. The clear also keeps the GPU busy
  // while the host issues the launch, so the host's part of a launch
  // (argument checks, TMA descriptors) is not counted. An overlapped launch
  // is timed as a chain of kChain launches, each overlapping the one before
  // (where the line waits for prior grids), over kChain.
  constexpr int kChain = 4;
  int l2 = ctx_.attribute(38); // CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE
  DeviceBuffer flush(std::max<size_t>(size_t(2) * size_t(std::max(l2, 0)), size_t(1) << 20));
  auto timeReps = [&](std::vector<Candidate *> order, int times) {
    struct Pending {
      Candidate *c;
      std::unique_ptr<Event> start, stop;
    };
    std::vector<Pending> pending;
    for (int r = 0; r < times; ++r)
      for (Candidate *c : order) {
        Pending p{c, std::make_unique<Event>(), std::make_unique<Event>()};
        flush.fillAsync(0, stream);
        p.start->record(stream);
        for (int i = 0; i < (overlap ? kChain : 1); ++i)
          c->kernel->launch(c->grid, args, stream, c->opts);
        p.stop->record(stream);
        pending.push_back(std::move(p));
      }
    for (Pending &p : pending) {
      p.stop->synchronize();
      p.c->ms.push_back(p.stop->elapsedSince(*p.start) / (overlap ? kChain : 1));
    }
  };
  auto median = [](std::vector<float> v) {
    std::nth_element(v.begin(), v.begin() + ptrdiff_t(v.size() / 2), v.end());
    return double(v[v.size() / 2]) * 1000.0;
  };
  auto byMedian = [&](const Candidate &a, const Candidate &b) {
    return median(a.ms) < median(b.ms);
  };
  for (Candidate &c : cands) {
    c.kernel->launch(c.grid, args, stream); // warm-up, plain
    timeReps({&c}, reps);
  }
  // Single times of lines within a few percent of each other are noise:
  // the three fastest run again, interleaved, and the pick is the fastest
  // median over both rounds.
  std::stable_sort(cands.begin(), cands.end(), byMedian);
  std::vector<Candidate *> finalists;
  for (size_t i = 0; i < std::min<size_t>(3, cands.size()); ++i)
    finalists.push_back(&cands[i]);
  timeReps(finalists, reps);
  std::stable_sort(cands.begin(), cands.end(), byMedian);
  std::vector<Timing> timings;
  for (const Candidate &c : cands)
    timings.push_back({table_.lines()[c.line].name, median(c.ms)});
  tuned_[TunedKey{m, n, k, overlap}] = {cands.front().line, timings.front().us};
  return timings;
}

std::vector<TunedPick> TunedKernel::tunedPicks() const {
  std::vector<TunedPick> out;
  std::string device = ctx_.deviceName();
  for (const auto &[key, v] : tuned_) {
    TunedPick p;
    p.device = device;
    p.arch = arch_;
    p.orderHash = hash_;
    p.m = key.m, p.n = key.n, p.k = key.k, p.overlap = key.overlap;
    p.line = table_.lines()[v.first].name;
    p.us = v.second;
    out.push_back(std::move(p));
  }
  return out;
}

void TunedKernel::saveTuning(const std::string &path) const {
  std::vector<TunedPick> mine = tunedPicks(), out;
  // The file may hold other devices', orders' and shapes' picks: they stay
  // (a malformed file is refused rather than overwritten).
  if (std::ifstream in{path, std::ios::binary}) {
    std::stringstream ss;
    ss << in.rdbuf();
    auto same = [](const TunedPick &a, const TunedPick &b) {
      return deviceToken(a.device) == deviceToken(b.device) && a.arch == b.arch &&
             a.orderHash == b.orderHash && a.m == b.m && a.n == b.n && a.k == b.k &&
             a.overlap == b.overlap;
    };
    for (TunedPick &p : parseTuning(ss.str(), path))
      if (std::none_of(mine.begin(), mine.end(),
                       [&](const TunedPick &q) { return same(p, q); }))
        out.push_back(std::move(p));
  }
  out.insert(out.end(), mine.begin(), mine.end());
  std::string tmp = path + ".XXXXXX";
  int fd = mkstemp(tmp.data());
  if (fd < 0)
    throw Error("cannot write tuning file '" + path + "': " + std::strerror(errno));
  std::string text = formatTuning(out);
  bool ok = true;
  for (size_t done = 0; ok && done < text.size();) {
    ssize_t w = ::write(fd, text.data() + done, text.size() - done);
    ok = w > 0;
    done += ok ? size_t(w) : 0;
  }
  int e = ok ? 0 : errno;
  if (::close(fd) != 0 && ok)
    ok = false, e = errno;
  if (ok && std::rename(tmp.c_str(), path.c_str()) != 0)
    ok = false, e = errno;
  if (!ok) {
    std::remove(tmp.c_str());
    throw Error("cannot write tuning file '" + path + "': " + std::strerror(e));
  }
}

size_t TunedKernel::loadTuning(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error("cannot read tuning file '" + path + "': " + std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  std::vector<TunedPick> picks = parseTuning(ss.str(), path);
  std::string device = deviceToken(ctx_.deviceName());
  std::map<TunedKey, std::pair<size_t, double>> add;
  size_t skipped = 0;
  for (const TunedPick &p : picks) {
    if (p.device != device || p.arch != arch_ || p.orderHash != hash_) {
      ++skipped;
      continue;
    }
    std::string where = path + ":" + std::to_string(p.fileLine) + ": ";
    size_t index;
    try {
      index = lineIndex(p.line);
    } catch (const Error &) {
      throw Error(where + "no " + arch_ + " line named '" + p.line + "' in " + table_.filename());
    }
    if (table_.lines()[index].overlapOnly && !p.overlap)
      throw Error(where + "line '" + p.line + "' serves only overlapped launches");
    add[TunedKey{p.m, p.n, p.k, p.overlap}] = {index, p.us};
  }
  for (auto &[key, v] : add) // (only once the whole file is read)
    tuned_[key] = v;
  return skipped;
}
