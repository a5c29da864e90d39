//===- DotOpPatterns.cpp - tensor-core tile products (mma.sync) -----------===//
//
// Realises #bic.dot_order<kStep = 16> with `mma.sync.m16n8k16` (sm_80 and
// newer), and kStep = 8 on f32 operands (tf32) with m16n8k8 the same way
// (see emitMma): the operand tiles are written to shared memory (A
// row-major, B as N x K or K x N with rows padded against bank conflicts), then
// each warp walks K in steps of 16, ascending, and accumulates every m16n8
// block of its accumulator fragment in place. Fragments come from shared
// memory through ldmatrix (.trans for a K x N B); an A operand that is
// already in the mma fragment layout with warps along its rows (the output
// of a previous product, as attention's P) stays in registers. The accumulator layout is the
// mma fragment layout (see mmaAccumulatorLayout), so nothing moves between
// the K loop's iterations.
//
// On sm_90a a dot that bic-lower-to-gpu marked `bic.wgmma` (A from
// registers, warpgroups of four warps along the rows) runs on
// `wgmma.mma_async.m64nNk16` instead: B is written to shared memory in the
// swizzled box layout TMA gives it (K / 64 boxes of N rows x 128 bytes for
// B as [N, K]; boxes of K rows x one swizzle row for [K, N]), fenced for
// the async proxy, and each warpgroup issues per k-step of 16, ascending,
// one wgmma per m16 row block of its warps, A from the same registers as
// mma.sync's A fragment (wgmma's register A fragment is mma.m16n8k16's, one
// warp per 16 rows), accumulating in place, then waits for them (all in one
// inline PTX statement). The rows a
// warp holds are only labels when A and the accumulator are both in
// registers, so the fragment layout stays the mma.sync one and nothing
// around the product changes. Same k-steps, same order: the GPU tests
// compare the bits with mma.sync's (sm_80 PTX on the same GPU).
//
//===----------------------------------------------------------------------===//
#include "bic/Conversion/BicToGPU.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace bic;

namespace {
// Elements of padding per shared-memory row: 16 bytes for bf16/f16 (the
// ldmatrix row reads conflict-free), 32 for tf32 (2-way conflicts).
constexpr int64_t kPad = 8;

struct Smem {
  OpBuilder &b;
  Location loc;
  Value base; // !llvm.ptr<3>
  /// TMA boxes of `boxRows` rows x W = `rowBytes` bytes (128, 64 or 32) in
  /// the W-byte swizzle, one after the other, instead of plain rows of `ld`
  /// elements: 16-byte chunk c of row r of a box sits at chunk
  /// c ^ ((r W / 128) % (W / 16)), the swizzle of byte address bits 4.. by
  /// bits 7.. (`base` aligned to the swizzle's 8 W-byte period).
  int64_t boxRows = 0;
  int64_t rowBytes = 128;

  Value at(Value byteOffset) {
    auto ptrTy = LLVM::LLVMPointerType::get(b.getContext(), 3);
    return b.create<LLVM::GEPOp>(loc, ptrTy, b.getI8Type(), base,
                                 ValueRange{byteOffset});
  }
  // byte offset of element (r, c) of a row-major [*, ld] region at `start`.
  Value offset(Value r, Value c, int64_t ld, int64_t start, int64_t bytes) {
    if (boxRows) {
      // byte (c * bytes) % W of row r of box (c * bytes) / W
      const int64_t W = rowBytes, log2W = llvm::Log2_64(W), chunks = W / 16;
      Value cb = b.create<arith::MulIOp>(loc, c, constI32(b, loc, bytes));
      Value box = b.create<arith::ShRUIOp>(loc, cb, constI32(b, loc, log2W));
      // r * W / 128: the row's address bits 7.. (W = 128: r; 64: r / 2; 32: r / 4)
      Value rowBits = b.create<arith::ShRUIOp>(loc, r, constI32(b, loc, 7 - log2W));
      Value chunk = b.create<arith::XOrIOp>(
          loc,
          b.create<arith::AndIOp>(loc, b.create<arith::ShRUIOp>(loc, cb, constI32(b, loc, 4)),
                                  constI32(b, loc, chunks - 1)),
          b.create<arith::AndIOp>(loc, rowBits, constI32(b, loc, chunks - 1)));
      Value row = b.create<arith::AddIOp>(
          loc, b.create<arith::MulIOp>(loc, box, constI32(b, loc, boxRows)), r);
      Value o = b.create<arith::AddIOp>(
          loc,
          b.create<arith::AddIOp>(loc, b.create<arith::MulIOp>(loc, row, constI32(b, loc, W)),
                                  b.create<arith::ShLIOp>(loc, chunk, constI32(b, loc, 4))),
          b.create<arith::AndIOp>(loc, cb, constI32(b, loc, 15)));
      return b.create<arith::AddIOp>(loc, o, constI32(b, loc, start));
    }
    Value e = b.create<arith::AddIOp>(
        loc, b.create<arith::MulIOp>(loc, r, constI32(b, loc, ld)), c);
    Value o = b.create<arith::MulIOp>(loc, e, constI32(b, loc, bytes));
    return b.create<arith::AddIOp>(loc, o, constI32(b, loc, start));
  }
};

/// Writes a 2-D tile (per-thread vector `v` in layout `l`) into shared
/// memory as row-major rows of `ld` elements starting at byte `start`.
void storeTile(Smem &s, Value v, const TileLayout &l, int64_t ld, int64_t start,
               Type elem, const ThreadIds &ids) {
  OpBuilder &b = s.b;
  Location loc = s.loc;
  auto coords = elementCoords(b, loc, l, ids, /*wrap=*/true);
  int64_t bytes = elem.getIntOrFloatBitWidth() / 8;
  int64_t g = l.dim(1).sptEff();
  // A swizzled row keeps only its 16-byte chunks contiguous.
  if (s.boxRows)
    g = std::min<int64_t>(g, 16 / bytes);
  while (g > 1 && ((ld * bytes) % (g * bytes) || (start % (g * bytes))))
    g /= 2;
  for (int64_t e = 0; e < l.numElems(); e += g) {
    Value off = s.offset(coords[e][0], coords[e][1], ld, start, bytes);
    Value val = g == 1 ? Value(b.create<vector::ExtractOp>(loc, v, e))
                       : b.create<vector::ExtractStridedSliceOp>(
                             loc, v, ArrayRef<int64_t>{e}, ArrayRef<int64_t>{g},
                             ArrayRef<int64_t>{1});
    b.create<LLVM::StoreOp>(loc, val, s.at(off), g * bytes);
  }
}

/// ldmatrix.x{2,4}: lane l supplies the address of row (l % 8) of matrix
/// (l / 8); thread L receives elements (L / 4, 2 (L % 4) + {0, 1}) of each
/// matrix, exactly an mma.m16n8k16 operand register.
/// With `trans`, thread L receives elements (2 (L % 4) + {0, 1}, L / 4)
/// instead: a column pair of a row-major [K, N] block, the B operand
/// register of a K-major B.
SmallVector<Value> ldmatrix(Smem &s, Value byteOffset, int count,
                            bool trans = false) {
  OpBuilder &b = s.b;
  Location loc = s.loc;
  Value addr = b.create<LLVM::PtrToIntOp>(loc, b.getI64Type(), s.at(byteOffset));
  SmallVector<Type> regs(count, b.getI32Type());
  auto resTy = LLVM::LLVMStructType::getLiteral(b.getContext(), regs);
  std::string asmStr = "ldmatrix.sync.aligned.m8n8.x" + std::to_string(count) +
                       (trans ? ".trans" : "") + ".shared.b16 {";
  std::string cons;
  for (int i = 0; i < count; ++i) {
    asmStr += (i ? ",$" : "$") + std::to_string(i);
    cons += "=r,";
  }
  asmStr += "}, [$" + std::to_string(count) + "];";
  cons += "l";
  auto op = b.create<LLVM::InlineAsmOp>(
      loc, resTy, ValueRange{addr}, asmStr, cons, /*has_side_effects=*/true,
      /*is_align_stack=*/false, LLVM::TailCallKind::None,
      LLVM::AsmDialectAttr::get(b.getContext(), LLVM::AsmDialect::AD_ATT), ArrayAttr());
  SmallVector<Value> out;
  for (int i = 0; i < count; ++i)
    out.push_back(b.create<LLVM::ExtractValueOp>(loc, op.getResult(0), i));
  return out;
}

/// cvt.rna.tf32.f32: `v` (an f32's bits) rounded to tf32, to nearest with
/// ties away from zero.
Value roundToTf32(OpBuilder &b, Location loc, Value v) {
  return inlineAsm(b, loc, "cvt.rna.tf32.f32 $0, $1;", "=r,r", ValueRange{v},
                   b.getI32Type());
}

/// The mma.sync core: K ascending in k-steps of 16 (bf16/f16,
/// m16n8k16) or 8 (f32 operands as tf32, m16n8k8: rounded with cvt.rna,
/// or with `truncate` given as they are, the tensor cores dropping the low
/// 13 bits) over A in `sA`
/// ([M, lda] row-major) and B in `sB` ([N, ldb] if transB, else [K, ldb]),
/// updating the accumulator fragment `accVec` (layout `lc`) in place. With
/// `aRegs` (see aFromRegisters; bf16/f16 only), A comes from the caller's
/// registers and `sA` is not read.
///
/// In bytes the two k-steps are one: an operand register's k half is 16
/// bytes (8 16-bit or 4 32-bit elements) of a fragment row, so the same
/// ldmatrix loads give tf32's A and K-major B fragments (thread L receives
/// the 32-bit word L % 4 of row L / 4: element (g, t), as m16n8k8.tf32
/// wants). Only an N-major B differs: ldmatrix.trans moves 16-bit elements,
/// so tf32 reads B's two words per n-block from shared memory one by one.
Value emitMma(ConversionPatternRewriter &rw, Location loc, const TileLayout &lc,
              Value accVec, Type elem, bool truncate, int64_t M, int64_t N, int64_t K,
              bool transB, Smem &sA, Smem &sB, int64_t lda, int64_t ldb,
              const ThreadIds &ids, Value aRegs = {}) {
  const DimLayout &c0 = lc.dim(0), &c1 = lc.dim(1);
  const bool tf32 = elem.isF32();
  assert(!(tf32 && aRegs) && "tf32 operands come from shared memory");
  const int64_t bytes = tf32 ? 4 : 2, kStep = tf32 ? 8 : 16, kHalf = kStep / 2;
  const char *ty = tf32 ? "tf32" : elem.isBF16() ? "bf16" : "f16";
    Value w0 = lc.warpIndex(rw, loc, 0, ids.warp);
    Value w1 = lc.warpIndex(rw, loc, 1, ids.warp);
    auto wrap = [&](Value v, int64_t size) -> Value {
      return rw.create<arith::AndIOp>(loc, v, constI32(rw, loc, size - 1));
    };
    int64_t P0 = c0.perThread(), P1 = c1.perThread(), repsN = P1 / 2;

    SmallVector<Value> acc;
    for (int64_t e = 0; e < lc.numElems(); ++e)
      acc.push_back(rw.create<vector::ExtractOp>(loc, accVec, e));

    auto f32 = rw.getF32Type();
    auto resTy = LLVM::LLVMStructType::getLiteral(rw.getContext(), {f32, f32, f32, f32});
    std::string asmStr = "mma.sync.aligned.m16n8k" + std::to_string(kStep) +
                         ".row.col.f32." + ty + "." + ty +
                         ".f32 {$0,$1,$2,$3}, {$4,$5,$6,$7}, {$8,$9}, "
                         "{$10,$11,$12,$13};";
    const char *constraints = "=f,=f,=f,=f,r,r,r,r,r,r,f,f,f,f";

    // ldmatrix addressing: lane l names row (l & 7) of matrix (l >> 3).
    Value r8 = rw.create<arith::AndIOp>(loc, ids.lane, constI32(rw, loc, 7));
    Value mat = rw.create<arith::ShRUIOp>(loc, ids.lane, constI32(rw, loc, 3));
    Value half = rw.create<arith::AndIOp>(loc, mat, constI32(rw, loc, 1));
    Value upper = rw.create<arith::ShRUIOp>(loc, mat, constI32(rw, loc, 1));
    Value ldRowBase = rw.create<arith::AddIOp>(
        loc, rw.create<arith::MulIOp>(loc, w0, constI32(rw, loc, 8)), r8);
    Value ldColBase = rw.create<arith::AddIOp>(
        loc, rw.create<arith::MulIOp>(loc, w1, constI32(rw, loc, 8)), r8);
    // A: matrix j covers rows of repetition 2q + (j & 1), k half (j >> 1).
    SmallVector<Value> aLdRow, aLdK;
    for (int64_t q = 0; q < P0 / 2; ++q) {
      Value lo = constI32(rw, loc, c0.offset(2 * q)), hi = constI32(rw, loc, c0.offset(2 * q + 1));
      Value off = rw.create<arith::SelectOp>(
          loc, rw.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ne, half,
                                        constI32(rw, loc, 0)), hi, lo);
      aLdRow.push_back(wrap(rw.create<arith::AddIOp>(loc, ldRowBase, off), M));
    }
    Value aK = rw.create<arith::MulIOp>(loc, upper, constI32(rw, loc, kHalf));
    // The column of n-block n + (j >> 1) of ldmatrix matrix j (the pair
    // n, n + 1 per x4 load) from `base`: for B as N x K (`base` adds the
    // lane's row r8, matrix j covers k half j & 1) and as K x N
    // (ldmatrix.trans, the block's first column; the k half is the row).
    auto blockCols = [&](Value base) {
      SmallVector<Value> out;
      for (int64_t n = 0; n < repsN; n += 2) {
        Value c0v = constI32(rw, loc, c1.offset(2 * n));
        Value c1v = constI32(rw, loc, c1.offset(2 * std::min(n + 1, repsN - 1)));
        Value off = rw.create<arith::SelectOp>(
            loc, rw.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ne, upper,
                                          constI32(rw, loc, 0)), c1v, c0v);
        out.push_back(wrap(rw.create<arith::AddIOp>(loc, base, off), N));
      }
      return out;
    };
    SmallVector<Value> bLdCol = blockCols(ldColBase);
    Value bK = rw.create<arith::MulIOp>(loc, half, constI32(rw, loc, kHalf));
    SmallVector<Value> bTrCol =
        blockCols(rw.create<arith::MulIOp>(loc, w1, constI32(rw, loc, 8)));

    // tf32 with B as [K, N]: thread (g, t) = (lane / 4, lane % 4) reads
    // rows t and t + 4 of column g of each n-block.
    Value g = rw.create<arith::ShRUIOp>(loc, ids.lane, constI32(rw, loc, 2));
    Value t = rw.create<arith::AndIOp>(loc, ids.lane, constI32(rw, loc, 3));
    auto word = [&](Value r, Value c) {
      return rw.create<LLVM::LoadOp>(loc, rw.getI32Type(), sB.at(sB.offset(r, c, ldb, 0, 4)), 4)
          .getResult();
    };
    auto round = [&](SmallVector<Value> &regs) {
      if (tf32 && !truncate)
        for (Value &r : regs)
          r = roundToTf32(rw, loc, r);
    };

    // K ascending in k-steps: the order the attribute declares.
    for (int64_t k0 = 0; k0 < K; k0 += kStep) {
      SmallVector<std::pair<Value, Value>> bf;
      if (transB) {
        Value k = rw.create<arith::AddIOp>(loc, bK, constI32(rw, loc, k0));
        for (int64_t n = 0; n < repsN; n += 2) {
          auto r = ldmatrix(sB, sB.offset(bLdCol[n / 2], k, ldb, 0, bytes),
                            n + 1 < repsN ? 4 : 2);
          round(r);
          bf.push_back({r[0], r[1]});
          if (n + 1 < repsN)
            bf.push_back({r[2], r[3]});
        }
      } else if (tf32) {
        Value k = rw.create<arith::AddIOp>(loc, t, constI32(rw, loc, k0));
        Value k4 = rw.create<arith::AddIOp>(loc, k, constI32(rw, loc, 4));
        Value wcol = rw.create<arith::AddIOp>(
            loc, rw.create<arith::MulIOp>(loc, w1, constI32(rw, loc, 8)), g);
        for (int64_t n = 0; n < repsN; ++n) {
          Value col = wrap(
              rw.create<arith::AddIOp>(loc, wcol, constI32(rw, loc, c1.offset(2 * n))), N);
          SmallVector<Value> r = {word(k, col), word(k4, col)};
          round(r);
          bf.push_back({r[0], r[1]});
        }
      } else {
        // [K, N] rows: ldmatrix.trans, matrix j covers k half (j & 1) of
        // n-block n + (j >> 1).
        Value k = rw.create<arith::AddIOp>(
            loc, rw.create<arith::AddIOp>(loc, r8, constI32(rw, loc, k0)),
            rw.create<arith::MulIOp>(loc, half, constI32(rw, loc, 8)));
        for (int64_t n = 0; n < repsN; n += 2) {
          auto r = ldmatrix(sB, sB.offset(k, bTrCol[n / 2], ldb, 0, 2),
                            n + 1 < repsN ? 4 : 2, /*trans=*/true);
          bf.push_back({r[0], r[1]});
          if (n + 1 < repsN)
            bf.push_back({r[2], r[3]});
        }
      }
      Value ak = rw.create<arith::AddIOp>(loc, aK, constI32(rw, loc, k0));
      for (int64_t q = 0; q < P0 / 2; ++q) {
        SmallVector<Value> af;
        if (aRegs) {
          // Rows 2q and 2q + 1 of the fragment, columns k0 + 2t (+ 8): the
          // A tile's in-thread elements (2q | 2q + 1) * K / 4 + k0 / 4 + {0..3}.
          int64_t pa = K / 4;
          auto pair = [&](int64_t r, int64_t j) {
            Value v = rw.create<vector::ExtractStridedSliceOp>(
                loc, aRegs, ArrayRef<int64_t>{r * pa + k0 / 4 + j},
                ArrayRef<int64_t>{2}, ArrayRef<int64_t>{1});
            return rw.create<LLVM::BitcastOp>(loc, rw.getI32Type(), v).getResult();
          };
          af = {pair(2 * q, 0), pair(2 * q + 1, 0), pair(2 * q, 2),
                pair(2 * q + 1, 2)};
        } else {
          af = ldmatrix(sA, sA.offset(aLdRow[q], ak, lda, 0, bytes), 4);
          round(af);
        }
        Value a0 = af[0], a1 = af[1], a2 = af[2], a3 = af[3];
        for (int64_t n = 0; n < repsN; ++n) {
          int64_t i0 = (2 * q) * P1 + 2 * n, i1 = i0 + 1;
          int64_t i2 = (2 * q + 1) * P1 + 2 * n, i3 = i2 + 1;
          SmallVector<Value> ops = {a0, a1, a2, a3, bf[n].first, bf[n].second,
                                    acc[i0], acc[i1], acc[i2], acc[i3]};
          auto mma = rw.create<LLVM::InlineAsmOp>(
              loc, resTy, ops, asmStr, constraints, /*has_side_effects=*/false,
              /*is_align_stack=*/false, LLVM::TailCallKind::None,
              LLVM::AsmDialectAttr::get(rw.getContext(), LLVM::AsmDialect::AD_ATT),
              ArrayAttr());
          int64_t slots[4] = {i0, i1, i2, i3};
          for (int j = 0; j < 4; ++j)
            acc[slots[j]] = rw.create<LLVM::ExtractValueOp>(loc, mma.getResult(0), j);
        }
      }
    }
    return rw.create<vector::FromElementsOp>(
        loc, VectorType::get({lc.numElems()}, f32), acc);
}

/// wgmma.m64nNk16 with A from registers: K ascending in k-steps of 16 over
/// B at shared address `bAddr` (i32; swizzled boxes, K-major if `transB`,
/// else N-major), A from `aRegs` (in the accumulator's fragment layout, as
/// for emitMma), updating the accumulator fragment `accVec` (layout `lc`,
/// the mma fragment layout with warps along the rows only) in place; waits
/// for the products before it returns.
Value emitRegisterWgmma(ConversionPatternRewriter &rw, Location loc, const TileLayout &lc,
                        Value accVec, Type elem, int64_t N, int64_t K, bool transB,
                        Value bAddr, Value aRegs) {
  const DimLayout &c0 = lc.dim(0), &c1 = lc.dim(1);
  const char *ty = elem.isBF16() ? "bf16" : "f16";
  const int64_t P1 = c1.perThread(), blocks = c0.perThread() / 2, regs = N / 2;
  auto f32 = rw.getF32Type();
  // wgmma's d[4j + 2h + c] of row block q: fragment row 2q + h, column
  // pair element 2j + c (n8 block j), as emitMma's i0 .. i3.
  auto index = [&](int64_t q, int64_t i) {
    return (2 * q + (i / 2) % 2) * P1 + 2 * (i / 4) + i % 2;
  };
  // One inline PTX statement from the fence to the wait, so that nothing
  // the compiler schedules can land between the products: no instruction
  // touches their registers while they are in flight (ptxas would otherwise
  // insert waits, serialising them). Operands: the accumulators of every
  // row block (outputs, tied to the inputs), A's four registers per row
  // block and k-step, B's descriptor per k-step, and the scale-d flag.
  const int64_t steps = K / 16, total = blocks * regs;
  const int64_t aBase = total, descBase = aBase + blocks * steps * 4,
                scaleOp = descBase + steps;
  SmallVector<Value> operands;
  // A's column pairs k0 / 4 + {0, 1} and + {2, 3} of fragment rows 2q and
  // 2q + 1: the registers of mma.m16n8k16's A fragment (see emitMma).
  const int64_t pa = K / 4;
  auto pair = [&](int64_t r, int64_t k0, int64_t j) {
    Value v = rw.create<vector::ExtractStridedSliceOp>(
        loc, aRegs, ArrayRef<int64_t>{r * pa + k0 / 4 + j}, ArrayRef<int64_t>{2},
        ArrayRef<int64_t>{1});
    return rw.create<LLVM::BitcastOp>(loc, rw.getI32Type(), v).getResult();
  };
  for (int64_t q = 0; q < blocks; ++q)
    for (int64_t k = 0; k < steps; ++k)
      for (Value v : {pair(2 * q, 16 * k, 0), pair(2 * q + 1, 16 * k, 0),
                      pair(2 * q, 16 * k, 2), pair(2 * q + 1, 16 * k, 2)})
        operands.push_back(v);
  // N-major B: boxes of K rows x one swizzle row of nRow bytes.
  const int64_t nRow = transB ? 0 : nMajorBoxCols(N) * 2;
  for (int64_t k = 0; k < steps; ++k)
    // K-major: box k / 4 of N rows x 128 bytes, 32 bytes per k-step within
    // it; N-major: K-rows 16 k on (two 8-row groups of 8 nRow bytes), boxes
    // K nRow bytes apart.
    operands.push_back(
        transB ? wgmmaMatrixDesc(rw, loc,
                                 rw.create<arith::AddIOp>(
                                     loc, bAddr, constI32(rw, loc, (k / 4) * N * 128 + 32 * (k % 4))))
               : wgmmaMatrixDesc(rw, loc,
                                 rw.create<arith::AddIOp>(loc, bAddr,
                                                          constI32(rw, loc, 16 * nRow * k)),
                                 K * nRow, nRow));
  operands.push_back(constI32(rw, loc, 1));
  for (int64_t q = 0; q < blocks; ++q)
    for (int64_t i = 0; i < regs; ++i)
      operands.push_back(rw.create<vector::ExtractOp>(loc, accVec, index(q, i)));

  auto op = [](int64_t i) { return "$" + std::to_string(i); };
  std::string text = "{\n.reg .pred p;\nsetp.ne.b32 p, " + op(scaleOp) +
                     ", 0;\nwgmma.fence.sync.aligned;\n";
  // K ascending; per k-step one wgmma per row block (d, {a0..a3}, b-desc,
  // scale-d, imm-scale-a, imm-scale-b, imm-trans-b: 1 reads B N-major).
  for (int64_t k = 0; k < steps; ++k)
    for (int64_t q = 0; q < blocks; ++q) {
      text += "wgmma.mma_async.sync.aligned.m64n" + std::to_string(N) + "k16.f32." + ty + "." +
              ty + " {";
      for (int64_t i = 0; i < regs; ++i)
        text += (i ? ", " : "") + op(q * regs + i);
      const int64_t a = aBase + (q * steps + k) * 4;
      text += "}, {" + op(a) + ", " + op(a + 1) + ", " + op(a + 2) + ", " + op(a + 3) + "}, " +
              op(descBase + k) + ", p, 1, 1, " + (transB ? "0" : "1") + ";\n";
    }
  text += "wgmma.commit_group.sync.aligned;\nwgmma.wait_group.sync.aligned 0;\n}";
  std::string cons;
  for (int64_t i = 0; i < total; ++i)
    cons += "=f,";
  for (int64_t i = 0; i < blocks * steps * 4; ++i)
    cons += "r,";
  for (int64_t k = 0; k < steps; ++k)
    cons += "l,";
  cons += "r";
  for (int64_t i = 0; i < total; ++i)
    cons += "," + std::to_string(i);
  Value done = inlineAsm(rw, loc, text, cons, operands,
                         LLVM::LLVMStructType::getLiteral(rw.getContext(),
                                                          SmallVector<Type>(total, f32)));
  Value acc = accVec;
  for (int64_t q = 0; q < blocks; ++q)
    for (int64_t i = 0; i < regs; ++i)
      acc = rw.create<vector::InsertOp>(
          loc, rw.create<LLVM::ExtractValueOp>(loc, done, q * regs + i), acc, index(q, i));
  return acc;
}

} // namespace

Value bic::emitStagedMma(ConversionPatternRewriter &rw, Location loc,
                         const TileLayout &lc, Value acc, Type elem, bool truncate,
                         int64_t M, int64_t N, int64_t K, Value aStage, Value bStage,
                         const ThreadIds &ids, bool bNMajor) {
  Smem sA{rw, loc, aStage, /*boxRows=*/M};
  // B as [N, K]: K / 64 boxes of N rows; as [K, N]: boxes of K rows, one
  // swizzle row of nMajorBoxCols(N) columns wide, read with ldmatrix.trans.
  Smem sB{rw, loc, bStage, /*boxRows=*/bNMajor ? K : N,
          /*rowBytes=*/swizzledBRowBytes(!bNMajor, N)};
  return emitMma(rw, loc, lc, acc, elem, truncate, M, N, K, /*transB=*/!bNMajor,
                 sA, sB,
                 K, bNMajor ? N : K, ids);
}

LogicalResult bic::checkMmaAccumulator(Operation *op, const TileLayout &lc) {
  const DimLayout &c0 = lc.dim(0), &c1 = lc.dim(1);
  auto shape = cast<RankedTensorType>(op->getResult(0).getType()).getShape();
  if (c0.spt != 1 || c0.tpw != 8 || c1.spt != 2 || c1.tpw != 4)
    return op->emitOpError("accumulator is not in the mma fragment layout");
  if (c0.perThread() % 2 || c0.replicated() || c1.replicated())
    return op->emitOpError("the ")
           << shape[0] << "x" << shape[1] << " accumulator is too small for "
           << c0.wpc * c1.wpc
           << " warps (each warp needs whole 16x8 blocks); use fewer warps "
              "or a larger tile";
  return success();
}


namespace {
Value bufferBase(DotOp op, OpBuilder &b) {
  Location loc = op.getLoc();
  auto ptrTy = LLVM::LLVMPointerType::get(b.getContext(), 3);
  Value base = scratchBase(op, b);
  if (!op->hasAttr(kDoubleBufferAttr))
    return base;
  auto loop = cast<scf::ForOp>(op->getParentOp());
  Value iv = loop.getInductionVar(), lb = loop.getLowerBound(), st = loop.getStep();
  Type t = iv.getType();
  Value iter = b.create<arith::DivUIOp>(loc, b.create<arith::SubIOp>(loc, iv, lb), st);
  Value parity = b.create<arith::AndIOp>(
      loc, iter, b.create<arith::ConstantOp>(loc, t, b.getIntegerAttr(t, 1)));
  Value p64 = t.isInteger(64) ? parity : b.create<arith::ExtUIOp>(loc, b.getI64Type(), parity);
  Value off = b.create<arith::MulIOp>(
      loc, p64, b.create<arith::ConstantIntOp>(loc, b.getI64Type(), dotBufferBytes(op)));
  return b.create<LLVM::GEPOp>(loc, ptrTy, b.getI8Type(), base, ValueRange{off});
}

/// Writes both operands of `op` into its shared-memory buffer (A at 0, B at
/// `offB`; B only when `skipA`) and synchronises; returns the buffer.
Smem stageOperands(DotOp op, DotOp::Adaptor a, const TileLayout &la,
                   const TileLayout &lb, int64_t lda, int64_t ldb, int64_t offB,
                   const ThreadIds &ids, ConversionPatternRewriter &rw,
                   bool skipA = false) {
  Location loc = op.getLoc();
  Type elem = op.getA().getType().getElementType();
  Smem s{rw, loc, bufferBase(op, rw)};
  // With two alternating buffers, the barrier after the previous
  // iteration's writes already orders this write after every read of the
  // buffer from two iterations ago.
  if (!op->hasAttr(kDoubleBufferAttr))
    rw.create<gpu::BarrierOp>(loc);
  if (!skipA)
    storeTile(s, a.getA(), la, lda, 0, elem, ids);
  storeTile(s, a.getB(), lb, ldb, offB, elem, ids);
  rw.create<gpu::BarrierOp>(loc);
  return s;
}

struct DotLowering : public OpConversionPattern<DotOp> {
  using OpConversionPattern::OpConversionPattern;

  /// IEEE f32: every accumulator element is updated by one fused
  /// multiply-add per k, k ascending (#bic.dot_order<kStep = 1>).
  LogicalResult lowerIeee(DotOp op, OpAdaptor a, const TileLayout &la,
                          const TileLayout &lb, const TileLayout &lc, Value scratch,
                          ConversionPatternRewriter &rw) const {
    Location loc = op.getLoc();
    bool transB = op.getTransB();
    Type f32 = rw.getF32Type();
    int64_t M = op.getType().getShape()[0], N = op.getType().getShape()[1];
    int64_t K = op.getA().getType().getShape()[1];
    int64_t lda = K + kPad, ldb = transB ? K + kPad : N + kPad;
    int64_t offB = M * lda * 4;
    ThreadIds ids = getThreadIds(rw, loc);
    Smem s = stageOperands(op, a, la, lb, lda, ldb, offB, ids, rw);
    auto coords = elementCoords(rw, loc, lc, ids, /*wrap=*/true);
    // A loop over k (each element's FMAs in the same ascending order as
    // unrolled, so the same bits), so that the code grows with the
    // accumulator's elements, not with them times K.
    auto loop = rw.create<scf::ForOp>(loc, rw.create<arith::ConstantIndexOp>(loc, 0),
                                      rw.create<arith::ConstantIndexOp>(loc, K),
                                      rw.create<arith::ConstantIndexOp>(loc, 1),
                                      ValueRange{a.getAcc()});
    {
      OpBuilder::InsertionGuard guard(rw);
      rw.setInsertionPointToStart(loop.getBody());
      Value kv = rw.create<arith::IndexCastOp>(loc, rw.getI32Type(), loop.getInductionVar());
      Value accs = loop.getRegionIterArgs()[0];
      SmallVector<Value> out;
      for (int64_t e = 0; e < lc.numElems(); ++e) {
        Value acc = rw.create<vector::ExtractOp>(loc, accs, e);
        Value r = coords[e][0], c = coords[e][1];
        Value av = rw.create<LLVM::LoadOp>(loc, f32, s.at(s.offset(r, kv, lda, 0, 4)), 4);
        Value bOff = transB ? s.offset(c, kv, ldb, offB, 4) : s.offset(kv, c, ldb, offB, 4);
        Value bv = rw.create<LLVM::LoadOp>(loc, f32, s.at(bOff), 4);
        out.push_back(rw.create<LLVM::FMAOp>(loc, av, bv, acc));
      }
      Value next = rw.create<vector::FromElementsOp>(
          loc, VectorType::get({lc.numElems()}, f32), out);
      rw.create<scf::YieldOp>(loc, next);
    }
    rw.replaceOp(op, loop.getResult(0));
    return success();
  }

  LogicalResult
  matchAndRewrite(DotOp op, OpAdaptor a,
                  ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    auto la = TileLayout::get(op.getA().getType());
    auto lb = TileLayout::get(op.getB().getType());
    auto lc = TileLayout::get(op.getType());
    Value scratch = getScratch(op);
    if (failed(la) || failed(lb) || failed(lc) || !scratch)
      return op.emitOpError("needs layouts and shared memory (run "
                            "bic-assign-layouts)");
    if (failed(checkMmaAccumulator(op, *lc)))
      return failure();
    bool transB = op.getTransB();
    Type elem = op.getA().getType().getElementType();
    // f32: k-step 1 is IEEE; 8 is tf32 on mma.sync (below).
    if (elem.isF32() && op.getOrder().getKStep() == 1)
      return lowerIeee(op, a, *la, *lb, *lc, scratch, rw);
    int64_t M = op.getType().getShape()[0], N = op.getType().getShape()[1];
    int64_t K = op.getA().getType().getShape()[1];
    int64_t lda = K + kPad, ldb = transB ? K + kPad : N + kPad;
    int64_t offB = M * lda * (elem.getIntOrFloatBitWidth() / 8);

    ThreadIds ids = getThreadIds(rw, loc);
    if (op->hasAttr(kWgmmaDotAttr)) {
      if (!wgmmaDotEligible(op))
        return op.emitOpError("marked bic.wgmma but its operands do not fit wgmma");
      // B alone (A stays in registers), in TMA's swizzled box layout.
      Smem s{rw, loc, bufferBase(op, rw), /*boxRows=*/transB ? N : K,
             /*rowBytes=*/swizzledBRowBytes(transB, N)};
      if (!op->hasAttr(kDoubleBufferAttr))
        rw.create<gpu::BarrierOp>(loc);
      storeTile(s, a.getB(), *lb, /*ld=*/0, /*start=*/0, elem, ids);
      // Written by the threads (generic proxy), read by wgmma (async proxy).
      inlineAsm(rw, loc, "fence.proxy.async.shared::cta;", "", ValueRange{});
      rw.create<gpu::BarrierOp>(loc);
      Value bAddr = rw.create<LLVM::PtrToIntOp>(loc, rw.getI32Type(), s.base);
      rw.replaceOp(op, emitRegisterWgmma(rw, loc, *lc, a.getAcc(), elem, N, K, transB,
                                         bAddr, a.getA()));
      return success();
    }
    bool aRegs = !elem.isF32() && aFromRegisters(*la, *lc, K);
    Smem s = stageOperands(op, a, *la, *lb, lda, ldb, offB, ids, rw, aRegs);

    Smem sB{rw, loc, s.at(constI32(rw, loc, offB))};
    rw.replaceOp(op, emitMma(rw, loc, *lc, a.getAcc(), elem, op.getOrder().getTruncate(), M,
                             N, K, transB, s, sB,
                             lda, ldb, ids, aRegs ? a.getA() : Value()));
    return success();
  }
};
} // namespace

void bic::populateDotOpPatterns(TileTypeConverter &tc, RewritePatternSet &patterns) {
  patterns.add<DotLowering>(tc, patterns.getContext());
}

//===----------------------------------------------------------------------===//
// Asynchronous operand staging (from bic-pipeline-dots)
//===----------------------------------------------------------------------===//

namespace {

int64_t intAttr(Operation *op, StringRef name) {
  return cast<IntegerAttr>(op->getAttr(name)).getInt();
}

// base + start + slot * slotBytes, as an LLVM shared pointer.
Value slotPtr(OpBuilder &b, Location loc, Value base, Value slot, int64_t start,
              int64_t slotBytes) {
  Value off = b.create<arith::AddIOp>(
      loc, b.create<arith::MulIOp>(loc, slot, constI32(b, loc, slotBytes)),
      constI32(b, loc, start));
  return b.create<LLVM::GEPOp>(loc, LLVM::LLVMPointerType::get(b.getContext(), 3),
                               b.getI8Type(), base, ValueRange{off});
}


struct AsyncCopyLowering : public OpConversionPattern<AsyncCopyOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(AsyncCopyOp op, OpAdaptor a,
                  ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    auto pt = cast<RankedTensorType>(op.getPtr().getType());
    auto l = TileLayout::get(pt);
    if (failed(l) || !getScratch(op))
      return op.emitOpError("needs a layout and shared memory");
    Type elem = cast<PtrType>(pt.getElementType()).getPointeeType();
    int64_t bytes = elem.getIntOrFloatBitWidth() / 8, vec = op.getVec();
    int64_t cp = vec * bytes, ld = pt.getShape()[1] + 8;
    Smem s{rw, loc, slotPtr(rw, loc, scratchBase(op, rw), a.getSlot(),
                            intAttr(op, "bic.buffer_base"), intAttr(op, "bic.slot_bytes"))};
    // A wgmma operand's slot: swizzled boxes of the tile's rows (a copy of
    // at most 16 bytes stays within one 16-byte chunk).
    if (op->hasAttr("bic.swizzle_row_bytes")) {
      s.boxRows = pt.getShape()[0];
      s.rowBytes = intAttr(op, "bic.swizzle_row_bytes");
    }
    auto coords = elementCoords(rw, loc, *l, getThreadIds(rw, loc), /*wrap=*/true);
    std::string text = "cp.async." + std::string(cp == 16 ? "cg" : "ca") +
                       ".shared.global [$0], [$1], " + std::to_string(cp) + ", $2;";
    for (int64_t e = 0; e < l->numElems(); e += vec) {
      Value dst = rw.create<LLVM::PtrToIntOp>(
          loc, rw.getI64Type(), s.at(s.offset(coords[e][0], coords[e][1], ld, 0, bytes)));
      Value src = rw.create<vector::ExtractOp>(loc, a.getPtr(), e);
      Value m = rw.create<vector::ExtractOp>(loc, a.getMask(), e);
      // Masked off: copy 0 bytes and fill the slot with zeros.
      Value n = rw.create<arith::SelectOp>(loc, m, constI32(rw, loc, cp), constI32(rw, loc, 0));
      inlineAsm(rw, loc, text, "l,l,r", ValueRange{dst, src, n});
    }
    rw.eraseOp(op);
    return success();
  }
};

struct AsyncCommitLowering : public OpConversionPattern<AsyncCommitOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(AsyncCommitOp op, OpAdaptor,
                  ConversionPatternRewriter &rw) const override {
    inlineAsm(rw, op.getLoc(), "cp.async.commit_group;", "", ValueRange{});
    rw.eraseOp(op);
    return success();
  }
};

struct AsyncWaitLowering : public OpConversionPattern<AsyncWaitOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(AsyncWaitOp op, OpAdaptor,
                  ConversionPatternRewriter &rw) const override {
    inlineAsm(rw, op.getLoc(),
              "cp.async.wait_group " + std::to_string(op.getPending()) + ";", "",
              ValueRange{});
    // The copied bytes feed wgmma, which reads through the async proxy.
    if (op->hasAttr("bic.fence_async_proxy"))
      inlineAsm(rw, op.getLoc(), "fence.proxy.async.shared::cta;", "", ValueRange{});
    rw.create<gpu::BarrierOp>(op.getLoc());
    rw.eraseOp(op);
    return success();
  }
};

struct SmemDotLowering : public OpConversionPattern<SmemDotOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SmemDotOp op, OpAdaptor a,
                  ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    auto lc = TileLayout::get(op.getType());
    if (failed(lc) || !getScratch(op))
      return op.emitOpError("needs a layout and shared memory");
    if (failed(checkMmaAccumulator(op, *lc)))
      return failure();
    auto at = cast<RankedTensorType>(op.getAType());
    auto bt = cast<RankedTensorType>(op.getBType());
    if (at.getElementType().isF32() && op.getOrder().getKStep() != 8)
      return op.emitOpError("f32 operands run on mma.sync only as tf32 (k-step 8), not k-step ")
             << op.getOrder().getKStep();
    bool transB = op.getTransB();
    int64_t M = op.getType().getShape()[0], N = op.getType().getShape()[1];
    int64_t K = at.getShape()[1];
    Value base = scratchBase(op, rw);
    auto slotOf = [&](StringRef which) {
      return Smem{rw, loc, slotPtr(rw, loc, base, a.getSlot(),
                                   intAttr(op, ("bic." + which + "_base").str()),
                                   intAttr(op, ("bic." + which + "_slot").str()))};
    };
    if (op.getA() && op->hasAttr(kWgmmaDotAttr)) {
      // bic-pipeline-dots copied B as swizzled boxes and fenced them.
      auto la = TileLayout::get(op.getA().getType());
      if (failed(la) || !aFromRegisters(*la, *lc, K))
        return op.emitOpError("register A operand is not in the accumulator's fragment layout");
      Value bAddr = rw.create<LLVM::PtrToIntOp>(loc, rw.getI32Type(), slotOf("b").base);
      rw.replaceOp(op, emitRegisterWgmma(rw, loc, *lc, a.getAcc(), at.getElementType(), N, K,
                                         transB, bAddr, a.getA()));
      return success();
    }
    if (op.getA()) {
      Smem sB = slotOf("b");
      // A from registers (bic-pipeline-dots checked the layouts; so again).
      auto la = TileLayout::get(op.getA().getType());
      if (failed(la) || !aFromRegisters(*la, *lc, K))
        return op.emitOpError("register A operand is not in the accumulator's fragment layout");
      rw.replaceOp(op, emitMma(rw, loc, *lc, a.getAcc(), at.getElementType(),
                               op.getOrder().getTruncate(), M, N, K, transB, sB, sB,
                               K + kPad, bt.getShape()[1] + kPad,
                               getThreadIds(rw, loc), a.getA()));
      return success();
    }
    Smem sA = slotOf("a");
    Smem sB = slotOf("b");
    rw.replaceOp(op, emitMma(rw, loc, *lc, a.getAcc(), at.getElementType(),
                             op.getOrder().getTruncate(), M, N, K, transB, sA, sB,
                             K + kPad, bt.getShape()[1] + kPad,
                             getThreadIds(rw, loc)));
    return success();
  }
};
} // namespace

void bic::populateAsyncCopyPatterns(TileTypeConverter &tc, RewritePatternSet &patterns) {
  patterns.add<AsyncCopyLowering, AsyncCommitLowering, AsyncWaitLowering,
               SmemDotLowering>(tc, patterns.getContext());
}
