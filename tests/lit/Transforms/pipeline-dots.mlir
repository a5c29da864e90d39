// RUN: bic-opt %s --bic-assign-layouts --bic-vectorize-access --bic-pipeline-dots | FileCheck %s
// RUN: bic-opt %s --bic-assign-layouts --bic-vectorize-access --bic-pipeline-dots=stages=2 | FileCheck %s --check-prefix=S2

// Three stages: two iterations are fetched before the loop, each iteration
// waits for its slot (one group may stay in flight), fetches two ahead and
// multiplies from shared memory; the copies are drained after the loop.
// CHECK-LABEL: func.func @kloop
// CHECK: bic.async_copy {{.*}} {bic.buffer_base = 0 : i64, {{.*}}buffer = 0 : i32
// CHECK: bic.async_copy {{.*}}buffer = 1 : i32
// CHECK: bic.async_commit
// CHECK: bic.async_copy
// CHECK: bic.async_copy
// CHECK: bic.async_commit
// CHECK: scf.for
// CHECK-NEXT: bic.async_wait {pending = 1 : i32}
// CHECK: bic.async_copy
// CHECK: bic.async_copy
// CHECK: bic.async_commit
// CHECK: bic.smem_dot {{.*}}bic.stages = 3 : i64{{.*}}transB
// CHECK-NEXT: scf.yield
// CHECK-NEXT: }
// CHECK-NEXT: bic.async_wait {pending = 0 : i32}
// S2: bic.async_wait {pending = 0 : i32}
// S2: bic.smem_dot {{.*}}bic.stages = 2 : i64
func.func @kloop(%a: !bic.ptr<bf16>, %b: !bic.ptr<bf16>, %c: !bic.ptr<f32>, %k: i32 {bic.multiple_of = 8 : i64}) attributes {bic.kernel, bic.num_warps = 4 : i32} {
  %c0 = arith.constant 0 : i32
  %c32 = arith.constant 32 : i32
  %z = arith.constant 0.0 : f32
  %acc0 = bic.splat %z : f32 -> tensor<64x64xf32>
  %r = scf.for %i = %c0 to %k step %c32 iter_args(%acc = %acc0) -> (tensor<64x64xf32>) : i32 {
    %rows = bic.arange 0, 64 : tensor<64xi32>
    %cols = bic.arange 0, 32 : tensor<32xi32>
    %r2 = bic.expand_dims %rows {axis = 1 : i32} : tensor<64xi32> -> tensor<64x1xi32>
    %c2 = bic.expand_dims %cols {axis = 0 : i32} : tensor<32xi32> -> tensor<1x32xi32>
    %rb = bic.broadcast %r2 : tensor<64x1xi32> -> tensor<64x32xi32>
    %cb = bic.broadcast %c2 : tensor<1x32xi32> -> tensor<64x32xi32>
    %is = bic.splat %i : i32 -> tensor<64x32xi32>
    %kk = arith.addi %cb, %is : tensor<64x32xi32>
    %s = bic.splat %k : i32 -> tensor<64x32xi32>
    %m = arith.muli %rb, %s : tensor<64x32xi32>
    %o = arith.addi %m, %kk : tensor<64x32xi32>
    %pa = bic.splat %a : !bic.ptr<bf16> -> tensor<64x32x!bic.ptr<bf16>>
    %pb = bic.splat %b : !bic.ptr<bf16> -> tensor<64x32x!bic.ptr<bf16>>
    %qa = bic.addptr %pa, %o : tensor<64x32x!bic.ptr<bf16>>, tensor<64x32xi32>
    %qb = bic.addptr %pb, %o : tensor<64x32x!bic.ptr<bf16>>, tensor<64x32xi32>
    %ta = bic.load %qa : (tensor<64x32x!bic.ptr<bf16>>) -> tensor<64x32xbf16>
    %tb = bic.load %qb : (tensor<64x32x!bic.ptr<bf16>>) -> tensor<64x32xbf16>
    %d = bic.dot %ta, %tb, %acc {order = #bic.dot_order<kStep = 16>, transB} : tensor<64x32xbf16>, tensor<64x32xbf16>, tensor<64x64xf32> -> tensor<64x64xf32>
    scf.yield %d : tensor<64x64xf32>
  }
  %rows = bic.arange 0, 64 : tensor<64xi32>
  %r2 = bic.expand_dims %rows {axis = 1 : i32} : tensor<64xi32> -> tensor<64x1xi32>
  %rb = bic.broadcast %r2 : tensor<64x1xi32> -> tensor<64x64xi32>
  %pc = bic.splat %c : !bic.ptr<f32> -> tensor<64x64x!bic.ptr<f32>>
  %qc = bic.addptr %pc, %rb : tensor<64x64x!bic.ptr<f32>>, tensor<64x64xi32>
  bic.store %qc, %r : tensor<64x64x!bic.ptr<f32>>, tensor<64x64xf32>
  return
}

// Not pipelined: the operands cannot be moved 4 bytes at a time (the row
// stride %k has no divisibility promise), so the loop keeps its loads.
// CHECK-LABEL: func.func @unaligned
// CHECK: scf.for
// CHECK: bic.load
// CHECK: bic.dot
// CHECK-NOT: bic.async_copy
func.func @unaligned(%a: !bic.ptr<bf16>, %k: i32) attributes {bic.kernel, bic.num_warps = 4 : i32} {
  %c0 = arith.constant 0 : i32
  %c16 = arith.constant 16 : i32
  %z = arith.constant 0.0 : f32
  %acc0 = bic.splat %z : f32 -> tensor<16x16xf32>
  %r = scf.for %i = %c0 to %k step %c16 iter_args(%acc = %acc0) -> (tensor<16x16xf32>) : i32 {
    %rows = bic.arange 0, 16 : tensor<16xi32>
    %r2 = bic.expand_dims %rows {axis = 1 : i32} : tensor<16xi32> -> tensor<16x1xi32>
    %rb = bic.broadcast %r2 : tensor<16x1xi32> -> tensor<16x16xi32>
    %s = bic.splat %k : i32 -> tensor<16x16xi32>
    %m = arith.muli %rb, %s : tensor<16x16xi32>
    %pa = bic.splat %a : !bic.ptr<bf16> -> tensor<16x16x!bic.ptr<bf16>>
    %qa = bic.addptr %pa, %m : tensor<16x16x!bic.ptr<bf16>>, tensor<16x16xi32>
    %ta = bic.load %qa : (tensor<16x16x!bic.ptr<bf16>>) -> tensor<16x16xbf16>
    %d = bic.dot %ta, %ta, %acc {order = #bic.dot_order<kStep = 16>} : tensor<16x16xbf16>, tensor<16x16xbf16>, tensor<16x16xf32> -> tensor<16x16xf32>
    scf.yield %d : tensor<16x16xf32>
  }
  return
}
