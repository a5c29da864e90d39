// RUN: bic-opt %s --bic-tma-dots | FileCheck %s
// RUN: bic-opt %s --bic-tma-dots --bic-expand-tiles --bic-assign-layouts --bic-pipeline-dots | FileCheck %s --check-prefix=PIPE

// A K loop over two descriptor blocks, B as [N, K], BK = 64: both loads are
// claimed, each with a hidden descriptor parameter appended after the
// caller's (its base and extents are parameter indices), and the dot is
// marked for wgmma.
// CHECK-LABEL: func.func @claim
// CHECK-SAME: %arg7: !bic.ptr<i8> {bic.tma_base = 0 : i64, bic.tma_box = array<i64: 128, 64>, bic.tma_shape = array<i64: 4, 6>}
// CHECK-SAME: %arg8: !bic.ptr<i8> {bic.tma_base = 1 : i64, bic.tma_box = array<i64: 128, 64>, bic.tma_shape = array<i64: 5, 6>}
// CHECK: bic.load_tile {{.*}}bic.tma_desc = 7
// CHECK: bic.load_tile {{.*}}bic.tma_desc = 8
// CHECK: bic.dot {{.*}}bic.wgmma

// After layouts and pipelining: barriers and the first stages before the
// loop; in it, wgmma on the iteration's stage, then the copies S - 1
// iterations ahead; the accumulator leaves through wgmma_wait.
// PIPE-LABEL: func.func @claim
// PIPE: bic.tma_init {{.*}} {barriers = 196608 : i64, stages = 6 : i64}
// PIPE: bic.tma_load {{.*}}expectBytes = 32768
// PIPE: bic.tma_load {{.*}}expectBytes = 0
// PIPE: scf.for
// PIPE: bic.wgmma {{.*}}order = #bic.dot_order<kStep = 16>{{.*}}stages = 6 : i64{{.*}}rowsLanesFirst = true
// PIPE: bic.tma_load
// PIPE: bic.tma_load
// PIPE: scf.yield
// PIPE: bic.wgmma_wait
// PIPE-NOT: bic.dot
// PIPE-LABEL: func.func @kn
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

// B as [K, N], or a K block of 32: left to mma.sync, with the reason.
// CHECK-LABEL: func.func @kn
// CHECK-NOT: bic.tma_desc
// CHECK: bic.mma_sync_because = "B is [K, N] (TMA + wgmma take B as [N, K])"
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

// CHECK-LABEL: func.func @bk32
// CHECK: bic.mma_sync_because = "the K block is not 64 (one 128-byte swizzle row)"
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
