//===- Metadata.cpp - parse the `// bic-` header of compiled kernels ------===//
#include "bic/runtime/Metadata.h"
#include "bic/runtime/Driver.h"

#include <algorithm>
#include <charconv>
#include <cctype>
#include <climits>
#include <cstdint>
#include <sstream>

using namespace bic;

static bool startsWith(const std::string &s, const char *p, std::string &rest) {
  size_t n = std::char_traits<char>::length(p);
  if (s.compare(0, n, p) != 0)
    return false;
  rest = s.substr(n);
  return true;
}

ModuleMeta bic::parseMetadata(const std::string &ptx) {
  ModuleMeta m;
  std::istringstream in(ptx);
  std::string line, rest;
  KernelMeta *cur = nullptr;
  int lineNo = 0;
  auto bad = [&](const std::string &why) {
    return Error("malformed bic kernel header, line " + std::to_string(lineNo) +
                 ": " + why);
  };
  // Numbers are plain decimal digits (an optional '-' where a value may be
  // negative) that fit their field: nothing wraps, nothing trails.
  auto integer = [&](const std::string &text, const char *what, int64_t lo,
                     int64_t hi) -> int64_t {
    int64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    bool whole = !text.empty() && text[0] != '+' && end == text.data() + text.size();
    if (ec == std::errc::result_out_of_range && whole)
      throw bad(std::string(what) + " " + text + " out of range [" + std::to_string(lo) +
                ", " + std::to_string(hi) + "]");
    if (ec != std::errc() || !whole)
      throw bad(std::string("bad ") + what + " '" + text + "'");
    if (v < lo || v > hi)
      throw bad(std::string(what) + " " + text + " out of range [" + std::to_string(lo) +
                ", " + std::to_string(hi) + "]");
    return v;
  };
  auto count = [&](const std::string &text, const char *what) -> unsigned {
    return unsigned(integer(text, what, 0, UINT32_MAX));
  };
  auto known = [](const std::string &t, std::initializer_list<const char *> types) {
    return std::any_of(types.begin(), types.end(), [&](const char *k) { return t == k; });
  };
  while (std::getline(in, line)) {
    ++lineNo;
    if (line.rfind("// bic-", 0) != 0) {
      if (line.rfind("//", 0) == 0 || line.empty())
        continue;
      break; // header ends at the first non-comment line
    }
    if (startsWith(line, "// bic-version: ", rest) || startsWith(line, "// bic-arch: ", rest)) {
      if (cur)
        throw bad("'" + line + "' inside kernel '" + cur->name + "''s header");
      (line.compare(7, 7, "version") == 0 ? m.version : m.arch) = rest;
    } else if (startsWith(line, "// bic-kernel: ", rest)) {
      if (cur)
        throw bad("kernel '" + cur->name + "' is not closed by '// bic-end' before kernel '" +
                  rest + "'");
      bool name = !rest.empty() && std::all_of(rest.begin(), rest.end(), [](char c) {
        return std::isalnum((unsigned char)c) || c == '_';
      });
      if (!name)
        throw bad("bad kernel name '" + rest + "'");
      for (const KernelMeta &k : m.kernels)
        if (k.name == rest)
          throw bad("kernel '" + rest + "' described twice");
      m.kernels.push_back(KernelMeta{});
      cur = &m.kernels.back();
      cur->name = rest;
    } else if (!cur) {
      throw bad("'" + line + "' before any bic-kernel line");
    } else if (startsWith(line, "// bic-threads: ", rest)) {
      if (cur->threads)
        throw bad("bic-threads given twice");
      cur->threads = unsigned(integer(rest, "thread count", 1, 1024));
    } else if (startsWith(line, "// bic-grid-dependency: ", rest)) {
      if (rest != "wait")
        throw bad("unknown bic-grid-dependency '" + rest + "' (expected wait)");
      cur->waitsPriorGrids = true;
    } else if (startsWith(line, "// bic-cluster: ", rest)) {
      cur->cluster = unsigned(integer(rest, "cluster size (CTAs)", 1, 8));
    } else if (startsWith(line, "// bic-smem: ", rest)) {
      // (the driver refuses what the GPU lacks)
      cur->dynamicSmem = count(rest, "shared-memory size");
    } else if (startsWith(line, "// bic-param: ", rest)) {
      std::istringstream ps(rest);
      ParamMeta p;
      if (!(ps >> p.name >> p.type))
        throw bad("bic-param needs a name and a type");
      std::string flag;
      while (ps >> flag) {
        if (flag == "batch")
          p.batch = true;
        else if (flag == "weight" && p.isPointer())
          p.weight = true;
        else if (flag == "weight")
          throw bad("parameter '" + p.name + "' of type " + p.type +
                    " is marked weight, which only pointers can be");
        else if (flag.rfind("multiple_of=", 0) == 0)
          p.multipleOf = integer(flag.substr(12), "multiple_of", 1, INT64_MAX);
        else
          throw bad("unknown parameter flag '" + flag + "'");
      }
      bool typeOk = p.isPointer()
                        ? p.type.back() == '>' &&
                              known(p.type.substr(4, p.type.size() - 5),
                                    {"f32", "f16", "bf16", "i1", "i32", "i64"})
                        : known(p.type, {"i32", "i64", "f32"});
      if (!typeOk)
        throw bad("unsupported parameter type '" + p.type + "'");
      if (p.multipleOf != 1 && p.isPointer())
        throw bad("parameter '" + p.name + "': multiple_of on a pointer");
      for (const ParamMeta &q : cur->params)
        if (q.name == p.name)
          throw bad("parameter '" + p.name + "' described twice");
      cur->params.push_back(p);
    } else if (startsWith(line, "// bic-tma: ", rest)) {
      // base=B shape=I,J box=R,C swizzle=W [rows=fit] by=value (W: 128,
      // 64 or 32)
      std::istringstream ts(rest);
      std::string field;
      TmaMeta t;
      bool haveBase = false, byValue = false;
      auto list = [&](const std::string &text, std::vector<unsigned> &out) {
        std::istringstream ls(text);
        std::string item;
        while (std::getline(ls, item, ','))
          out.push_back(count(item, "bic-tma list entry"));
      };
      while (ts >> field) {
        std::string v;
        if (startsWith(field, "base=", v)) {
          t.base = count(v, "bic-tma base");
          haveBase = true;
        } else if (startsWith(field, "shape=", v)) {
          list(v, t.shape);
        } else if (startsWith(field, "box=", v)) {
          list(v, t.box);
        } else if (field == "rows=fit") {
          t.fitRows = true;
        } else if (field == "by=value") {
          byValue = true;
        } else if (startsWith(field, "swizzle=", v)) {
          if (v != "128" && v != "64" && v != "32")
            throw bad("bic-tma swizzle '" + v + "' is not 128, 64 or 32");
          t.swizzle = unsigned(std::stoul(v));
        } else {
          throw bad("unknown bic-tma field '" + field + "'");
        }
      }
      if (!haveBase || t.shape.size() != 2 || t.box.size() != 2)
        throw bad("bic-tma needs base=, a 2-D shape= and a 2-D box=");
      if (!byValue)
        throw bad("bic-tma without by=value: the kernel was compiled by a bic before 0.2, "
                  "which took TMA descriptors by pointer; compile it again");
      if (t.base >= cur->params.size() || !cur->params[t.base].isPointer())
        throw bad("bic-tma base is not a pointer parameter");
      for (unsigned d : t.box)
        if (d < 1 || d > 256)
          throw bad("bic-tma box extent " + std::to_string(d) + " out of range [1, 256]");
      // A matrix TMA copies (Tma.cpp), whose box row is one swizzle row.
      const std::string &bt = cur->params[t.base].type;
      if (bt != "ptr<bf16>" && bt != "ptr<f16>" && bt != "ptr<f32>")
        throw bad("bic-tma base is a " + bt + ", not a bf16, f16 or f32 matrix");
      unsigned elem = bt == "ptr<f32>" ? 4 : 2;
      if (t.box[1] * elem != t.swizzle)
        throw bad("bic-tma box rows of " + std::to_string(t.box[1]) + " elements (" +
                  std::to_string(t.box[1] * elem) + " bytes) are not one " +
                  std::to_string(t.swizzle) + "-byte swizzle row");
      for (unsigned d : t.shape)
        if (d >= cur->params.size() || cur->params[d].isPointer() ||
            cur->params[d].type == "f32")
          throw bad("bic-tma extent is not an integer parameter");
      cur->tma.push_back(t);
    } else if (startsWith(line, "// bic-constexpr: ", rest)) {
      auto eq = rest.find('=');
      if (eq == std::string::npos)
        throw bad("bic-constexpr needs NAME=VALUE");
      if (eq == 0)
        throw bad("bic-constexpr needs NAME=VALUE");
      cur->constexprs.push_back(
          {rest.substr(0, eq), integer(rest.substr(eq + 1), "bic-constexpr value", INT64_MIN,
                                       INT64_MAX)});
    } else if (startsWith(line, "// bic-dtype: ", rest)) {
      auto eq = rest.find('=');
      if (eq == std::string::npos || eq == 0 ||
          !known(rest.substr(eq + 1), {"f32", "f16", "bf16"}))
        throw bad("bic-dtype needs NAME=TYPE (f32, f16 or bf16), got '" + rest + "'");
      cur->dtypes.push_back({rest.substr(0, eq), rest.substr(eq + 1)});
    } else if (startsWith(line, "// bic-order-hash: ", rest)) {
      if (rest.size() != 16 || !std::all_of(rest.begin(), rest.end(), [](char c) {
            return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
          }))
        throw bad("bad order hash '" + rest + "' (16 hexadecimal digits)");
      cur->orderHash = rest;
    } else if (startsWith(line, "// bic-order: ", rest)) {
      cur->orderSignature += rest + "\n";
    } else if (line == "// bic-end") {
      if (cur->threads == 0)
        throw bad("kernel '" + cur->name + "' has no bic-threads line");
      cur = nullptr;
    } else {
      throw bad("unknown header line '" + line + "'");
    }
  }
  if (m.kernels.empty())
    throw Error("not a bic kernel: the PTX has no '// bic-kernel:' header "
                "(compile it with 'bic compile')");
  if (cur)
    throw Error("malformed bic kernel header: kernel '" + cur->name +
                "' is not closed by '// bic-end' (truncated file?)");
  return m;
}
