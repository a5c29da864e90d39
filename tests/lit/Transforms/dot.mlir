// RUN: bic-opt %s --bic-assign-layouts | FileCheck %s
// RUN: bic-opt %s --bic-assign-layouts --bic-vectorize-access --bic-lower-to-gpu --canonicalize | FileCheck %s --check-prefix=GPU

// The accumulator of a dot lives in the mma fragment layout from its zero
// initialisation on (no conversion in the K loop); operands keep theirs.
// CHECK-LABEL: func.func @kloop
// CHECK: %[[Z:.*]] = bic.splat %{{.*}} : f32 -> tensor<64x64xf32, #[[ACC:bic.blocked<sizePerThread = \[1, 2\], threadsPerWarp = \[8, 4\], warpsPerCTA = \[2, 2\]>]]>
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %[[Z]]) -> (tensor<64x64xf32, #[[ACC]]>)
// CHECK: bic.dot %{{.*}}, %{{.*}}, %{{.*}} {order = #bic.dot_order<kStep = 16>, transB} : tensor<64x32xbf16, #bic.blocked<sizePerThread = [1, 8], threadsPerWarp = [8, 4], warpsPerCTA = [4, 1]>>, tensor<64x32xbf16, #bic.blocked<{{.*}}>>, tensor<64x64xf32, #[[ACC]]> -> tensor<64x64xf32, #[[ACC]]>
// CHECK-NOT: bic.convert_layout

// The lowering: operands to shared memory, then K ascending in k16 steps
// of mma.sync (64x64 over 2x2 warps: 2 m16 x 4 n8 blocks per warp, two
// k-steps for K = 32: 16 mma per thread).
// GPU-LABEL: gpu.func @kloop
// GPU: gpu.barrier
// GPU: llvm.store {{.*}} {alignment = 16 : i64} : vector<8xbf16>, !llvm.ptr<3>
// GPU: gpu.barrier
// GPU-COUNT-16: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
func.func @kloop(%a: !bic.ptr<bf16>, %b: !bic.ptr<bf16>, %k: i32) -> () attributes {bic.kernel, bic.num_warps = 4 : i32} {
  %c0 = arith.constant 0 : i32
  %c32 = arith.constant 32 : i32
  %z = arith.constant 0.0 : f32
  %acc0 = bic.splat %z : f32 -> tensor<64x64xf32>
  %ra = bic.arange 0, 2048 : tensor<2048xi32>
  %r = scf.for %i = %c0 to %k step %c32 iter_args(%acc = %acc0) -> (tensor<64x64xf32>) : i32 {
    %rows = bic.arange 0, 64 : tensor<64xi32>
    %cols = bic.arange 0, 32 : tensor<32xi32>
    %r2 = bic.expand_dims %rows {axis = 1 : i32} : tensor<64xi32> -> tensor<64x1xi32>
    %c2 = bic.expand_dims %cols {axis = 0 : i32} : tensor<32xi32> -> tensor<1x32xi32>
    %rb = bic.broadcast %r2 : tensor<64x1xi32> -> tensor<64x32xi32>
    %cb = bic.broadcast %c2 : tensor<1x32xi32> -> tensor<64x32xi32>
    %s = bic.splat %c32 : i32 -> tensor<64x32xi32>
    %m = arith.muli %rb, %s : tensor<64x32xi32>
    %o = arith.addi %m, %cb : tensor<64x32xi32>
    %pa = bic.splat %a : !bic.ptr<bf16> -> tensor<64x32x!bic.ptr<bf16>>
    %pb = bic.splat %b : !bic.ptr<bf16> -> tensor<64x32x!bic.ptr<bf16>>
    %qa = bic.addptr %pa, %o : tensor<64x32x!bic.ptr<bf16>>, tensor<64x32xi32>
    %qb = bic.addptr %pb, %o : tensor<64x32x!bic.ptr<bf16>>, tensor<64x32xi32>
    %ta = bic.load %qa : (tensor<64x32x!bic.ptr<bf16>>) -> tensor<64x32xbf16>
    %tb = bic.load %qb : (tensor<64x32x!bic.ptr<bf16>>) -> tensor<64x32xbf16>
    %d = bic.dot %ta, %tb, %acc {order = #bic.dot_order<kStep = 16>, transB} : tensor<64x32xbf16>, tensor<64x32xbf16>, tensor<64x64xf32> -> tensor<64x64xf32>
    scf.yield %d : tensor<64x64xf32>
  }
  %s1 = bic.reduce sum %r {axis = 1 : i32, order = #bic.reduce_order<kind = "tree">} : tensor<64x64xf32> -> tensor<64xf32>
  %s2 = bic.reduce sum %s1 {axis = 0 : i32, order = #bic.reduce_order<kind = "tree">} : tensor<64xf32> -> f32
  %pf = bic.splat %a : !bic.ptr<bf16> -> tensor<2048x!bic.ptr<bf16>>
  return
}
