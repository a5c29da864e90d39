// RUN: bic-opt %s | bic-opt | FileCheck %s
// Round trip of every bic op and attribute.

// CHECK-LABEL: func.func @all_ops
func.func @all_ops(%p: !bic.ptr<f32>, %n: i32) {
  // CHECK: bic.program_id 0 : i32
  %pid = bic.program_id 0 : i32
  // CHECK: bic.num_programs 1 : i32
  %np = bic.num_programs 1 : i32
  // CHECK: bic.arange 0, 128 : tensor<128xi32>
  %r = bic.arange 0, 128 : tensor<128xi32>
  // CHECK: bic.splat %{{.*}} : !bic.ptr<f32> -> tensor<128x!bic.ptr<f32>>
  %ps = bic.splat %p : !bic.ptr<f32> -> tensor<128x!bic.ptr<f32>>
  // CHECK: bic.addptr
  %pp = bic.addptr %ps, %r : tensor<128x!bic.ptr<f32>>, tensor<128xi32>
  %ns = bic.splat %n : i32 -> tensor<128xi32>
  %m = arith.cmpi slt, %r, %ns : tensor<128xi32>
  %z = arith.constant 0.0 : f32
  %zs = bic.splat %z : f32 -> tensor<128xf32>
  // CHECK: bic.load %{{.*}} mask %{{.*}} other %{{.*}} : (tensor<128x!bic.ptr<f32>>, tensor<128xi1>, tensor<128xf32>) -> tensor<128xf32>
  %v = bic.load %pp mask %m other %zs : (tensor<128x!bic.ptr<f32>>, tensor<128xi1>, tensor<128xf32>) -> tensor<128xf32>
  // CHECK: bic.reduce sum %{{.*}} {axis = 0 : i32, order = #bic.reduce_order<kind = "tree">} : tensor<128xf32> -> f32
  %s = bic.reduce sum %v {axis = 0 : i32, order = #bic.reduce_order<kind = "tree">} : tensor<128xf32> -> f32
  // CHECK: bic.expand_dims %{{.*}} {axis = 1 : i32} : tensor<128xf32> -> tensor<128x1xf32>
  %e = bic.expand_dims %v {axis = 1 : i32} : tensor<128xf32> -> tensor<128x1xf32>
  // CHECK: bic.broadcast %{{.*}} : tensor<128x1xf32> -> tensor<128x4xf32>
  %b = bic.broadcast %e : tensor<128x1xf32> -> tensor<128x4xf32>
  // CHECK: bic.reduce max %{{.*}} {axis = 1 : i32, order = #bic.reduce_order<kind = "tree", perThread = 4, lanes = [16, 8], warps = 2>} : tensor<128x4xf32> -> tensor<128xf32>
  %mx = bic.reduce max %b {axis = 1 : i32, order = #bic.reduce_order<kind = "tree", perThread = 4, lanes = [16, 8], warps = 2>} : tensor<128x4xf32> -> tensor<128xf32>
  // A thread's elements in runs of 2 (the mma accumulator's columns).
  // CHECK: bic.reduce sum %{{.*}} {axis = 1 : i32, order = #bic.reduce_order<kind = "tree", perThread = 4, lanes = [2, 1], warps = 1, run = 2>} : tensor<128x4xf32> -> tensor<128xf32>
  %rs = bic.reduce sum %b {axis = 1 : i32, order = #bic.reduce_order<kind = "tree", perThread = 4, lanes = [2, 1], warps = 1, run = 2>} : tensor<128x4xf32> -> tensor<128xf32>
  // CHECK: bic.store %{{.*}}, %{{.*}} mask %{{.*}} : tensor<128x!bic.ptr<f32>>, tensor<128xf32>, tensor<128xi1>
  bic.store %pp, %mx mask %m : tensor<128x!bic.ptr<f32>>, tensor<128xf32>, tensor<128xi1>
  // CHECK: bic.store %{{.*}}, %{{.*}} : !bic.ptr<f32>, f32
  bic.store %p, %s : !bic.ptr<f32>, f32
  return
}

// CHECK-LABEL: func.func @layouts
// CHECK-SAME: #bic.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1]>
// CHECK-SAME: #bic.slice<dim = 1, parent = #bic.blocked<sizePerThread = [1, 8]
func.func @layouts(%x: tensor<64x64xf32, #bic.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1]>>)
    -> tensor<64xf32, #bic.slice<dim = 1, parent = #bic.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1]>>> {
  %r = bic.reduce sum %x {axis = 1 : i32, order = #bic.reduce_order<kind = "tree", perThread = 8, lanes = [4, 2, 1], warps = 1>} : tensor<64x64xf32, #bic.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1]>> -> tensor<64xf32, #bic.slice<dim = 1, parent = #bic.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1]>>>
  return %r : tensor<64xf32, #bic.slice<dim = 1, parent = #bic.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1]>>>
}

// CHECK-LABEL: func.func @products_and_pipelines
func.func @products_and_pipelines(%p: tensor<64x32x!bic.ptr<bf16>>, %m: tensor<64x32xi1>,
                                   %a: tensor<64x32xbf16>, %b: tensor<32x64xbf16>,
                                   %c: tensor<64x64xf32>, %slot: i32,
                                   %q: !bic.ptr<f32>, %v: f32) {
  // CHECK: bic.dot %{{.*}}, %{{.*}}, %{{.*}} {order = #bic.dot_order<kStep = 16>} : tensor<64x32xbf16>, tensor<32x64xbf16>, tensor<64x64xf32> -> tensor<64x64xf32>
  %d = bic.dot %a, %b, %c {order = #bic.dot_order<kStep = 16>} : tensor<64x32xbf16>, tensor<32x64xbf16>, tensor<64x64xf32> -> tensor<64x64xf32>
  // CHECK: bic.async_copy %{{.*}}, %{{.*}}, %{{.*}} {buffer = 0 : i32, vec = 8 : i32} : tensor<64x32x!bic.ptr<bf16>>, tensor<64x32xi1>, i32
  bic.async_copy %p, %m, %slot {buffer = 0 : i32, vec = 8 : i32} : tensor<64x32x!bic.ptr<bf16>>, tensor<64x32xi1>, i32
  // CHECK: bic.async_commit
  bic.async_commit
  // CHECK: bic.async_wait {pending = 1 : i32}
  bic.async_wait {pending = 1 : i32}
  // CHECK: bic.smem_dot %{{.*}}, %{{.*}} {aType = tensor<64x32xbf16>, bType = tensor<32x64xbf16>, order = #bic.dot_order<kStep = 16>} : i32, tensor<64x64xf32> -> tensor<64x64xf32>
  %s = bic.smem_dot %slot, %d {aType = tensor<64x32xbf16>, bType = tensor<32x64xbf16>, order = #bic.dot_order<kStep = 16>} : i32, tensor<64x64xf32> -> tensor<64x64xf32>
  // CHECK: bic.smem_dot %{{.*}}, %{{.*}} regs(%{{.*}} : tensor<64x32xbf16>) {aType = tensor<64x32xbf16>, bType = tensor<32x64xbf16>, order = #bic.dot_order<kStep = 16>} : i32, tensor<64x64xf32> -> tensor<64x64xf32>
  %r = bic.smem_dot %slot, %s regs(%a : tensor<64x32xbf16>) {aType = tensor<64x32xbf16>, bType = tensor<32x64xbf16>, order = #bic.dot_order<kStep = 16>} : i32, tensor<64x64xf32> -> tensor<64x64xf32>
  // CHECK: bic.atomic_add %{{.*}}, %{{.*}} : !bic.ptr<f32>, f32
  bic.atomic_add %q, %v : !bic.ptr<f32>, f32
  return
}

// Tile descriptors and the Hopper pipeline ops.
// CHECK-LABEL: func.func @tile_and_hopper_ops
func.func @tile_and_hopper_ops(%a: !bic.ptr<bf16>, %d: !bic.ptr<i8>, %m: i32, %it: i32, %pr: i1,
    %acc: tensor<128x128xf32, #bic.blocked<sizePerThread = [2, 2], threadsPerWarp = [8, 4], warpsPerCTA = [4, 1], rowsLanesFirst = true>>) {
  // CHECK: bic.load_tile %{{.*}}[%{{.*}}, %{{.*}}] at[%{{.*}}, %{{.*}}] : !bic.ptr<bf16> -> tensor<128x64xbf16>
  %t = bic.load_tile %a[%m, %m] at [%m, %m] : !bic.ptr<bf16> -> tensor<128x64xbf16>
  // CHECK: bic.store_tile %{{.*}}[%{{.*}}, %{{.*}}] at[%{{.*}}, %{{.*}}], %{{.*}} : !bic.ptr<bf16>, tensor<128x64xbf16>
  bic.store_tile %a[%m, %m] at [%m, %m], %t : !bic.ptr<bf16>, tensor<128x64xbf16>
  // CHECK: bic.tma_init %{{.*}}, %{{.*}} {barriers = 98304 : i64, stages = 3 : i64} : !bic.ptr<i8>, !bic.ptr<i8>
  bic.tma_init %d, %d {barriers = 98304 : i64, stages = 3 : i64} : !bic.ptr<i8>, !bic.ptr<i8>
  // CHECK: bic.tma_load %{{.*}}[%{{.*}}, %{{.*}}], %{{.*}}, %{{.*}} expect %{{.*}} {barriers = 98304 : i64, base = 0 : i64, box = array<i64: 128, 64>, slotBytes = 16384 : i64, stages = 3 : i64, sync} : !bic.ptr<i8>
  bic.tma_load %d[%m, %m], %it, %pr expect %m {base = 0 : i64, box = array<i64: 128, 64>, slotBytes = 16384 : i64, stages = 3 : i64, barriers = 98304 : i64, sync} : !bic.ptr<i8>
  // CHECK: bic.tma_load %{{.*}}[%{{.*}}, %{{.*}}], %{{.*}}, %{{.*}} {barriers = 98304 : i64, base = 8192 : i64
  bic.tma_load %d[%m, %m], %it, %pr {base = 8192 : i64, box = array<i64: 128, 64>, slotBytes = 16384 : i64, stages = 3 : i64, barriers = 98304 : i64} : !bic.ptr<i8>
  // CHECK: bic.tma_dot %{{.*}}, %{{.*}} {{{.*}}order = #bic.dot_order<kStep = 16>{{.*}}} : tensor<128x128xf32, #bic.blocked<sizePerThread = [2, 2], threadsPerWarp = [8, 4], warpsPerCTA = [4, 1], rowsLanesFirst = true>>
  %w = bic.tma_dot %it, %acc {aType = tensor<128x64xbf16>, bType = tensor<128x64xbf16>, aBase = 0 : i64, bBase = 49152 : i64, aSlot = 16384 : i64, bSlot = 16384 : i64, stages = 3 : i64, barriers = 98304 : i64, order = #bic.dot_order<kStep = 16>} : tensor<128x128xf32, #bic.blocked<sizePerThread = [2, 2], threadsPerWarp = [8, 4], warpsPerCTA = [4, 1], rowsLanesFirst = true>> -> tensor<128x128xf32, #bic.blocked<sizePerThread = [2, 2], threadsPerWarp = [8, 4], warpsPerCTA = [4, 1], rowsLanesFirst = true>>
  // B given as [K, N] (64 x 128), read N-major.
  // CHECK: bic.tma_dot %{{.*}}, %{{.*}} {{{.*}}bNMajor{{.*}}bType = tensor<64x128xbf16>
  %wk = bic.tma_dot %it, %acc {aType = tensor<128x64xbf16>, bType = tensor<64x128xbf16>, aBase = 0 : i64, bBase = 49152 : i64, aSlot = 16384 : i64, bSlot = 16384 : i64, stages = 3 : i64, barriers = 98304 : i64, order = #bic.dot_order<kStep = 16>, bNMajor} : tensor<128x128xf32, #bic.blocked<sizePerThread = [2, 2], threadsPerWarp = [8, 4], warpsPerCTA = [4, 1], rowsLanesFirst = true>> -> tensor<128x128xf32, #bic.blocked<sizePerThread = [2, 2], threadsPerWarp = [8, 4], warpsPerCTA = [4, 1], rowsLanesFirst = true>>
  // CHECK: bic.tma_dot_wait %{{.*}} : tensor<128x128xf32
  %done = bic.tma_dot_wait %w : tensor<128x128xf32, #bic.blocked<sizePerThread = [2, 2], threadsPerWarp = [8, 4], warpsPerCTA = [4, 1], rowsLanesFirst = true>> -> tensor<128x128xf32, #bic.blocked<sizePerThread = [2, 2], threadsPerWarp = [8, 4], warpsPerCTA = [4, 1], rowsLanesFirst = true>>
  %h = arith.truncf %done : tensor<128x128xf32, #bic.blocked<sizePerThread = [2, 2], threadsPerWarp = [8, 4], warpsPerCTA = [4, 1], rowsLanesFirst = true>> to tensor<128x128xbf16, #bic.blocked<sizePerThread = [2, 2], threadsPerWarp = [8, 4], warpsPerCTA = [4, 1], rowsLanesFirst = true>>
  // CHECK: bic.tma_store %{{.*}}[%{{.*}}, %{{.*}}], %{{.*}}, %{{.*}} {aBase = 0 : i64, aSlot = 16384 : i64, bBase = 49152 : i64, bSlot = 16384 : i64, boxRows = 128 : i64, extraBase = 99328 : i64, extraBytes = 0 : i64, stages = 3 : i64} : !bic.ptr<i8>, tensor<128x128xbf16
  bic.tma_store %d[%m, %m], %h, %it {boxRows = 128 : i64, aBase = 0 : i64, aSlot = 16384 : i64, bBase = 49152 : i64, bSlot = 16384 : i64, stages = 3 : i64, extraBase = 99328 : i64, extraBytes = 0 : i64} : !bic.ptr<i8>, tensor<128x128xbf16, #bic.blocked<sizePerThread = [2, 2], threadsPerWarp = [8, 4], warpsPerCTA = [4, 1], rowsLanesFirst = true>>
  // CHECK: bic.tma_store_wait
  bic.tma_store_wait
  // CHECK: bic.wait_prior_grids
  bic.wait_prior_grids
  return
}

// The warp-specialised pipeline's ops.
// CHECK-LABEL: func.func @warp_specialized_ops
func.func @warp_specialized_ops(%d: !bic.ptr<i8>, %m: i32, %it: i32, %pr: i1) {
  // CHECK: bic.tma_init %{{.*}}, %{{.*}} {barriers = 98304 : i64, consumers = 4 : i64, stages = 3 : i64} : !bic.ptr<i8>, !bic.ptr<i8>
  bic.tma_init %d, %d {barriers = 98304 : i64, stages = 3 : i64, consumers = 4 : i64} : !bic.ptr<i8>, !bic.ptr<i8>
  // CHECK: %{{.*}} = bic.warp_role "producer" {consumers = 4 : i64} : i1
  %p = bic.warp_role "producer" {consumers = 4 : i64} : i1
  // CHECK: %{{.*}} = bic.warp_role "consumer" {consumers = 4 : i64} : i1
  %c = bic.warp_role "consumer" {consumers = 4 : i64} : i1
  // CHECK: bic.tma_acquire %{{.*}} {barriers = 98304 : i64, stages = 3 : i64}
  bic.tma_acquire %it {barriers = 98304 : i64, stages = 3 : i64}
  // CHECK: bic.tma_load {{.*}} {barriers = 98304 : i64, base = 0 : i64, box = array<i64: 128, 64>, producer, slotBytes = 16384 : i64, stages = 3 : i64} : !bic.ptr<i8>
  bic.tma_load %d[%m, %m], %it, %pr expect %m {base = 0 : i64, box = array<i64: 128, 64>, slotBytes = 16384 : i64, stages = 3 : i64, barriers = 98304 : i64, producer} : !bic.ptr<i8>
  // CHECK: bic.tma_release %{{.*}} {barriers = 98304 : i64, stages = 3 : i64}
  bic.tma_release %it {barriers = 98304 : i64, stages = 3 : i64}
  // CHECK: bic.tma_release %{{.*}} {afterStore, barriers = 98304 : i64, stages = 3 : i64}
  bic.tma_release %it {barriers = 98304 : i64, stages = 3 : i64, afterStore}
  return
}

// A program run by a 2-CTA cluster (bic-cluster-split, multicast).
// CHECK-LABEL: func.func @cluster_ops
func.func @cluster_ops(%d: !bic.ptr<i8>, %m: i32, %it: i32, %pr: i1) {
  // CHECK: %{{.*}} = bic.cluster_rank : i32
  %r = bic.cluster_rank : i32
  // CHECK: bic.tma_init %{{.*}}, %{{.*}} {barriers = 98304 : i64, cluster = 2 : i64, consumers = 4 : i64, stages = 3 : i64}
  bic.tma_init %d, %d {barriers = 98304 : i64, stages = 3 : i64, consumers = 4 : i64, cluster = 2 : i64} : !bic.ptr<i8>, !bic.ptr<i8>
  // CHECK: bic.tma_acquire %{{.*}} {barriers = 98304 : i64, cluster = 2 : i64, stages = 3 : i64}
  bic.tma_acquire %it {barriers = 98304 : i64, stages = 3 : i64, cluster = 2 : i64}
  // CHECK: bic.tma_load {{.*}} {barriers = 98304 : i64, base = 0 : i64, box = array<i64: 64, 64>, multicast = 2 : i64, producer, slotBytes = 8192 : i64, stages = 3 : i64} : !bic.ptr<i8>
  bic.tma_load %d[%m, %m], %it, %pr {base = 0 : i64, box = array<i64: 64, 64>, slotBytes = 8192 : i64, stages = 3 : i64, barriers = 98304 : i64, producer, multicast = 2 : i64} : !bic.ptr<i8>
  // CHECK: bic.tma_release %{{.*}} {barriers = 98304 : i64, cluster = 2 : i64, stages = 3 : i64}
  bic.tma_release %it {barriers = 98304 : i64, stages = 3 : i64, cluster = 2 : i64}
  // CHECK: bic.cluster_barrier
  bic.cluster_barrier
  return
}

// tf32 products: rounded to nearest (the default) or truncated; the
// default is not printed.
// CHECK-LABEL: func.func @tf32_products
func.func @tf32_products(%a: tensor<16x16xf32>, %c: tensor<16x16xf32>) {
  // CHECK: bic.dot %{{.*}}, %{{.*}}, %{{.*}} {order = #bic.dot_order<kStep = 8>}
  %d = bic.dot %a, %a, %c {order = #bic.dot_order<kStep = 8, truncate = false>} : tensor<16x16xf32>, tensor<16x16xf32>, tensor<16x16xf32> -> tensor<16x16xf32>
  // CHECK: bic.dot %{{.*}}, %{{.*}}, %{{.*}} {order = #bic.dot_order<kStep = 8, truncate = true>}
  %e = bic.dot %a, %a, %d {order = #bic.dot_order<kStep = 8, truncate = true>} : tensor<16x16xf32>, tensor<16x16xf32>, tensor<16x16xf32> -> tensor<16x16xf32>
  return
}
