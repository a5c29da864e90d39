// RUN: bic-opt %s --split-input-file --verify-diagnostics --bic-tma-dots --bic-expand-tiles --bic-assign-layouts --bic-pipeline-dots

// warp_specialize on a K loop that does not take TMA (B as [K, N] 8 columns
// wide, narrower than any swizzle row wgmma reads N-major, stays on
// cp.async + mma.sync): an error, not a kernel without specialisation.
// expected-error @+1 {{warp_specialize needs exactly one K loop on the TMA path}}
func.func @not_tma(%a: !bic.ptr<bf16>, %b: !bic.ptr<bf16>, %c: !bic.ptr<bf16>,
                   %m: i32, %n: i32, %k: i32) attributes {bic.kernel, bic.num_warps = 4 : i32, bic.warp_specialize} {
  %c0 = arith.constant 0 : i32
  %c64 = arith.constant 64 : i32
  %z = arith.constant 0.0 : f32
  %acc0 = bic.splat %z : f32 -> tensor<128x8xf32>
  %r = scf.for %i = %c0 to %k step %c64 iter_args(%acc = %acc0) -> (tensor<128x8xf32>) : i32 {
    %ta = bic.load_tile %a[%m, %k] at [%c0, %i] : !bic.ptr<bf16> -> tensor<128x64xbf16>
    %tb = bic.load_tile %b[%k, %n] at [%i, %c0] : !bic.ptr<bf16> -> tensor<64x8xbf16>
    // expected-note @+1 {{this dot stays on mma.sync: B is [K, N] and BN is not 16, 32 or a multiple of 64}}
    %d = bic.dot %ta, %tb, %acc {order = #bic.dot_order<kStep = 16>} : tensor<128x64xbf16>, tensor<64x8xbf16>, tensor<128x8xf32> -> tensor<128x8xf32>
    scf.yield %d : tensor<128x8xf32>
  }
  %o = arith.truncf %r : tensor<128x8xf32> to tensor<128x8xbf16>
  bic.store_tile %c[%m, %n] at [%c0, %c0], %o : !bic.ptr<bf16>, tensor<128x8xbf16>
  return
}

// -----

// Memory touched before the K loop would run in the producer warp too.
func.func @store_before(%a: !bic.ptr<bf16>, %b: !bic.ptr<bf16>, %c: !bic.ptr<bf16>,
                        %m: i32, %n: i32, %k: i32) attributes {bic.kernel, bic.num_warps = 4 : i32, bic.warp_specialize} {
  %c0 = arith.constant 0 : i32
  %c64 = arith.constant 64 : i32
  %z = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : bf16
  // expected-error @+1 {{warp_specialize: comes before the K loop and touches memory or synchronises}}
  bic.store %c, %one : !bic.ptr<bf16>, bf16
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

// -----

// A reduction across warps goes through shared memory behind barriers: in
// every thread before the split it would hang the consumers' barriers.
func.func @reduce_before(%a: !bic.ptr<bf16>, %b: !bic.ptr<bf16>, %c: !bic.ptr<bf16>,
                         %m: i32, %n: i32, %k: i32) attributes {bic.kernel, bic.num_warps = 4 : i32, bic.warp_specialize} {
  %c0 = arith.constant 0 : i32
  %c64 = arith.constant 64 : i32
  %z = arith.constant 0.0 : f32
  %r0 = bic.arange 0, 1024 : tensor<1024xi32>
  // expected-error @+1 {{warp_specialize: comes before the K loop and touches memory or synchronises}}
  %s = bic.reduce sum %r0 {axis = 0 : i32, order = #bic.reduce_order<kind = "tree">} : tensor<1024xi32> -> i32
  %acc0 = bic.splat %z : f32 -> tensor<128x128xf32>
  %r = scf.for %i = %c0 to %k step %c64 iter_args(%acc = %acc0) -> (tensor<128x128xf32>) : i32 {
    %ta = bic.load_tile %a[%m, %k] at [%s, %i] : !bic.ptr<bf16> -> tensor<128x64xbf16>
    %tb = bic.load_tile %b[%n, %k] at [%c0, %i] : !bic.ptr<bf16> -> tensor<128x64xbf16>
    %d = bic.dot %ta, %tb, %acc {order = #bic.dot_order<kStep = 16>, transB} : tensor<128x64xbf16>, tensor<128x64xbf16>, tensor<128x128xf32> -> tensor<128x128xf32>
    scf.yield %d : tensor<128x128xf32>
  }
  %o = arith.truncf %r : tensor<128x128xf32> to tensor<128x128xbf16>
  bic.store_tile %c[%m, %n] at [%c0, %c0], %o : !bic.ptr<bf16>, tensor<128x128xbf16>
  return
}

