// RUN: bic-opt %s --bic-assign-layouts -verify-diagnostics

// A dense constant with several values has no layout to take.
func.func @dense_constant(%p: !bic.ptr<i32>) attributes {bic.kernel, bic.num_warps = 1 : i32} {
  // expected-error @+1 {{tile constants with more than one value are not supported}}
  %c = arith.constant dense<[1, 2]> : tensor<2xi32>
  %s = bic.splat %p : !bic.ptr<i32> -> tensor<2x!bic.ptr<i32>>
  bic.store %s, %c : tensor<2x!bic.ptr<i32>>, tensor<2xi32>
  return
}
