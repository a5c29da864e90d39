// RUN: bic-opt %s --bic-tma-dots --bic-expand-tiles --bic-assign-layouts --bic-pipeline-dots --bic-lower-to-gpu | FileCheck %s

// A kernel whose K loop runs on TMA stages and which also exchanges values
// through shared memory (here a reduction across the warps that hold a
// 16-row mma.sync accumulator's columns): the stages and their barriers own
// shared memory from byte 0 (4 x (2 KB + 8 KB) + 4 barriers = 40992 bytes),
// and the reduction's scratch lies past them, 128-byte aligned, so that
// refills in flight never land in it.
// CHECK-LABEL: gpu.func @reduce_across_warps
// CHECK-SAME: bic.dynamic_smem = 41344 : i64
// CHECK: %[[ALL:.*]] = memref.view %{{.*}}[%c0][] {bic.scratch} : {{.*}} to memref<10336xi32
// CHECK: %[[EX:.*]] = memref.view %{{.*}}[%c41088][] {bic.exchange_scratch} : {{.*}} to memref<64xi32
// CHECK-NOT: memref.store {{.*}}, %[[ALL]]
// CHECK: memref.store {{.*}}, %[[EX]]
// CHECK: memref.load %[[EX]]
func.func @reduce_across_warps(%a: !bic.ptr<bf16>, %b: !bic.ptr<bf16>, %out: !bic.ptr<f32>,
                               %m: i32, %n: i32, %k: i32) attributes {bic.kernel, bic.num_warps = 4 : i32, bic.num_stages = 4 : i32} {
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
  %mx = bic.reduce max %r {axis = 1 : i32, order = #bic.reduce_order<kind = "tree">} : tensor<16x64xf32> -> tensor<16xf32>
  %cols = bic.arange 0, 16 : tensor<16xi32>
  %p = bic.splat %out : !bic.ptr<f32> -> tensor<16x!bic.ptr<f32>>
  %q = bic.addptr %p, %cols : tensor<16x!bic.ptr<f32>>, tensor<16xi32>
  bic.store %q, %mx : tensor<16x!bic.ptr<f32>>, tensor<16xf32>
  return
}
