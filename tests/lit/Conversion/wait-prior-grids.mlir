// RUN: bic-opt %s --bic-wait-prior-grids --bic-assign-layouts --bic-vectorize-access --bic-lower-to-gpu --canonicalize | FileCheck %s

// bic.wait_prior_grids lets the next kernel on the stream launch, then waits
// for the previous one (griddepcontrol, sm_90), before the kernel's first
// memory access.
// CHECK: gpu.func @scale
// CHECK:      nvvm.griddepcontrol launch_dependents
// CHECK-NEXT: nvvm.griddepcontrol wait
// CHECK-NOT:  nvvm.griddepcontrol
// CHECK:      llvm.store
// CHECK-NOT:  bic.
func.func @scale(%x: !bic.ptr<f32>) attributes {bic.kernel, bic.num_warps = 1 : i32, bic.overlap} {
  %p = bic.program_id 0 : i32
  %v = arith.sitofp %p : i32 to f32
  bic.store %x, %v : !bic.ptr<f32>, f32
  return
}
