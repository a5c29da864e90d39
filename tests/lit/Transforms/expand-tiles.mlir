// RUN: bic-opt %s --bic-expand-tiles | FileCheck %s

// A block load becomes base + (row0 + i) * cols + (col0 + j) under the mask
// (row0 + i < rows) & (col0 + j < cols), reading zeros outside; a block
// store the same pointers and mask.
// CHECK-LABEL: func.func @copy
// CHECK: bic.arange 0, 64
// CHECK: arith.cmpi slt
// CHECK: bic.expand_dims {{.*}}axis = 1
// CHECK: arith.muli
// CHECK: bic.arange 0, 32
// CHECK: bic.expand_dims {{.*}}axis = 0
// CHECK: arith.andi
// CHECK: bic.addptr
// CHECK: %[[V:.*]] = bic.load {{.*}} mask {{.*}} other
// CHECK-NOT: bic.load_tile
// CHECK: bic.store {{.*}}, %[[V]] mask
// CHECK-NOT: bic.store_tile
func.func @copy(%a: !bic.ptr<bf16>, %c: !bic.ptr<bf16>, %m: i32, %n: i32, %r: i32, %k: i32) attributes {bic.kernel} {
  %t = bic.load_tile %a[%m, %n] at [%r, %k] : !bic.ptr<bf16> -> tensor<64x32xbf16>
  bic.store_tile %c[%m, %n] at [%r, %k], %t : !bic.ptr<bf16>, tensor<64x32xbf16>
  return
}

// Loads claimed for TMA (bic.tma_desc) stay.
// CHECK-LABEL: func.func @claimed
// CHECK: bic.load_tile {{.*}}bic.tma_desc = 3
func.func @claimed(%a: !bic.ptr<bf16>, %m: i32, %k: i32, %d: !bic.ptr<i8>) attributes {bic.kernel} {
  %c0 = arith.constant 0 : i32
  %t = bic.load_tile %a[%m, %k] at [%c0, %c0] {bic.tma_desc = 3 : i64} : !bic.ptr<bf16> -> tensor<64x64xbf16>
  return
}
