//===- BicDialect.td - the bic dialect, its types and attributes ----------===//
//
// The bic dialect models Triton-style tile programs whose reductions carry an
// explicit, fixed order. Tiles are builtin ranked tensors; after layout
// assignment they carry a #bic.blocked or #bic.slice encoding that says how the
// tile is spread over the threads of a program.
//
//===----------------------------------------------------------------------===//
#ifndef BIC_DIALECT_TD
#define BIC_DIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"

def Bic_Dialect : Dialect {
  let name = "bic";
  let summary = "Tile programs with explicitly ordered reductions";
  let description = [{
    `bic` is the tile-level dialect of the bic compiler. A kernel is a
    `func.func` marked `bic.kernel`; its body computes on tiles (ranked
    tensors) with `arith`/`math` element-wise ops and the ops of this dialect
    for addressing, memory and reductions. Every reduction states the order in
    which it combines its elements (`#bic.reduce_order`), so that the order
    can be verified, hashed into a signature, and realised exactly.
  }];
  let cppNamespace = "::bic";
  let useDefaultTypePrinterParser = 1;
  let useDefaultAttributePrinterParser = 1;
  let extraClassDeclaration = [{
    void registerAttributes();
  }];
}

//===----------------------------------------------------------------------===//
// Types
//===----------------------------------------------------------------------===//

class Bic_Type<string name, string typeMnemonic> : TypeDef<Bic_Dialect, name> {
  let mnemonic = typeMnemonic;
}

def Bic_PtrType : Bic_Type<"Ptr", "ptr"> {
  let summary = "Pointer to global memory holding elements of one type";
  let description = [{
    A pointer into global device memory. Tiles of pointers are ranked
    tensors of `!bic.ptr`.

    Example: `!bic.ptr<bf16>`, `tensor<128x!bic.ptr<f32>>`.
  }];
  let parameters = (ins "Type":$pointeeType);
  let assemblyFormat = "`<` $pointeeType `>`";
}

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

class Bic_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Bic_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

def Bic_BlockedLayoutAttr : Bic_Attr<"BlockedLayout", "blocked"> {
  let summary = "Blocked distribution of a tile over the threads of a program";
  let description = [{
    Dimension d of the tile is covered by `sizePerThread[d]` contiguous
    elements in one thread, `threadsPerWarp[d]` lanes and `warpsPerCTA[d]`
    warps, then repeated until the tile is covered. The last dimension is the
    fastest varying one for lanes and warps. Products of `threadsPerWarp` is
    32; product of `warpsPerCTA` is the program's warp count.

    Example: `tensor<8192xbf16, #bic.blocked<sizePerThread = [8],
    threadsPerWarp = [32], warpsPerCTA = [8]>>`.

    With `rowsLanesFirst = true` (rank 2 only), the `sizePerThread[0]` rows a
    thread holds are `threadsPerWarp[0]` rows apart instead of consecutive:
    lanes first, then registers, then warps. This is the accumulator fragment
    of `wgmma.m64nNk16`, where warp w of a warpgroup owns rows 16w + {0..15}
    (lane / 4 and lane / 4 + 8):
    `#bic.blocked<sizePerThread = [2, 2], threadsPerWarp = [8, 4],
    warpsPerCTA = [4, 1], rowsLanesFirst = true>`.
  }];
  let parameters = (ins ArrayRefParameter<"unsigned">:$sizePerThread,
                        ArrayRefParameter<"unsigned">:$threadsPerWarp,
                        ArrayRefParameter<"unsigned">:$warpsPerCTA,
                        DefaultValuedParameter<"bool", "false">:$rowsLanesFirst);
  let assemblyFormat = [{
    `<` `sizePerThread` `=` `[` $sizePerThread `]` `,`
        `threadsPerWarp` `=` `[` $threadsPerWarp `]` `,`
        `warpsPerCTA` `=` `[` $warpsPerCTA `]`
        (`,` `rowsLanesFirst` `=` $rowsLanesFirst^)? `>`
  }];
  let genVerifyDecl = 1;
}

def Bic_SliceLayoutAttr : Bic_Attr<"SliceLayout", "slice"> {
  let summary = "Layout of a tile reduced along one dimension of its parent";
  let description = [{
    The layout a reduction along `dim` leaves behind: each thread holds the
    results for the coordinates it held in the parent layout. `bic.expand_dims`
    along `dim` turns it back into the parent layout without data movement.

    Example: `#bic.slice<dim = 1, parent = #bic.blocked<...>>`.
  }];
  let parameters = (ins "unsigned":$dim, "BlockedLayoutAttr":$parent);
  let assemblyFormat = "`<` `dim` `=` $dim `,` `parent` `=` qualified($parent) `>`";
}

def Bic_ReduceOrderAttr : Bic_Attr<"ReduceOrder", "reduce_order"> {
  let summary = "The fixed order in which a reduction combines its elements";
  let description = [{
    `kind = "tree"` is the order of a tile reduction: each thread folds its
    own `perThread` elements sequentially in ascending coordinate order, then
    lanes combine with a butterfly of `shfl.xor` at the listed `lanes`
    offsets (in that order), then the partial results of `warps` warps are
    folded sequentially in ascending warp order (through shared memory).
    Every thread ends with the same bits.

    A thread's elements are consecutive coordinates unless `run` is set:
    then they come in runs of `run` consecutive coordinates, one run per
    cover of all the lanes and warps (`run = 2` for the mma.sync
    accumulator's columns: 2t, 2t + 1, 8 + 2t, 9 + 2t, ...). `perThread`,
    `lanes`, `warps` and `run` together name which elements meet at every
    step of the tree, so two reductions with equal attributes give equal
    bits.

    The frontend declares the kind; `bic-assign-layouts` fixes the
    parameters from compile-time constants only (tile shape and warp count).
    A reduction whose parameters are not yet fixed is `unresolved` and cannot
    be lowered.

    Examples: `#bic.reduce_order<kind = "tree">` (declared),
    `#bic.reduce_order<kind = "tree", perThread = 32,
    lanes = [16, 8, 4, 2, 1], warps = 8>` (resolved),
    `#bic.reduce_order<kind = "tree", perThread = 16, lanes = [2, 1],
    warps = 1, run = 2>` (a row of a 64-column mma accumulator).
  }];
  let parameters = (ins StringRefParameter<"order kind">:$kind,
                        DefaultValuedParameter<"int64_t", "0">:$perThread,
                        OptionalArrayRefParameter<"int64_t">:$lanes,
                        DefaultValuedParameter<"int64_t", "0">:$warps,
                        DefaultValuedParameter<"int64_t", "0">:$run);
  let assemblyFormat = [{
    `<` `kind` `=` $kind (`,` `perThread` `=` $perThread^)?
        (`,` `lanes` `=` `[` $lanes^ `]`)? (`,` `warps` `=` $warps^)?
        (`,` `run` `=` $run^)? `>`
  }];
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// True once the lowering-relevant parameters have been fixed.
    bool isResolved() const { return getPerThread() > 0 && getWarps() > 0; }
  }];
}

def Bic_DotOrderAttr : Bic_Attr<"DotOrder", "dot_order"> {
  let summary = "The fixed order in which a tile product accumulates over K";
  let description = [{
    K ascending, accumulated in place into the `f32` accumulator in steps of
    `kStep`: the tensor-core instruction's k (16 for bf16/f16; 8 for f32
    operands rounded to tf32, `input_precision=tf32`), or 1 for IEEE f32
    products (one fused multiply-add per k). For f32 operands the k-step
    is also the precision: 1 is IEEE, 8 is tf32. With k-step 16, measured
    on H100 and H200, every tensor-core configuration (mma.sync or wgmma,
    any tile sizes along M, N and K, warps, stages) gives the same bits;
    with k-step 8 (mma.sync, or wgmma on stages rounded in place), the
    tiles, warp counts, stage counts and B layouts measured on the H100.
    Split-K, `acc + dot(a, b)`, another
    accumulator type or another k-step do not.

    How f32 operands become tf32 is part of the order's contract, since it
    changes the products: by default (`input_precision=tf32`) each is
    rounded to nearest, ties away from zero (`cvt.rna`); with `truncate`
    (`input_precision=tf32_rz`) the low 13 bits of its mantissa are dropped,
    which is how the tensor cores read f32 bits given as tf32: faster on
    wgmma (no pass over shared memory), with about 2.6x the error (cuBLAS's
    TF32 mode measured as accurate as rounding). `truncate` applies to
    k-step 8 only.

    Examples: `#bic.dot_order<kStep = 16>`,
    `#bic.dot_order<kStep = 8, truncate = true>`.
  }];
  let parameters = (ins "int64_t":$kStep,
                        DefaultValuedParameter<"bool", "false">:$truncate);
  let builders = [
    AttrBuilder<(ins "int64_t":$kStep), [{
      return $_get($_ctxt, kStep, false);
    }]>
  ];
  let assemblyFormat = "`<` struct(params) `>`";
}

#endif // BIC_DIALECT_TD
