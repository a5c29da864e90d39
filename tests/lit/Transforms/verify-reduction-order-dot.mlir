// RUN: bic-opt %s -split-input-file -verify-diagnostics --bic-verify-reduction-order

func.func @acc_plus_dot(%a: tensor<16x16xbf16>, %b: tensor<16x16xbf16>, %acc: tensor<16x16xf32>, %n: index) -> tensor<16x16xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%c = %acc) -> (tensor<16x16xf32>) {
    %z = arith.constant 0.0 : f32
    %zs = bic.splat %z : f32 -> tensor<16x16xf32>
    %d = bic.dot %a, %b, %zs {order = #bic.dot_order<kStep = 16>} : tensor<16x16xbf16>, tensor<16x16xbf16>, tensor<16x16xf32> -> tensor<16x16xf32>
    // expected-error @+1 {{'acc + dot(a, b)' rounds each K tile's product separately}}
    %s = arith.addf %c, %d : tensor<16x16xf32>
    scf.yield %s : tensor<16x16xf32>
  }
  return %r : tensor<16x16xf32>
}

// -----

// Outside a loop a dot plus a value (a bias) sums no per-tile products.
func.func @dot_plus_bias(%a: tensor<16x16xbf16>, %b: tensor<16x16xbf16>, %bias: tensor<16x16xf32>) -> tensor<16x16xf32> {
  %z = arith.constant 0.0 : f32
  %zs = bic.splat %z : f32 -> tensor<16x16xf32>
  %d = bic.dot %a, %b, %zs {order = #bic.dot_order<kStep = 16>} : tensor<16x16xbf16>, tensor<16x16xbf16>, tensor<16x16xf32> -> tensor<16x16xf32>
  %s = arith.addf %bias, %d : tensor<16x16xf32>
  return %s : tensor<16x16xf32>
}

// -----

func.func @in_place(%a: tensor<16x16xbf16>, %b: tensor<16x16xbf16>, %acc: tensor<16x16xf32>) -> tensor<16x16xf32> {
  %d = bic.dot %a, %b, %acc {order = #bic.dot_order<kStep = 16>} : tensor<16x16xbf16>, tensor<16x16xbf16>, tensor<16x16xf32> -> tensor<16x16xf32>
  return %d : tensor<16x16xf32>
}
