// RUN: bic-opt %s --bic-tma-dots --bic-expand-tiles --bic-assign-layouts --bic-pipeline-dots | FileCheck %s

// A warp-specialised persistent K loop (`warp_specialize=1`): the set-up
// initialises the "empty" barriers too (one arrival per consumer warp);
// then the producer thread walks the program's tiles and their K
// iterations, waiting for each stage to be free (tma_acquire) before
// filling it; the consumer warps run the tile loop, whose K loop waits for
// its stage in tma_dot and releases the previous one (its wgmma retired)
// from the second iteration on, and whose last stage is released after the
// K loop, once the TMA store has read it. No look-ahead copies are left in
// the consumers' loop.
// CHECK-LABEL: func.func @persistent
// CHECK: bic.tma_init {{.*}}consumers = 4 : i64
// CHECK: %[[PROD:.*]] = bic.warp_role "producer" {consumers = 4 : i64} : i1
// CHECK: scf.if %[[PROD]] {
// CHECK:   scf.for %[[T:.*]] = %[[P:.*]] to %{{.*}} step %[[NP:.*]]  : i32 {
// CHECK:     arith.muli %[[T]], %c128
// CHECK:     scf.for %[[IT:.*]] = %{{.*}} to %{{.*}} step %{{.*}}  : i32 {
// CHECK:       bic.tma_acquire %[[G:.*]] {barriers = {{.*}}, stages = 4 : i64}
// CHECK:       bic.tma_load {{.*}}, %[[G]], %{{.*}} expect {{.*}}producer
// CHECK:       bic.tma_load {{.*}}, %[[G]], {{.*}}producer
// CHECK-NOT:   bic.tma_dot
// CHECK: %[[CONS:.*]] = bic.warp_role "consumer" {consumers = 4 : i64} : i1
// CHECK: scf.if %[[CONS]] {
// CHECK:   scf.for
// CHECK:     scf.for
// CHECK-NOT:   bic.tma_load
// CHECK:       bic.tma_dot
// CHECK:       %[[LATER:.*]] = arith.cmpi sgt
// CHECK:       scf.if %[[LATER]] {
// CHECK:         bic.tma_release
// CHECK:     bic.tma_dot_wait
// CHECK:     bic.tma_store
// CHECK:     scf.if
// CHECK:       bic.tma_release {{.*}}afterStore
// CHECK:   bic.tma_store_wait
// CHECK-NOT: bic.dot
// CHECK-NOT: bic.tma_load
func.func @persistent(%a: !bic.ptr<bf16>, %b: !bic.ptr<bf16>, %c: !bic.ptr<bf16>,
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
