// RUN: bic-opt %s -split-input-file -verify-diagnostics --bic-verify-reduction-order=require-resolved=true

#l = #bic.blocked<sizePerThread = [8], threadsPerWarp = [32], warpsPerCTA = [4]>

func.func @unresolved(%x: tensor<2048xf32, #l>) -> f32 {
  // expected-error @+1 {{reduction order is declared but not resolved; run bic-assign-layouts first}}
  %s = bic.reduce sum %x {axis = 0 : i32, order = #bic.reduce_order<kind = "tree">} : tensor<2048xf32, #l> -> f32
  return %s : f32
}

// -----

#l = #bic.blocked<sizePerThread = [8], threadsPerWarp = [32], warpsPerCTA = [4]>

func.func @mismatch(%x: tensor<2048xf32, #l>) -> f32 {
  // expected-error @+1 {{is not the order its layout realises}}
  %s = bic.reduce sum %x {axis = 0 : i32, order = #bic.reduce_order<kind = "tree", perThread = 16, lanes = [16, 8, 4, 2, 1], warps = 8>} : tensor<2048xf32, #l> -> f32
  return %s : f32
}

// -----

#l = #bic.blocked<sizePerThread = [8], threadsPerWarp = [32], warpsPerCTA = [4]>

func.func @matches(%x: tensor<2048xf32, #l>) -> f32 {
  %s = bic.reduce sum %x {axis = 0 : i32, order = #bic.reduce_order<kind = "tree", perThread = 16, lanes = [16, 8, 4, 2, 1], warps = 4, run = 8>} : tensor<2048xf32, #l> -> f32
  return %s : f32
}

// -----

// Same counts, other elements: 16 per thread in runs of 2 (2t, 2t + 1,
// 64 + 2t, ...) is not 16 in runs of 8; the run tells the trees apart.
#l = #bic.blocked<sizePerThread = [2], threadsPerWarp = [32], warpsPerCTA = [4]>

func.func @run_mismatch(%x: tensor<2048xf32, #l>) -> f32 {
  // expected-error @+1 {{is not the order its layout realises}}
  %s = bic.reduce sum %x {axis = 0 : i32, order = #bic.reduce_order<kind = "tree", perThread = 16, lanes = [16, 8, 4, 2, 1], warps = 4, run = 8>} : tensor<2048xf32, #l> -> f32
  return %s : f32
}
