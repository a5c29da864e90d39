//===- Passes.td - passes of the bic compiler -----------------------------===//
#ifndef BIC_PASSES_TD
#define BIC_PASSES_TD

include "mlir/Pass/PassBase.td"

def BicVerifyReductionOrder : Pass<"bic-verify-reduction-order", "mlir::ModuleOp"> {
  let summary = "Check that every reduction has an order the lowering realises";
  let description = [{
    Every `bic.reduce` must carry a `#bic.reduce_order` of a kind that the
    lowering realises (`tree`); after layout assignment (`requireResolved`)
    its parameters must be fixed and agree with the tile's layout. Every
    `scf.for` that carries a floating-point accumulator must have a step and
    trip count that do not depend on run-time values other than kernel
    arguments (the loop runs in ascending order, one iteration after the
    other). Atomic read-modify-write ops are rejected outright.

    Before: `bic.reduce sum %x {order = #bic.reduce_order<kind = "tree">}`
    After: unchanged, or an error at the reduction's source location.
  }];
  let options = [
    Option<"requireResolved", "require-resolved", "bool", "false",
           "Also require resolved order parameters (run after bic-assign-layouts)">
  ];
  let dependentDialects = ["bic::BicDialect"];
}

def BicCheckBatchInvariance : Pass<"bic-check-batch-invariance", "mlir::ModuleOp"> {
  let summary = "Reject kernels whose reduction order depends on a @batch value";
  let description = [{
    Taints every value derived from a `bic.batch` argument. A kernel is
    rejected when a tainted value decides the trip count, bounds or step of a
    loop that carries an accumulator, or the condition of an `scf.if` that
    contains a reduction or yields an accumulator. The diagnostic is placed at
    the reduction's source line and names the chain of values from the batch
    parameter. Taint that only selects rows (addresses, masks) is allowed.
  }];
  let dependentDialects = ["bic::BicDialect"];
}

def BicAssignLayouts : Pass<"bic-assign-layouts", "mlir::ModuleOp"> {
  let summary = "Give every tile a thread layout and fix reduction orders";
  let description = [{
    Attaches a `#bic.blocked` (or, for reduction results, `#bic.slice`)
    encoding to every tile, chosen from the tile's shape and the kernel's
    `bic.num_warps` only, inserts `bic.convert_layout` where an operand must
    change layout, and resolves every `#bic.reduce_order` to the concrete
    per-thread count, butterfly offsets and warp count of that layout.

    Before: `%s = bic.reduce sum %x {...} : tensor<1024xf32> -> f32`
    After:  `%s = bic.reduce sum %x {order = #bic.reduce_order<kind = "tree",
              perThread = 8, lanes = [16, 8, 4, 2, 1], warps = 4>}
              : tensor<1024xf32, #bic.blocked<...>> -> f32`
  }];
  let dependentDialects = ["bic::BicDialect"];
}

def BicVectorizeAccess : Pass<"bic-vectorize-access", "mlir::ModuleOp"> {
  let summary = "Prove address contiguity and set the vector width of loads and stores";
  let description = [{
    Runs a contiguity/divisibility/constancy analysis (pointer arguments are
    16-byte aligned and `bic.multiple_of` integers are multiples of their
    value; the runtime checks both at launch) and sets `vec` on every
    `bic.load` and `bic.store` to the number of consecutive elements a thread
    may move with one access, at most 16 bytes.

    Before: `bic.load %p : ... -> tensor<1024xbf16, #l>`
    After:  `bic.load %p {vec = 8 : i32} : ... -> tensor<1024xbf16, #l>`
  }];
  let dependentDialects = ["bic::BicDialect"];
}

def BicExpandTiles : Pass<"bic-expand-tiles", "mlir::ModuleOp"> {
  let summary = "Rewrite block accesses of tensor descriptors into masked loads and stores";
  let description = [{
    Every `bic.load_tile` / `bic.store_tile` not claimed by `bic-tma-dots`
    becomes a tile of pointers `base + (row0 + i) * cols + (col0 + j)` with
    the mask `row0 + i < rows && col0 + j < cols`, and a `bic.load` (zeros
    outside the matrix) or `bic.store`. Runs before layout assignment.

    Before: `%t = bic.load_tile %a[%M, %K] at [%r, %k] : !bic.ptr<bf16> -> tensor<64x32xbf16>`
    After:  `arange`/`splat`/`expand_dims`/`broadcast` index arithmetic,
            `bic.addptr`, and `bic.load %p mask %m other %zeros`.
  }];
  let dependentDialects = ["bic::BicDialect", "mlir::arith::ArithDialect"];
}

def BicClusterSplit : Pass<"bic-cluster-split", "mlir::ModuleOp"> {
  let summary = "Share a program's tile rows among the CTAs of its cluster (`cluster` = n)";
  let description = [{
    In a kernel built with `cluster` = n (`bic.cluster`; sm_90a, warp-
    specialised) a program is a cluster of n CTAs. For the kernel's one K
    loop, CTA r (`bic.cluster_rank`) computes rows [r BM / n, (r + 1) BM / n)
    of the BM x BN accumulator: A's `load_tile` takes those rows, the
    accumulator, the loop and the element-wise ops after it take the
    share's shape, and the `store_tile` of the result writes those rows.
    B's block is the same in every CTA of the cluster (bic-tma-dots copies
    it by multicast). Each output element is accumulated as before, by one
    thread in the same k-steps: the order signature does not change.
    Anything else that uses the tile's rows is an error at that op.

    Before: `%a = bic.load_tile %A[..] at[%row, %k] -> tensor<128x64xbf16>`,
            `bic.dot .. -> tensor<128x64xf32>`
    After:  `%r = bic.cluster_rank`, `%a = bic.load_tile %A[..] at[%row + 64 %r, %k]
            -> tensor<64x64xbf16>`, `bic.dot .. -> tensor<64x64xf32>`
  }];
  let dependentDialects = ["bic::BicDialect", "mlir::arith::ArithDialect"];
}

def BicTmaDots : Pass<"bic-tma-dots", "mlir::ModuleOp"> {
  let summary = "Claim the operand loads of tensor-core K loops for TMA and wgmma (sm_90a)";
  let description = [{
    For a K loop `for k: a = A.load_tile(..); b = B.load_tile(..);
    acc = dot(a, b, acc, trans_b)` with bf16/f16 operands, K blocks a
    multiple of 64 up to 512 (TMA boxes of one 128-byte swizzle row), BM a
    multiple of 16 x num_warps and of 64 (wgmma) or BM = 16 or 32 on at
    most 4 warps, each on whole 16x8 blocks (mma.sync on the TMA stages:
    `bic.tma_mma_sync`), BN a multiple of 8 up to 256 (B given as [K, N],
    not transposed: BN 16, 32 or a multiple of 64, BK up to
    256, B's boxes one 32-, 64- or 128-byte swizzle row wide, the
    parameter's `bic.tma_swizzle`), and descriptors built from kernel
    parameters: appends one hidden kernel parameter per operand (a device
    pointer to the `CUtensorMap` the runtime encodes from the base pointer
    and extent parameters named in its attributes), marks both loads with
    `bic.tma_desc` (the parameter's index) and the dot with `bic.tma_dot`.
    `bic-assign-layouts` then gives the accumulator the wgmma fragment
    layout and `bic-pipeline-dots` builds the TMA + mbarrier + wgmma
    pipeline. The dot, and so the order signature, is unchanged: wgmma
    adds the same k-steps of 16 in the same order as mma.sync.

    f32 operands with tf32 products (k-step 8) qualify with B as [N, K]
    and K blocks a multiple of 32 (boxes of 32 4-byte columns): wgmma reads
    the stages as they landed (truncated, `tf32_rz`) or after every thread
    rounded them in place (rounded to nearest). Rounded to nearest and
    warp-specialised, the tile (BM 64, 128 or 256, or 16/32 as above; up to
    4 warps) runs mma.sync on the stages instead (`bic.tma_mma_sync`), each
    thread rounding the fragments it loads in registers.

    The one `bic.store_tile` after a claimed loop in its block is claimed
    too when its descriptor comes from kernel parameters, its elements are
    2 bytes, its tile is the accumulator's shape and BN is a multiple of 64:
    a third hidden parameter (boxes of up to 128 rows x 64 columns) and
    `bic.tma_desc` on the store; `bic-pipeline-dots` makes it a
    `bic.tma_store` through shared memory. Other stores stay masked stores.

    In a clustered kernel (`bic.cluster` = n, after bic-cluster-split) B's
    block is the same in every CTA: its box is BN / n rows and its load is
    marked `bic.multicast` = n (each CTA copies its n-th into all of them).
    A loop that cannot take this path is an error there, not a fallback.
  }];
  let options = [
    Option<"maxSmem", "max-smem", "int", "232448",
           "Bytes of dynamic shared memory a program may use">
  ];
  let dependentDialects = ["bic::BicDialect"];
}

def BicPipelineDots : Pass<"bic-pipeline-dots", "mlir::ModuleOp"> {
  let summary = "Stream the operands of a K loop's dot through shared memory asynchronously";
  let description = [{
    For an `scf.for` whose body loads two tiles and accumulates their
    `bic.dot` into the loop's only carried value (and where nothing else in
    the kernel uses shared memory), replaces the loads by `bic.async_copy`
    into `stages` rotating shared-memory slots issued `stages - 1`
    iterations ahead, and the dot by `bic.smem_dot` on the current slot.
    The product, and so the order signature, is unchanged: only when the
    bytes move changes. Masked-off and out-of-range tiles read as zeros.

    Before: `scf.for %k { %a = bic.load ...; %b = bic.load ...;
             %c = bic.dot %a, %b, %acc }`
    After:  prologue `bic.async_copy` x (stages - 1); `scf.for %k {
             bic.async_wait; bic.async_copy (k + stages - 1);
             %c = bic.smem_dot %slot, %acc }`

    A loop that `bic-tma-dots` claimed (sm_90a) becomes a TMA pipeline
    instead: `bic.tma_init`, `bic.tma_load` of both operands `stages - 1`
    iterations ahead on per-stage mbarriers (one stream across the tiles of
    a persistent loop), `bic.tma_dot` per iteration, `bic.tma_dot_wait`
    after the loop, and the claimed result store as `bic.tma_store`. With
    the kernel's `bic.warp_specialize`, one more warp's first thread
    (`bic.warp_role "producer"`) walks the (tile, k) stream, waiting for
    each stage to be free (`bic.tma_acquire`) before filling it, while the
    consumer warps run the kernel's code and release each stage once its
    wgmma retired (`bic.tma_release`). Other shared-memory users of such a
    kernel get their bytes reserved past the stages. A `bic.num_stages`
    the kernel asked for is built as asked or refused with the number that
    fits in shared memory; without one, `stages` is an upper bound.

    In a kernel built with `num_stages` >= 2 where neither applies, every
    other loop whose body has a `bic.dot` with A in registers (in the
    accumulator's fragment layout) and B loaded in the body from an address
    that depends only on the induction variable and values from outside
    the loop gets operand prefetch: B is copied by `bic.async_copy` into
    one of two slots one iteration ahead (prologue before the loop,
    `bic.async_wait` at the top of each iteration and after the loop), and
    the dot becomes `bic.smem_dot %slot, %acc regs(%a)`. The slots lie past
    every other shared-memory user's bytes. With `arch=sm_90a` a product
    that can run on wgmma (wgmmaDotEligible) gets 1024-aligned slots in the
    swizzled box layout wgmma reads (`bic.swizzle_row_bytes` on the copies,
    `bic.wgmma` on the product, `bic.fence_async_proxy` on the waits, which
    then fence the copied bytes for wgmma's async proxy).
  }];
  let options = [
    Option<"stages", "stages", "int", "3", "Shared-memory slots per operand when the kernel names none (cp.async: 2-4)">,
    Option<"arch", "arch", "std::string", "\"sm_80\"",
           "The target: on sm_90a a prefetched product that can run on wgmma "
           "(A from registers) gets its B slots in the swizzled layout wgmma reads">
  ];
  let dependentDialects = ["bic::BicDialect", "mlir::scf::SCFDialect",
                           "mlir::arith::ArithDialect"];
}

def BicWaitPriorGrids : Pass<"bic-wait-prior-grids", "mlir::ModuleOp"> {
  let summary = "Let a kernel overlap the one before it on the stream (sm_90)";
  let description = [{
    Puts `bic.wait_prior_grids` first in every kernel built for overlapped
    launches (`bic.overlap`, `overlap=1`) that has none yet, so that a
    launch with programmatic dependent launch may start while the previous
    kernel on the stream finishes: its set-up overlaps that kernel's last
    programs, and it touches memory only once that kernel is done.
    bic-pipeline-dots places the wait itself in a warp-specialised kernel,
    after the producer's first copies of `@weight` operands. Other kernels
    are left alone. Nothing computed changes, so neither does the order
    signature.

    Before: `func.func @k(...) attributes {bic.kernel, bic.overlap} { <body> }`
    After:  `func.func @k(...) attributes {bic.kernel, bic.overlap} { bic.wait_prior_grids <body> }`
  }];
  let dependentDialects = ["bic::BicDialect"];
}

def BicLowerToGPU : Pass<"bic-lower-to-gpu", "mlir::ModuleOp"> {
  let summary = "Lower tile programs to per-thread code in a gpu.module";
  let description = [{
    Turns each `bic.kernel` func.func into a `gpu.func` kernel inside
    `gpu.module @bic`, and each tile into the per-thread `vector` its layout
    assigns: element-wise ops act on those vectors, loads and stores become
    (vectorised, predicated) LLVM memory ops, reductions become the fixed
    sequential fold + `gpu.shuffle xor` butterfly + shared-memory warp fold
    their order attribute states, and layout conversions go through shared
    memory. Math functions become NVVM intrinsics (no libdevice).

    A product (`bic.dot`) runs on mma.sync; with `arch=sm_90a`, one whose A
    operand comes from registers (attention's Q and P) and whose warps all
    go along the rows in warpgroups of four runs on
    `wgmma.mma_async.m64nNk16` instead: A from the same registers, B written
    to shared memory in the swizzled layout TMA would give it (128-byte
    rows; for B as [K, N] with N = 32 or 16, 64 or 32) (`bic.wgmma`). K ascending in k16 steps either way: the same order, and
    the GPU tests compare the bits of both.

    Before: `func.func @k(...) attributes {bic.kernel}` on tiles.
    After:  `gpu.module @bic { gpu.func @k(...) kernel { ... } }`.
  }];
  let options = [
    Option<"arch", "arch", "std::string", "\"sm_80\"",
           "The target (sm_80, sm_90, sm_90a): sm_90a lowers register-A products to wgmma">
  ];
  let dependentDialects = ["mlir::gpu::GPUDialect", "mlir::vector::VectorDialect",
                           "mlir::LLVM::LLVMDialect", "mlir::NVVM::NVVMDialect",
                           "mlir::memref::MemRefDialect", "mlir::scf::SCFDialect",
                           "mlir::arith::ArithDialect"];
}

#endif // BIC_PASSES_TD
