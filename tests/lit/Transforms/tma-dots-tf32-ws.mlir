// RUN: bic-opt %s --bic-tma-dots | FileCheck %s
// (Only the claim: a warp-specialised kernel whose loop is refused is an
// error in bic-pipeline-dots, tested in Pipeline/matmul-tf32-ptx.bic.)

// tf32 rounded to nearest and warp-specialised takes mma.sync on the TMA
// stages, which addresses fragment rows modulo the tile: 192 rows (a
// multiple of 64 that wgmma would take) is refused; 128 rows is claimed.
// CHECK-LABEL: func.func @tf32_ws_rows_192
// CHECK: bic.mma_sync_because = "tf32 rounded to nearest and warp-specialised runs mma.sync on the TMA stages, which needs BM 64, 128 or 256"
// CHECK-LABEL: func.func @tf32_ws_rows_128
// CHECK: bic.dot {{.*}}{bic.tma_dot, bic.tma_mma_sync,
func.func @tf32_ws_rows_192(%a: !bic.ptr<f32>, %b: !bic.ptr<f32>, %m: i32, %n: i32, %k: i32)
    attributes {bic.kernel, bic.num_warps = 4 : i32, bic.warp_specialize} {
  %c0 = arith.constant 0 : i32
  %c32 = arith.constant 32 : i32
  %z = arith.constant 0.0 : f32
  %acc0 = bic.splat %z : f32 -> tensor<192x32xf32>
  %r = scf.for %i = %c0 to %k step %c32 iter_args(%acc = %acc0) -> (tensor<192x32xf32>) : i32 {
    %ta = bic.load_tile %a[%m, %k] at [%c0, %i] : !bic.ptr<f32> -> tensor<192x32xf32>
    %tb = bic.load_tile %b[%n, %k] at [%c0, %i] : !bic.ptr<f32> -> tensor<32x32xf32>
    %d = bic.dot %ta, %tb, %acc {order = #bic.dot_order<kStep = 8>, transB} : tensor<192x32xf32>, tensor<32x32xf32>, tensor<192x32xf32> -> tensor<192x32xf32>
    scf.yield %d : tensor<192x32xf32>
  }
  return
}
func.func @tf32_ws_rows_128(%a: !bic.ptr<f32>, %b: !bic.ptr<f32>, %m: i32, %n: i32, %k: i32)
    attributes {bic.kernel, bic.num_warps = 4 : i32, bic.warp_specialize} {
  %c0 = arith.constant 0 : i32
  %c32 = arith.constant 32 : i32
  %z = arith.constant 0.0 : f32
  %acc0 = bic.splat %z : f32 -> tensor<128x32xf32>
  %r = scf.for %i = %c0 to %k step %c32 iter_args(%acc = %acc0) -> (tensor<128x32xf32>) : i32 {
    %ta = bic.load_tile %a[%m, %k] at [%c0, %i] : !bic.ptr<f32> -> tensor<128x32xf32>
    %tb = bic.load_tile %b[%n, %k] at [%c0, %i] : !bic.ptr<f32> -> tensor<32x32xf32>
    %d = bic.dot %ta, %tb, %acc {order = #bic.dot_order<kStep = 8>, transB} : tensor<128x32xf32>, tensor<32x32xf32>, tensor<128x32xf32> -> tensor<128x32xf32>
    scf.yield %d : tensor<128x32xf32>
  }
  return
}
