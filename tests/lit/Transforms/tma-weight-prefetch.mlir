// RUN: bic-opt %s --bic-tma-dots --bic-expand-tiles --bic-assign-layouts --bic-pipeline-dots | FileCheck %s

// A warp-specialised pipeline built for overlapped launches (bic.overlap)
// whose B is a @weight (bic.weight): before it
// waits for the previous kernel on the stream, the producer copies B's
// blocks of the program's first min(stages, K iterations) stream iterations
// (none if the program has no tile), each announcing its stage's bytes;
// then it waits (bic.wait_prior_grids) and walks the stream as usual,
// except that for those first iterations only A is left to copy, without a
// second announcement. The consumer warps wait before anything else.
// CHECK-LABEL: func.func @persistent
// CHECK: %[[PROD:.*]] = bic.warp_role "producer"
// CHECK: scf.if %[[PROD]] {
// CHECK:   %[[FIRST:.*]] = arith.minsi %[[NK:.*]], %c4_i32
// CHECK:   %[[ANY:.*]] = arith.cmpi slt, %[[P:.*]], %c12_i32
// CHECK:   %[[EARLY:.*]] = arith.select %[[ANY]], %[[FIRST]], %{{.*}}
// CHECK-NOT: bic.tma_load %arg6
// CHECK:   %[[Q0:.*]] = arith.cmpi slt, %{{.*}}, %[[EARLY]]
// CHECK:   bic.tma_load %arg7[{{.*}}], %{{.*}}, %[[Q0]] expect
// CHECK-COUNT-3: bic.tma_load %arg7[{{.*}}], {{.*}} expect
// CHECK-NOT: bic.tma_load
// CHECK:   bic.wait_prior_grids
// CHECK:   scf.for
// CHECK:     scf.for
// CHECK:       bic.tma_acquire %[[G:.*]] {
// CHECK:       %[[PRE:.*]] = arith.cmpi slt, %[[G]], %[[EARLY]]
// CHECK:       scf.if %[[PRE]] {
// CHECK-NEXT:    bic.tma_load %arg6[{{.*}}], %[[G]], %{{[a-z0-9_]+}} {{{.*}}
// CHECK-NEXT:  } else {
// CHECK-NEXT:    bic.tma_load %arg6[{{.*}}], %[[G]], %{{.*}} expect
// CHECK-NEXT:    bic.tma_load %arg7[{{.*}}], %[[G]], %{{[a-z0-9_]+}} {{{.*}}
// CHECK-NEXT:  }
// CHECK: %[[CONS:.*]] = bic.warp_role "consumer"
// CHECK: scf.if %[[CONS]] {
// CHECK-NEXT: bic.wait_prior_grids
// CHECK-NOT: bic.tma_load
// CHECK:   bic.tma_dot
func.func @persistent(%a: !bic.ptr<bf16>, %b: !bic.ptr<bf16> {bic.weight}, %c: !bic.ptr<bf16>,
                      %m: i32, %n: i32, %k: i32) attributes {bic.kernel, bic.num_warps = 4 : i32, bic.num_stages = 4 : i32, bic.warp_specialize, bic.overlap} {
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

// Built for plain launches (no bic.overlap) nothing waits, and the
// producer fills its stages in stream order.
// CHECK-LABEL: func.func @plain
// CHECK-NOT: bic.wait_prior_grids
// CHECK: %[[PROD2:.*]] = bic.warp_role "producer"
// CHECK: scf.if %[[PROD2]] {
// CHECK-NOT: bic.tma_load
// CHECK:   scf.for
// CHECK:     scf.for
// CHECK:       bic.tma_acquire %[[G2:.*]] {
// CHECK-NEXT:  %{{.*}} = arith.constant true
// CHECK-NEXT:  bic.tma_load %arg6[{{.*}}], %[[G2]], %{{.*}} expect
// CHECK-NEXT:  bic.tma_load %arg7[{{.*}}], %[[G2]]
// CHECK-NOT: bic.wait_prior_grids
func.func @plain(%a: !bic.ptr<bf16>, %b: !bic.ptr<bf16> {bic.weight}, %c: !bic.ptr<bf16>,
                      %m: i32, %n: i32, %k: i32) attributes {bic.kernel, bic.num_warps = 4 : i32, bic.num_stages = 4 : i32, bic.warp_specialize} {
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
