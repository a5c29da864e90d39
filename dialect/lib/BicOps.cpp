//===- BicOps.cpp - verifiers of the bic ops ------------------------------===//
#include "bic/Dialect/Bic.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace bic;

// `bic.reduce sum %x ...`: the kind is printed as a bare keyword.
static ParseResult parseReduceKind(OpAsmParser &p, StringAttr &kind) {
  StringRef k;
  if (p.parseKeyword(&k))
    return failure();
  kind = p.getBuilder().getStringAttr(k);
  return success();
}
static void printReduceKind(OpAsmPrinter &p, Operation *, StringAttr kind) {
  p << kind.getValue();
}

#define GET_OP_CLASSES
#include "bic/Dialect/BicOps.cpp.inc"

static ArrayRef<int64_t> shapeOf(Type t) {
  if (auto rt = dyn_cast<RankedTensorType>(t))
    return rt.getShape();
  return {};
}
static Type elemOf(Type t) { return getElementTypeOrSelf(t); }

LogicalResult ArangeOp::verify() {
  int64_t n = int64_t(getEnd()) - int64_t(getStart());
  if (n <= 0)
    return emitOpError("needs end > start");
  auto shape = getResult().getType().getShape();
  if (shape.size() != 1 || shape[0] != n)
    return emitOpError("result must be a 1-D tile of ") << n << " elements";
  return success();
}

LogicalResult SplatOp::verify() {
  if (getResult().getType().getElementType() != getSrc().getType())
    return emitOpError("result element type must equal the scalar's type");
  return success();
}

LogicalResult ExpandDimsOp::verify() {
  auto src = getSrc().getType().getShape();
  auto dst = getResult().getType().getShape();
  unsigned axis = getAxis();
  if (axis > src.size() || dst.size() != src.size() + 1 || dst[axis] != 1)
    return emitOpError("result must be the source shape with a 1 at axis ")
           << axis;
  for (unsigned i = 0, j = 0; i < dst.size(); ++i) {
    if (i == axis)
      continue;
    if (dst[i] != src[j++])
      return emitOpError("result shape does not match the source");
  }
  if (getSrc().getType().getElementType() !=
      getResult().getType().getElementType())
    return emitOpError("element types differ");
  return success();
}

LogicalResult BroadcastOp::verify() {
  auto src = getSrc().getType().getShape();
  auto dst = getResult().getType().getShape();
  if (src.size() != dst.size())
    return emitOpError("source and result must have the same rank");
  for (size_t i = 0; i < src.size(); ++i)
    if (src[i] != 1 && src[i] != dst[i])
      return emitOpError("dimension ")
             << i << " of size " << src[i] << " cannot broadcast to "
             << dst[i];
  if (getSrc().getType().getElementType() !=
      getResult().getType().getElementType())
    return emitOpError("element types differ");
  return success();
}

LogicalResult AddPtrOp::verify() {
  bool ptrTile = isa<RankedTensorType>(getPtr().getType());
  bool offTile = isa<RankedTensorType>(getOffset().getType());
  if (ptrTile != offTile || shapeOf(getPtr().getType()) !=
                                shapeOf(getOffset().getType()))
    return emitOpError("pointer and offset must have the same shape");
  return success();
}

static LogicalResult verifyAccess(Operation *op, Type ptrTy, Type valTy,
                                  Value mask) {
  auto ptr = cast<PtrType>(elemOf(ptrTy));
  if (ptr.getPointeeType() != elemOf(valTy))
    return op->emitOpError("value type ")
           << elemOf(valTy) << " does not match pointee type "
           << ptr.getPointeeType();
  if (isa<RankedTensorType>(ptrTy) != isa<RankedTensorType>(valTy) ||
      shapeOf(ptrTy) != shapeOf(valTy))
    return op->emitOpError("value and pointer shapes differ");
  if (mask && shapeOf(mask.getType()) != shapeOf(ptrTy))
    return op->emitOpError("mask and pointer shapes differ");
  return success();
}

LogicalResult LoadOp::verify() {
  if (getOther() && getOther().getType() != getResult().getType())
    return emitOpError("'other' must have the result type");
  if (getOther() && !getMask())
    return emitOpError("'other' needs a mask");
  return verifyAccess(*this, getPtr().getType(), getResult().getType(),
                      getMask());
}

LogicalResult StoreOp::verify() {
  return verifyAccess(*this, getPtr().getType(), getValue().getType(),
                      getMask());
}

static LogicalResult verifyTile(Operation *op, Type base, ValueRange shape,
                                ValueRange coords, Type tile) {
  auto t = cast<RankedTensorType>(tile);
  if (shape.size() != size_t(t.getRank()) || coords.size() != shape.size())
    return op->emitOpError("a rank-")
           << t.getRank() << " block needs " << t.getRank()
           << " extents and " << t.getRank() << " coordinates";
  if (cast<PtrType>(base).getPointeeType() != t.getElementType())
    return op->emitOpError("block element type differs from the matrix's");
  return success();
}

LogicalResult LoadTileOp::verify() {
  return verifyTile(*this, getBase().getType(), getShape(), getCoords(),
                    getResult().getType());
}

LogicalResult StoreTileOp::verify() {
  return verifyTile(*this, getBase().getType(), getShape(), getCoords(),
                    getValue().getType());
}

LogicalResult TmaLoadOp::verify() {
  // Each CTA of the cluster copies whole 8-row (1024-byte) swizzle blocks.
  int64_t n = getMulticast(), rows = getBox().empty() ? 0 : getBox()[0];
  if (n > 1 && rows % (8 * n))
    return emitOpError("a box of ") << rows << " rows does not split into " << n
                                    << " shares of whole 8-row swizzle blocks";
  return success();
}

LogicalResult TmaStoreOp::verify() {
  auto t = getValue().getType();
  if (t.getRank() != 2 || getCoords().size() != 2)
    return emitOpError("stores a 2-D tile at 2 coordinates");
  if (t.getElementType().getIntOrFloatBitWidth() != 16)
    return emitOpError("stores 2-byte elements only (64 per 128-byte box row), got ")
           << t.getElementType();
  int64_t rows = getBoxRows();
  if (rows <= 0 || rows > 256 || t.getDimSize(0) % rows || t.getDimSize(1) % 64)
    return emitOpError("tile ") << t.getDimSize(0) << "x" << t.getDimSize(1)
                                << " does not split into boxes of " << rows << "x64";
  if (getStages() < 1)
    return emitOpError("needs at least one pipeline stage");
  return success();
}

LogicalResult WarpRoleOp::verify() {
  if (getRole() != "producer" && getRole() != "consumer")
    return emitOpError("role must be \"producer\" or \"consumer\", got \"")
           << getRole() << "\"";
  if (getConsumers() < 1 || getConsumers() > 31)
    return emitOpError("needs 1 to 31 consumer warps (one more warp produces), got ")
           << getConsumers();
  return success();
}

LogicalResult ReduceOp::verify() {
  StringRef k = getKind();
  if (k != "sum" && k != "max" && k != "min")
    return emitOpError("unknown reduction kind '") << k << "'";
  auto src = getSrc().getType();
  unsigned axis = getAxis();
  if (axis >= src.getRank())
    return emitOpError("axis ") << axis << " out of range for rank "
                                << src.getRank();
  if (elemOf(getResult().getType()) != src.getElementType())
    return emitOpError("result element type must equal the source's");
  SmallVector<int64_t> expect;
  for (int64_t i = 0; i < src.getRank(); ++i)
    if (i != axis)
      expect.push_back(src.getShape()[i]);
  bool scalarResult = !isa<RankedTensorType>(getResult().getType());
  if (expect.empty() != scalarResult ||
      (!scalarResult && shapeOf(getResult().getType()) != ArrayRef(expect)))
    return emitOpError("result shape must drop dimension ") << axis;
  if (k == "sum" && src.getElementType().isInteger(1))
    return emitOpError("cannot sum i1");
  return success();
}

/// The order of a tensor-core or FMA product over an A tile `a` ([M, K]):
/// bf16/f16 accumulate in mma k-steps of 16; f32 in steps of 1 (IEEE, one
/// FMA per k) or 8 (operands rounded, or with `truncate` truncated, to
/// tf32). Shared by bic.dot and the staged products it becomes, so that IR
/// written by hand gets the same refusals at every level. The staged
/// products (`tensorCores`) run on mma.sync or wgmma only: no IEEE k-step.
static LogicalResult verifyDotOrder(Operation *op, RankedTensorType a, DotOrderAttr order,
                                    bool tensorCores = false) {
  int64_t kStep = order.getKStep();
  bool f32 = a.getElementType().isF32();
  if (tensorCores && f32 && kStep == 1)
    return op->emitOpError("runs on tensor cores: f32 operands take tf32's k-step 8, not "
                           "IEEE's 1 (an IEEE dot is not staged)");
  if (!f32 && kStep != 16)
    return op->emitOpError("bf16/f16 tensor-core dots accumulate in k-steps of 16, not ")
           << kStep;
  if (f32 && kStep != 1 && kStep != 8)
    return op->emitOpError("f32 dots accumulate in k-steps of 1 (IEEE) or 8 (tf32), not ")
           << kStep;
  if (order.getTruncate() && !(f32 && kStep == 8))
    return op->emitOpError("truncate applies to f32 operands read as tf32 (k-step 8)");
  int64_t k = a.getShape()[1];
  if (k % kStep)
    return op->emitOpError("K tile ") << k << " is not a multiple of the k-step " << kStep;
  return success();
}

LogicalResult SmemDotOp::verify() {
  if (getA() && getA().getType() != getAType())
    return emitOpError("register A operand has type ")
           << getA().getType() << " but aType is " << getAType();
  auto a = dyn_cast<RankedTensorType>(getAType());
  if (!a || a.getRank() != 2)
    return emitOpError("aType must be a 2-D tile, not ") << getAType();
  return verifyDotOrder(getOperation(), a, getOrder(), /*tensorCores=*/true);
}

LogicalResult TmaDotOp::verify() {
  auto a = dyn_cast<RankedTensorType>(getAType());
  auto b = dyn_cast<RankedTensorType>(getBType());
  auto c = getAcc().getType();
  if (!a || !b || a.getRank() != 2 || b.getRank() != 2 || c.getRank() != 2)
    return emitOpError("aType, bType and the accumulator must be 2-D tiles");
  int64_t m = a.getShape()[0], k = a.getShape()[1], n = c.getShape()[1];
  // B is [N, K], or [K, N] with bNMajor.
  SmallVector<int64_t> want = getBNMajor() ? SmallVector<int64_t>{k, n}
                                           : SmallVector<int64_t>{n, k};
  if (c.getShape()[0] != m || getResult().getType().getShape() != c.getShape())
    return emitOpError("accumulator must be ") << m << "x" << n;
  if (b.getShape() != ArrayRef<int64_t>(want))
    return emitOpError("bType must be ")
           << want[0] << "x" << want[1] << (getBNMajor() ? " ([K, N], bNMajor)" : " ([N, K])")
           << ", not " << b;
  // N-major B is staged in swizzled boxes of one swizzle row each.
  if (getBNMajor() && !nMajorBoxCols(n))
    return emitOpError("B as [K, N] needs N = 16, 32 or a multiple of 64 (N-major "
                       "boxes of one 32-, 64- or 128-byte swizzle row), not ")
           << n;
  return verifyDotOrder(getOperation(), a, getOrder(), /*tensorCores=*/true);
}

LogicalResult DotOp::verify() {
  auto a = getA().getType(), b = getB().getType();
  auto c = getAcc().getType(), r = getResult().getType();
  if (a.getRank() != 2 || b.getRank() != 2 || c.getRank() != 2)
    return emitOpError("operands must be 2-D tiles");
  if (a.getElementType() != b.getElementType())
    return emitOpError("a and b must have one element type");
  int64_t m = a.getShape()[0], k = a.getShape()[1];
  int64_t kb = getTransB() ? b.getShape()[1] : b.getShape()[0];
  int64_t n = getTransB() ? b.getShape()[0] : b.getShape()[1];
  if (k != kb)
    return emitOpError("K of a (") << k << ") and b (" << kb << ") differ";
  if (c.getShape() != ArrayRef<int64_t>{m, n} || r.getShape() != c.getShape())
    return emitOpError("accumulator must be ") << m << "x" << n;
  if (failed(verifyDotOrder(getOperation(), a, getOrder())))
    return failure();
  return success();
}
