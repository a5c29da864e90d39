// RUN: bic-opt %s --bic-assign-layouts | FileCheck %s

// A 1-D reduction: default layout (8 per thread, 32 lanes, all warps) and
// the order that layout realises.
// CHECK-LABEL: func.func @sum1d
// CHECK: bic.arange 0, 2048 : tensor<2048xi32, #bic.blocked<sizePerThread = [8], threadsPerWarp = [32], warpsPerCTA = [4]>>
// CHECK: bic.reduce sum %{{.*}} {axis = 0 : i32, order = #bic.reduce_order<kind = "tree", perThread = 16, lanes = [16, 8, 4, 2, 1], warps = 4, run = 8>} : tensor<2048xf32, #bic.blocked<sizePerThread = [8], threadsPerWarp = [32], warpsPerCTA = [4]>> -> f32
func.func @sum1d(%p: !bic.ptr<f32>) attributes {bic.kernel, bic.num_warps = 4 : i32} {
  %r = bic.arange 0, 2048 : tensor<2048xi32>
  %ps = bic.splat %p : !bic.ptr<f32> -> tensor<2048x!bic.ptr<f32>>
  %pp = bic.addptr %ps, %r : tensor<2048x!bic.ptr<f32>>, tensor<2048xi32>
  %v = bic.load %pp : (tensor<2048x!bic.ptr<f32>>) -> tensor<2048xf32>
  %s = bic.reduce sum %v {axis = 0 : i32, order = #bic.reduce_order<kind = "tree">} : tensor<2048xf32> -> f32
  bic.store %p, %s : !bic.ptr<f32>, f32
  return
}

// 2-D: a broadcast result takes the layout its shape wants and cheap
// producers (aranges, expand_dims) are re-created to feed it; a row
// reduction leaves a slice that x[:, None] turns back into the parent, with
// no data movement anywhere.
// CHECK-LABEL: func.func @rows2d
// CHECK-DAG: bic.arange 0, 4 : tensor<4xi32, #bic.slice<dim = 1, parent = #[[L:bic.blocked<sizePerThread = \[1, 8\], threadsPerWarp = \[1, 32\], warpsPerCTA = \[4, 1\]>]]>>
// CHECK-DAG: bic.arange 0, 256 : tensor<256xi32, #bic.slice<dim = 0, parent = #[[L]]>>
// CHECK: %[[M:.*]] = bic.reduce max %{{.*}} {axis = 1 : i32, order = #bic.reduce_order<kind = "tree", perThread = 8, lanes = [16, 8, 4, 2, 1], warps = 1>} : tensor<4x256xf32, #[[L]]> -> tensor<4xf32, #bic.slice<dim = 1, parent = #[[L]]>>
// CHECK: bic.expand_dims %[[M]] {axis = 1 : i32} : tensor<4xf32, #bic.slice<dim = 1, parent = #[[L]]>> -> tensor<4x1xf32, #[[L]]>
// CHECK-NOT: bic.convert_layout
func.func @rows2d(%p: !bic.ptr<f32>) attributes {bic.kernel, bic.num_warps = 4 : i32} {
  %rows = bic.arange 0, 4 : tensor<4xi32>
  %cols = bic.arange 0, 256 : tensor<256xi32>
  %r2 = bic.expand_dims %rows {axis = 1 : i32} : tensor<4xi32> -> tensor<4x1xi32>
  %c2 = bic.expand_dims %cols {axis = 0 : i32} : tensor<256xi32> -> tensor<1x256xi32>
  %rb = bic.broadcast %r2 : tensor<4x1xi32> -> tensor<4x256xi32>
  %cb = bic.broadcast %c2 : tensor<1x256xi32> -> tensor<4x256xi32>
  %k = arith.constant 256 : i32
  %ks = bic.splat %k : i32 -> tensor<4x256xi32>
  %rm = arith.muli %rb, %ks : tensor<4x256xi32>
  %off = arith.addi %rm, %cb : tensor<4x256xi32>
  %ps = bic.splat %p : !bic.ptr<f32> -> tensor<4x256x!bic.ptr<f32>>
  %pp = bic.addptr %ps, %off : tensor<4x256x!bic.ptr<f32>>, tensor<4x256xi32>
  %v = bic.load %pp : (tensor<4x256x!bic.ptr<f32>>) -> tensor<4x256xf32>
  %m = bic.reduce max %v {axis = 1 : i32, order = #bic.reduce_order<kind = "tree">} : tensor<4x256xf32> -> tensor<4xf32>
  %m2 = bic.expand_dims %m {axis = 1 : i32} : tensor<4xf32> -> tensor<4x1xf32>
  %mb = bic.broadcast %m2 : tensor<4x1xf32> -> tensor<4x256xf32>
  %d = arith.subf %v, %mb : tensor<4x256xf32>
  bic.store %pp, %d : tensor<4x256x!bic.ptr<f32>>, tensor<4x256xf32>
  return
}

// A layout mismatch that cannot be re-created becomes a convert_layout.
// CHECK-LABEL: func.func @convert
// CHECK: bic.convert_layout %{{.*}} : tensor<64xf32, #bic.blocked<sizePerThread = [2], threadsPerWarp = [32], warpsPerCTA = [2]>> -> tensor<64xf32, #bic.slice<dim = 0, parent = #bic.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [1, 2]>>>
func.func @convert(%p: !bic.ptr<f32>) attributes {bic.kernel, bic.num_warps = 2 : i32} {
  %c = bic.arange 0, 64 : tensor<64xi32>
  %ps = bic.splat %p : !bic.ptr<f32> -> tensor<64x!bic.ptr<f32>>
  %pp = bic.addptr %ps, %c : tensor<64x!bic.ptr<f32>>, tensor<64xi32>
  %v = bic.load %pp : (tensor<64x!bic.ptr<f32>>) -> tensor<64xf32>
  %e = bic.expand_dims %v {axis = 0 : i32} : tensor<64xf32> -> tensor<1x64xf32>
  %b = bic.broadcast %e : tensor<1x64xf32> -> tensor<2x64xf32>
  %s = bic.reduce sum %b {axis = 0 : i32, order = #bic.reduce_order<kind = "tree">} : tensor<2x64xf32> -> tensor<64xf32>
  bic.store %pp, %s : tensor<64x!bic.ptr<f32>>, tensor<64xf32>
  return
}

