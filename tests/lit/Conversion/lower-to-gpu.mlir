// RUN: bic-opt %s --bic-assign-layouts --bic-vectorize-access --bic-lower-to-gpu --canonicalize | FileCheck %s

// Kernel -> gpu.func with bare-pointer arguments and a block size from
// num_warps; a tile of 1024 over 4 warps is 8 elements per thread.
// CHECK: module attributes {gpu.container_module}
// CHECK: gpu.module @bic
// CHECK: gpu.func @rowsum(%[[X:.*]]: !llvm.ptr<1>, %[[Y:.*]]: !llvm.ptr<1>, %{{.*}}: i32) workgroup(%[[SCRATCH:.*]] : memref<4xi32, #gpu.address_space<workgroup>>) kernel
// CHECK-SAME: known_block_size = array<i32: 128, 1, 1>
// Vectorised masked load: 8 x f32 in two 16-byte halves would need vec 4; here
// the mask constancy (n multiple of 8) and f32 give 4 per access, each one
// predicated ld.global of 4 words whose registers start as `other` (tied
// operands 0-3), with no branch around it.
// CHECK-NOT: scf.if
// CHECK: llvm.inline_asm has_side_effects asm_dialect = att "@$5 ld.global.v4.b32 {$0,$1,$2,$3}, [$4];", "=r,=r,=r,=r,l,b,0,1,2,3"
// CHECK: llvm.inline_asm has_side_effects asm_dialect = att "@$5 ld.global.v4.b32 {$0,$1,$2,$3}, [$4];"
// Sequential fold of the thread's 8 elements, ascending.
// CHECK-COUNT-7: arith.addf %{{.*}}, %{{.*}} : f32
// Butterfly over the lanes, offsets 16, 8, 4, 2, 1 in that order.
// CHECK: gpu.shuffle  xor %{{.*}}, %c16_i32, %c32_i32 : i32
// CHECK: gpu.shuffle  xor %{{.*}}, %c8_i32, %c32_i32 : i32
// CHECK: gpu.shuffle  xor %{{.*}}, %c4_i32, %c32_i32 : i32
// CHECK: gpu.shuffle  xor %{{.*}}, %c2_i32, %c32_i32 : i32
// CHECK: gpu.shuffle  xor %{{.*}}, %c1_i32, %c32_i32 : i32
// Warp partials through shared memory, folded in warp order 0..3.
// CHECK: gpu.barrier
// CHECK: memref.store %{{.*}}, %[[SCRATCH]]
// CHECK: gpu.barrier
// CHECK: memref.load %[[SCRATCH]][%c0]
// CHECK: memref.load %[[SCRATCH]][%c1]
// CHECK: memref.load %[[SCRATCH]][%c2]
// CHECK: memref.load %[[SCRATCH]][%c3]
// rsqrt without libdevice.
// CHECK: llvm.call_intrinsic "llvm.nvvm.rsqrt.approx.f"
// A scalar store is done by thread 0 only.
// CHECK: arith.cmpi eq, %{{.*}}, %c0_i32 : i32
// CHECK: llvm.store %{{.*}}, %{{.*}} {alignment = 4 : i64} : f32, !llvm.ptr<1>
// CHECK-NOT: bic.
func.func @rowsum(%x: !bic.ptr<f32>, %y: !bic.ptr<f32>, %n: i32 {bic.multiple_of = 8 : i64}) attributes {bic.kernel, bic.num_warps = 4 : i32} {
  %c = bic.arange 0, 1024 : tensor<1024xi32>
  %ns = bic.splat %n : i32 -> tensor<1024xi32>
  %m = arith.cmpi slt, %c, %ns : tensor<1024xi32>
  %xs = bic.splat %x : !bic.ptr<f32> -> tensor<1024x!bic.ptr<f32>>
  %xp = bic.addptr %xs, %c : tensor<1024x!bic.ptr<f32>>, tensor<1024xi32>
  %v = bic.load %xp mask %m : (tensor<1024x!bic.ptr<f32>>, tensor<1024xi1>) -> tensor<1024xf32>
  %s = bic.reduce sum %v {axis = 0 : i32, order = #bic.reduce_order<kind = "tree">} : tensor<1024xf32> -> f32
  %r = math.rsqrt %s : f32
  bic.store %y, %r : !bic.ptr<f32>, f32
  return
}
