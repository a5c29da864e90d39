// RUN: bic-opt %s --bic-assign-layouts | FileCheck %s
// RUN: bic-opt %s --bic-assign-layouts --bic-vectorize-access --bic-lower-to-gpu --canonicalize | FileCheck %s --check-prefix=GPU

// Attention's inner loop in miniature: S = Q Kᵀ, its row max (carried by the
// loop from a cheap -1e30), P = exp2(S - max), then P V accumulated in
// place. Both products put their 4 warps along the 64 rows, so a row never
// leaves its warp: the row max is a 4-lane butterfly over the mma layout,
// the loop-carried max lives in the slice of that layout from its
// initial value on, Q (loaded before the loop) is converted once, there, to
// the fragment layout on the same rows, so both products take their A
// operands from registers, and nothing in the loop converts a layout.
// CHECK-LABEL: func.func @scores
// CHECK: %[[Q:.*]] = bic.convert_layout %{{.*}} : tensor<64x64xbf16, #bic.blocked<{{.*}}>> -> tensor<64x64xbf16, #[[R:bic.blocked<sizePerThread = \[1, 2\], threadsPerWarp = \[8, 4\], warpsPerCTA = \[4, 1\]>]]>
// CHECK: %[[M0:.*]] = bic.splat %{{.*}} : f32 -> tensor<64xf32, #bic.slice<dim = 1, parent = #[[R]]>>
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %[[M0]], %{{.*}} = %{{.*}}) -> (tensor<64xf32, #bic.slice<dim = 1, parent = #[[R]]>>, tensor<64x64xf32, #[[R]]>)
// CHECK: bic.dot %[[Q]], {{.*}} -> tensor<64x64xf32, #[[R]]>
// CHECK: bic.reduce max %{{.*}} {axis = 1 : i32, order = #bic.reduce_order<kind = "tree", perThread = 16, lanes = [2, 1], warps = 1, run = 2>} : tensor<64x64xf32, #[[R]]>
// CHECK: bic.broadcast %{{.*}} : tensor<64x1xf32, #[[R]]> -> tensor<64x64xf32, #[[R]]>
// CHECK: arith.truncf %{{.*}} : tensor<64x64xf32, #[[R]]> to tensor<64x64xbf16, #[[R]]>
// CHECK: bic.dot %{{.*}}, %{{.*}}, %{{.*}} {order = #bic.dot_order<kStep = 16>} : tensor<64x64xbf16, #[[R]]>, tensor<64x64xbf16, #bic.blocked<{{.*}}>>, tensor<64x64xf32, #[[R]]> -> tensor<64x64xf32, #[[R]]>
// CHECK-NOT: bic.convert_layout
// CHECK: return

// Only K and V go through shared memory in the loop: the first product
// reads K (as N x K) with ldmatrix, 4 x4 loads per k-step, and no A; the
// second reads V, row-major [keys, D], with ldmatrix.trans, and no A.
// GPU-LABEL: gpu.func @scores
// GPU: scf.for
// GPU-COUNT-16: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// GPU-NOT: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// GPU: ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16
// GPU-NOT: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// GPU: gpu.return
func.func @scores(%q: !bic.ptr<bf16>, %k: !bic.ptr<bf16>, %v: !bic.ptr<bf16>, %o: !bic.ptr<f32>, %n: i32) attributes {bic.kernel, bic.num_warps = 4 : i32} {
  %c0 = arith.constant 0 : i32
  %c64 = arith.constant 64 : i32
  %zf = arith.constant 0.0 : f32
  %ninf = arith.constant -1.0e30 : f32
  %rows = bic.arange 0, 64 : tensor<64xi32>
  %r2 = bic.expand_dims %rows {axis = 1 : i32} : tensor<64xi32> -> tensor<64x1xi32>
  %c2 = bic.expand_dims %rows {axis = 0 : i32} : tensor<64xi32> -> tensor<1x64xi32>
  %rb = bic.broadcast %r2 : tensor<64x1xi32> -> tensor<64x64xi32>
  %cb = bic.broadcast %c2 : tensor<1x64xi32> -> tensor<64x64xi32>
  %s64 = bic.splat %c64 : i32 -> tensor<64x64xi32>
  %rm = arith.muli %rb, %s64 : tensor<64x64xi32>
  %off = arith.addi %rm, %cb : tensor<64x64xi32>
  %pq = bic.splat %q : !bic.ptr<bf16> -> tensor<64x64x!bic.ptr<bf16>>
  %qq = bic.addptr %pq, %off : tensor<64x64x!bic.ptr<bf16>>, tensor<64x64xi32>
  %tq = bic.load %qq : (tensor<64x64x!bic.ptr<bf16>>) -> tensor<64x64xbf16>
  %m0 = bic.splat %ninf : f32 -> tensor<64xf32>
  %acc0 = bic.splat %zf : f32 -> tensor<64x64xf32>
  %r:2 = scf.for %j = %c0 to %n step %c64 iter_args(%m = %m0, %acc = %acc0) -> (tensor<64xf32>, tensor<64x64xf32>) : i32 {
    %pk = bic.splat %k : !bic.ptr<bf16> -> tensor<64x64x!bic.ptr<bf16>>
    %qk = bic.addptr %pk, %off : tensor<64x64x!bic.ptr<bf16>>, tensor<64x64xi32>
    %tk = bic.load %qk : (tensor<64x64x!bic.ptr<bf16>>) -> tensor<64x64xbf16>
    %z = bic.splat %zf : f32 -> tensor<64x64xf32>
    %s = bic.dot %tq, %tk, %z {order = #bic.dot_order<kStep = 16>, transB} : tensor<64x64xbf16>, tensor<64x64xbf16>, tensor<64x64xf32> -> tensor<64x64xf32>
    %bm = bic.reduce max %s {axis = 1 : i32, order = #bic.reduce_order<kind = "tree">} : tensor<64x64xf32> -> tensor<64xf32>
    %mn = arith.maximumf %m, %bm : tensor<64xf32>
    %me = bic.expand_dims %mn {axis = 1 : i32} : tensor<64xf32> -> tensor<64x1xf32>
    %mb = bic.broadcast %me : tensor<64x1xf32> -> tensor<64x64xf32>
    %d = arith.subf %s, %mb : tensor<64x64xf32>
    %p = math.exp2 %d : tensor<64x64xf32>
    %pb = arith.truncf %p : tensor<64x64xf32> to tensor<64x64xbf16>
    %pv = bic.splat %v : !bic.ptr<bf16> -> tensor<64x64x!bic.ptr<bf16>>
    %qv = bic.addptr %pv, %off : tensor<64x64x!bic.ptr<bf16>>, tensor<64x64xi32>
    %tv = bic.load %qv : (tensor<64x64x!bic.ptr<bf16>>) -> tensor<64x64xbf16>
    %acc2 = bic.dot %pb, %tv, %acc {order = #bic.dot_order<kStep = 16>} : tensor<64x64xbf16>, tensor<64x64xbf16>, tensor<64x64xf32> -> tensor<64x64xf32>
    scf.yield %mn, %acc2 : tensor<64xf32>, tensor<64x64xf32>
  }
  %po = bic.splat %o : !bic.ptr<f32> -> tensor<64x64x!bic.ptr<f32>>
  %qo = bic.addptr %po, %off : tensor<64x64x!bic.ptr<f32>>, tensor<64x64xi32>
  bic.store %qo, %r#1 : tensor<64x64x!bic.ptr<f32>>, tensor<64x64xf32>
  return
}
