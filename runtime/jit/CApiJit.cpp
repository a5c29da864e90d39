//===- CApiJit.cpp - the compilation half of the C API --------------------===//
#include "bic/bic.h"
#include "bic/jit/JIT.h"

#include <cstdlib>
#include <cstring>

using namespace bic;

struct bic_jit {
  jit::Compiler compiler;
  explicit bic_jit(const char *dir) : compiler(dir ? dir : "") {}
};

namespace bic::capi {
void setLastError(const std::string &msg); // CApi.cpp
}

extern "C" {
int bic_jit_create(const char *cache_dir, bic_jit **out) {
  try {
    *out = new bic_jit(cache_dir);
    return 0;
  } catch (const std::exception &e) {
    bic::capi::setLastError(e.what());
    return -1;
  }
}

void bic_jit_destroy(bic_jit *j) { delete j; }

int bic_jit_compile_ptx(bic_jit *j, const char *source, const char *filename,
                        const char *arch, const char *const *defines,
                        int ndefines, char **out_ptx) {
  try {
    if (!j || !source || !out_ptx || ndefines < 0 || (ndefines && !defines))
      throw Error("bic_jit_compile_ptx: null or negative argument");
    jit::Options o;
    if (arch && *arch)
      o.arch = arch;
    for (int i = 0; i < ndefines; ++i) {
      std::string d = defines[i] ? defines[i] : "";
      auto eq = d.find('=');
      char *end = nullptr;
      long long v = eq == std::string::npos ? 0 : std::strtoll(d.c_str() + eq + 1, &end, 0);
      if (eq == std::string::npos || eq == 0 || eq + 1 == d.size())
        throw Error("bic_jit_compile_ptx: define " + std::to_string(i) +
                    " must be NAME=INTEGER or NAME=TYPE, got '" + d + "'");
      if (*end)
        o.typeDefines[d.substr(0, eq)] = d.substr(eq + 1);
      else
        o.defines[d.substr(0, eq)] = v;
    }
    std::string ptx = j->compiler.compileToPTX(source, o, filename ? filename : "<source>");
    char *buf = static_cast<char *>(std::malloc(ptx.size() + 1));
    std::memcpy(buf, ptx.c_str(), ptx.size() + 1);
    *out_ptx = buf;
    bic::capi::setLastError("");
    return 0;
  } catch (const std::exception &e) {
    bic::capi::setLastError(e.what());
    return -1;
  }
}
}
