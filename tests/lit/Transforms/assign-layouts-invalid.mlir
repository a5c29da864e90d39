// RUN: bic-opt %s --bic-assign-layouts -verify-diagnostics

// A declared order that the layout does not realise is an error.
func.func @wrong_order(%p: !bic.ptr<f32>) attributes {bic.kernel, bic.num_warps = 4 : i32} {
  %r = bic.arange 0, 2048 : tensor<2048xi32>
  %f = arith.sitofp %r : tensor<2048xi32> to tensor<2048xf32>
  // expected-error @+1 {{declares order #bic.reduce_order<kind = "tree", perThread = 4, lanes = [16, 8, 4, 2, 1], warps = 4> but its layout realises #bic.reduce_order<kind = "tree", perThread = 16, lanes = [16, 8, 4, 2, 1], warps = 4, run = 8>}}
  %s = bic.reduce sum %f {axis = 0 : i32, order = #bic.reduce_order<kind = "tree", perThread = 4, lanes = [16, 8, 4, 2, 1], warps = 4>} : tensor<2048xf32> -> f32
  bic.store %p, %s : !bic.ptr<f32>, f32
  return
}
