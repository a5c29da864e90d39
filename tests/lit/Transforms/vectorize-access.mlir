// RUN: bic-opt %s --bic-assign-layouts --bic-vectorize-access | FileCheck %s

// 16-byte accesses when the pointer is aligned, offsets contiguous and the
// mask uniform over 8 elements (n is a multiple of 8).
// CHECK-LABEL: func.func @aligned
// CHECK: bic.load {{.*}} {vec = 8 : i32}
// CHECK: bic.store {{.*}} {vec = 4 : i32}
func.func @aligned(%x: !bic.ptr<bf16>, %y: !bic.ptr<f32>, %n: i32 {bic.multiple_of = 8 : i64}) attributes {bic.kernel, bic.num_warps = 4 : i32} {
  %c = bic.arange 0, 1024 : tensor<1024xi32>
  %ns = bic.splat %n : i32 -> tensor<1024xi32>
  %m = arith.cmpi slt, %c, %ns : tensor<1024xi32>
  %xs = bic.splat %x : !bic.ptr<bf16> -> tensor<1024x!bic.ptr<bf16>>
  %xp = bic.addptr %xs, %c : tensor<1024x!bic.ptr<bf16>>, tensor<1024xi32>
  %v = bic.load %xp mask %m : (tensor<1024x!bic.ptr<bf16>>, tensor<1024xi1>) -> tensor<1024xbf16>
  %f = arith.extf %v : tensor<1024xbf16> to tensor<1024xf32>
  %ys = bic.splat %y : !bic.ptr<f32> -> tensor<1024x!bic.ptr<f32>>
  %yp = bic.addptr %ys, %c : tensor<1024x!bic.ptr<f32>>, tensor<1024xi32>
  bic.store %yp, %f mask %m : tensor<1024x!bic.ptr<f32>>, tensor<1024xf32>, tensor<1024xi1>
  return
}

// Without a divisibility promise the mask may change inside a group, and a
// row offset with an unknown stride breaks alignment: one element a time.
// CHECK-LABEL: func.func @unaligned
// CHECK: bic.load {{.*}} {vec = 1 : i32}
// CHECK: bic.load {{.*}} {vec = 1 : i32}
func.func @unaligned(%x: !bic.ptr<f32>, %n: i32, %stride: i32) attributes {bic.kernel, bic.num_warps = 4 : i32} {
  %c = bic.arange 0, 1024 : tensor<1024xi32>
  %ns = bic.splat %n : i32 -> tensor<1024xi32>
  %m = arith.cmpi slt, %c, %ns : tensor<1024xi32>
  %xs = bic.splat %x : !bic.ptr<f32> -> tensor<1024x!bic.ptr<f32>>
  %xp = bic.addptr %xs, %c : tensor<1024x!bic.ptr<f32>>, tensor<1024xi32>
  %v = bic.load %xp mask %m : (tensor<1024x!bic.ptr<f32>>, tensor<1024xi1>) -> tensor<1024xf32>
  %row = bic.program_id 0 : i32
  %off = arith.muli %row, %stride : i32
  %os = bic.splat %off : i32 -> tensor<1024xi32>
  %o2 = arith.addi %os, %c : tensor<1024xi32>
  %xq = bic.addptr %xs, %o2 : tensor<1024x!bic.ptr<f32>>, tensor<1024xi32>
  %w = bic.load %xq : (tensor<1024x!bic.ptr<f32>>) -> tensor<1024xf32>
  %s = arith.addf %v, %w : tensor<1024xf32>
  bic.store %xp, %s : tensor<1024x!bic.ptr<f32>>, tensor<1024xf32>
  return
}

// A multiple_of stride restores 16-byte rows.
// CHECK-LABEL: func.func @strided_rows
// CHECK: bic.load {{.*}} {vec = 4 : i32}
func.func @strided_rows(%x: !bic.ptr<f32>, %stride: i32 {bic.multiple_of = 16 : i64}) attributes {bic.kernel, bic.num_warps = 4 : i32} {
  %c = bic.arange 0, 1024 : tensor<1024xi32>
  %row = bic.program_id 0 : i32
  %off = arith.muli %row, %stride : i32
  %os = bic.splat %off : i32 -> tensor<1024xi32>
  %o2 = arith.addi %os, %c : tensor<1024xi32>
  %xs = bic.splat %x : !bic.ptr<f32> -> tensor<1024x!bic.ptr<f32>>
  %xq = bic.addptr %xs, %o2 : tensor<1024x!bic.ptr<f32>>, tensor<1024xi32>
  %w = bic.load %xq : (tensor<1024x!bic.ptr<f32>>) -> tensor<1024xf32>
  bic.store %xq, %w : tensor<1024x!bic.ptr<f32>>, tensor<1024xf32>
  return
}
