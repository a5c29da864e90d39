// RUN: bic-opt %s -split-input-file -verify-diagnostics --bic-verify-reduction-order

func.func @atomic(%p: !bic.ptr<f32>, %v: f32) attributes {bic.kernel} {
  // expected-error @+1 {{atomic read-modify-write has no fixed order}}
  bic.atomic_add %p, %v : !bic.ptr<f32>, f32
  return
}

// -----

func.func @while_loop(%n: i32) attributes {bic.kernel} {
  %c0 = arith.constant 0.0 : f32
  // expected-error @+1 {{only scf.for loops (ascending, fixed step) may carry values}}
  %r = scf.while (%a = %c0) : (f32) -> f32 {
    %t = arith.constant true
    scf.condition(%t) %a : f32
  } do {
  ^bb0(%a: f32):
    scf.yield %a : f32
  }
  return
}

// -----

// Declared orders are accepted before layout assignment.
func.func @declared(%x: tensor<256xf32>) -> f32 attributes {bic.kernel} {
  %s = bic.reduce sum %x {axis = 0 : i32, order = #bic.reduce_order<kind = "tree">} : tensor<256xf32> -> f32
  return %s : f32
}
