// RUN: bic-opt %s -split-input-file -verify-diagnostics --bic-verify-reduction-order

func.func @acc_plus_dot(%a: tensor<16x16xbf16>, %b: tensor<16x16xbf16>, %acc: tensor<16x16xf32>) -> tensor<16x16xf32> {
  %z = arith.constant 0.0 : f32
  %zs = bic.splat %z : f32 -> tensor<16x16xf32>
  %d = bic.dot %a, %b, %zs {order = #bic.dot_order<kStep = 16>} : tensor<16x16xbf16>, tensor<16x16xbf16>, tensor<16x16xf32> -> tensor<16x16xf32>
  // expected-error @+1 {{'acc + dot(a, b)' rounds each K tile's product separately}}
  %s = arith.addf %acc, %d : tensor<16x16xf32>
  return %s : tensor<16x16xf32>
}

// -----

func.func @in_place(%a: tensor<16x16xbf16>, %b: tensor<16x16xbf16>, %acc: tensor<16x16xf32>) -> tensor<16x16xf32> {
  %d = bic.dot %a, %b, %acc {order = #bic.dot_order<kStep = 16>} : tensor<16x16xbf16>, tensor<16x16xbf16>, tensor<16x16xf32> -> tensor<16x16xf32>
  return %d : tensor<16x16xf32>
}
