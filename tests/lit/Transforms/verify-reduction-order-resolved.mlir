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
  %s = bic.reduce sum %x {axis = 0 : i32, order = #bic.reduce_order<kind = "tree", perThread = 16, lanes = [16, 8, 4, 2, 1], warps = 4>} : tensor<2048xf32, #l> -> f32
  return %s : f32
}
