// RUN: bic-opt %s --bic-wait-prior-grids | FileCheck %s

// A kernel built for overlapped launches (bic.overlap) waits for the
// previous kernel on the stream before anything else (programmatic
// dependent launch may start it early)...
// CHECK-LABEL: func.func @plain
// CHECK-NEXT:    bic.wait_prior_grids
// CHECK-NEXT:    bic.program_id
func.func @plain(%x: !bic.ptr<f32>, %n: i32) attributes {bic.kernel, bic.num_warps = 1 : i32, bic.overlap} {
  %p = bic.program_id 0 : i32
  %v = arith.sitofp %p : i32 to f32
  bic.store %x, %v : !bic.ptr<f32>, f32
  return
}

// ...unless it placed its wait itself (a warp-specialised producer copies
// @weight blocks first): that one stays, and no second one comes.
// CHECK-LABEL: func.func @placed
// CHECK-NEXT:    bic.program_id
// CHECK-NEXT:    bic.wait_prior_grids
// CHECK-NOT:     bic.wait_prior_grids
// CHECK:         return
func.func @placed(%x: !bic.ptr<f32>) attributes {bic.kernel, bic.num_warps = 1 : i32, bic.overlap} {
  %p = bic.program_id 0 : i32
  bic.wait_prior_grids
  %v = arith.sitofp %p : i32 to f32
  bic.store %x, %v : !bic.ptr<f32>, f32
  return
}

// A kernel for plain launches is left alone...
// CHECK-LABEL: func.func @not_overlapped
// CHECK-NOT:     bic.wait_prior_grids
// CHECK:         return
func.func @not_overlapped(%x: !bic.ptr<f32>) attributes {bic.kernel, bic.num_warps = 1 : i32} {
  %p = bic.program_id 0 : i32
  %v = arith.sitofp %p : i32 to f32
  bic.store %x, %v : !bic.ptr<f32>, f32
  return
}

// ...and so is a function that is not a kernel.
// CHECK-LABEL: func.func @helper
// CHECK-NOT:     bic.wait_prior_grids
// CHECK:         return
func.func @helper(%x: !bic.ptr<f32>) attributes {bic.overlap} {
  return
}
