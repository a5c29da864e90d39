// RUN: bic-opt %s --bic-tma-dots | FileCheck %s
// RUN: bic-opt %s --bic-tma-dots --bic-expand-tiles --bic-assign-layouts --bic-pipeline-dots | FileCheck %s --check-prefix=PIPE

// A K loop over two descriptor blocks, B as [N, K], BK = 64: both loads are
// claimed, each with a hidden descriptor parameter appended after the
// caller's (its base and extents are parameter indices), and the dot is
// marked for wgmma.
// CHECK-LABEL: func.func @claim
// CHECK-SAME: %arg7: !bic.ptr<i8> {bic.tma_base = 0 : i64, bic.tma_box = array<i64: 128, 64>, bic.tma_fit, bic.tma_shape = array<i64: 4, 6>}
// CHECK-SAME: %arg8: !bic.ptr<i8> {bic.tma_base = 1 : i64, bic.tma_box = array<i64: 128, 64>, bic.tma_fit, bic.tma_shape = array<i64: 5, 6>}
// CHECK-SAME: %arg9: !bic.ptr<i8> {bic.tma_base = 2 : i64, bic.tma_box = array<i64: 128, 64>, bic.tma_fit, bic.tma_shape = array<i64: 4, 5>}
// CHECK: bic.load_tile {{.*}}bic.tma_desc = 7
// CHECK: bic.load_tile {{.*}}bic.tma_desc = 8
// CHECK: bic.dot {{.*}}bic.tma_dot
// The tile's result store after the loop goes through TMA too (box 128 x 64).
// CHECK: bic.store_tile {{.*}}bic.tma_desc = 9

// After layouts and pipelining: barriers and the first stages before the
// loop; in it, wgmma on the iteration's stage, then the copies S - 1
// iterations ahead; the accumulator leaves through tma_dot_wait.
// PIPE-LABEL: func.func @claim
// A stage's bytes are those of boxes narrowed to the matrices' rows (the
// runtime's `rows=fit`): min(128, M) + min(128, N) rows of 128 bytes.
// PIPE: bic.tma_init {{.*}} {barriers = 196608 : i64, stages = 6 : i64}
// PIPE: %[[RA:.*]] = arith.minsi %c128{{.*}}, %arg4 : i32
// PIPE: %[[BA:.*]] = arith.muli %[[RA]], %c128
// PIPE: %[[RB:.*]] = arith.minsi %c128{{.*}}, %arg5 : i32
// PIPE: %[[BB:.*]] = arith.muli %[[RB]], %c128
// PIPE: %[[BYTES:.*]] = arith.addi %[[BA]], %[[BB]] : i32
// PIPE: bic.tma_load %arg7{{.*}} expect %[[BYTES]] {afterStore
// PIPE: bic.tma_load %arg8{{.*}}, %{{[^ ]*}} {barriers
// PIPE: scf.for
// PIPE: bic.tma_dot {{.*}}order = #bic.dot_order<kStep = 16>{{.*}}stages = 6 : i64{{.*}}rowsLanesFirst = true
// PIPE: bic.tma_load
// PIPE: bic.tma_load
// PIPE: scf.yield
// PIPE: bic.tma_dot_wait
// The store stages its two boxes in the stage of the last K iteration
// (nk - 1; the A and B slots hold one 16 KB box each, so no region of its
// own); refills wait for its reads (afterStore); the program ends after it.
// PIPE: %[[NK1:.*]] = arith.subi %{{.*}}, %c1
// PIPE: bic.tma_store %arg9[%c0{{.*}}, %c0{{.*}}], %{{.*}}, %[[NK1]] {aBase = 0 : i64, aSlot = 16384 : i64, bBase = 98304 : i64, bSlot = 16384 : i64, boxRows = 128 : i64, extraBase = 197632 : i64, extraBytes = 0 : i64, stages = 6 : i64}
// PIPE-NEXT: bic.tma_store_wait
// PIPE-NOT: bic.dot
// PIPE-NOT: bic.store_tile
// PIPE-LABEL: func.func @kn
// PIPE: bic.tma_dot {{.*}}bNMajor
func.func @claim(%a: !bic.ptr<bf16>, %b: !bic.ptr<bf16>, %c: !bic.ptr<bf16>, %bias: !bic.ptr<bf16>,
                 %m: i32, %n: i32, %k: i32) attributes {bic.kernel, bic.num_warps = 4 : i32, bic.num_stages = 6 : i32} {
  %c0 = arith.constant 0 : i32
  %c64 = arith.constant 64 : i32
  %z = arith.constant 0.0 : f32
  %acc0 = bic.splat %z : f32 -> tensor<128x128xf32>
  %r = scf.for %i = %c0 to %k step %c64 iter_args(%acc = %acc0) -> (tensor<128x128xf32>) : i32 {
    %ta = bic.load_tile %a[%m, %k] at [%c0, %i] : !bic.ptr<bf16> -> tensor<128x64xbf16>
    %tb = bic.load_tile %b[%n, %k] at [%c0, %i] : !bic.ptr<bf16> -> tensor<128x64xbf16>
    %d = bic.dot %ta, %tb, %acc {order = #bic.dot_order<kStep = 16>, transB} : tensor<128x64xbf16>, tensor<128x64xbf16>, tensor<128x128xf32> -> tensor<128x128xf32>
    scf.yield %d : tensor<128x128xf32>
  }
  %o = arith.truncf %r : tensor<128x128xf32> to tensor<128x128xbf16>
  bic.store_tile %c[%m, %n] at [%c0, %c0], %o : !bic.ptr<bf16>, tensor<128x128xbf16>
  return
}

// B as [K, N] on a wgmma tile: claimed too. Its block is BN / 64 boxes of
// BK rows (here one of 64 x 64), never narrowed to the matrix (rows past K
// would meet A's zero-filled columns); the dot becomes an N-major tma_dot.
// CHECK-LABEL: func.func @kn
// CHECK-SAME: %arg5: !bic.ptr<i8> {bic.tma_base = 0 : i64, bic.tma_box = array<i64: 64, 64>, bic.tma_fit, bic.tma_shape = array<i64: 2, 4>}
// CHECK-SAME: %arg6: !bic.ptr<i8> {bic.tma_base = 1 : i64, bic.tma_box = array<i64: 64, 64>, bic.tma_shape = array<i64: 4, 3>}
// CHECK: bic.dot {{.*}}bic.tma_dot
func.func @kn(%a: !bic.ptr<bf16>, %b: !bic.ptr<bf16>, %m: i32, %n: i32, %k: i32) attributes {bic.kernel} {
  %c0 = arith.constant 0 : i32
  %c64 = arith.constant 64 : i32
  %z = arith.constant 0.0 : f32
  %acc0 = bic.splat %z : f32 -> tensor<64x64xf32>
  %r = scf.for %i = %c0 to %k step %c64 iter_args(%acc = %acc0) -> (tensor<64x64xf32>) : i32 {
    %ta = bic.load_tile %a[%m, %k] at [%c0, %i] : !bic.ptr<bf16> -> tensor<64x64xbf16>
    %tb = bic.load_tile %b[%k, %n] at [%i, %c0] : !bic.ptr<bf16> -> tensor<64x64xbf16>
    %d = bic.dot %ta, %tb, %acc {order = #bic.dot_order<kStep = 16>} : tensor<64x64xbf16>, tensor<64x64xbf16>, tensor<64x64xf32> -> tensor<64x64xf32>
    scf.yield %d : tensor<64x64xf32>
  }
  return
}

// B as [K, N] 32 columns wide: one box of BK rows x 32 columns, whose
// 64-byte rows take the 64-byte swizzle (bic.tma_swizzle; 128 is left
// unsaid); the stage's copy is that one box.
// CHECK-LABEL: func.func @kn_narrow
// CHECK-SAME: %arg6: !bic.ptr<i8> {bic.tma_base = 1 : i64, bic.tma_box = array<i64: 64, 32>, bic.tma_shape = array<i64: 4, 3>, bic.tma_swizzle = 64 : i64}
// CHECK: bic.dot {{.*}}bic.tma_dot
// PIPE-LABEL: func.func @kn_narrow
// PIPE: bic.tma_load %arg5
// PIPE-NEXT: bic.tma_load %arg6[{{.*}}box = array<i64: 64, 32>, slotBytes = 4096
// PIPE-NOT: bic.tma_load %arg6
// PIPE: bic.tma_load %arg5
// PIPE-NEXT: bic.tma_load %arg6[{{.*}}box = array<i64: 64, 32>, slotBytes = 4096
// PIPE-NOT: bic.tma_load %arg6
// PIPE: scf.for
// PIPE: bic.tma_dot {{.*}}bNMajor{{.*}}bSlot = 4096
// PIPE: bic.tma_load %arg5
// PIPE-NEXT: bic.tma_load %arg6[{{.*}}box = array<i64: 64, 32>, slotBytes = 4096
// PIPE-NOT: bic.tma_load %arg6
// PIPE: bic.tma_dot_wait
func.func @kn_narrow(%a: !bic.ptr<bf16>, %b: !bic.ptr<bf16>, %m: i32, %n: i32, %k: i32) attributes {bic.kernel} {
  %c0 = arith.constant 0 : i32
  %c64 = arith.constant 64 : i32
  %z = arith.constant 0.0 : f32
  %acc0 = bic.splat %z : f32 -> tensor<64x32xf32>
  %r = scf.for %i = %c0 to %k step %c64 iter_args(%acc = %acc0) -> (tensor<64x32xf32>) : i32 {
    %ta = bic.load_tile %a[%m, %k] at [%c0, %i] : !bic.ptr<bf16> -> tensor<64x64xbf16>
    %tb = bic.load_tile %b[%k, %n] at [%i, %c0] : !bic.ptr<bf16> -> tensor<64x32xbf16>
    %d = bic.dot %ta, %tb, %acc {order = #bic.dot_order<kStep = 16>} : tensor<64x64xbf16>, tensor<64x32xbf16>, tensor<64x32xf32> -> tensor<64x32xf32>
    scf.yield %d : tensor<64x32xf32>
  }
  return
}

// B as [K, N] where no swizzle row fits its width: left to mma.sync, with
// the reason.
// CHECK-LABEL: func.func @kn_odd
// CHECK-NOT: bic.tma_desc
// CHECK: bic.mma_sync_because = "B is [K, N] and BN is not 16, 32 or a multiple of 64 (N-major boxes of one 32-, 64- or 128-byte swizzle row)"
func.func @kn_odd(%a: !bic.ptr<bf16>, %b: !bic.ptr<bf16>, %m: i32, %n: i32, %k: i32) attributes {bic.kernel} {
  %c0 = arith.constant 0 : i32
  %c64 = arith.constant 64 : i32
  %z = arith.constant 0.0 : f32
  %acc0 = bic.splat %z : f32 -> tensor<64x8xf32>
  %r = scf.for %i = %c0 to %k step %c64 iter_args(%acc = %acc0) -> (tensor<64x8xf32>) : i32 {
    %ta = bic.load_tile %a[%m, %k] at [%c0, %i] : !bic.ptr<bf16> -> tensor<64x64xbf16>
    %tb = bic.load_tile %b[%k, %n] at [%i, %c0] : !bic.ptr<bf16> -> tensor<64x8xbf16>
    %d = bic.dot %ta, %tb, %acc {order = #bic.dot_order<kStep = 16>} : tensor<64x64xbf16>, tensor<64x8xbf16>, tensor<64x8xf32> -> tensor<64x8xf32>
    scf.yield %d : tensor<64x8xf32>
  }
  return
}

// B as [K, N] on a 16-row tile: claimed too, for mma.sync on the stages
// (ldmatrix.trans through the swizzle): B's block is one box of 64 K-rows
// x 64 columns, never narrowed.
// CHECK-LABEL: func.func @kn_small
// CHECK-SAME: %arg6: !bic.ptr<i8> {bic.tma_base = 1 : i64, bic.tma_box = array<i64: 64, 64>, bic.tma_shape = array<i64: 4, 3>}
// CHECK: bic.dot {{.*}}bic.tma_dot, bic.tma_mma_sync
// PIPE-LABEL: func.func @kn_small
// PIPE: bic.tma_dot {{.*}}bNMajor
func.func @kn_small(%a: !bic.ptr<bf16>, %b: !bic.ptr<bf16>, %m: i32, %n: i32, %k: i32) attributes {bic.kernel} {
  %c0 = arith.constant 0 : i32
  %c64 = arith.constant 64 : i32
  %z = arith.constant 0.0 : f32
  %acc0 = bic.splat %z : f32 -> tensor<16x64xf32>
  %r = scf.for %i = %c0 to %k step %c64 iter_args(%acc = %acc0) -> (tensor<16x64xf32>) : i32 {
    %ta = bic.load_tile %a[%m, %k] at [%c0, %i] : !bic.ptr<bf16> -> tensor<16x64xbf16>
    %tb = bic.load_tile %b[%k, %n] at [%i, %c0] : !bic.ptr<bf16> -> tensor<64x64xbf16>
    %d = bic.dot %ta, %tb, %acc {order = #bic.dot_order<kStep = 16>} : tensor<16x64xbf16>, tensor<64x64xbf16>, tensor<16x64xf32> -> tensor<16x64xf32>
    scf.yield %d : tensor<16x64xf32>
  }
  return
}

// CHECK-LABEL: func.func @kn_deep
// CHECK: bic.mma_sync_because = "B is [K, N] and BK is over 256 (a TMA box's rows)"
func.func @kn_deep(%a: !bic.ptr<bf16>, %b: !bic.ptr<bf16>, %m: i32, %n: i32, %k: i32) attributes {bic.kernel} {
  %c0 = arith.constant 0 : i32
  %c512 = arith.constant 512 : i32
  %z = arith.constant 0.0 : f32
  %acc0 = bic.splat %z : f32 -> tensor<64x64xf32>
  %r = scf.for %i = %c0 to %k step %c512 iter_args(%acc = %acc0) -> (tensor<64x64xf32>) : i32 {
    %ta = bic.load_tile %a[%m, %k] at [%c0, %i] : !bic.ptr<bf16> -> tensor<64x512xbf16>
    %tb = bic.load_tile %b[%k, %n] at [%i, %c0] : !bic.ptr<bf16> -> tensor<512x64xbf16>
    %d = bic.dot %ta, %tb, %acc {order = #bic.dot_order<kStep = 16>} : tensor<64x512xbf16>, tensor<512x64xbf16>, tensor<64x64xf32> -> tensor<64x64xf32>
    scf.yield %d : tensor<64x64xf32>
  }
  return
}

// CHECK-LABEL: func.func @bk32
// CHECK: bic.mma_sync_because = "the K block is not a multiple of 64 up to 512 (boxes of one 128-byte swizzle row)"
func.func @bk32(%a: !bic.ptr<bf16>, %b: !bic.ptr<bf16>, %m: i32, %n: i32, %k: i32) attributes {bic.kernel} {
  %c0 = arith.constant 0 : i32
  %c32 = arith.constant 32 : i32
  %z = arith.constant 0.0 : f32
  %acc0 = bic.splat %z : f32 -> tensor<64x64xf32>
  %r = scf.for %i = %c0 to %k step %c32 iter_args(%acc = %acc0) -> (tensor<64x64xf32>) : i32 {
    %ta = bic.load_tile %a[%m, %k] at [%c0, %i] : !bic.ptr<bf16> -> tensor<64x32xbf16>
    %tb = bic.load_tile %b[%n, %k] at [%c0, %i] : !bic.ptr<bf16> -> tensor<64x32xbf16>
    %d = bic.dot %ta, %tb, %acc {order = #bic.dot_order<kStep = 16>, transB} : tensor<64x32xbf16>, tensor<64x32xbf16>, tensor<64x64xf32> -> tensor<64x64xf32>
    scf.yield %d : tensor<64x64xf32>
  }
  return
}

// A result tile 64 x 32 (not whole 64-column boxes) is stored without TMA:
// the loads are claimed, the store is left to bic-expand-tiles.
// CHECK-LABEL: func.func @narrow_store
// CHECK-SAME: %arg6: !bic.ptr<i8> {bic.tma_base = 0 : i64, bic.tma_box = array<i64: 64, 64>, bic.tma_fit, bic.tma_shape = array<i64: 3, 5>}
// CHECK-SAME: %arg7: !bic.ptr<i8> {bic.tma_base = 1 : i64, bic.tma_box = array<i64: 32, 64>, bic.tma_fit, bic.tma_shape = array<i64: 4, 5>})
// CHECK: bic.dot {{.*}}bic.tma_dot
// CHECK: bic.store_tile
// CHECK-NOT: bic.tma_desc
// PIPE-LABEL: func.func @narrow_store
// PIPE: bic.tma_load
// PIPE-NOT: afterStore
// PIPE: bic.tma_dot_wait
// PIPE-NOT: bic.tma_store
// PIPE: bic.store
func.func @narrow_store(%a: !bic.ptr<bf16>, %b: !bic.ptr<bf16>, %c: !bic.ptr<bf16>,
                        %m: i32, %n: i32, %k: i32) attributes {bic.kernel} {
  %c0 = arith.constant 0 : i32
  %c64 = arith.constant 64 : i32
  %z = arith.constant 0.0 : f32
  %acc0 = bic.splat %z : f32 -> tensor<64x32xf32>
  %r = scf.for %i = %c0 to %k step %c64 iter_args(%acc = %acc0) -> (tensor<64x32xf32>) : i32 {
    %ta = bic.load_tile %a[%m, %k] at [%c0, %i] : !bic.ptr<bf16> -> tensor<64x64xbf16>
    %tb = bic.load_tile %b[%n, %k] at [%c0, %i] : !bic.ptr<bf16> -> tensor<32x64xbf16>
    %d = bic.dot %ta, %tb, %acc {order = #bic.dot_order<kStep = 16>, transB} : tensor<64x64xbf16>, tensor<32x64xbf16>, tensor<64x32xf32> -> tensor<64x32xf32>
    scf.yield %d : tensor<64x32xf32>
  }
  %o = arith.truncf %r : tensor<64x32xf32> to tensor<64x32xbf16>
  bic.store_tile %c[%m, %n] at [%c0, %c0], %o : !bic.ptr<bf16>, tensor<64x32xbf16>
  return
}

// Few tokens: a 16-row tile (below wgmma's 64) with a K block of 256. Both
// loads are claimed with boxes of 64 columns, and the dot is marked for
// mma.sync on the TMA stages. The pipeline copies 4 boxes per operand and
// stage (A's 2 KB apart, B's 4 KB apart; the first announces the stage's
// bytes), the accumulator is the mma.sync fragment (warps across N), and a
// refill waits for every warp (`sync`): mma.sync reads the stage directly.
// CHECK-LABEL: func.func @small_m
// CHECK-SAME: %arg6: !bic.ptr<i8> {bic.tma_base = 0 : i64, bic.tma_box = array<i64: 16, 64>, bic.tma_fit, bic.tma_shape = array<i64: 3, 5>}
// CHECK-SAME: %arg7: !bic.ptr<i8> {bic.tma_base = 1 : i64, bic.tma_box = array<i64: 32, 64>, bic.tma_fit, bic.tma_shape = array<i64: 4, 5>}
// CHECK: bic.dot {{.*}}{bic.tma_dot, bic.tma_mma_sync,
// CHECK-NOT: bic.tma_desc
// PIPE-LABEL: func.func @small_m
// PIPE: bic.tma_init %arg6, %arg7 {barriers = 98304 : i64, stages = 4 : i64}
// PIPE: scf.for
// PIPE: bic.tma_dot {{.*}}aBase = 0 : i64, aSlot = 8192 : i64{{.*}}bBase = 32768 : i64, bSlot = 16384 : i64{{.*}}warpsPerCTA = [1, 4]
// PIPE-NOT: rowsLanesFirst
// PIPE: bic.tma_load %arg6{{.*}} expect %{{.*}}base = 0 : i64, box = array<i64: 16, 64>{{.*}}sync
// PIPE: bic.tma_load %arg6{{.*}}, %{{[^ ]*}} {barriers{{.*}}base = 2048 : i64
// PIPE: bic.tma_load %arg6{{.*}}base = 4096 : i64
// PIPE: bic.tma_load %arg6{{.*}}base = 6144 : i64
// PIPE: bic.tma_load %arg7{{.*}}base = 32768 : i64, box = array<i64: 32, 64>
// PIPE: bic.tma_load %arg7{{.*}}base = 36864 : i64
// PIPE: bic.tma_load %arg7{{.*}}base = 40960 : i64
// PIPE: bic.tma_load %arg7{{.*}}base = 45056 : i64
// PIPE-NOT: bic.tma_load
// PIPE: scf.yield
func.func @small_m(%a: !bic.ptr<bf16>, %b: !bic.ptr<bf16>, %c: !bic.ptr<bf16>,
                   %m: i32, %n: i32, %k: i32) attributes {bic.kernel, bic.num_stages = 4 : i32} {
  %c0 = arith.constant 0 : i32
  %c256 = arith.constant 256 : i32
  %z = arith.constant 0.0 : f32
  %acc0 = bic.splat %z : f32 -> tensor<16x32xf32>
  %r = scf.for %i = %c0 to %k step %c256 iter_args(%acc = %acc0) -> (tensor<16x32xf32>) : i32 {
    %ta = bic.load_tile %a[%m, %k] at [%c0, %i] : !bic.ptr<bf16> -> tensor<16x256xbf16>
    %tb = bic.load_tile %b[%n, %k] at [%c0, %i] : !bic.ptr<bf16> -> tensor<32x256xbf16>
    %d = bic.dot %ta, %tb, %acc {order = #bic.dot_order<kStep = 16>, transB} : tensor<16x256xbf16>, tensor<32x256xbf16>, tensor<16x32xf32> -> tensor<16x32xf32>
    scf.yield %d : tensor<16x32xf32>
  }
  %o = arith.truncf %r : tensor<16x32xf32> to tensor<16x32xbf16>
  bic.store_tile %c[%m, %n] at [%c0, %c0], %o : !bic.ptr<bf16>, tensor<16x32xbf16>
  return
}

// 16 rows on 8 warps: neither a wgmma tile nor one warpgroup's
// mma.sync tile on TMA stages.
// CHECK-LABEL: func.func @small_m_8warps
// CHECK: bic.mma_sync_because = "a tile of 16 or 32 rows takes at most 4 warps"
func.func @small_m_8warps(%a: !bic.ptr<bf16>, %b: !bic.ptr<bf16>, %m: i32, %n: i32, %k: i32)
    attributes {bic.kernel, bic.num_warps = 8 : i32} {
  %c0 = arith.constant 0 : i32
  %c64 = arith.constant 64 : i32
  %z = arith.constant 0.0 : f32
  %acc0 = bic.splat %z : f32 -> tensor<16x64xf32>
  %r = scf.for %i = %c0 to %k step %c64 iter_args(%acc = %acc0) -> (tensor<16x64xf32>) : i32 {
    %ta = bic.load_tile %a[%m, %k] at [%c0, %i] : !bic.ptr<bf16> -> tensor<16x64xbf16>
    %tb = bic.load_tile %b[%n, %k] at [%c0, %i] : !bic.ptr<bf16> -> tensor<64x64xbf16>
    %d = bic.dot %ta, %tb, %acc {order = #bic.dot_order<kStep = 16>, transB} : tensor<16x64xbf16>, tensor<64x64xbf16>, tensor<16x64xf32> -> tensor<16x64xf32>
    scf.yield %d : tensor<16x64xf32>
  }
  return
}

// 16 x 16 has two 16x8 blocks: on 4 warps two would hold replicas, which the
// mma fragment does not have, so the loop keeps the cp.async path; on 2
// warps each owns one block and the loop is claimed.
// CHECK-LABEL: func.func @small_n_4warps
// CHECK: bic.mma_sync_because = "the tile has fewer 16x8 blocks than warps"
func.func @small_n_4warps(%a: !bic.ptr<bf16>, %b: !bic.ptr<bf16>, %m: i32, %n: i32, %k: i32)
    attributes {bic.kernel, bic.num_warps = 4 : i32} {
  %c0 = arith.constant 0 : i32
  %c256 = arith.constant 256 : i32
  %z = arith.constant 0.0 : f32
  %acc0 = bic.splat %z : f32 -> tensor<16x16xf32>
  %r = scf.for %i = %c0 to %k step %c256 iter_args(%acc = %acc0) -> (tensor<16x16xf32>) : i32 {
    %ta = bic.load_tile %a[%m, %k] at [%c0, %i] : !bic.ptr<bf16> -> tensor<16x256xbf16>
    %tb = bic.load_tile %b[%n, %k] at [%c0, %i] : !bic.ptr<bf16> -> tensor<16x256xbf16>
    %d = bic.dot %ta, %tb, %acc {order = #bic.dot_order<kStep = 16>, transB} : tensor<16x256xbf16>, tensor<16x256xbf16>, tensor<16x16xf32> -> tensor<16x16xf32>
    scf.yield %d : tensor<16x16xf32>
  }
  return
}

// CHECK-LABEL: func.func @small_n_2warps
// CHECK: bic.dot {{.*}}{bic.tma_dot, bic.tma_mma_sync,
// PIPE-LABEL: func.func @small_n_2warps
// PIPE: arith.minsi %c16{{.*}}, %arg2
// PIPE: arith.muli %{{.*}}, %c512
// PIPE: arith.minsi %c16{{.*}}, %arg3
// PIPE: bic.tma_dot {{.*}}warpsPerCTA = [1, 2]
// PIPE: bic.tma_load {{.*}} expect %{{.*}}box = array<i64: 16, 64>{{.*}}sync
func.func @small_n_2warps(%a: !bic.ptr<bf16>, %b: !bic.ptr<bf16>, %m: i32, %n: i32, %k: i32)
    attributes {bic.kernel, bic.num_warps = 2 : i32} {
  %c0 = arith.constant 0 : i32
  %c256 = arith.constant 256 : i32
  %z = arith.constant 0.0 : f32
  %acc0 = bic.splat %z : f32 -> tensor<16x16xf32>
  %r = scf.for %i = %c0 to %k step %c256 iter_args(%acc = %acc0) -> (tensor<16x16xf32>) : i32 {
    %ta = bic.load_tile %a[%m, %k] at [%c0, %i] : !bic.ptr<bf16> -> tensor<16x256xbf16>
    %tb = bic.load_tile %b[%n, %k] at [%c0, %i] : !bic.ptr<bf16> -> tensor<16x256xbf16>
    %d = bic.dot %ta, %tb, %acc {order = #bic.dot_order<kStep = 16>, transB} : tensor<16x256xbf16>, tensor<16x256xbf16>, tensor<16x16xf32> -> tensor<16x16xf32>
    scf.yield %d : tensor<16x16xf32>
  }
  return
}

// The loop's result reaches a reduction: columns past N (B's rows) and
// rows past M (A's) would enter it if a narrowed box left them stale, so
// neither operand's box may be narrowed (no bic.tma_fit): TMA fills those
// rows with zeros, as load_tile promises, and the stage's bytes are the
// full boxes' (a constant, no arith.minsi).
// CHECK-LABEL: func.func @reduce_after_loop
// CHECK-SAME: %arg6: !bic.ptr<i8> {bic.tma_base = 0 : i64, bic.tma_box = array<i64: 64, 64>, bic.tma_shape = array<i64: 3, 5>}
// CHECK-SAME: %arg7: !bic.ptr<i8> {bic.tma_base = 1 : i64, bic.tma_box = array<i64: 64, 64>, bic.tma_shape = array<i64: 4, 5>}
// PIPE-LABEL: func.func @reduce_after_loop
// PIPE-NOT: arith.minsi
// PIPE: bic.tma_load %arg6{{.*}} expect %{{.*}} {
// PIPE: bic.reduce max
func.func @reduce_after_loop(%a: !bic.ptr<bf16>, %b: !bic.ptr<bf16>, %out: !bic.ptr<f32>,
                             %m: i32, %n: i32, %k: i32) attributes {bic.kernel} {
  %c0 = arith.constant 0 : i32
  %c64 = arith.constant 64 : i32
  %z = arith.constant 0.0 : f32
  %acc0 = bic.splat %z : f32 -> tensor<64x64xf32>
  %r = scf.for %i = %c0 to %k step %c64 iter_args(%acc = %acc0) -> (tensor<64x64xf32>) : i32 {
    %ta = bic.load_tile %a[%m, %k] at [%c0, %i] : !bic.ptr<bf16> -> tensor<64x64xbf16>
    %tb = bic.load_tile %b[%n, %k] at [%c0, %i] : !bic.ptr<bf16> -> tensor<64x64xbf16>
    %d = bic.dot %ta, %tb, %acc {order = #bic.dot_order<kStep = 16>, transB} : tensor<64x64xbf16>, tensor<64x64xbf16>, tensor<64x64xf32> -> tensor<64x64xf32>
    scf.yield %d : tensor<64x64xf32>
  }
  %mx = bic.reduce max %r {axis = 1 : i32, order = #bic.reduce_order<kind = "tree">} : tensor<64x64xf32> -> tensor<64xf32>
  return
}

// The result is stored at another column than B's rows: B's box keeps its
// rows (its stale rows would land in written columns), A's is narrowed.
// CHECK-LABEL: func.func @store_elsewhere
// CHECK-SAME: %arg6: !bic.ptr<i8> {bic.tma_base = 0 : i64, bic.tma_box = array<i64: 64, 64>, bic.tma_fit, bic.tma_shape = array<i64: 3, 5>}
// CHECK-SAME: %arg7: !bic.ptr<i8> {bic.tma_base = 1 : i64, bic.tma_box = array<i64: 64, 64>, bic.tma_shape = array<i64: 4, 5>}
func.func @store_elsewhere(%a: !bic.ptr<bf16>, %b: !bic.ptr<bf16>, %c: !bic.ptr<bf16>,
                           %m: i32, %n: i32, %k: i32) attributes {bic.kernel} {
  %c0 = arith.constant 0 : i32
  %c64 = arith.constant 64 : i32
  %z = arith.constant 0.0 : f32
  %acc0 = bic.splat %z : f32 -> tensor<64x64xf32>
  %r = scf.for %i = %c0 to %k step %c64 iter_args(%acc = %acc0) -> (tensor<64x64xf32>) : i32 {
    %ta = bic.load_tile %a[%m, %k] at [%c0, %i] : !bic.ptr<bf16> -> tensor<64x64xbf16>
    %tb = bic.load_tile %b[%n, %k] at [%c0, %i] : !bic.ptr<bf16> -> tensor<64x64xbf16>
    %d = bic.dot %ta, %tb, %acc {order = #bic.dot_order<kStep = 16>, transB} : tensor<64x64xbf16>, tensor<64x64xbf16>, tensor<64x64xf32> -> tensor<64x64xf32>
    scf.yield %d : tensor<64x64xf32>
  }
  %o = arith.truncf %r : tensor<64x64xf32> to tensor<64x64xbf16>
  bic.store_tile %c[%m, %n] at [%c0, %c64], %o : !bic.ptr<bf16>, tensor<64x64xbf16>
  return
}

// 48 rows (IR the DSL cannot write: its blocks are powers of two) is neither
// a 16/32-row mma.sync tile nor a wgmma one.
// CHECK-LABEL: func.func @rows_48
// CHECK: bic.mma_sync_because = "BM is not 16 or 32, or a multiple of 64 and of 16 x num_warps up to 256"
func.func @rows_48(%a: !bic.ptr<bf16>, %b: !bic.ptr<bf16>, %m: i32, %n: i32, %k: i32)
    attributes {bic.kernel, bic.num_warps = 4 : i32} {
  %c0 = arith.constant 0 : i32
  %c64 = arith.constant 64 : i32
  %z = arith.constant 0.0 : f32
  %acc0 = bic.splat %z : f32 -> tensor<48x64xf32>
  %r = scf.for %i = %c0 to %k step %c64 iter_args(%acc = %acc0) -> (tensor<48x64xf32>) : i32 {
    %ta = bic.load_tile %a[%m, %k] at [%c0, %i] : !bic.ptr<bf16> -> tensor<48x64xbf16>
    %tb = bic.load_tile %b[%n, %k] at [%c0, %i] : !bic.ptr<bf16> -> tensor<64x64xbf16>
    %d = bic.dot %ta, %tb, %acc {order = #bic.dot_order<kStep = 16>, transB} : tensor<48x64xbf16>, tensor<64x64xbf16>, tensor<48x64xf32> -> tensor<48x64xf32>
    scf.yield %d : tensor<48x64xf32>
  }
  return
}

