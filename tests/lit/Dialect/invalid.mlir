// RUN: bic-opt %s -split-input-file -verify-diagnostics

func.func @arange_size() {
  // expected-error @+1 {{result must be a 1-D tile of 16 elements}}
  %r = bic.arange 0, 16 : tensor<8xi32>
  return
}

// -----

func.func @reduce_axis(%x: tensor<8xf32>) {
  // expected-error @+1 {{axis 1 out of range for rank 1}}
  %s = bic.reduce sum %x {axis = 1 : i32, order = #bic.reduce_order<kind = "tree">} : tensor<8xf32> -> f32
  return
}

// -----

func.func @reduce_kind(%x: tensor<8xf32>) {
  // expected-error @+1 {{unknown reduction kind 'prod'}}
  %s = bic.reduce prod %x {axis = 0 : i32, order = #bic.reduce_order<kind = "tree">} : tensor<8xf32> -> f32
  return
}

// -----

func.func @reduce_order_kind(%x: tensor<8xf32>) {
  // expected-error @+1 {{unknown reduction order kind 'atomic'}}
  %s = bic.reduce sum %x {axis = 0 : i32, order = #bic.reduce_order<kind = "atomic">} : tensor<8xf32> -> f32
  return
}

// -----

func.func @reduce_lanes(%x: tensor<8xf32>) {
  // expected-error @+1 {{butterfly lane offset 3 is not a power of two below 32}}
  %s = bic.reduce sum %x {axis = 0 : i32, order = #bic.reduce_order<kind = "tree", perThread = 1, lanes = [3], warps = 1>} : tensor<8xf32> -> f32
  return
}

// -----

func.func @load_type(%p: tensor<8x!bic.ptr<f32>>) {
  // expected-error @+1 {{value type 'bf16' does not match pointee type 'f32'}}
  %v = bic.load %p : (tensor<8x!bic.ptr<f32>>) -> tensor<8xbf16>
  return
}

// -----

func.func @load_other_without_mask(%p: tensor<8x!bic.ptr<f32>>, %o: tensor<8xf32>) {
  // expected-error @+1 {{'other' needs a mask}}
  %v = "bic.load"(%p, %o) <{operandSegmentSizes = array<i32: 1, 0, 1>}> : (tensor<8x!bic.ptr<f32>>, tensor<8xf32>) -> tensor<8xf32>
  return
}

// -----

func.func @broadcast_bad(%x: tensor<4x2xf32>) {
  // expected-error @+1 {{dimension 1 of size 2 cannot broadcast to 8}}
  %b = bic.broadcast %x : tensor<4x2xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @expand_bad(%x: tensor<4xf32>) {
  // expected-error @+1 {{result must be the source shape with a 1 at axis 0}}
  %e = bic.expand_dims %x {axis = 0 : i32} : tensor<4xf32> -> tensor<4x1xf32>
  return
}

// -----

func.func @addptr_shape(%p: tensor<8x!bic.ptr<f32>>, %o: tensor<4xi32>) {
  // expected-error @+1 {{pointer and offset must have the same shape}}
  %q = bic.addptr %p, %o : tensor<8x!bic.ptr<f32>>, tensor<4xi32>
  return
}

// -----

// expected-error @+1 {{threadsPerWarp must multiply to 32, got 16}}
func.func @layout_bad(%x: tensor<8xf32, #bic.blocked<sizePerThread = [1], threadsPerWarp = [16], warpsPerCTA = [1]>>) {
  return
}

// -----

func.func @dot_kstep(%a: tensor<16x16xbf16>, %b: tensor<16x16xbf16>, %c: tensor<16x16xf32>) {
  // expected-error @+1 {{bf16/f16 tensor-core dots accumulate in k-steps of 16, not 8}}
  %d = bic.dot %a, %b, %c {order = #bic.dot_order<kStep = 8>} : tensor<16x16xbf16>, tensor<16x16xbf16>, tensor<16x16xf32> -> tensor<16x16xf32>
  return
}

// -----

func.func @dot_k(%a: tensor<16x32xbf16>, %b: tensor<16x16xbf16>, %c: tensor<16x16xf32>) {
  // expected-error @+1 {{K of a (32) and b (16) differ}}
  %d = bic.dot %a, %b, %c {order = #bic.dot_order<kStep = 16>} : tensor<16x32xbf16>, tensor<16x16xbf16>, tensor<16x16xf32> -> tensor<16x16xf32>
  return
}

// -----

func.func @async_copy_slot(%p: tensor<8x8x!bic.ptr<bf16>>, %m: tensor<8x8xi1>, %s: i64) {
  // expected-error @+1 {{operand #2 must be 32-bit signless integer}}
  bic.async_copy %p, %m, %s {buffer = 0 : i32, vec = 8 : i32} : tensor<8x8x!bic.ptr<bf16>>, tensor<8x8xi1>, i64
  return
}

// -----

func.func @smem_dot_acc(%s: i32, %c: tensor<16x16xbf16>) {
  // expected-error @+1 {{operand #1 must be ranked tensor of 32-bit float values}}
  %d = bic.smem_dot %s, %c {aType = tensor<16x16xbf16>, bType = tensor<16x16xbf16>, order = #bic.dot_order<kStep = 16>} : i32, tensor<16x16xbf16> -> tensor<16x16xf32>
  return
}

// -----

func.func @smem_dot_regs_type(%s: i32, %c: tensor<16x16xf32>, %a: tensor<16x32xbf16>) {
  // expected-error @+1 {{register A operand has type 'tensor<16x32xbf16>' but aType is 'tensor<16x16xbf16>'}}
  %d = bic.smem_dot %s, %c regs(%a : tensor<16x32xbf16>) {aType = tensor<16x16xbf16>, bType = tensor<16x16xbf16>, order = #bic.dot_order<kStep = 16>} : i32, tensor<16x16xf32> -> tensor<16x16xf32>
  return
}

// -----

func.func @dot_f32_kstep(%a: tensor<16x16xf32>, %b: tensor<16x16xf32>, %c: tensor<16x16xf32>) {
  // expected-error @+1 {{f32 dots accumulate in k-steps of 1 (IEEE) or 8 (tf32), not 16}}
  %d = bic.dot %a, %b, %c {order = #bic.dot_order<kStep = 16>} : tensor<16x16xf32>, tensor<16x16xf32>, tensor<16x16xf32> -> tensor<16x16xf32>
  return
}

// -----

// tf32 (f32 with k-step 8) needs K in whole k-steps.
func.func @dot_tf32_k(%a: tensor<16x12xf32>, %b: tensor<12x16xf32>, %c: tensor<16x16xf32>) {
  // expected-error @+1 {{K tile 12 is not a multiple of the k-step 8}}
  %d = bic.dot %a, %b, %c {order = #bic.dot_order<kStep = 8>} : tensor<16x12xf32>, tensor<12x16xf32>, tensor<16x16xf32> -> tensor<16x16xf32>
  return
}

// -----

// truncate (tf32_rz) names how f32 operands become tf32: not for IEEE f32
// (k-step 1) nor for bf16/f16.
func.func @dot_truncate_ieee(%a: tensor<16x16xf32>, %b: tensor<16x16xf32>, %c: tensor<16x16xf32>) {
  // expected-error @+1 {{truncate applies to f32 operands read as tf32 (k-step 8)}}
  %d = bic.dot %a, %b, %c {order = #bic.dot_order<kStep = 1, truncate = true>} : tensor<16x16xf32>, tensor<16x16xf32>, tensor<16x16xf32> -> tensor<16x16xf32>
  return
}

// -----

func.func @dot_truncate_bf16(%a: tensor<16x16xbf16>, %b: tensor<16x16xbf16>, %c: tensor<16x16xf32>) {
  // expected-error @+1 {{truncate applies to f32 operands read as tf32 (k-step 8)}}
  %d = bic.dot %a, %b, %c {order = #bic.dot_order<kStep = 16, truncate = true>} : tensor<16x16xbf16>, tensor<16x16xbf16>, tensor<16x16xf32> -> tensor<16x16xf32>
  return
}

// -----

// The staged products a bic.dot becomes check the same order.
func.func @smem_dot_truncate_bf16(%s: i32, %c: tensor<16x16xf32>) {
  // expected-error @+1 {{truncate applies to f32 operands read as tf32 (k-step 8)}}
  %d = bic.smem_dot %s, %c {aType = tensor<16x16xbf16>, bType = tensor<16x16xbf16>, order = #bic.dot_order<kStep = 16, truncate = true>} : i32, tensor<16x16xf32> -> tensor<16x16xf32>
  return
}

// -----

func.func @smem_dot_kstep(%s: i32, %c: tensor<16x16xf32>) {
  // expected-error @+1 {{f32 dots accumulate in k-steps of 1 (IEEE) or 8 (tf32), not 16}}
  %d = bic.smem_dot %s, %c {aType = tensor<16x16xf32>, bType = tensor<16x16xf32>, order = #bic.dot_order<kStep = 16>} : i32, tensor<16x16xf32> -> tensor<16x16xf32>
  return
}

// -----

func.func @smem_dot_ieee(%s: i32, %c: tensor<16x16xf32>) {
  // expected-error @+1 {{runs on tensor cores: f32 operands take tf32's k-step 8, not IEEE's 1}}
  %d = bic.smem_dot %s, %c {aType = tensor<16x16xf32>, bType = tensor<16x16xf32>, order = #bic.dot_order<kStep = 1>} : i32, tensor<16x16xf32> -> tensor<16x16xf32>
  return
}

// -----

func.func @tma_dot_ieee(%it: i32, %acc: tensor<64x64xf32>) {
  // expected-error @+1 {{runs on tensor cores: f32 operands take tf32's k-step 8, not IEEE's 1}}
  %w = bic.tma_dot %it, %acc {aType = tensor<64x32xf32>, bType = tensor<64x32xf32>, aBase = 0 : i64, bBase = 0 : i64, aSlot = 0 : i64, bSlot = 0 : i64, stages = 2 : i64, barriers = 0 : i64, order = #bic.dot_order<kStep = 1>} : tensor<64x64xf32> -> tensor<64x64xf32>
  return
}

// -----

func.func @tma_dot_truncate_bf16(%it: i32, %acc: tensor<64x64xf32>) {
  // expected-error @+1 {{truncate applies to f32 operands read as tf32 (k-step 8)}}
  %w = bic.tma_dot %it, %acc {aType = tensor<64x64xbf16>, bType = tensor<64x64xbf16>, aBase = 0 : i64, bBase = 0 : i64, aSlot = 0 : i64, bSlot = 0 : i64, stages = 2 : i64, barriers = 0 : i64, order = #bic.dot_order<kStep = 16, truncate = true>} : tensor<64x64xf32> -> tensor<64x64xf32>
  return
}

// -----

func.func @tma_dot_kstep(%it: i32, %acc: tensor<64x64xf32>) {
  // expected-error @+1 {{bf16/f16 tensor-core dots accumulate in k-steps of 16, not 8}}
  %w = bic.tma_dot %it, %acc {aType = tensor<64x64xbf16>, bType = tensor<64x64xbf16>, aBase = 0 : i64, bBase = 0 : i64, aSlot = 0 : i64, bSlot = 0 : i64, stages = 2 : i64, barriers = 0 : i64, order = #bic.dot_order<kStep = 8>} : tensor<64x64xf32> -> tensor<64x64xf32>
  return
}

// -----

func.func @load_tile_rank(%p: !bic.ptr<bf16>, %m: i32) {
  // expected-error @+1 {{a rank-2 block needs 2 extents and 2 coordinates}}
  %t = bic.load_tile %p[%m] at [%m] : !bic.ptr<bf16> -> tensor<64x64xbf16>
  return
}

// -----

func.func @store_tile_type(%p: !bic.ptr<bf16>, %m: i32, %v: tensor<64x64xf32>) {
  // expected-error @+1 {{block element type differs from the matrix's}}
  bic.store_tile %p[%m, %m] at [%m, %m], %v : !bic.ptr<bf16>, tensor<64x64xf32>
  return
}

// -----

// expected-error @+1 {{rowsLanesFirst needs a rank-2 layout}}
func.func @lanes_first_rank1(%t: tensor<64xf32, #bic.blocked<sizePerThread = [2], threadsPerWarp = [32], warpsPerCTA = [4], rowsLanesFirst = true>>) {
  return
}

// -----

func.func @wgmma_acc_type(%it: i32, %acc: tensor<64x64xbf16>) {
  // expected-error @+1 {{operand #1 must be ranked tensor of 32-bit float values}}
  %w = bic.tma_dot %it, %acc {aType = tensor<64x64xbf16>, bType = tensor<64x64xbf16>, aBase = 0 : i64, bBase = 0 : i64, aSlot = 0 : i64, bSlot = 0 : i64, stages = 2 : i64, barriers = 0 : i64, order = #bic.dot_order<kStep = 16>} : tensor<64x64xbf16> -> tensor<64x64xf32>
  return
}

// -----

func.func @tma_dot_b_layout(%it: i32, %acc: tensor<64x128xf32>) {
  // expected-error @+1 {{bType must be 64x128 ([K, N], bNMajor), not 'tensor<128x64xbf16>'}}
  %w = bic.tma_dot %it, %acc {aType = tensor<64x64xbf16>, bType = tensor<128x64xbf16>, aBase = 0 : i64, bBase = 0 : i64, aSlot = 0 : i64, bSlot = 0 : i64, stages = 2 : i64, barriers = 0 : i64, order = #bic.dot_order<kStep = 16>, bNMajor} : tensor<64x128xf32> -> tensor<64x128xf32>
  return
}

// -----

func.func @tma_dot_b_n_major_width(%it: i32, %acc: tensor<64x96xf32>) {
  // expected-error @+1 {{B as [K, N] needs N = 16, 32 or a multiple of 64 (N-major boxes of one 32-, 64- or 128-byte swizzle row), not 96}}
  %w = bic.tma_dot %it, %acc {aType = tensor<64x64xbf16>, bType = tensor<64x96xbf16>, aBase = 0 : i64, bBase = 0 : i64, aSlot = 0 : i64, bSlot = 0 : i64, stages = 2 : i64, barriers = 0 : i64, order = #bic.dot_order<kStep = 16>, bNMajor} : tensor<64x96xf32> -> tensor<64x96xf32>
  return
}

// -----

func.func @tma_dot_b_nk(%it: i32, %acc: tensor<64x128xf32>) {
  // expected-error @+1 {{bType must be 128x64 ([N, K]), not 'tensor<64x128xbf16>'}}
  %w = bic.tma_dot %it, %acc {aType = tensor<64x64xbf16>, bType = tensor<64x128xbf16>, aBase = 0 : i64, bBase = 0 : i64, aSlot = 0 : i64, bSlot = 0 : i64, stages = 2 : i64, barriers = 0 : i64, order = #bic.dot_order<kStep = 16>} : tensor<64x128xf32> -> tensor<64x128xf32>
  return
}

// -----

func.func @tma_load_pred(%d: !bic.ptr<i8>, %m: i32) {
  // expected-error @+1 {{operand #4 must be 1-bit signless integer}}
  "bic.tma_load"(%d, %m, %m, %m, %m) {base = 0 : i64, box = array<i64: 64, 64>, slotBytes = 8192 : i64, stages = 2 : i64, barriers = 0 : i64, operandSegmentSizes = array<i32: 1, 2, 1, 1, 0>} : (!bic.ptr<i8>, i32, i32, i32, i32) -> ()
  return
}

// -----

func.func @tma_store_f32(%d: !bic.ptr<i8>, %m: i32, %v: tensor<128x128xf32>) {
  // expected-error @+1 {{stores 2-byte elements only (64 per 128-byte box row), got 'f32'}}
  bic.tma_store %d[%m, %m], %v, %m {boxRows = 128 : i64, aBase = 0 : i64, aSlot = 16384 : i64, bBase = 49152 : i64, bSlot = 16384 : i64, stages = 3 : i64, extraBase = 99328 : i64, extraBytes = 0 : i64} : !bic.ptr<i8>, tensor<128x128xf32>
  return
}

// -----

func.func @tma_store_box(%d: !bic.ptr<i8>, %m: i32, %v: tensor<128x96xbf16>) {
  // expected-error @+1 {{tile 128x96 does not split into boxes of 128x64}}
  bic.tma_store %d[%m, %m], %v, %m {boxRows = 128 : i64, aBase = 0 : i64, aSlot = 16384 : i64, bBase = 49152 : i64, bSlot = 16384 : i64, stages = 3 : i64, extraBase = 99328 : i64, extraBytes = 0 : i64} : !bic.ptr<i8>, tensor<128x96xbf16>
  return
}

// -----

func.func @tma_load_expect(%d: !bic.ptr<i8>, %m: i32, %p: i1, %e: i64) {
  // expected-error @+1 {{operand #5 must be 32-bit signless integer}}
  "bic.tma_load"(%d, %m, %m, %m, %p, %e) {base = 0 : i64, box = array<i64: 64, 64>, slotBytes = 8192 : i64, stages = 2 : i64, barriers = 0 : i64, operandSegmentSizes = array<i32: 1, 2, 1, 1, 1>} : (!bic.ptr<i8>, i32, i32, i32, i1, i64) -> ()
  return
}

// -----

func.func @tma_dot_wait_type(%acc: tensor<64x64xi32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit float values}}
  %w = bic.tma_dot_wait %acc : tensor<64x64xi32> -> tensor<64x64xf32>
  return
}

// -----

func.func @warp_role_name() {
  // expected-error @+1 {{role must be "producer" or "consumer", got "loader"}}
  %p = bic.warp_role "loader" {consumers = 4 : i64} : i1
  return
}

// -----

func.func @warp_role_consumers() {
  // expected-error @+1 {{needs 1 to 31 consumer warps (one more warp produces), got 32}}
  %p = bic.warp_role "producer" {consumers = 32 : i64} : i1
  return
}

// -----

func.func @tma_acquire_type(%it: i64) {
  // expected-error @+1 {{operand #0 must be 32-bit signless integer}}
  "bic.tma_acquire"(%it) {barriers = 0 : i64, stages = 3 : i64} : (i64) -> ()
  return
}

// -----

func.func @tma_release_type(%it: i64) {
  // expected-error @+1 {{operand #0 must be 32-bit signless integer}}
  "bic.tma_release"(%it) {barriers = 0 : i64, stages = 3 : i64} : (i64) -> ()
  return
}

// -----

// bic.wait_prior_grids takes nothing and yields nothing.
func.func @wait_prior_grids_operand(%x: i32) {
  // expected-error @+1 {{'bic.wait_prior_grids' op requires zero operands}}
  "bic.wait_prior_grids"(%x) : (i32) -> ()
  return
}

// -----

func.func @reduce_run(%x: tensor<64xf32>) {
  // expected-error @+1 {{a run of 3 must divide perThread (8) and be smaller}}
  %s = bic.reduce sum %x {axis = 0 : i32, order = #bic.reduce_order<kind = "tree", perThread = 8, lanes = [2, 1], warps = 1, run = 3>} : tensor<64xf32> -> f32
  return
}

// -----

// bic.cluster_rank is an i32.
func.func @cluster_rank_type() {
  // expected-error @+1 {{result #0 must be 32-bit signless integer}}
  %r = bic.cluster_rank : i64
  return
}

// -----

// A cluster has 1 to 8 CTAs.
func.func @cluster_count(%it: i32) {
  // expected-error @+1 {{attribute 'cluster' failed to satisfy constraint}}
  bic.tma_release %it {barriers = 0 : i64, stages = 3 : i64, cluster = 0 : i64}
  return
}

// -----

// Each CTA multicasts whole 8-row swizzle blocks: 24 rows do not split in 2.
func.func @multicast_rows(%d: !bic.ptr<i8>, %m: i32, %it: i32, %pr: i1) {
  // expected-error @+1 {{a box of 24 rows does not split into 2 shares of whole 8-row swizzle blocks}}
  bic.tma_load %d[%m, %m], %it, %pr {base = 0 : i64, box = array<i64: 24, 64>, slotBytes = 3072 : i64, stages = 3 : i64, barriers = 9216 : i64, multicast = 2 : i64} : !bic.ptr<i8>
  return
}

// -----

// bic.cluster_barrier takes nothing.
func.func @cluster_barrier_operand(%x: i32) {
  // expected-error @+1 {{'bic.cluster_barrier' op requires zero operands}}
  "bic.cluster_barrier"(%x) : (i32) -> ()
  return
}
