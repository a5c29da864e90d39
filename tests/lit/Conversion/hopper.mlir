// RUN: bic-opt %s --bic-tma-dots --bic-expand-tiles --bic-assign-layouts --bic-vectorize-access --bic-pipeline-dots --bic-lower-to-gpu --canonicalize | FileCheck %s

// The TMA + wgmma pipeline as inline PTX in the gpu.func: the descriptor
// parameters follow the caller's, shared memory is dynamic (1024-aligned),
// thread 0 initialises one mbarrier per stage and issues the TMA copies,
// every thread waits on the stage's barrier, and each warpgroup issues
// wgmma.m64n128k16 for its m64 row blocks, 4 k-steps per K block, A and B
// from shared-memory descriptors; after the loop the accumulators pass
// through wgmma.wait_group 0 before anything reads them.
// CHECK: gpu.func @claim({{.*}}, %{{.*}}: !llvm.ptr<1>, %{{.*}}: !llvm.ptr<1>) kernel attributes {bic.dynamic_smem = 98328 : i64
// CHECK: gpu.dynamic_shared_memory
// CHECK: "mbarrier.init.shared::cta.b64 [$0], 1;"
// CHECK: "prefetch.tensormap [$0];"
// CHECK: "fence.mbarrier_init.release.cluster;"
// CHECK: "mbarrier.arrive.expect_tx.shared::cta.b64 _, [$0], $1;"
// CHECK: "cp.async.bulk.tensor.2d.shared::cluster.global.mbarrier::complete_tx::bytes [$0], [$1, {$2, $3}], [$4];"
// CHECK: scf.for
// CHECK: mbarrier.try_wait.parity.shared::cta.b64
// CHECK: "wgmma.fence.sync.aligned;"
// CHECK-COUNT-8: wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16
// CHECK: "wgmma.commit_group.sync.aligned;"
// CHECK: "wgmma.wait_group.sync.aligned 1;"
// CHECK: cp.async.bulk.tensor.2d
// CHECK: scf.yield
// CHECK: "wgmma.wait_group.sync.aligned 0;"
// CHECK-SAME: "=f,=f,
// CHECK: gpu.barrier
// The result goes out through TMA: once earlier stores have read their
// shared memory, each thread writes its 128 bf16 (64 words: two columns
// each) into the swizzled boxes, fences them for the async proxy, and after
// a barrier thread 0 stores the two 128 x 64 boxes as one bulk group; the
// program waits until its stores have read shared memory before it ends
// (their writes complete with the grid: no wait for them).
// CHECK: "cp.async.bulk.wait_group.read 0;"
// CHECK: gpu.barrier
// CHECK-COUNT-64: llvm.store {{.*}} {alignment = 4 : i64} : i32, !llvm.ptr<3>
// CHECK-NOT: llvm.store
// CHECK: "fence.proxy.async.shared::cta;"
// CHECK-NEXT: gpu.barrier
// CHECK-COUNT-2: "cp.async.bulk.tensor.2d.global.shared::cta.bulk_group [$0, {$1, $2}], [$3];"
// CHECK: "cp.async.bulk.commit_group;"
// CHECK-NOT: "cp.async.bulk.wait_group 0;"
// CHECK: "cp.async.bulk.wait_group.read 0;"
// CHECK-NOT: "cp.async.bulk.wait_group 0;"
// CHECK: gpu.return
func.func @claim(%a: !bic.ptr<bf16>, %b: !bic.ptr<bf16>, %c: !bic.ptr<bf16>,
                 %m: i32, %n: i32 {bic.multiple_of = 8 : i64}, %k: i32 {bic.multiple_of = 8 : i64})
    attributes {bic.kernel, bic.num_warps = 4 : i32, bic.num_stages = 3 : i32} {
  %c0 = arith.constant 0 : i32
  %c64 = arith.constant 64 : i32
  %z = arith.constant 0.0 : f32
  %acc0 = bic.splat %z : f32 -> tensor<128x128xf32>
  %r = scf.for %i = %c0 to %k step %c64 iter_args(%acc = %acc0) -> (tensor<128x128xf32>) : i32 {
    %ta = bic.load_tile %a[%m, %k] at [%c0, %i] : !bic.ptr<bf16> -> tensor<128x64xbf16>
    %tb = bic.load_tile %b[%n, %k] at [%c0, %i] : !bic.ptr<bf16> -> tensor<128x64xbf16>
    %d = bic.dot %ta, %tb, %acc {order = #bic.dot_order<kStep = 16>, transB} : tensor<128x64xbf16>, tensor<128x64xbf16>, tensor<128x128xf32> -> tensor<128x128xf32>
    scf.yield %d : tensor<128x128xf32>
  }
  %o = arith.truncf %r : tensor<128x128xf32> to tensor<128x128xbf16>
  bic.store_tile %c[%m, %n] at [%c0, %c0], %o : !bic.ptr<bf16>, tensor<128x128xbf16>
  return
}

// A 16 x 32 tile (few tokens) on TMA stages of a 256-column K block: every
// thread waits on the stage's barrier, then each warp (one n8 column block
// of the mma.sync fragment) walks the 16 k-steps ascending, reading its A
// and B fragments with ldmatrix through the 128-byte swizzle (16-byte chunk
// XOR row % 8), one mma.sync each; no wgmma is issued. The refill of the
// stage consumed an iteration earlier waits on a barrier (every warp read
// it), then thread 0 starts 8 copies: 4 boxes of each operand.
// CHECK-LABEL: gpu.func @small_m
// CHECK-NOT: wgmma.mma_async
// CHECK: scf.for
// CHECK: mbarrier.try_wait.parity.shared::cta.b64
// CHECK: arith.xori
// CHECK: ldmatrix.sync.aligned.m8n8.x2.shared.b16
// CHECK: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// CHECK-COUNT-16: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// CHECK-NOT: mma.sync
// CHECK: gpu.barrier
// CHECK-COUNT-8: cp.async.bulk.tensor.2d.shared::cluster.global.mbarrier::complete_tx::bytes
// CHECK-NOT: cp.async.bulk.tensor
// CHECK: scf.yield
// CHECK-NOT: wgmma.mma_async
// CHECK: gpu.return
func.func @small_m(%a: !bic.ptr<bf16>, %b: !bic.ptr<bf16>, %c: !bic.ptr<bf16>,
                   %m: i32, %n: i32 {bic.multiple_of = 8 : i64}, %k: i32 {bic.multiple_of = 8 : i64})
    attributes {bic.kernel, bic.num_warps = 4 : i32, bic.num_stages = 4 : i32} {
  %c0 = arith.constant 0 : i32
  %c256 = arith.constant 256 : i32
  %z = arith.constant 0.0 : f32
  %acc0 = bic.splat %z : f32 -> tensor<16x32xf32>
  %r = scf.for %i = %c0 to %k step %c256 iter_args(%acc = %acc0) -> (tensor<16x32xf32>) : i32 {
    %ta = bic.load_tile %a[%m, %k] at [%c0, %i] : !bic.ptr<bf16> -> tensor<16x256xbf16>
    %tb = bic.load_tile %b[%n, %k] at [%c0, %i] : !bic.ptr<bf16> -> tensor<32x256xbf16>
    %d = bic.dot %ta, %tb, %acc {order = #bic.dot_order<kStep = 16>, transB} : tensor<16x256xbf16>, tensor<32x256xbf16>, tensor<16x32xf32> -> tensor<16x32xf32>
    scf.yield %d : tensor<16x32xf32>
  }
  %o = arith.truncf %r : tensor<16x32xf32> to tensor<16x32xbf16>
  bic.store_tile %c[%m, %n] at [%c0, %c0], %o : !bic.ptr<bf16>, tensor<16x32xbf16>
  return
}
