// Uses the installed bic: compile a kernel at run time, read its signature.
#include "bic/jit/JIT.h"

#include <cstdio>

int main() {
  bic::jit::Compiler jit("none");
  std::string ptx = jit.compileToPTX(R"(
@kernel
def twice(x: ptr[f32], n: i32 @batch):
    o = program_id(0) * 128 + arange(0, 128)
    store(x + o, 2.0 * load(x + o, mask=o < n), mask=o < n)
)", {}, "twice.bic");
  bic::ModuleMeta m = bic::parseMetadata(ptx);
  std::printf("consumer OK: %s, %u threads, order %s\n", m.kernels.at(0).name.c_str(),
              m.kernels[0].threads, m.kernels[0].orderHash.c_str());
  return 0;
}
