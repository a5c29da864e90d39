// RUN: bic-opt %s --bic-tma-dots | FileCheck %s --check-prefix=CLAIM
// RUN: bic-opt %s --bic-tma-dots --bic-expand-tiles --bic-assign-layouts --bic-pipeline-dots | FileCheck %s

// A persistent kernel: the K loop sits in a loop over tiles whose
// coordinates come from the tile index. The pipeline is one stream over all
// (tile, k) iterations: barriers and the first S - 1 fetches (coordinates of
// the first tile recomputed from the tile loop's lower bound) go before the
// tile loop; before each K loop the next tile's coordinates and the tile's
// start in the stream (j * nk) are computed once; in the K loop the
// look-ahead copies take this tile's coordinates or, past its last K
// iteration, the next tile's (scf.if), and stop after the last tile. wgmma
// waits on the stream's iteration j * nk + it.
// CLAIM-LABEL: func.func @persistent
// CLAIM: bic.dot {{.*}}bic.tma_dot
// CHECK-LABEL: func.func @persistent
// CHECK: bic.tma_init {{.*}}stages = 4 : i64
// CHECK: arith.muli %{{.*}}, %c128
// CHECK: bic.tma_load
// CHECK: bic.tma_load
// CHECK: scf.for %[[T:.*]] = %[[P:.*]] to %[[TILES:.*]] step %[[NP:.*]]  : i32 {
// CHECK: %[[NEXT:.*]] = arith.addi %[[T]], %[[NP]]
// CHECK: %[[NROW:.*]] = arith.muli %[[NEXT]], %c128
// CHECK: arith.subi %[[T]], %[[P]]
// CHECK: arith.divui
// CHECK: scf.for
// CHECK: bic.tma_dot
// CHECK: %[[FAR:.*]] = arith.cmpi uge
// CHECK: scf.if %[[FAR]]
// CHECK: %[[TN:.*]] = arith.addi %[[T]]
// CHECK: arith.cmpi eq, %[[TN]], %[[NEXT]]
// CHECK: scf.if
// CHECK: scf.yield %[[NROW]]
// CHECK: arith.cmpi slt, %{{.*}}, %[[TILES]]
// CHECK: bic.tma_load
// CHECK: bic.tma_load
// CHECK: bic.tma_dot_wait
// CHECK-NOT: bic.dot
func.func @persistent(%a: !bic.ptr<bf16>, %b: !bic.ptr<bf16>, %c: !bic.ptr<bf16>,
                      %m: i32, %n: i32, %k: i32) attributes {bic.kernel, bic.num_warps = 4 : i32, bic.num_stages = 4 : i32} {
  %c0 = arith.constant 0 : i32
  %c64 = arith.constant 64 : i32
  %c128 = arith.constant 128 : i32
  %z = arith.constant 0.0 : f32
  %p = bic.program_id 0 : i32
  %np = bic.num_programs 0 : i32
  %tiles = arith.constant 12 : i32
  scf.for %t = %p to %tiles step %np : i32 {
    %row = arith.muli %t, %c128 : i32
    %acc0 = bic.splat %z : f32 -> tensor<128x128xf32>
    %r = scf.for %i = %c0 to %k step %c64 iter_args(%acc = %acc0) -> (tensor<128x128xf32>) : i32 {
      %ta = bic.load_tile %a[%m, %k] at [%row, %i] : !bic.ptr<bf16> -> tensor<128x64xbf16>
      %tb = bic.load_tile %b[%n, %k] at [%c0, %i] : !bic.ptr<bf16> -> tensor<128x64xbf16>
      %d = bic.dot %ta, %tb, %acc {order = #bic.dot_order<kStep = 16>, transB} : tensor<128x64xbf16>, tensor<128x64xbf16>, tensor<128x128xf32> -> tensor<128x128xf32>
      scf.yield %d : tensor<128x128xf32>
    }
    %o = arith.truncf %r : tensor<128x128xf32> to tensor<128x128xbf16>
    bic.store_tile %c[%m, %n] at [%row, %c0], %o : !bic.ptr<bf16>, tensor<128x128xbf16>
  }
  return
}

// A K loop whose bounds change from tile to tile cannot share one stream
// of stages: it stays on mma.sync, with the reason.
// CLAIM-LABEL: func.func @varying_k
// CHECK-LABEL: func.func @varying_k
// CLAIM: bic.mma_sync_because = "the K loop's bounds change from tile to tile"
func.func @varying_k(%a: !bic.ptr<bf16>, %b: !bic.ptr<bf16>, %c: !bic.ptr<bf16>,
                     %m: i32, %n: i32, %k: i32) attributes {bic.kernel, bic.num_warps = 4 : i32, bic.num_stages = 4 : i32} {
  %c0 = arith.constant 0 : i32
  %c1 = arith.constant 1 : i32
  %c64 = arith.constant 64 : i32
  %z = arith.constant 0.0 : f32
  %tiles = arith.constant 4 : i32
  scf.for %t = %c0 to %tiles step %c1 : i32 {
    %kt = arith.muli %t, %c64 : i32
    %acc0 = bic.splat %z : f32 -> tensor<128x128xf32>
    %r = scf.for %i = %c0 to %kt step %c64 iter_args(%acc = %acc0) -> (tensor<128x128xf32>) : i32 {
      %ta = bic.load_tile %a[%m, %k] at [%c0, %i] : !bic.ptr<bf16> -> tensor<128x64xbf16>
      %tb = bic.load_tile %b[%n, %k] at [%c0, %i] : !bic.ptr<bf16> -> tensor<128x64xbf16>
      %d = bic.dot %ta, %tb, %acc {order = #bic.dot_order<kStep = 16>, transB} : tensor<128x64xbf16>, tensor<128x64xbf16>, tensor<128x128xf32> -> tensor<128x128xf32>
      scf.yield %d : tensor<128x128xf32>
    }
    %o = arith.truncf %r : tensor<128x128xf32> to tensor<128x128xbf16>
    bic.store_tile %c[%m, %n] at [%c0, %c0], %o : !bic.ptr<bf16>, tensor<128x128xbf16>
  }
  return
}
