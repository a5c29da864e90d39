// RUN: bic-opt %s --bic-lower-to-gpu -split-input-file -verify-diagnostics

// bic-lower-to-gpu launches bic.num_warps warps and trusts the layouts to
// cover no more: IR edited by hand that disagrees is refused by name, not
// lowered with parts of a tile left to warps that never run.

#l4 = #bic.blocked<sizePerThread = [4], threadsPerWarp = [32], warpsPerCTA = [4]>
func.func @fewer(%x: !bic.ptr<f32>) attributes {bic.kernel, bic.num_warps = 2 : i32} {
  // expected-error @+1 {{'bic.arange' op has a layout for 4 warps, but the kernel runs 2 (bic.num_warps)}}
  %0 = bic.arange 0, 512 : tensor<512xi32, #l4>
  %1 = bic.splat %x : !bic.ptr<f32> -> tensor<512x!bic.ptr<f32>, #l4>
  %2 = bic.addptr %1, %0 : tensor<512x!bic.ptr<f32>, #l4>, tensor<512xi32, #l4>
  %3 = bic.load %2 : (tensor<512x!bic.ptr<f32>, #l4>) -> tensor<512xf32, #l4>
  bic.store %2, %3 : tensor<512x!bic.ptr<f32>, #l4>, tensor<512xf32, #l4>
  return
}

// -----

#l4 = #bic.blocked<sizePerThread = [4], threadsPerWarp = [32], warpsPerCTA = [4]>
// expected-error @+1 {{bic.num_warps must be a power of two in [1, 32], got 0}}
func.func @zero(%x: !bic.ptr<f32>) attributes {bic.kernel, bic.num_warps = 0 : i32} {
  %0 = bic.arange 0, 512 : tensor<512xi32, #l4>
  return
}

// -----

#l4 = #bic.blocked<sizePerThread = [4], threadsPerWarp = [32], warpsPerCTA = [4]>
// expected-error @+1 {{bic.num_warps must be a power of two in [1, 32], got -4}}
func.func @negative(%x: !bic.ptr<f32>) attributes {bic.kernel, bic.num_warps = -4 : i32} {
  %0 = bic.arange 0, 512 : tensor<512xi32, #l4>
  return
}

// -----

// A tile may span fewer warps than the kernel runs (replicated over the
// rest): lowered.
#l2 = #bic.blocked<sizePerThread = [4], threadsPerWarp = [32], warpsPerCTA = [2]>
func.func @replicated(%x: !bic.ptr<f32>) attributes {bic.kernel, bic.num_warps = 4 : i32} {
  %0 = bic.arange 0, 256 : tensor<256xi32, #l2>
  %1 = bic.splat %x : !bic.ptr<f32> -> tensor<256x!bic.ptr<f32>, #l2>
  %2 = bic.addptr %1, %0 : tensor<256x!bic.ptr<f32>, #l2>, tensor<256xi32, #l2>
  %3 = bic.load %2 : (tensor<256x!bic.ptr<f32>, #l2>) -> tensor<256xf32, #l2>
  bic.store %2, %3 : tensor<256x!bic.ptr<f32>, #l2>, tensor<256xf32, #l2>
  return
}
