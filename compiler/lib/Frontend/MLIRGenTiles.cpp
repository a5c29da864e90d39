//===- MLIRGenTiles.cpp - tensor descriptors and block access -------------===//
//
//   A = tensor(a, (M, K))                 # row-major [M, K] matrix at `a`
//   t = A.load_tile((row, col), (BM, BK)) # block at (row, col); zeros outside
//   C.store_tile((row, col), t)           # elements outside are not written
//
// A descriptor is a compile-time pair (base pointer, extents); it emits no
// code itself. Its block accesses become bic.load_tile / bic.store_tile,
// which lower to TMA on sm_90a and to masked loads and stores elsewhere.
//
//===----------------------------------------------------------------------===//
#include "MLIRGenImpl.h"

using namespace mlir;
using namespace bic;
using namespace bic::detail;
using ast::Expr;

static bool isPow2(int64_t v) { return v > 0 && !(v & (v - 1)); }

std::optional<GVal> Gen::makeDescriptor(const Expr &e) {
  Location l = loc(e.loc);
  if (e.args.size() != 2 || !e.kwargs.empty()) {
    error(e.loc) << "tensor() takes a pointer and a shape tuple: "
                    "tensor(ptr, (rows, cols))";
    return std::nullopt;
  }
  auto p = expr(*e.args[0]);
  if (!p)
    return std::nullopt;
  if (p->isConst() || !isa<bic::PtrType>(p->v.getType())) {
    error(e.args[0]->loc) << "tensor() needs a scalar pointer parameter as its base";
    return std::nullopt;
  }
  const Expr &shapeE = *e.args[1];
  if (shapeE.kind != Expr::Kind::Tuple || shapeE.args.empty() ||
      shapeE.args.size() > 2) {
    error(shapeE.loc) << "tensor() needs the matrix extents as a tuple of one "
                         "or two integers, outermost first";
    return std::nullopt;
  }
  GVal d = *p;
  for (const auto &x : shapeE.args) {
    auto g = expr(*x);
    if (!g)
      return std::nullopt;
    if (g->ck == GVal::Const::Float || g->ck == GVal::Const::Bool ||
        (!g->isConst() && !(g->v.getType().isInteger(32) ||
                            g->v.getType().isInteger(64)))) {
      error(x->loc) << "a tensor extent must be an integer scalar";
      return std::nullopt;
    }
    if (g->isConst() && (g->i < 0 || g->i > INT32_MAX)) {
      error(x->loc) << "a tensor extent must be in [0, 2^31), got " << g->i;
      return std::nullopt;
    }
    Value v = g->isConst() ? materialize(*g, l, b.getI32Type())
                           : cast(g->v, b.getI32Type(), l);
    d.descShape.push_back(v);
  }
  return d;
}

std::optional<GVal> Gen::tileMethod(const Expr &e) {
  Location l = loc(e.loc);
  bool isLoad = e.name == "load_tile";
  const Expr &recv = *e.args[0];
  std::optional<GVal> desc;
  if (recv.kind == Expr::Kind::Name) {
    auto it = scope.find(recv.name);
    if (it != scope.end())
      desc = it->second;
  }
  if (!desc || !desc->isDesc()) {
    error(recv.loc) << "." << e.name
                    << " needs a tensor descriptor; create one with "
                       "tensor(ptr, (rows, cols))";
    return std::nullopt;
  }
  unsigned rank = desc->descShape.size();
  if (e.args.size() != 3 || !e.kwargs.empty()) {
    error(e.loc) << (isLoad ? ".load_tile((row, col), (rows, cols))"
                            : ".store_tile((row, col), tile)")
                 << " takes exactly two arguments";
    return std::nullopt;
  }
  // Block coordinates: one i32 per dimension.
  const Expr &coordE = *e.args[1];
  SmallVector<const Expr *> coordExprs;
  if (coordE.kind == Expr::Kind::Tuple)
    for (const auto &c : coordE.args)
      coordExprs.push_back(c.get());
  else
    coordExprs.push_back(&coordE);
  if (coordExprs.size() != rank) {
    error(coordE.loc) << "the descriptor has rank " << rank << " but "
                      << coordExprs.size() << " coordinates were given";
    return std::nullopt;
  }
  SmallVector<Value> coords;
  for (const Expr *c : coordExprs) {
    auto g = expr(*c);
    if (!g)
      return std::nullopt;
    if (g->ck == GVal::Const::Float || g->ck == GVal::Const::Bool ||
        (!g->isConst() && !g->v.getType().isInteger(32) &&
         !g->v.getType().isInteger(64))) {
      error(c->loc) << "a block coordinate must be an integer scalar";
      return std::nullopt;
    }
    coords.push_back(g->isConst() ? materialize(*g, l, b.getI32Type())
                                  : cast(g->v, b.getI32Type(), l));
  }
  Type elem = llvm::cast<bic::PtrType>(desc->v.getType()).getPointeeType();
  if (isLoad) {
    const Expr &shapeE = *e.args[2];
    SmallVector<int64_t> shape;
    if (shapeE.kind == Expr::Kind::Tuple) {
      for (const auto &d : shapeE.args) {
        auto v = constInt(*d, "a block dimension");
        if (!v)
          return std::nullopt;
        shape.push_back(*v);
      }
    } else {
      auto v = constInt(shapeE, "a block dimension");
      if (!v)
        return std::nullopt;
      shape.push_back(*v);
    }
    if (shape.size() != rank) {
      error(shapeE.loc) << "the descriptor has rank " << rank << " but the block has "
                        << shape.size() << " dimensions";
      return std::nullopt;
    }
    for (int64_t d : shape)
      if (!isPow2(d)) {
        error(shapeE.loc) << "block dimension " << d << " is not a power of two";
        return std::nullopt;
      }
    auto ty = RankedTensorType::get(shape, elem);
    return GVal::of(b.create<bic::LoadTileOp>(l, ty, desc->v, desc->descShape, coords));
  }
  auto val = expr(*e.args[2]);
  if (!val)
    return std::nullopt;
  if (val->isConst() || !isa<RankedTensorType>(val->v.getType()) ||
      llvm::cast<RankedTensorType>(val->v.getType()).getRank() != rank) {
    error(e.args[2]->loc) << ".store_tile needs a rank-" << rank << " tile";
    return std::nullopt;
  }
  Value v = val->v;
  if (elemType(v.getType()) != elem) {
    error(e.args[2]->loc) << "storing a tile of " << typeName(elemType(v.getType()))
                          << " into a matrix of " << typeName(elem)
                          << " (convert with .to(" << typeName(elem) << "))";
    return std::nullopt;
  }
  b.create<bic::StoreTileOp>(l, desc->v, desc->descShape, coords, v);
  return GVal::ofInt(0);
}
