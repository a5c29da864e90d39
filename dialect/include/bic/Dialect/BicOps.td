//===- BicOps.td - operations of the bic dialect --------------------------===//
//
// Addressing, memory, shape and reduction ops on tiles. Element-wise math on
// tiles uses `arith` and `math` directly on ranked tensors.
//
//===----------------------------------------------------------------------===//
#ifndef BIC_OPS_TD
#define BIC_OPS_TD

include "bic/Dialect/BicDialect.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/IR/CommonTypeConstraints.td"

class Bic_Op<string mnemonic, list<Trait> traits = []>
    : Op<Bic_Dialect, mnemonic, traits>;

def Bic_Ptr : Type<CPred<"::llvm::isa<::bic::PtrType>($_self)">,
                   "bic pointer", "::bic::PtrType">;
def Bic_PtrTile : RankedTensorOf<[Bic_Ptr]>;
def Bic_PtrLike : AnyTypeOf<[Bic_Ptr, Bic_PtrTile]>;
def Bic_Int : AnyTypeOf<[I1, I32, I64]>;
def Bic_IntLike : AnyTypeOf<[I32, I64, RankedTensorOf<[I32, I64]>]>;
def Bic_Elem : AnyTypeOf<[I1, I32, I64, F16, BF16, F32]>;
def Bic_ElemTile : RankedTensorOf<[I1, I32, I64, F16, BF16, F32]>;
def Bic_Value : AnyTypeOf<[Bic_Elem, Bic_ElemTile]>;
def Bic_MaskLike : AnyTypeOf<[I1, RankedTensorOf<[I1]>]>;
def Bic_AnyTile : RankedTensorOf<[I1, I32, I64, F16, BF16, F32, Bic_Ptr]>;
// CTAs of a cluster: 1 (no cluster) to 8 (the portable cluster size).
def Bic_ClusterCount : DefaultValuedAttr<ConfinedAttr<I64Attr, [IntMinValue<1>, IntMaxValue<8>]>, "1">;

def Bic_ProgramIdOp : Bic_Op<"program_id", [Pure]> {
  let summary = "Index of the program along a grid axis";
  let description = [{
    Returns the index of the running program (CUDA block) along `axis`
    (0, 1 or 2).

    ```mlir
    %row = bic.program_id 0 : i32
    ```
  }];
  let arguments = (ins ConfinedAttr<I32Attr, [IntMinValue<0>, IntMaxValue<2>]>:$axis);
  let results = (outs I32:$result);
  let assemblyFormat = "$axis attr-dict `:` type($result)";
}

def Bic_NumProgramsOp : Bic_Op<"num_programs", [Pure]> {
  let summary = "Number of programs along a grid axis";
  let description = [{
    ```mlir
    %n = bic.num_programs 0 : i32
    ```
  }];
  let arguments = (ins ConfinedAttr<I32Attr, [IntMinValue<0>, IntMaxValue<2>]>:$axis);
  let results = (outs I32:$result);
  let assemblyFormat = "$axis attr-dict `:` type($result)";
}

def Bic_ArangeOp : Bic_Op<"arange", [Pure]> {
  let summary = "A 1-D tile of consecutive integers";
  let description = [{
    Produces `[start, start + 1, ..., end - 1]`; the tile has `end - start`
    elements, a compile-time constant.

    ```mlir
    %cols = bic.arange 0, 1024 : tensor<1024xi32>
    ```
  }];
  let arguments = (ins I32Attr:$start, I32Attr:$end);
  let results = (outs RankedTensorOf<[I32]>:$result);
  let assemblyFormat = "$start `,` $end attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Bic_SplatOp : Bic_Op<"splat", [Pure]> {
  let summary = "A tile with every element equal to one scalar";
  let description = [{
    ```mlir
    %t = bic.splat %x : f32 -> tensor<128xf32>
    ```
  }];
  let arguments = (ins AnyTypeOf<[Bic_Elem, Bic_Ptr]>:$src);
  let results = (outs Bic_AnyTile:$result);
  let assemblyFormat = "$src attr-dict `:` type($src) `->` type($result)";
  let hasVerifier = 1;
}

def Bic_ExpandDimsOp : Bic_Op<"expand_dims", [Pure]> {
  let summary = "Insert a dimension of size 1 (`x[:, None]`)";
  let description = [{
    ```mlir
    %c = bic.expand_dims %r {axis = 1 : i32} : tensor<64xf32> -> tensor<64x1xf32>
    ```
  }];
  let arguments = (ins Bic_AnyTile:$src, I32Attr:$axis);
  let results = (outs Bic_AnyTile:$result);
  let assemblyFormat = "$src attr-dict `:` type($src) `->` type($result)";
  let hasVerifier = 1;
}

def Bic_BroadcastOp : Bic_Op<"broadcast", [Pure]> {
  let summary = "Repeat a tile along its dimensions of size 1";
  let description = [{
    Source and result have the same rank; every source dimension is 1 or
    equal to the result's.

    ```mlir
    %b = bic.broadcast %c : tensor<64x1xf32> -> tensor<64x128xf32>
    ```
  }];
  let arguments = (ins Bic_AnyTile:$src);
  let results = (outs Bic_AnyTile:$result);
  let assemblyFormat = "$src attr-dict `:` type($src) `->` type($result)";
  let hasVerifier = 1;
}

def Bic_AddPtrOp : Bic_Op<"addptr", [Pure, AllTypesMatch<["ptr", "result"]>]> {
  let summary = "Offset pointers by a number of elements";
  let description = [{
    `result = ptr + offset * sizeof(pointee)`, element-wise over tiles.

    ```mlir
    %p = bic.addptr %ptrs, %offs : tensor<128x!bic.ptr<f32>>, tensor<128xi32>
    ```
  }];
  let arguments = (ins Bic_PtrLike:$ptr, Bic_IntLike:$offset);
  let results = (outs Bic_PtrLike:$result);
  let assemblyFormat = "$ptr `,` $offset attr-dict `:` type($ptr) `,` type($offset)";
  let hasVerifier = 1;
}

def Bic_LoadOp : Bic_Op<"load", [AttrSizedOperandSegments]> {
  let summary = "Load a tile (or a scalar) from global memory";
  let description = [{
    Loads the element behind each pointer. Where `mask` is false, no memory
    is touched and the element is `other` (zero when `other` is absent).
    `vec`, set by `bic-vectorize-access`, is the number of consecutive
    elements each thread may move with one access; it is only a promise
    about addresses and masks, never about values.

    ```mlir
    %x = bic.load %p mask %m other %zero
        : (tensor<1024x!bic.ptr<bf16>>, tensor<1024xi1>, tensor<1024xbf16>) -> tensor<1024xbf16>
    ```
  }];
  let arguments = (ins Arg<Bic_PtrLike, "", [MemRead]>:$ptr,
                       Optional<Bic_MaskLike>:$mask,
                       Optional<Bic_Value>:$other,
                       OptionalAttr<I32Attr>:$vec);
  let results = (outs Bic_Value:$result);
  let assemblyFormat = [{
    $ptr (`mask` $mask^)? (`other` $other^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Bic_StoreOp : Bic_Op<"store"> {
  let summary = "Store a tile (or a scalar) to global memory";
  let description = [{
    Stores each element where `mask` is true. `vec` is set as for
    `bic.load`.

    ```mlir
    bic.store %p, %v mask %m : tensor<1024x!bic.ptr<bf16>>, tensor<1024xbf16>, tensor<1024xi1>
    ```
  }];
  let arguments = (ins Arg<Bic_PtrLike, "", [MemWrite]>:$ptr, Bic_Value:$value,
                       Optional<Bic_MaskLike>:$mask, OptionalAttr<I32Attr>:$vec);
  let assemblyFormat = [{
    $ptr `,` $value (`mask` $mask^)? attr-dict `:` type(operands)
  }];
  let hasVerifier = 1;
}

def Bic_AtomicAddOp : Bic_Op<"atomic_add"> {
  let summary = "Atomic read-modify-write add (always rejected)";
  let description = [{
    Exists so that kernels ported from Triton parse and get a precise error:
    the order in which concurrent atomic adds land depends on scheduling,
    so `bic-verify-reduction-order` rejects every `bic.atomic_add`.

    ```mlir
    bic.atomic_add %p, %v : tensor<128x!bic.ptr<f32>>, tensor<128xf32>
    ```
  }];
  let arguments = (ins Arg<Bic_PtrLike, "", [MemRead, MemWrite]>:$ptr,
                       Bic_Value:$value, Optional<Bic_MaskLike>:$mask);
  let assemblyFormat = [{
    $ptr `,` $value (`mask` $mask^)? attr-dict `:` type(operands)
  }];
}

def Bic_ReduceOp : Bic_Op<"reduce", [Pure]> {
  let summary = "Reduce a tile along one axis in a declared order";
  let description = [{
    Combines the elements along `axis` with `kind` (`sum`, `max` or `min`)
    in exactly the order that `order` describes. Reducing a 1-D tile gives
    a scalar.

    ```mlir
    %s = bic.reduce sum %sq {axis = 0 : i32,
           order = #bic.reduce_order<kind = "tree">} : tensor<1024xf32> -> f32
    ```
  }];
  let arguments = (ins Bic_ElemTile:$src, StrAttr:$kind, I32Attr:$axis,
                       Bic_ReduceOrderAttr:$order);
  let results = (outs Bic_Value:$result);
  let assemblyFormat = "custom<ReduceKind>($kind) $src attr-dict `:` type($src) `->` type($result)";
  let hasVerifier = 1;
}

def Bic_DotOp : Bic_Op<"dot", [Pure]> {
  let summary = "Tile matrix product accumulated in place: acc + a * b";
  let description = [{
    `a` is `[M, K]`, `b` is `[K, N]` (or `[N, K]` with `transB`), `acc` and the
    result `[M, N]` in `f32`. bf16/f16 operands run on tensor cores in
    k-steps of 16; f32 operands are IEEE (one fused multiply-add per k, in
    order: k-step 1), never a silent TF32, or, asked for with
    `input_precision=tf32` (order k-step 8), rounded to tf32 (nearest, ties
    away from zero; with the order's `truncate`, `input_precision=tf32_rz`,
    truncated) and multiplied on tensor cores in k-steps of 8. The
    accumulation order over K is
    `order` (K ascending, in place), independent of how M, N and K are
    tiled.

    ```mlir
    %c = bic.dot %a, %b, %acc {order = #bic.dot_order<kStep = 16>}
        : tensor<128x32xbf16>, tensor<32x128xbf16> -> tensor<128x128xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[BF16, F16, F32]>:$a, RankedTensorOf<[BF16, F16, F32]>:$b,
                       RankedTensorOf<[F32]>:$acc, UnitAttr:$transB,
                       Bic_DotOrderAttr:$order);
  let results = (outs RankedTensorOf<[F32]>:$result);
  let assemblyFormat = [{
    $a `,` $b `,` $acc attr-dict `:` type($a) `,` type($b) `,` type($acc) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Bic_AsyncCopyOp : Bic_Op<"async_copy"> {
  let summary = "Start copying a tile from global to shared memory";
  let description = [{
    Created by `bic-pipeline-dots`. Each thread starts asynchronous copies
    (`cp.async`) of its `vec`-element groups of the tile behind `ptr` into
    slot `slot` of shared-memory buffer `buffer` (rows padded as the dot
    expects). Masked-off elements are written as zeros and not read.

    ```mlir
    bic.async_copy %p, %m, %slot {buffer = 0 : i32, vec = 8 : i32}
        : tensor<64x32x!bic.ptr<bf16>, #l>, tensor<64x32xi1, #l>, i32
    ```
  }];
  let arguments = (ins Arg<Bic_PtrTile, "", [MemRead]>:$ptr,
                       RankedTensorOf<[I1]>:$mask, I32:$slot, I32Attr:$buffer,
                       I32Attr:$vec);
  let assemblyFormat = "$ptr `,` $mask `,` $slot attr-dict `:` type(operands)";
}

def Bic_AsyncCommitOp : Bic_Op<"async_commit"> {
  let summary = "Close the current group of asynchronous copies";
  let description = [{
    ```mlir
    bic.async_commit
    ```
  }];
  let assemblyFormat = "attr-dict";
}

def Bic_AsyncWaitOp : Bic_Op<"async_wait"> {
  let summary = "Wait until at most `pending` copy groups are in flight, then sync the program";
  let description = [{
    Waits for this thread's copy groups and then synchronises all threads of
    the program, so every thread sees every completed copy.

    ```mlir
    bic.async_wait {pending = 1 : i32}
    ```
  }];
  let arguments = (ins I32Attr:$pending);
  let assemblyFormat = "attr-dict";
}

def Bic_SmemDotOp : Bic_Op<"smem_dot"> {
  let summary = "bic.dot whose operands are already in shared-memory slots";
  let description = [{
    The product of `bic.dot` (same order, `order`), reading A and B from
    slot `slot` of buffers 0 and 1 as `bic.async_copy` left them. `aType`
    and `bType` are the operand tile types.

    With `a` (`regs(...)`), A is that register tile, in the mma fragment
    layout of the accumulator's rows (attention's Q and P), and only B is
    read from its slot.

    ```mlir
    %c = bic.smem_dot %slot, %acc {aType = tensor<64x32xbf16>, bType = ...,
        order = #bic.dot_order<kStep = 16>, transB} : i32, tensor<64x64xf32, #acc> -> tensor<64x64xf32, #acc>
    %d = bic.smem_dot %slot, %acc regs(%p : tensor<64x64xbf16, #acc>) {...}
        : i32, tensor<64x64xf32, #acc> -> tensor<64x64xf32, #acc>
    ```
  }];
  let arguments = (ins I32:$slot, RankedTensorOf<[F32]>:$acc,
                       Optional<RankedTensorOf<[BF16, F16]>>:$a, TypeAttr:$aType,
                       TypeAttr:$bType, UnitAttr:$transB, Bic_DotOrderAttr:$order);
  let results = (outs RankedTensorOf<[F32]>:$result);
  let assemblyFormat = [{
    $slot `,` $acc (`regs` `(` $a^ `:` type($a) `)`)? attr-dict `:` type($slot) `,` type($acc)
    `->` type($result)
  }];
  let hasVerifier = 1;
}

def Bic_ConvertLayoutOp : Bic_Op<"convert_layout", [Pure, SameOperandsAndResultShape,
                                                    SameOperandsAndResultElementType]> {
  let summary = "Move a tile from one thread layout to another";
  let description = [{
    Inserted by `bic-assign-layouts` where two uses need different layouts;
    lowered through shared memory. Values are unchanged.

    ```mlir
    %b = bic.convert_layout %a : tensor<64xf32, #l0> -> tensor<64xf32, #l1>
    ```
  }];
  let arguments = (ins Bic_AnyTile:$src);
  let results = (outs Bic_AnyTile:$result);
  let assemblyFormat = "$src attr-dict `:` type($src) `->` type($result)";
}

//===----------------------------------------------------------------------===//
// Tile descriptors
//===----------------------------------------------------------------------===//

def Bic_LoadTileOp : Bic_Op<"load_tile", [AttrSizedOperandSegments]> {
  let summary = "Load a block of a row-major matrix given by pointer and shape";
  let description = [{
    `base` points at a row-major matrix of extents `shape` (i32, outermost
    first; the last dimension is contiguous and the others are dense). The
    result is the block of the result's shape whose first element is at
    `coords`. Elements outside the matrix read as zero.

    On sm_90a, `bic-tma-dots` turns the operand loads of a tensor-core K loop
    into TMA copies (`cp.async.bulk.tensor`) with a descriptor the runtime
    encodes; everywhere else `bic-expand-tiles` rewrites the op into a masked
    `bic.load`.

    ```mlir
    %t = bic.load_tile %a[%M, %K] at [%row, %k]
        : !bic.ptr<bf16> -> tensor<128x64xbf16>
    ```
  }];
  let arguments = (ins Arg<Bic_Ptr, "", [MemRead]>:$base, Variadic<I32>:$shape,
                       Variadic<I32>:$coords);
  let results = (outs Bic_AnyTile:$result);
  let assemblyFormat = [{
    $base `[` $shape `]` `at` `[` $coords `]` attr-dict `:` qualified(type($base)) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Bic_StoreTileOp : Bic_Op<"store_tile", [AttrSizedOperandSegments]> {
  let summary = "Store a block into a row-major matrix given by pointer and shape";
  let description = [{
    The counterpart of `bic.load_tile`: elements of `value` that fall outside
    the matrix are not written.

    ```mlir
    bic.store_tile %c[%M, %N] at [%row, %col], %v
        : !bic.ptr<bf16>, tensor<128x128xbf16>
    ```
  }];
  let arguments = (ins Arg<Bic_Ptr, "", [MemWrite]>:$base, Variadic<I32>:$shape,
                       Variadic<I32>:$coords, Bic_AnyTile:$value);
  let assemblyFormat = [{
    $base `[` $shape `]` `at` `[` $coords `]` `,` $value attr-dict `:` qualified(type($base)) `,` type($value)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Hopper: TMA + mbarrier + wgmma (created by bic-pipeline-dots on sm_90a)
//===----------------------------------------------------------------------===//

def Bic_TmaInitOp : Bic_Op<"tma_init"> {
  let summary = "Initialise the stage barriers of a TMA pipeline";
  let description = [{
    Thread 0 initialises `stages` mbarriers (arrival count 1) at byte
    `barriers` of the kernel's dynamic shared memory and prefetches the
    TMA descriptors `descs`; then the program synchronises. With
    `consumers` > 0 (a warp-specialised pipeline) it also initialises
    `stages` "empty" mbarriers after them, at byte `barriers + 8 * stages`,
    each completing when that many consumer warps have released the stage
    (`bic.tma_release`). With `cluster` = n > 1 (a program run by a cluster
    of n CTAs whose copies are multicast), the empty barriers count the
    consumer warps of all n CTAs, and the CTAs of the cluster synchronise
    after the initialisation (no CTA may multicast into, or arrive on, a
    barrier of another before it exists).

    ```mlir
    bic.tma_init %da, %db {barriers = 196608 : i64, stages = 4 : i64, consumers = 4 : i64}
        : !bic.ptr<i8>, !bic.ptr<i8>
    ```
  }];
  let arguments = (ins Variadic<Bic_Ptr>:$descs, I64Attr:$barriers, I64Attr:$stages,
                       DefaultValuedAttr<I64Attr, "0">:$consumers,
                       Bic_ClusterCount:$cluster);
  let assemblyFormat = "$descs attr-dict `:` qualified(type($descs))";
}

def Bic_TmaLoadOp : Bic_Op<"tma_load", [AttrSizedOperandSegments]> {
  let summary = "Start a TMA copy of one operand block of K-loop iteration `iter`";
  let description = [{
    Thread 0 copies the block at `coords` (outermost first) of the matrix
    that TMA descriptor `desc` describes into stage `iter % stages` of the
    operand's buffer (byte `base`, `slotBytes` per stage, in the swizzle of
    `desc`: rows of `box[1]` elements, 128 bytes or, for a narrow block of
    B given as [K, N], 64 or 32),
    completing on that stage's mbarrier. With `expect`, it first announces
    that many bytes on the barrier (the first copy of an iteration announces
    the whole stage's). The count is a value because the runtime narrows a
    box to the matrix's rows (`rows=fit` in the `bic-tma` header: a box of
    R rows over a matrix of fewer rows copies only those, never reading
    rows that are all zero fill), so the bytes depend on the extents.
    Nothing happens when `pred` is false. With `sync`, the program
    synchronises first (all warpgroups are done with the stage being
    overwritten). With `afterStore` (the kernel has a `bic.tma_store`, which
    may have staged its block in this stage), thread 0 first waits until
    earlier TMA stores have read their shared memory. With `producer` (a
    warp-specialised pipeline) the thread that runs the op issues the copy:
    it is the producer thread (`bic.warp_role`), not thread 0. With
    `multicast` = n > 1 (a program run by a cluster of n CTAs that all need
    this block), CTA r of the cluster copies rows [r * R / n, (r + 1) * R / n)
    of the R-row box, into the same place of every CTA's stage
    (`.multicast::cluster`), completing on each CTA's barrier: the block
    crosses from L2 once per cluster, and every CTA's stage receives all of it.

    ```mlir
    bic.tma_load %da[%row, %k], %it, %pred expect %bytes {base = 0 : i64,
        box = array<i64: 128, 64>, slotBytes = 16384 : i64, stages = 4 : i64,
        barriers = 196608 : i64} : !bic.ptr<i8>
    ```
  }];
  let arguments = (ins Arg<Bic_Ptr, "", [MemRead]>:$desc, Variadic<I32>:$coords,
                       I32:$iter, I1:$pred, Optional<I32>:$expect, I64Attr:$base,
                       DenseI64ArrayAttr:$box, I64Attr:$slotBytes, I64Attr:$stages,
                       I64Attr:$barriers, UnitAttr:$sync, UnitAttr:$afterStore,
                       UnitAttr:$producer, Bic_ClusterCount:$multicast);
  let assemblyFormat = [{
    $desc `[` $coords `]` `,` $iter `,` $pred (`expect` $expect^)? attr-dict `:` qualified(type($desc))
  }];
  let hasVerifier = 1;
}

def Bic_TmaDotOp : Bic_Op<"tma_dot"> {
  let summary = "bic.dot on operands that TMA staged in shared memory";
  let description = [{
    Waits for stage `iter % stages` (its mbarrier, phase `(iter / stages) & 1`),
    then accumulates A (`aType`, [M, K], at byte `aBase` + stage * `aSlot`) times
    Bᵀ (`bType`, [N, K], at `bBase` + stage * `bSlot`) into `acc`, K
    ascending in k-steps of 16 — the order `order` of the `bic.dot` it
    replaces. The accumulator's layout picks the instruction: in the wgmma
    fragment layout (`rowsLanesFirst`), `wgmma.mma_async.m64nNk16` from
    shared-memory descriptors, leaving at most one wgmma group in flight; in
    the mma.sync fragment layout (tiles of 16 or 32 rows, or warp-specialised
    tf32 rounded to nearest), `ldmatrix` through the swizzle and
    `mma.sync.m16n8k16`, same order. f32 operands (tf32, `order` k-step 8)
    take k-steps of 8 (`m64nNk8` / `m16n8k8`), rounded to nearest unless the
    order truncates: in place in the stage before wgmma, in registers for
    mma.sync. A and B are `K / 64` boxes of 64 columns each (f32: of 32), one
    after the other.
    With `bNMajor` (B given as [K, N], `bType` [K, N]), B is boxes of K rows
    x one swizzle row instead (`nMajorBoxCols`: `N / 64` boxes of 64 columns
    in the 128-byte swizzle, or for N = 32 or 16 one box in the 64- or
    32-byte swizzle), read by wgmma as an N-major operand (transposed B) or
    by mma.sync through `ldmatrix.trans`; the products and their order are
    the same.

    ```mlir
    %c = bic.tma_dot %it, %acc {aType = tensor<128x64xbf16>, bType = tensor<128x64xbf16>,
        aBase = 0 : i64, bBase = 65536 : i64, aSlot = 16384 : i64, bSlot = 16384 : i64,
        stages = 4 : i64, barriers = 131072 : i64, order = #bic.dot_order<kStep = 16>}
        : tensor<128x128xf32, #wg> -> tensor<128x128xf32, #wg>
    ```
  }];
  let arguments = (ins I32:$iter, RankedTensorOf<[F32]>:$acc, TypeAttr:$aType,
                       TypeAttr:$bType, I64Attr:$aBase, I64Attr:$bBase,
                       I64Attr:$aSlot, I64Attr:$bSlot, I64Attr:$stages,
                       I64Attr:$barriers, Bic_DotOrderAttr:$order,
                       UnitAttr:$bNMajor);
  let results = (outs RankedTensorOf<[F32]>:$result);
  let assemblyFormat = "$iter `,` $acc attr-dict `:` type($acc) `->` type($result)";
  let hasVerifier = 1;
}

def Bic_TmaStoreOp : Bic_Op<"tma_store"> {
  let summary = "Store a tile through shared memory with TMA (the epilogue of a TMA pipeline)";
  let description = [{
    Writes `value` (a 2-byte-element tile in registers, any layout whose
    row and column covers divide the box) to the block at `coords`
    (outermost first) of the matrix that TMA descriptor `desc` describes;
    the matrix's bounds clip the block (nothing outside is written).

    The tile is cut into boxes of `boxRows` rows x 64 columns (128-byte
    swizzled, as `bic.tma_load` reads them). Thread 0 first waits until
    earlier TMA stores have read their shared memory; then the threads write
    their elements into free shared memory, fence it for the async proxy,
    synchronise, and thread 0 starts one `cp.async.bulk.tensor` store per
    box and commits them as a bulk group. Free shared memory is: `extraBytes`
    at `extraBase`, then the A and B slots of stage `iter % stages` of the
    pipeline (the stage the tile's last K iteration used, which the next
    refill only overwrites after a `bic.tma_load` with `afterStore`); all
    boxes must fit there at once.

    ```mlir
    bic.tma_store %dc[%row, %col], %v, %last {boxRows = 128 : i64,
        aBase = 0 : i64, aSlot = 16384 : i64, bBase = 65536 : i64,
        bSlot = 32768 : i64, stages = 4 : i64, extraBase = 197632 : i64,
        extraBytes = 32768 : i64} : !bic.ptr<i8>, tensor<128x256xbf16, #wg>
    ```
  }];
  // The descriptor is read; the matrix it describes is written.
  let arguments = (ins Arg<Bic_Ptr, "", [MemRead, MemWrite]>:$desc, Variadic<I32>:$coords,
                       Bic_AnyTile:$value, I32:$iter, I64Attr:$boxRows, I64Attr:$aBase,
                       I64Attr:$aSlot, I64Attr:$bBase, I64Attr:$bSlot, I64Attr:$stages,
                       I64Attr:$extraBase, I64Attr:$extraBytes);
  let assemblyFormat = [{
    $desc `[` $coords `]` `,` $value `,` $iter attr-dict `:` qualified(type($desc)) `,` type($value)
  }];
  let hasVerifier = 1;
}

def Bic_TmaStoreWaitOp : Bic_Op<"tma_store_wait"> {
  let summary = "Wait until this program's TMA stores have read shared memory";
  let description = [{
    Thread 0 waits until all of its bulk store groups have read their
    shared memory, so that the program can end. Their writes to global
    memory complete with the grid (`cp.async.bulk.wait_group.read`): the
    next kernel on the stream, or one launched to overlap this one once it
    passes its `griddepcontrol.wait`, sees them.

    ```mlir
    bic.tma_store_wait
    ```
  }];
  let assemblyFormat = "attr-dict";
}

def Bic_TmaDotWaitOp : Bic_Op<"tma_dot_wait"> {
  let summary = "Wait for the K loop's `bic.tma_dot`s, then sync the program";
  let description = [{
    The result is `acc` once every wgmma group writing it has completed
    (`wgmma.wait_group 0`; nothing is in flight after mma.sync); reading
    the accumulator anywhere else would race with the tensor cores (the
    registers pass through the wait so that no later read can be scheduled
    before it).

    ```mlir
    %done = bic.tma_dot_wait %acc : tensor<128x128xf32, #wg> -> tensor<128x128xf32, #wg>
    ```
  }];
  let arguments = (ins RankedTensorOf<[F32]>:$acc);
  let results = (outs RankedTensorOf<[F32]>:$result);
  let assemblyFormat = "$acc attr-dict `:` type($acc) `->` type($result)";
}


//===----------------------------------------------------------------------===//
// Warp specialisation of a TMA pipeline (bic-pipeline-dots with
// `warp_specialize`): one producer thread fills the stages, the consumer
// warps (the kernel's `num_warps`) multiply and release them.
//===----------------------------------------------------------------------===//

def Bic_WarpRoleOp : Bic_Op<"warp_role", [Pure]> {
  let summary = "Whether this thread has a role in a warp-specialised program";
  let description = [{
    A warp-specialised program has `consumers` warps that run the kernel's
    tile code (threads 0 .. 32 * consumers - 1, so every layout is the one
    `num_warps = consumers` gives) and one more warp whose first thread is
    the producer (thread 32 * consumers). `role` is "consumer" or
    "producer"; the result is true in the threads that have it.

    ```mlir
    %p = bic.warp_role "producer" {consumers = 4 : i64} : i1
    ```
  }];
  let arguments = (ins StrAttr:$role, I64Attr:$consumers);
  let results = (outs I1:$result);
  let assemblyFormat = "$role attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Bic_TmaAcquireOp : Bic_Op<"tma_acquire"> {
  let summary = "The producer waits until stage `iter % stages` is free";
  let description = [{
    Waits on the stage's "empty" mbarrier (byte `barriers + 8 * stages` +
    8 * stage, see `bic.tma_init`) for the phase of the previous round:
    parity `((iter / stages) & 1) ^ 1`. In the first round (iter < stages)
    that phase counts as complete and the wait returns at once. With
    `cluster` = n > 1 the consumers of every CTA of the cluster arrive on
    this barrier (`bic.tma_release`), so once it completes the stage is free
    in all of them and the producer may multicast into it.

    ```mlir
    bic.tma_acquire %g {barriers = 196608 : i64, stages = 4 : i64}
    ```
  }];
  let arguments = (ins I32:$iter, I64Attr:$barriers, I64Attr:$stages,
                       Bic_ClusterCount:$cluster);
  let assemblyFormat = "$iter attr-dict";
}

def Bic_TmaReleaseOp : Bic_Op<"tma_release"> {
  let summary = "The consumer warps are done reading stage `iter % stages`";
  let description = [{
    Lane 0 of each consumer warp arrives on the stage's "empty" mbarrier
    once the warp's reads of the stage are complete (after the wgmma that
    read it retired, or the warp's ldmatrix). With `afterStore`, thread 0
    first waits until its TMA stores have read their shared memory (the
    stage held the tile's result on its way out). With `cluster` = n > 1 the
    warp arrives on the stage's empty barrier in every CTA of the cluster
    (lane c on CTA c's, through `mapa`; CUTLASS's remote arrive, at the
    default scope: an explicit `.release.cluster` made each iteration about
    4x slower on the H200): a stage is refilled, by multicast into all of
    them, only once every CTA's consumers let go of it.

    ```mlir
    bic.tma_release %g {barriers = 196608 : i64, stages = 4 : i64}
    ```
  }];
  let arguments = (ins I32:$iter, I64Attr:$barriers, I64Attr:$stages,
                       UnitAttr:$afterStore, Bic_ClusterCount:$cluster);
  let assemblyFormat = "$iter attr-dict";
}

//===----------------------------------------------------------------------===//
// Clusters (sm_90): a program run by `cluster` CTAs (bic-cluster-split).
//===----------------------------------------------------------------------===//

def Bic_ClusterRankOp : Bic_Op<"cluster_rank", [Pure]> {
  let summary = "Which CTA of the program's cluster this is";
  let description = [{
    In a kernel built with `cluster` = n > 1 a program is run by a cluster
    of n CTAs (`program_id` and `num_programs` count clusters); this is the
    running CTA's rank in it, 0 .. n - 1 (`%cluster_ctaid.x`: bic's clusters
    are n x 1 x 1, so it is `%cluster_ctarank`).

    ```mlir
    %r = bic.cluster_rank : i32
    ```
  }];
  let results = (outs I32:$result);
  let assemblyFormat = "attr-dict `:` type($result)";
}

def Bic_ClusterBarrierOp : Bic_Op<"cluster_barrier"> {
  let summary = "Every thread of every CTA of the cluster waits for all the others";
  let description = [{
    `barrier.cluster.arrive.release` then `barrier.cluster.wait.acquire`,
    not `.aligned` (the threads of a warp may arrive apart: a producer warp's
    first thread arrives last). A CTA ends only after this, so that no
    other CTA of its cluster still multicasts into its shared memory or
    arrives on its barriers.

    ```mlir
    bic.cluster_barrier
    ```
  }];
  let assemblyFormat = "attr-dict";
}

//===----------------------------------------------------------------------===//
// Programmatic dependent launch (sm_90): a kernel launched to overlap the
// one before it on the stream waits for it here.
//===----------------------------------------------------------------------===//

def Bic_WaitPriorGridsOp : Bic_Op<"wait_prior_grids"> {
  let summary = "Wait until the kernels this launch depends on have finished";
  let description = [{
    Lets the next kernel on the stream start (`griddepcontrol.launch_dependents`)
    and then waits until the kernels this one depends on have completed and
    their writes are visible (`griddepcontrol.wait`). Without programmatic
    dependent launch both are no-ops. No memory access of the kernel may
    come before it, except copies of `@weight` arguments, which no kernel
    writes (bic-wait-prior-grids, bic-pipeline-dots).

    ```mlir
    bic.wait_prior_grids
    ```
  }];
  let assemblyFormat = "attr-dict";
}

#endif // BIC_OPS_TD
