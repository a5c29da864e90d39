//===- Metadata.cpp - parse the `// bic-` header of compiled kernels ------===//
#include "bic/runtime/Metadata.h"
#include "bic/runtime/Driver.h"

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
  auto count = [&](const std::string &text, const char *what) -> unsigned {
    try {
      size_t used = 0;
      unsigned long v = std::stoul(text, &used);
      if (used == text.size())
        return unsigned(v);
    } catch (...) {
    }
    throw bad(std::string("bad ") + what + " '" + text + "'");
  };
  while (std::getline(in, line)) {
    ++lineNo;
    if (line.rfind("// bic-", 0) != 0) {
      if (line.rfind("//", 0) == 0 || line.empty())
        continue;
      break; // header ends at the first non-comment line
    }
    if (startsWith(line, "// bic-version: ", rest)) {
      m.version = rest;
    } else if (startsWith(line, "// bic-arch: ", rest)) {
      m.arch = rest;
    } else if (startsWith(line, "// bic-kernel: ", rest)) {
      m.kernels.push_back(KernelMeta{});
      cur = &m.kernels.back();
      cur->name = rest;
    } else if (!cur) {
      throw bad("'" + line + "' before any bic-kernel line");
    } else if (startsWith(line, "// bic-threads: ", rest)) {
      cur->threads = count(rest, "thread count");
      if (cur->threads == 0 || cur->threads > 1024)
        throw bad("thread count " + rest + " out of range");
    } else if (startsWith(line, "// bic-grid-dependency: ", rest)) {
      if (rest != "wait")
        throw bad("unknown bic-grid-dependency '" + rest + "' (expected wait)");
      cur->waitsPriorGrids = true;
    } else if (startsWith(line, "// bic-cluster: ", rest)) {
      cur->cluster = count(rest, "cluster size");
      if (cur->cluster < 1 || cur->cluster > 8)
        throw bad("cluster size " + rest + " out of range (1 to 8 CTAs)");
    } else if (startsWith(line, "// bic-smem: ", rest)) {
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
          p.multipleOf = std::stoll(flag.substr(12));
        else
          throw bad("unknown parameter flag '" + flag + "'");
      }
      static const char *const kTypes[] = {"i32", "i64", "f32"};
      bool known = p.isPointer();
      for (const char *t : kTypes)
        known |= p.type == t;
      if (!known)
        throw bad("unsupported parameter type '" + p.type + "'");
      cur->params.push_back(p);
    } else if (startsWith(line, "// bic-tma: ", rest)) {
      // base=B shape=I,J box=R,C swizzle=128 [rows=fit] by=value
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
        } else if (field != "swizzle=128") {
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
      for (unsigned d : t.shape)
        if (d >= cur->params.size() || cur->params[d].isPointer() ||
            cur->params[d].type == "f32")
          throw bad("bic-tma extent is not an integer parameter");
      cur->tma.push_back(t);
    } else if (startsWith(line, "// bic-constexpr: ", rest)) {
      auto eq = rest.find('=');
      if (eq == std::string::npos)
        throw bad("bic-constexpr needs NAME=VALUE");
      cur->constexprs.push_back({rest.substr(0, eq), std::stoll(rest.substr(eq + 1))});
    } else if (startsWith(line, "// bic-dtype: ", rest)) {
      auto eq = rest.find('=');
      if (eq == std::string::npos)
        throw bad("bic-dtype needs NAME=TYPE");
      cur->dtypes.push_back({rest.substr(0, eq), rest.substr(eq + 1)});
    } else if (startsWith(line, "// bic-order-hash: ", rest)) {
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
