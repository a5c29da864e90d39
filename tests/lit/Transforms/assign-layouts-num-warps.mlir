// RUN: bic-opt %s --bic-assign-layouts -split-input-file -verify-diagnostics

// num_warps outside the powers of two in [1, 32] is refused: with 0 the
// pass divided by zero, with -1 it never finished (IR written by hand; the
// frontend checks its own).
// expected-error @+1 {{bic.num_warps must be a power of two in [1, 32], got 0}}
func.func @zero(%p: !bic.ptr<f32>) attributes {bic.kernel, bic.num_warps = 0 : i32} {
  %r = bic.arange 0, 32 : tensor<32xi32>
  return
}

// -----

// expected-error @+1 {{bic.num_warps must be a power of two in [1, 32], got -1}}
func.func @negative(%p: !bic.ptr<f32>) attributes {bic.kernel, bic.num_warps = -1 : i32} {
  %r = bic.arange 0, 32 : tensor<32xi32>
  return
}

// -----

// expected-error @+1 {{bic.num_warps must be a power of two in [1, 32], got 3}}
func.func @three(%p: !bic.ptr<f32>) attributes {bic.kernel, bic.num_warps = 3 : i32} {
  return
}
