// RUN: bic-opt %s --split-input-file --bic-cluster-split --verify-diagnostics | FileCheck %s
// RUN: bic-opt %s --split-input-file --bic-cluster-split --bic-tma-dots --verify-diagnostics | FileCheck %s --check-prefix=TMA

// A program run by a cluster of 2 CTAs (`bic.cluster = 2`): CTA r takes rows
// [64 r, 64 r + 64) of the 128 x 64 tile. A's block and the store move by
// 64 r (one moved coordinate, shared by both), the accumulator, the loop, the
// bias broadcast and the element-wise ops take 64 rows; B's block is the
// same in both CTAs. The dot's order is unchanged.
// CHECK-LABEL: func.func @split
// CHECK: %[[R:.*]] = bic.cluster_rank : i32
// CHECK: %[[FIRST:.*]] = arith.muli %[[R]], %c64{{.*}} : i32
// CHECK: %[[ROW:.*]] = arith.addi %arg7, %[[FIRST]] : i32
// CHECK: bic.splat %{{.*}} : f32 -> tensor<64x64xf32>
// CHECK: scf.for {{.*}} -> (tensor<64x64xf32>)
// CHECK:   bic.load_tile %arg0[%arg4, %arg6] at[%[[ROW]], %{{.*}}] : !bic.ptr<bf16> -> tensor<64x64xbf16>
// CHECK:   bic.load_tile %arg1[%arg5, %arg6] at[%arg8, %{{.*}}] : !bic.ptr<bf16> -> tensor<64x64xbf16>
// CHECK:   bic.dot {{.*}}order = #bic.dot_order<kStep = 16>{{.*}} -> tensor<64x64xf32>
// CHECK: bic.broadcast %{{.*}} : tensor<1x64xf32> -> tensor<64x64xf32>
// CHECK: arith.addf {{.*}} : tensor<64x64xf32>
// CHECK: arith.truncf {{.*}} : tensor<64x64xf32> to tensor<64x64xbf16>
// CHECK: bic.store_tile %arg2[%arg4, %arg5] at[%[[ROW]], %arg8], %{{.*}} : !bic.ptr<bf16>, tensor<64x64xbf16>
// Claimed for TMA, A's box is the CTA's 64 rows (narrowed to the matrix, as
// without a cluster), B's box is half of its 64 rows (each CTA multicasts
// its half into both) and never narrowed; the store's box is 64 rows.
// TMA-LABEL: func.func @split
// TMA-SAME: {bic.tma_base = 0 : i64, bic.tma_box = array<i64: 64, 64>, bic.tma_fit, bic.tma_shape = array<i64: 4, 6>}
// TMA-SAME: {bic.tma_base = 1 : i64, bic.tma_box = array<i64: 32, 64>, bic.tma_shape = array<i64: 5, 6>}
// TMA-SAME: {bic.tma_base = 2 : i64, bic.tma_box = array<i64: 64, 64>, bic.tma_fit, bic.tma_shape = array<i64: 4, 5>}
// TMA: bic.load_tile %arg1{{.*}}bic.multicast = 2 : i64
func.func @split(%a: !bic.ptr<bf16>, %b: !bic.ptr<bf16>, %c: !bic.ptr<bf16>, %bias: !bic.ptr<bf16>,
                 %m: i32, %n: i32, %k: i32, %row: i32, %col: i32)
    attributes {bic.kernel, bic.num_warps = 4 : i32, bic.warp_specialize, bic.cluster = 2 : i32} {
  %c0 = arith.constant 0 : i32
  %c64 = arith.constant 64 : i32
  %z = arith.constant 0.0 : f32
  %acc0 = bic.splat %z : f32 -> tensor<128x64xf32>
  %r = scf.for %i = %c0 to %k step %c64 iter_args(%acc = %acc0) -> (tensor<128x64xf32>) : i32 {
    %ta = bic.load_tile %a[%m, %k] at [%row, %i] : !bic.ptr<bf16> -> tensor<128x64xbf16>
    %tb = bic.load_tile %b[%n, %k] at [%col, %i] : !bic.ptr<bf16> -> tensor<64x64xbf16>
    %d = bic.dot %ta, %tb, %acc {order = #bic.dot_order<kStep = 16>, transB} : tensor<128x64xbf16>, tensor<64x64xbf16>, tensor<128x64xf32> -> tensor<128x64xf32>
    scf.yield %d : tensor<128x64xf32>
  }
  %one = arith.constant 1.0 : f32
  %row1 = bic.splat %one : f32 -> tensor<1x64xf32>
  %bb = bic.broadcast %row1 : tensor<1x64xf32> -> tensor<128x64xf32>
  %s = arith.addf %r, %bb : tensor<128x64xf32>
  %o = arith.truncf %s : tensor<128x64xf32> to tensor<128x64xbf16>
  bic.store_tile %c[%m, %n] at [%row, %col], %o : !bic.ptr<bf16>, tensor<128x64xbf16>
  return
}

// -----

// Without warp specialisation there are no "empty" barriers for the
// cluster's consumers to release stages on: refused.
// expected-error @+1 {{cluster=2 needs warp_specialize=1}}
func.func @unspecialised(%a: !bic.ptr<bf16>, %b: !bic.ptr<bf16>, %m: i32, %n: i32, %k: i32)
    attributes {bic.kernel, bic.cluster = 2 : i32} {
  %c0 = arith.constant 0 : i32
  %c64 = arith.constant 64 : i32
  %z = arith.constant 0.0 : f32
  %acc0 = bic.splat %z : f32 -> tensor<128x64xf32>
  %r = scf.for %i = %c0 to %k step %c64 iter_args(%acc = %acc0) -> (tensor<128x64xf32>) : i32 {
    %ta = bic.load_tile %a[%m, %k] at [%c0, %i] : !bic.ptr<bf16> -> tensor<128x64xbf16>
    %tb = bic.load_tile %b[%n, %k] at [%c0, %i] : !bic.ptr<bf16> -> tensor<64x64xbf16>
    %d = bic.dot %ta, %tb, %acc {order = #bic.dot_order<kStep = 16>, transB} : tensor<128x64xbf16>, tensor<64x64xbf16>, tensor<128x64xf32> -> tensor<128x64xf32>
    scf.yield %d : tensor<128x64xf32>
  }
  return
}

// -----

// A reduction over the tile's rows after the loop would need both CTAs'
// halves: refused at that op.
func.func @rows_reduced(%a: !bic.ptr<bf16>, %b: !bic.ptr<bf16>, %m: i32, %n: i32, %k: i32)
    attributes {bic.kernel, bic.warp_specialize, bic.cluster = 2 : i32} {
  %c0 = arith.constant 0 : i32
  %c64 = arith.constant 64 : i32
  %z = arith.constant 0.0 : f32
  %acc0 = bic.splat %z : f32 -> tensor<128x64xf32>
  %r = scf.for %i = %c0 to %k step %c64 iter_args(%acc = %acc0) -> (tensor<128x64xf32>) : i32 {
    %ta = bic.load_tile %a[%m, %k] at [%c0, %i] : !bic.ptr<bf16> -> tensor<128x64xbf16>
    %tb = bic.load_tile %b[%n, %k] at [%c0, %i] : !bic.ptr<bf16> -> tensor<64x64xbf16>
    %d = bic.dot %ta, %tb, %acc {order = #bic.dot_order<kStep = 16>, transB} : tensor<128x64xbf16>, tensor<64x64xbf16>, tensor<128x64xf32> -> tensor<128x64xf32>
    scf.yield %d : tensor<128x64xf32>
  }
  // expected-error @+1 {{only element-wise ops and store_tile may use the tile}}
  %s = bic.reduce sum %r {axis = 0 : i32, order = #bic.reduce_order<kind = "tree">} : tensor<128x64xf32> -> tensor<64xf32>
  return
}

// -----

// An operand with rows of its own (here a second loaded tile) cannot be
// split by the pass: refused.
func.func @own_rows(%a: !bic.ptr<bf16>, %b: !bic.ptr<bf16>, %c: !bic.ptr<f32>, %m: i32, %n: i32, %k: i32)
    attributes {bic.kernel, bic.warp_specialize, bic.cluster = 2 : i32} {
  %c0 = arith.constant 0 : i32
  %c64 = arith.constant 64 : i32
  %z = arith.constant 0.0 : f32
  %acc0 = bic.splat %z : f32 -> tensor<128x64xf32>
  %r = scf.for %i = %c0 to %k step %c64 iter_args(%acc = %acc0) -> (tensor<128x64xf32>) : i32 {
    %ta = bic.load_tile %a[%m, %k] at [%c0, %i] : !bic.ptr<bf16> -> tensor<128x64xbf16>
    %tb = bic.load_tile %b[%n, %k] at [%c0, %i] : !bic.ptr<bf16> -> tensor<64x64xbf16>
    %d = bic.dot %ta, %tb, %acc {order = #bic.dot_order<kStep = 16>, transB} : tensor<128x64xbf16>, tensor<64x64xbf16>, tensor<128x64xf32> -> tensor<128x64xf32>
    scf.yield %d : tensor<128x64xf32>
  }
  %res = bic.load_tile %c[%m, %n] at [%c0, %c0] : !bic.ptr<f32> -> tensor<128x64xf32>
  // expected-error @+1 {{an operand has rows of its own}}
  %s = arith.addf %r, %res : tensor<128x64xf32>
  return
}

// -----

// A store of anything but the tile would run in both CTAs: refused.
func.func @other_store(%a: !bic.ptr<bf16>, %b: !bic.ptr<bf16>, %c: !bic.ptr<bf16>, %s: !bic.ptr<f32>,
                       %m: i32, %n: i32, %k: i32)
    attributes {bic.kernel, bic.warp_specialize, bic.cluster = 2 : i32} {
  %c0 = arith.constant 0 : i32
  %c64 = arith.constant 64 : i32
  %z = arith.constant 0.0 : f32
  // expected-error @+1 {{cluster=2: writes memory in every CTA of the cluster}}
  bic.store %s, %z : !bic.ptr<f32>, f32
  %acc0 = bic.splat %z : f32 -> tensor<128x64xf32>
  %r = scf.for %i = %c0 to %k step %c64 iter_args(%acc = %acc0) -> (tensor<128x64xf32>) : i32 {
    %ta = bic.load_tile %a[%m, %k] at [%c0, %i] : !bic.ptr<bf16> -> tensor<128x64xbf16>
    %tb = bic.load_tile %b[%n, %k] at [%c0, %i] : !bic.ptr<bf16> -> tensor<64x64xbf16>
    %d = bic.dot %ta, %tb, %acc {order = #bic.dot_order<kStep = 16>, transB} : tensor<128x64xbf16>, tensor<64x64xbf16>, tensor<128x64xf32> -> tensor<128x64xf32>
    scf.yield %d : tensor<128x64xf32>
  }
  %o = arith.truncf %r : tensor<128x64xf32> to tensor<128x64xbf16>
  bic.store_tile %c[%m, %n] at [%c0, %c0], %o : !bic.ptr<bf16>, tensor<128x64xbf16>
  return
}
