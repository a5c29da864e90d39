// RUN: bic-opt %s --bic-assign-layouts --bic-vectorize-access --bic-lower-to-gpu --canonicalize | FileCheck %s

// Masked loads of whole 32-bit words are one predicated ld.global each, the
// destination registers tied to the `other` values (operands 0..W-1), the
// address at $W and the predicate at $W+1; no branch.
// A scalar f32: one word.
// CHECK-LABEL: gpu.func @scalar
// CHECK-NOT: scf.if
// CHECK: llvm.inline_asm has_side_effects asm_dialect = att "@$2 ld.global.b32 $0, [$1];", "=r,l,b,0"
func.func @scalar(%p: !bic.ptr<f32>, %q: !bic.ptr<f32>, %n: i32) attributes {bic.kernel, bic.num_warps = 1 : i32} {
  %c0 = arith.constant 0 : i32
  %m = arith.cmpi slt, %c0, %n : i32
  %o = arith.constant -1.0e30 : f32
  %v = bic.load %p mask %m other %o : (!bic.ptr<f32>, i1, f32) -> f32
  bic.store %q, %v : !bic.ptr<f32>, f32
  return
}

// 64 bf16 over 32 lanes, 2 per thread: 4 bytes, one word per access.
// 256 bf16 over 32 lanes, 8 per thread with a mask constant over 4: two
// 8-byte accesses, `.v2`.
// CHECK-LABEL: gpu.func @tiles
// CHECK-NOT: scf.if
// CHECK: "@$2 ld.global.b32 $0, [$1];", "=r,l,b,0"
// CHECK: "@$3 ld.global.v2.b32 {$0,$1}, [$2];", "=r,=r,l,b,0,1"
func.func @tiles(%p: !bic.ptr<bf16>, %q: !bic.ptr<bf16>, %n: i32 {bic.multiple_of = 4 : i64}) attributes {bic.kernel, bic.num_warps = 1 : i32} {
  %i = bic.arange 0, 64 : tensor<64xi32>
  %ns = bic.splat %n : i32 -> tensor<64xi32>
  %m = arith.cmpi slt, %i, %ns : tensor<64xi32>
  %ps = bic.splat %p : !bic.ptr<bf16> -> tensor<64x!bic.ptr<bf16>>
  %pp = bic.addptr %ps, %i : tensor<64x!bic.ptr<bf16>>, tensor<64xi32>
  %v = bic.load %pp mask %m : (tensor<64x!bic.ptr<bf16>>, tensor<64xi1>) -> tensor<64xbf16>
  %qs = bic.splat %q : !bic.ptr<bf16> -> tensor<64x!bic.ptr<bf16>>
  %qq = bic.addptr %qs, %i : tensor<64x!bic.ptr<bf16>>, tensor<64xi32>
  bic.store %qq, %v : tensor<64x!bic.ptr<bf16>>, tensor<64xbf16>
  %j = bic.arange 0, 256 : tensor<256xi32>
  %ns2 = bic.splat %n : i32 -> tensor<256xi32>
  %m2 = arith.cmpi slt, %j, %ns2 : tensor<256xi32>
  %ps2 = bic.splat %p : !bic.ptr<bf16> -> tensor<256x!bic.ptr<bf16>>
  %pp2 = bic.addptr %ps2, %j : tensor<256x!bic.ptr<bf16>>, tensor<256xi32>
  %w = bic.load %pp2 mask %m2 : (tensor<256x!bic.ptr<bf16>>, tensor<256xi1>) -> tensor<256xbf16>
  %qs2 = bic.splat %q : !bic.ptr<bf16> -> tensor<256x!bic.ptr<bf16>>
  %qq2 = bic.addptr %qs2, %j : tensor<256x!bic.ptr<bf16>>, tensor<256xi32>
  bic.store %qq2, %w : tensor<256x!bic.ptr<bf16>>, tensor<256xbf16>
  return
}
