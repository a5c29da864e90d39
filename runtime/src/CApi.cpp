//===- CApi.cpp - the C API over the C++ runtime --------------------------===//
#include "bic/bic.h"
#include "bic/runtime/Runtime.h"

#include <cstdlib>
#include <cstring>
#include <map>

using namespace bic;

struct bic_context {
  Context ctx;
  explicit bic_context(int d) : ctx(d) {}
};
struct bic_kernel {
  Kernel k;
};
struct bic_module {
  Module mod;
  std::map<std::string, std::unique_ptr<bic_kernel>> kernels;
};

static thread_local std::string lastError;

namespace bic::capi {
void setLastError(const std::string &msg) { lastError = msg; }
} // namespace bic::capi

template <typename F> static int guard(F &&f) {
  try {
    f();
    lastError.clear();
    return 0;
  } catch (const std::exception &e) {
    lastError = e.what();
  } catch (...) {
    lastError = "unknown error";
  }
  return -1;
}

extern "C" {
void bic_free(void *p) { std::free(p); }
const char *bic_last_error(void) { return lastError.c_str(); }
int bic_driver_available(void) { return Driver::available() ? 1 : 0; }

int bic_context_create(int device, bic_context **out) {
  return guard([&] { *out = new bic_context(device); });
}
void bic_context_destroy(bic_context *c) { delete c; }

int bic_module_load_ptx(bic_context *c, const char *ptx, bic_module **out) {
  return guard([&] {
    if (!c || !ptx)
      throw Error("bic_module_load_ptx: null argument");
    *out = new bic_module{Module::fromPTX(c->ctx, ptx), {}};
  });
}
int bic_module_load_file(bic_context *c, const char *path, bic_module **out) {
  return guard([&] {
    if (!c || !path)
      throw Error("bic_module_load_file: null argument");
    *out = new bic_module{Module::fromFile(c->ctx, path), {}};
  });
}
void bic_module_destroy(bic_module *m) { delete m; }

int bic_kernel_get(bic_module *m, const char *name, bic_kernel **out) {
  return guard([&] {
    if (!m || !name)
      throw Error("bic_kernel_get: null argument");
    auto &slot = m->kernels[name];
    if (!slot)
      slot.reset(new bic_kernel{m->mod.kernel(name)});
    *out = slot.get();
  });
}
int bic_kernel_num_params(const bic_kernel *k) {
  return k ? int(k->k.meta().params.size()) : -1;
}
const char *bic_kernel_order_hash(const bic_kernel *k) {
  return k ? k->k.meta().orderHash.c_str() : "";
}
int bic_kernel_resident_programs(const bic_kernel *k, unsigned *out) {
  return guard([&] {
    if (!k || !out)
      throw Error("bic_kernel_resident_programs: null argument");
    *out = k->k.residentPrograms();
  });
}
int bic_kernel_require_order(const bic_kernel *k, const char *expected) {
  return guard([&] { k->k.requireOrder(expected ? expected : ""); });
}

int bic_launch(const bic_kernel *k, unsigned gx, unsigned gy, unsigned gz,
               void *stream, const bic_arg *args, int nargs) {
  return bic_launch_ex(k, gx, gy, gz, stream, args, nargs, 0);
}

int bic_kernel_waits_prior_grids(const bic_kernel *k) {
  return k && k->k.waitsPriorGrids() ? 1 : 0;
}

int bic_launch_ex(const bic_kernel *k, unsigned gx, unsigned gy, unsigned gz,
                  void *stream, const bic_arg *args, int nargs, unsigned flags) {
  return guard([&] {
    if (flags & ~unsigned(BIC_LAUNCH_OVERLAP_PREVIOUS))
      throw Error("bic_launch_ex: unknown flags " + std::to_string(flags));
    if (!k || (nargs && !args) || nargs < 0)
      throw Error("bic_launch: null or negative argument");
    std::vector<Arg> v;
    v.reserve(nargs);
    for (int i = 0; i < nargs; ++i) {
      const bic_arg &a = args[i];
      switch (a.kind) {
      case BIC_ARG_PTR: v.emplace_back(DevicePtr{a.bits}); break;
      case BIC_ARG_I32: v.emplace_back(int32_t(uint32_t(a.bits))); break;
      case BIC_ARG_I64: v.emplace_back(int64_t(a.bits)); break;
      case BIC_ARG_F32: {
        float f;
        uint32_t b = uint32_t(a.bits);
        std::memcpy(&f, &b, 4);
        v.emplace_back(f);
        break;
      }
      default:
        throw Error("bic_launch: argument " + std::to_string(i) +
                    " has unknown kind " + std::to_string(a.kind));
      }
    }
    LaunchOptions opts;
    opts.overlapPrevious = flags & BIC_LAUNCH_OVERLAP_PREVIOUS;
    k->k.launch(Grid(gx, gy, gz), v, static_cast<CUstream>(stream), opts);
  });
}
}
