// RUN: bic-opt %s --bic-cluster-split --bic-tma-dots --bic-expand-tiles --bic-assign-layouts --bic-pipeline-dots | FileCheck %s --check-prefix=PIPE
// RUN: bic-opt %s --bic-cluster-split --bic-tma-dots --bic-expand-tiles --bic-assign-layouts --bic-vectorize-access --bic-pipeline-dots --bic-lower-to-gpu --canonicalize | FileCheck %s

// A persistent, warp-specialised matmul whose programs are 2-CTA clusters.
// bic-pipeline-dots: the set-up counts both CTAs' consumers (cluster = 2),
// the producer acquires stages for the cluster and copies B with
// multicast = 2 (A as before), the consumers release stages on both CTAs,
// and every thread meets at a cluster barrier before the end.
// PIPE-LABEL: func.func @clustered
// PIPE: bic.tma_init {{.*}}{barriers = {{.*}}, cluster = 2 : i64, consumers = 4 : i64, stages = {{.*}}}
// PIPE: bic.warp_role "producer"
// PIPE: bic.tma_acquire {{.*}}cluster = 2 : i64
// PIPE: bic.tma_load %arg8{{.*}} {barriers = {{[0-9]+}} : i64, base = 0 : i64, box = array<i64: 64, 64>, producer,
// PIPE: bic.tma_load %arg9{{.*}}box = array<i64: 64, 64>, multicast = 2 : i64, producer,
// PIPE: bic.warp_role "consumer"
// PIPE: bic.tma_release {{.*}}cluster = 2 : i64
// PIPE: bic.tma_release {{.*}}afterStore, {{.*}}cluster = 2 : i64
// PIPE: bic.cluster_barrier
// PIPE-NEXT: return

// bic-lower-to-gpu: the kernel requires clusters of 2 (nvvm.cluster_dim),
// programs are clusters (gpu.cluster_id / gpu.cluster_dim), a CTA's rank
// is gpu.cluster_block_id; the empty barriers count 8 arrivals and the
// cluster synchronises after their set-up; B's copy is multicast to both
// CTAs from rows 32 r of its block (mask 3); lane c of each consumer warp
// arrives on CTA c's barrier; the last stage's release (after the store
// read it) arrives on both from lane 0; a cluster barrier ends the kernel.
// CHECK: gpu.func @clustered
// CHECK-SAME: nvvm.cluster_dim = array<i32: 2, 1, 1>
// CHECK-DAG: gpu.cluster_block_id x
// CHECK-DAG: gpu.cluster_id x
// CHECK-DAG: gpu.cluster_dim x
// CHECK: "mbarrier.init.shared::cta.b64 [$0], 8;"
// CHECK: "barrier.cluster.arrive.release;\0Abarrier.cluster.wait.acquire;"
// CHECK: %[[CB:.*]] = gpu.cluster_block_id x
// CHECK-NEXT: %[[R:.*]] = arith.index_castui %[[CB]] : index to i32
// CHECK: arith.muli %[[R]], %c32
// CHECK: arith.muli %[[R]], %c4096
// CHECK: "cp.async.bulk.tensor.2d.shared::cluster.global.mbarrier::complete_tx::bytes.multicast::cluster [$0], [$1, {$2, $3}], [$4], $5;"
// CHECK-SAME: "r,l,r,r,r,h"
// CHECK: arith.cmpi ult, %{{.*}}, %c2
// CHECK: mapa.shared::cluster.u32 ra, $0, $1;\0Ambarrier.arrive.shared::cluster.b64 _, [ra];
// CHECK: "cp.async.bulk.wait_group.read 0;"
// CHECK: mapa.shared::cluster.u32
// CHECK: mapa.shared::cluster.u32
// CHECK: "barrier.cluster.arrive.release;\0Abarrier.cluster.wait.acquire;"
// CHECK-NEXT: gpu.return
func.func @clustered(%a: !bic.ptr<bf16>, %b: !bic.ptr<bf16>, %c: !bic.ptr<bf16>,
                     %m: i32, %n: i32 {bic.multiple_of = 8 : i64}, %k: i32 {bic.multiple_of = 8 : i64},
                     %tn: i32, %ntiles: i32)
    attributes {bic.kernel, bic.num_warps = 4 : i32, bic.num_stages = 4 : i32,
                bic.warp_specialize, bic.cluster = 2 : i32} {
  %c0 = arith.constant 0 : i32
  %c64 = arith.constant 64 : i32
  %c128 = arith.constant 128 : i32
  %z = arith.constant 0.0 : f32
  %p = bic.program_id 0 : i32
  %np = bic.num_programs 0 : i32
  scf.for %t = %p to %ntiles step %np : i32 {
    %pm = arith.remsi %t, %tn : i32
    %pn = arith.divsi %t, %tn : i32
    %row = arith.muli %pm, %c128 : i32
    %col = arith.muli %pn, %c64 : i32
    %acc0 = bic.splat %z : f32 -> tensor<128x64xf32>
    %r = scf.for %i = %c0 to %k step %c64 iter_args(%acc = %acc0) -> (tensor<128x64xf32>) : i32 {
      %ta = bic.load_tile %a[%m, %k] at [%row, %i] : !bic.ptr<bf16> -> tensor<128x64xbf16>
      %tb = bic.load_tile %b[%n, %k] at [%col, %i] : !bic.ptr<bf16> -> tensor<64x64xbf16>
      %d = bic.dot %ta, %tb, %acc {order = #bic.dot_order<kStep = 16>, transB} : tensor<128x64xbf16>, tensor<64x64xbf16>, tensor<128x64xf32> -> tensor<128x64xf32>
      scf.yield %d : tensor<128x64xf32>
    }
    %o = arith.truncf %r : tensor<128x64xf32> to tensor<128x64xbf16>
    bic.store_tile %c[%m, %n] at [%row, %col], %o : !bic.ptr<bf16>, tensor<128x64xbf16>
  }
  return
}
