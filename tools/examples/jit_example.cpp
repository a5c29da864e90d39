//===- jit_example.cpp - compile a bic kernel at run time and launch it ---===//
//
//   bic-jit-example [KERNEL.bic]
//
// Compiles an RMSNorm from source through bic's JIT API (cached under
// $BIC_CACHE_DIR or ~/.cache/bic), prints its order signature, and when a
// GPU is present runs it on 3 rows and checks one value.
//
//===----------------------------------------------------------------------===//
#include "bic/jit/JIT.h"

#include <cmath>
#include <cstdio>
#include <vector>

static const char *kSource = R"(
@kernel(num_warps=4)
def rmsnorm(x: ptr[f32], y: ptr[f32], n_rows: i32 @batch, n: i32 @multiple_of(4),
            eps: f32, BLOCK: constexpr):
    row = program_id(0)
    cols = arange(0, BLOCK)
    m = cols < n
    v = load(x + row * n + cols, mask=m, other=0.0)
    store(y + row * n + cols, v * rsqrt(sum(v * v, axis=0) / n + eps), mask=m)
)";

int main(int argc, char **argv) {
  try {
    bic::jit::Compiler jit;
    bic::jit::Options opts;
    opts.defines["BLOCK"] = 1024;
    std::string ptx = argc > 1 ? jit.compileFileToPTX(argv[1], opts)
                               : jit.compileToPTX(kSource, opts, "example.bic");
    bic::ModuleMeta meta = bic::parseMetadata(ptx);
    for (const auto &k : meta.kernels)
      std::printf("kernel %s, order hash %s\n%s", k.name.c_str(),
                  k.orderHash.c_str(), k.orderSignature.c_str());
    if (argc > 1 || !bic::Driver::available()) {
      std::printf("compiled (no GPU here, not launched)\n");
      return 0;
    }
    bic::Context ctx(0);
    bic::jit::LoadedKernel k = jit.load(ctx, kSource, "rmsnorm", opts, "example.bic");
    const int rows = 3, n = 1000;
    std::vector<float> x(rows * n);
    for (size_t i = 0; i < x.size(); ++i)
      x[i] = std::sin(float(i));
    bic::DeviceBuffer dx(x.size() * 4), dy(x.size() * 4);
    dx.upload(x.data(), x.size() * 4);
    k.kernel().launch(bic::Grid(rows), {bic::DevicePtr{dx.ptr()}, bic::DevicePtr{dy.ptr()},
                                       int32_t(rows), int32_t(n), 1e-6f});
    ctx.synchronize();
    std::vector<float> y(x.size());
    dy.download(y.data(), y.size() * 4);
    double ss = 0;
    for (int c = 0; c < n; ++c)
      ss += double(x[n + c]) * x[n + c];
    double ref = x[n + 7] / std::sqrt(ss / n + 1e-6);
    std::printf("y[1][7] = %.6f (reference %.6f)\n", y[n + 7], ref);
    return std::fabs(y[n + 7] - ref) < 1e-4 ? 0 : 1;
  } catch (const bic::Error &e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
