//===- ConfigTable.cpp - per-shape configurations of one kernel -----------===//
#include "bic/runtime/ConfigTable.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

using namespace bic;

namespace {
struct Column {
  std::string name;
  bool optional = false;
};

const char *const kKnownArchs[] = {"sm_80", "sm_90", "sm_90a"};

std::vector<Column> matmulColumns() {
  std::vector<Column> c;
  for (const char *n : {"BM", "BN", "BK", "num_warps", "num_stages"})
    c.push_back({n, false});
  c.push_back({"warp_specialize", true});
  c.push_back({"overlap", true});
  c.push_back({"cluster", true});
  return c;
}

bool parseInt(const std::string &s, int64_t &out) {
  if (s.empty())
    return false;
  size_t i = s[0] == '-' ? 1 : 0;
  if (i == s.size() || s.size() > 18 ||
      !std::all_of(s.begin() + i, s.end(), [](char c) { return std::isdigit((unsigned char)c); }))
    return false;
  out = std::stoll(s);
  return true;
}

std::vector<std::string> words(const std::string &s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;)
    out.push_back(w);
  return out;
}
} // namespace

int64_t ConfigLine::get(const std::string &key, int64_t otherwise) const {
  auto it = defines.find(key);
  return it == defines.end() ? otherwise : it->second;
}

ConfigTable ConfigTable::parse(const std::string &text, const std::string &filename) {
  ConfigTable t;
  t.filename_ = filename;
  std::vector<Column> cols = matmulColumns();
  bool sawColumns = false;
  std::set<std::string> names;
  std::istringstream in(text);
  std::string raw;
  for (unsigned lineNo = 1; std::getline(in, raw); ++lineNo) {
    auto bad = [&](const std::string &what) {
      return Error(filename + ":" + std::to_string(lineNo) + ": " + what);
    };
    std::vector<std::string> w = words(raw);
    if (w.empty())
      continue;
    if (w[0][0] != '#' && raw.find('#') != std::string::npos)
      w = words(raw.substr(0, raw.find('#'))); // (a comment after a line)
    if (w[0][0] == '#') {
      // "# columns: name arch max_M N C1 C2 [C3]" names the columns.
      std::string rest = raw.substr(raw.find('#') + 1);
      std::vector<std::string> h = words(rest);
      if (h.empty() || h[0] != "columns:")
        continue;
      if (sawColumns || !t.lines_.empty())
        throw bad("'# columns:' must come once, before the first line");
      sawColumns = true;
      // The fourth column is N's range; "min_N" is its older name.
      static const char *const fixed[] = {"name", "arch", "max_M"};
      if (h.size() < 6 || !std::equal(fixed, fixed + 3, h.begin() + 1) ||
          (h[4] != "N" && h[4] != "min_N"))
        throw bad("'# columns:' must start with 'name arch max_M N' and name at "
                  "least one more column");
      cols.clear();
      std::set<std::string> seen;
      for (size_t i = 5; i < h.size(); ++i) {
        Column c{h[i], false};
        if (c.name.size() > 2 && c.name.front() == '[' && c.name.back() == ']') {
          c.name = c.name.substr(1, c.name.size() - 2);
          c.optional = true;
        } else if (!cols.empty() && cols.back().optional) {
          throw bad("column '" + c.name + "' follows an optional column: optional "
                    "columns come last");
        }
        if (!seen.insert(c.name).second)
          throw bad("column '" + c.name + "' named twice");
        cols.push_back(c);
      }
      continue;
    }
    size_t required = 4 + size_t(std::count_if(cols.begin(), cols.end(),
                                               [](const Column &c) { return !c.optional; }));
    if (w.size() < required || w.size() > 4 + cols.size())
      throw bad("line '" + w[0] + "' has " + std::to_string(w.size()) + " columns; expected " +
                (required == 4 + cols.size()
                     ? std::to_string(required)
                     : std::to_string(required) + " to " + std::to_string(4 + cols.size())) +
                " (name arch max_M N" +
                [&] {
                  std::string s;
                  for (const Column &c : cols)
                    s += " " + (c.optional ? "[" + c.name + "]" : c.name);
                  return s;
                }() +
                ")");
    ConfigLine c;
    c.name = w[0];
    c.arch = w[1];
    c.line = lineNo;
    if (!names.insert(c.name).second)
      throw bad("line '" + c.name + "' is named twice");
    if (std::find(std::begin(kKnownArchs), std::end(kKnownArchs), c.arch) ==
        std::end(kKnownArchs))
      throw bad("line '" + c.name + "': unknown arch '" + c.arch +
                "' (sm_80, sm_90 or sm_90a)");
    if (!parseInt(w[2], c.maxM) || c.maxM < 0)
      throw bad("line '" + c.name + "': max_M '" + w[2] + "' is not a count (0: any M)");
    // N: "LO" (N >= LO) or "LO-HI" (LO <= N <= HI).
    size_t dash = w[3].find('-');
    bool rangeOk = dash == std::string::npos
                       ? parseInt(w[3], c.minN)
                       : parseInt(w[3].substr(0, dash), c.minN) &&
                             parseInt(w[3].substr(dash + 1), c.maxN) && c.maxN >= 1;
    if (!rangeOk || c.minN < 0 || (c.maxN != 0 && c.maxN < c.minN))
      throw bad("line '" + c.name + "': N '" + w[3] +
                "' is not a range of N (LO: N >= LO; LO-HI: LO <= N <= HI)");
    for (size_t i = 4; i < w.size(); ++i) {
      const Column &col = cols[i - 4];
      int64_t v;
      if (!parseInt(w[i], v))
        throw bad("line '" + c.name + "': " + col.name + " '" + w[i] + "' is not an integer");
      // The columns bic knows, in the ranges the compiler accepts (any other
      // column is a constexpr of the kernel, checked when it is compiled).
      struct Range { const char *name; int64_t lo, hi; };
      static const Range kRanges[] = {{"BM", 1, 1 << 16}, {"BN", 1, 1 << 16}, {"BK", 1, 1 << 16},
                                      {"num_warps", 1, 32}, {"num_stages", 0, 24},
                                      {"warp_specialize", 0, 1}, {"overlap", 0, 1},
                                      {"cluster", 1, 8}};
      for (const Range &r : kRanges)
        if (col.name == r.name && (v < r.lo || v > r.hi))
          throw bad("line '" + c.name + "': " + col.name + " " + w[i] + " out of range [" +
                    std::to_string(r.lo) + ", " + std::to_string(r.hi) + "]");
      c.defines[col.name] = v;
    }
    c.overlapOnly = c.get("overlap") != 0;
    t.lines_.push_back(std::move(c));
  }
  if (t.lines_.empty())
    throw Error(filename + ": no configuration lines");
  // pick() takes the first line that serves: a line every launch of which an
  // earlier line of its arch already serves can never be picked.
  for (size_t j = 0; j < t.lines_.size(); ++j)
    for (size_t i = 0; i < j; ++i) {
      const ConfigLine &e = t.lines_[i], &l = t.lines_[j];
      bool covers = e.arch == l.arch && (e.maxM == 0 || (l.maxM != 0 && l.maxM <= e.maxM)) &&
                    e.minN <= l.minN && (e.maxN == 0 || (l.maxN != 0 && l.maxN <= e.maxN)) &&
                    (l.overlapOnly || !e.overlapOnly);
      if (covers)
        throw Error(filename + ":" + std::to_string(l.line) + ": line '" + l.name +
                    "' can never be picked: line '" + e.name + "' (line " +
                    std::to_string(e.line) + ") comes first and serves every launch it serves");
    }
  return t;
}

ConfigTable ConfigTable::load(const std::string &path) {
  std::ifstream in(path);
  if (!in)
    throw Error("cannot read configuration table '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), path);
}

std::vector<ConfigLine> ConfigTable::forArch(const std::string &arch) const {
  std::vector<ConfigLine> out;
  for (const ConfigLine &c : lines_)
    if (c.arch == arch)
      out.push_back(c);
  return out;
}

const ConfigLine &ConfigTable::pick(const std::string &arch, int64_t m, int64_t n,
                                    bool overlap) const {
  for (const ConfigLine &c : lines_)
    if (c.arch == arch && c.serves(m, n, overlap))
      return c;
  throw Error(filename_ + ": no line for " + arch + " serves M = " + std::to_string(m) +
              ", N = " + std::to_string(n) +
              (overlap ? " (overlapped launch)" : " (plain launch)") +
              " (a table ends each arch with a line of max_M 0 and N 0)");
}
