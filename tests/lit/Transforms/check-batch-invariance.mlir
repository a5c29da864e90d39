// RUN: bic-opt %s -split-input-file -verify-diagnostics --bic-check-batch-invariance

func.func @loop_bound(%x: !bic.ptr<f32>, %n: i32 {bic.batch, bic.name = "n_rows"}) attributes {bic.kernel} {
  %c0 = arith.constant 0 : i32
  %c1 = arith.constant 1 : i32
  %z = arith.constant 0.0 : f32
  // expected-error @+1 {{the upper bound of this accumulating loop depends on the batch size: @batch parameter 'n_rows'}}
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%a = %z) -> (f32) : i32 {
    %p = bic.addptr %x, %i : !bic.ptr<f32>, i32
    %v = bic.load %p : (!bic.ptr<f32>) -> f32
    %s = arith.addf %a, %v : f32
    scf.yield %s : f32
  }
  bic.store %x, %r : !bic.ptr<f32>, f32
  return
}

// -----

func.func @derived_step(%x: !bic.ptr<f32>, %n: i32 {bic.batch, bic.name = "M"}, %k: i32) attributes {bic.kernel} {
  %c0 = arith.constant 0 : i32
  %c64 = arith.constant 64 : i32
  %z = arith.constant 0.0 : f32
  %splits = arith.divsi %n, %c64 : i32
  // expected-error @+1 {{the step of this accumulating loop depends on the batch size: @batch parameter 'M' -> arith.divsi}}
  %r = scf.for %i = %c0 to %k step %splits iter_args(%a = %z) -> (f32) : i32 {
    %p = bic.addptr %x, %i : !bic.ptr<f32>, i32
    %v = bic.load %p : (!bic.ptr<f32>) -> f32
    %s = arith.addf %a, %v : f32
    scf.yield %s : f32
  }
  bic.store %x, %r : !bic.ptr<f32>, f32
  return
}

// -----

// Integer accumulation is exact: a batch-sized loop may count.
func.func @int_count(%x: !bic.ptr<i32>, %n: i32 {bic.batch}) attributes {bic.kernel} {
  %c0 = arith.constant 0 : i32
  %c1 = arith.constant 1 : i32
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%a = %c0) -> (i32) : i32 {
    %s = arith.addi %a, %c1 : i32
    scf.yield %s : i32
  }
  bic.store %x, %r : !bic.ptr<i32>, i32
  return
}

// -----

func.func @select_scalar(%x: !bic.ptr<f32>, %a: f32, %b: f32, %n: i32 {bic.batch, bic.name = "n"}) attributes {bic.kernel} {
  %c64 = arith.constant 64 : i32
  %big = arith.cmpi sgt, %n, %c64 : i32
  // expected-error @+1 {{this select chooses floating-point values by the batch size: @batch parameter 'n' -> arith.cmpi}}
  %s = arith.select %big, %a, %b : f32
  bic.store %x, %s : !bic.ptr<f32>, f32
  return
}

// -----

// A guard with an empty branch only decides whether the program runs.
func.func @guard(%x: !bic.ptr<f32>, %v: tensor<64xf32>, %n: i32 {bic.batch}) attributes {bic.kernel} {
  %pid = bic.program_id 0 : i32
  %out = arith.cmpi sge, %pid, %n : i32
  scf.if %out {
  } else {
    %s = bic.reduce sum %v {axis = 0 : i32, order = #bic.reduce_order<kind = "tree">} : tensor<64xf32> -> f32
    bic.store %x, %s : !bic.ptr<f32>, f32
  }
  return
}
