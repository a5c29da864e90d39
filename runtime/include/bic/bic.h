/*===- bic.h - C API of the bic runtime ------------------------------------===
 *
 * Enough to load compiled kernels and launch them from any language (Python
 * through ctypes, for instance). Every function returns 0 on success or -1
 * on failure; bic_last_error() then says what went wrong (thread-local).
 *
 *===----------------------------------------------------------------------===*/
#ifndef BIC_C_API_H
#define BIC_C_API_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bic_context bic_context;
typedef struct bic_module bic_module;
typedef struct bic_kernel bic_kernel; /* owned by its module */

enum bic_arg_kind { BIC_ARG_PTR = 0, BIC_ARG_I32 = 1, BIC_ARG_I64 = 2, BIC_ARG_F32 = 3 };

/* One kernel argument: `bits` holds the pointer or the scalar's bytes. */
typedef struct bic_arg {
  int32_t kind;
  int32_t reserved;
  uint64_t bits;
} bic_arg;

const char *bic_last_error(void);
int bic_driver_available(void);

int bic_context_create(int device, bic_context **out);
void bic_context_destroy(bic_context *ctx);

int bic_module_load_ptx(bic_context *ctx, const char *ptx, bic_module **out);
int bic_module_load_file(bic_context *ctx, const char *path, bic_module **out);
void bic_module_destroy(bic_module *mod);

int bic_kernel_get(bic_module *mod, const char *name, bic_kernel **out);
/* Number of parameters, or -1. */
int bic_kernel_num_params(const bic_kernel *k);
/* 16 hex digits of the kernel's reduction-order signature. */
const char *bic_kernel_order_hash(const bic_kernel *k);
/* Fails unless the kernel's order hash equals `expected`. */
/* Programs of `k` resident at once on the current device (the grid of a
   persistent kernel). */
int bic_kernel_resident_programs(const bic_kernel *k, unsigned *out);
int bic_kernel_require_order(const bic_kernel *k, const char *expected);

/* Launches on `stream` (a CUstream, or NULL) after checking the arguments. */
int bic_launch(const bic_kernel *k, unsigned gx, unsigned gy, unsigned gz,
               void *stream, const bic_arg *args, int nargs);

/* bic_launch_ex flags. OVERLAP_PREVIOUS: programmatic dependent launch (the
   kernel may start while the previous kernel on the stream finishes, and
   waits for it before touching memory other than @weight arguments); fails
   for a kernel without that wait (built without overlap=1;
   bic_kernel_waits_prior_grids). */
enum { BIC_LAUNCH_OVERLAP_PREVIOUS = 1 };
int bic_launch_ex(const bic_kernel *k, unsigned gx, unsigned gy, unsigned gz,
                  void *stream, const bic_arg *args, int nargs, unsigned flags);
/* 1 if the kernel may be launched with BIC_LAUNCH_OVERLAP_PREVIOUS, else 0. */
int bic_kernel_waits_prior_grids(const bic_kernel *k);

/*--- Compilation (defined in libbic_jit, which links LLVM/MLIR) ---------*/

typedef struct bic_jit bic_jit;

/* `cache_dir` NULL or "": $BIC_CACHE_DIR or ~/.cache/bic; "none": no disk cache. */
int bic_jit_create(const char *cache_dir, bic_jit **out);
void bic_jit_destroy(bic_jit *jit);
/* Compiles `source` to PTX for `arch` ("sm_80", "sm_90a"; NULL: sm_90a).
 * `defines` holds `ndefines` strings "NAME=VALUE" (an integer for constexpr
 * parameters, a type name such as f16 for dtype ones). On success *out_ptx is a
 * string to release with bic_free. Errors carry file:line:col diagnostics. */
int bic_jit_compile_ptx(bic_jit *jit, const char *source, const char *filename,
                        const char *arch, const char *const *defines,
                        int ndefines, char **out_ptx);
void bic_free(void *p);

#ifdef __cplusplus
}
#endif

#endif /* BIC_C_API_H */
