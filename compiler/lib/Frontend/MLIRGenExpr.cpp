//===- MLIRGenExpr.cpp - expressions and builtins to the bic dialect ------===//
//
// Typing follows Triton: Python literals take the type of the other operand,
// integers promote to floats, narrower types to wider ones (bf16 with f16
// gives f32), scalars splat and tiles broadcast. Pointer plus integer is
// address arithmetic in elements.
//
//===----------------------------------------------------------------------===//
#include "MLIRGenImpl.h"

#include "mlir/IR/Matchers.h"

#include <utility>

using namespace mlir;
using namespace bic;
using namespace bic::detail;
using ast::Expr;

static bool isFloatTy(Type t) { return isa<FloatType>(t); }
static bool isIntTy(Type t) { return t.isSignlessInteger(); }
static unsigned rankOf(Type t) { return shapeOf(t).size(); }


Value Gen::materialize(const GVal &g, Location l, Type like) {
  if (!g.isConst())
    return g.v;
  Type elem = like ? elemType(like) : Type();
  if (!elem || isa<bic::PtrType>(elem))
    elem = g.ck == GVal::Const::Float ? Type(b.getF32Type())
           : g.ck == GVal::Const::Bool ? Type(b.getI1Type())
                                       : Type(b.getI32Type());
  if (g.ck == GVal::Const::Float && isIntTy(elem))
    elem = b.getF32Type();
  TypedAttr attr;
  if (auto ft = dyn_cast<FloatType>(elem))
    attr = b.getFloatAttr(ft, g.ck == GVal::Const::Float ? g.f : double(g.i));
  else
    attr = b.getIntegerAttr(elem, g.i);
  Value c = b.create<arith::ConstantOp>(l, attr);
  if (like && !shapeOf(like).empty())
    c = b.create<bic::SplatOp>(l, RankedTensorType::get(shapeOf(like), elem), c);
  return c;
}

Value Gen::cast(Value v, Type to, Location l) {
  Type from = elemType(v.getType());
  if (from == to)
    return v;
  Type dst = withShape(to, shapeOf(v.getType()));
  // A pointer is never converted to or from a value: say so, and go on with
  // a value of the asked type (the kernel is refused once generated).
  if (isa<bic::PtrType>(from) || isa<bic::PtrType>(to)) {
    failed = true;
    if (isa<bic::PtrType>(from) && isa<bic::PtrType>(to))
      emitError(l) << "pointers of different element types (" << typeName(from) << " and "
                   << typeName(to) << ") are mixed";
    else if (isa<bic::PtrType>(from))
      emitError(l) << "a pointer (" << typeName(v.getType()) << ") is used where a "
                   << typeName(to) << " value is expected; load() through it first";
    else
      emitError(l) << "a " << typeName(v.getType()) << " value is used where a pointer ("
                   << typeName(to) << ") is expected";
    if (isa<bic::PtrType>(to))
      return v;
    return materialize(GVal::ofInt(0), l, dst);
  }
  if (isFloatTy(from) && isFloatTy(to)) {
    unsigned fw = from.getIntOrFloatBitWidth(), tw = to.getIntOrFloatBitWidth();
    if (fw == tw) // bf16 <-> f16 goes through f32 exactly
      return cast(cast(v, b.getF32Type(), l), to, l);
    if (fw < tw)
      return b.create<arith::ExtFOp>(l, dst, v);
    return b.create<arith::TruncFOp>(l, dst, v);
  }
  if (isIntTy(from) && isFloatTy(to)) {
    if (from.isInteger(1))
      return b.create<arith::UIToFPOp>(l, dst, v);
    return b.create<arith::SIToFPOp>(l, dst, v);
  }
  if (isFloatTy(from) && isIntTy(to)) {
    if (to.isInteger(1)) {
      Value z = materialize(GVal::ofFloat(0), l, v.getType());
      return b.create<arith::CmpFOp>(l, arith::CmpFPredicate::UNE, v, z);
    }
    return b.create<arith::FPToSIOp>(l, dst, v);
  }
  unsigned fw = from.getIntOrFloatBitWidth(), tw = to.getIntOrFloatBitWidth();
  if (tw == 1) {
    Value z = materialize(GVal::ofInt(0), l, v.getType());
    return b.create<arith::CmpIOp>(l, arith::CmpIPredicate::ne, v, z);
  }
  if (fw == 1)
    return b.create<arith::ExtUIOp>(l, dst, v);
  if (fw < tw)
    return b.create<arith::ExtSIOp>(l, dst, v);
  return b.create<arith::TruncIOp>(l, dst, v);
}

Value Gen::broadcastTo(Value v, ArrayRef<int64_t> shape, Location l) {
  Type t = v.getType();
  if (shapeOf(t) == shape)
    return v;
  Type elem = elemType(t);
  if (rankOf(t) == 0)
    return b.create<bic::SplatOp>(l, RankedTensorType::get(shape, elem), v);
  while (rankOf(v.getType()) < shape.size()) {
    SmallVector<int64_t> s{1};
    llvm::append_range(s, shapeOf(v.getType()));
    v = b.create<bic::ExpandDimsOp>(l, RankedTensorType::get(s, elem), v,
                                    b.getI32IntegerAttr(0));
  }
  return b.create<bic::BroadcastOp>(l, RankedTensorType::get(shape, elem), v);
}

// Result element type of mixing two element types.
static Type promote(Type a, Type b2, OpBuilder &b) {
  if (a == b2)
    return a;
  // Mixed with a pointer, the value's type wins and cast() refuses the
  // pointer.
  if (isa<bic::PtrType>(a))
    return b2;
  if (isa<bic::PtrType>(b2))
    return a;
  bool fa = isFloatTy(a), fb = isFloatTy(b2);
  if (fa && !fb)
    return a;
  if (fb && !fa)
    return b2;
  unsigned wa = a.getIntOrFloatBitWidth(), wb = b2.getIntOrFloatBitWidth();
  if (fa && fb && wa == wb)
    return b.getF32Type(); // bf16 with f16
  return wa > wb ? a : b2;
}

bool Gen::unify(Value &l, Value &r, Location loc, bool sameElem) {
  if (sameElem) {
    Type e = promote(elemType(l.getType()), elemType(r.getType()), b);
    l = cast(l, e, loc);
    r = cast(r, e, loc);
  }
  ArrayRef<int64_t> ls = shapeOf(l.getType()), rs = shapeOf(r.getType());
  if (ls == rs)
    return true;
  size_t rank = std::max(ls.size(), rs.size());
  SmallVector<int64_t> out(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    int64_t a = i + ls.size() >= rank ? ls[i + ls.size() - rank] : 1;
    int64_t c = i + rs.size() >= rank ? rs[i + rs.size() - rank] : 1;
    if (a != c && a != 1 && c != 1) {
      emitError(loc) << "shapes " << typeName(l.getType()) << " and "
                     << typeName(r.getType()) << " do not broadcast";
      failed = true;
      return false;
    }
    out[i] = std::max(a, c);
  }
  l = broadcastTo(l, out, loc);
  r = broadcastTo(r, out, loc);
  return true;
}

/// Evaluates `l op r` on constants; on failure says why in `why`.
static std::optional<GVal> foldConst(StringRef op, const GVal &l, const GVal &r,
                                     std::string &why) {
  bool isF = l.ck == GVal::Const::Float || r.ck == GVal::Const::Float;
  double a = l.ck == GVal::Const::Float ? l.f : double(l.i);
  double c = r.ck == GVal::Const::Float ? r.f : double(r.i);
  int64_t x = l.i, y = r.i;
  // Integers compare as integers (doubles cannot tell 2^63 - 1 from 2^63 - 2).
  auto cmp = [&](auto pred) { return GVal::ofBool(isF ? pred(a, c) : pred(x, y)); };
  if (op == "<") return cmp([](auto p, auto q) { return p < q; });
  if (op == "<=") return cmp([](auto p, auto q) { return p <= q; });
  if (op == ">") return cmp([](auto p, auto q) { return p > q; });
  if (op == ">=") return cmp([](auto p, auto q) { return p >= q; });
  if (op == "==") return cmp([](auto p, auto q) { return p == q; });
  if (op == "!=") return cmp([](auto p, auto q) { return p != q; });
  if (op == "and") return GVal::ofBool(a != 0 && c != 0);
  if (op == "or") return GVal::ofBool(a != 0 || c != 0);
  if (isF) {
    if (op == "+") return GVal::ofFloat(a + c);
    if (op == "-") return GVal::ofFloat(a - c);
    if (op == "*") return GVal::ofFloat(a * c);
    if (op == "/") return GVal::ofFloat(a / c);
    why = "is not evaluated on float constants";
    return std::nullopt;
  }
  // Integer constants are int64 with Python's semantics where they fit.
  int64_t v;
  auto checked = [&](bool overflow) -> std::optional<GVal> {
    if (!overflow)
      return GVal::ofInt(v);
    why = "overflows int64";
    return std::nullopt;
  };
  if (op == "+") return checked(__builtin_add_overflow(x, y, &v));
  if (op == "-") return checked(__builtin_sub_overflow(x, y, &v));
  if (op == "*") return checked(__builtin_mul_overflow(x, y, &v));
  if (op == "/") return GVal::ofFloat(double(x) / double(y));
  if (op == "//" || op == "%") {
    if (y == 0) {
      why = "divides by zero";
      return std::nullopt;
    }
    if (y == -1 && x == INT64_MIN) {
      why = "overflows int64";
      return std::nullopt;
    }
    int64_t q = x / y, m = x % y;
    if (m != 0 && ((m < 0) != (y < 0))) { // round toward -inf, as Python
      q -= 1;
      m += y;
    }
    return GVal::ofInt(op == "//" ? q : m);
  }
  if (op == "&") return GVal::ofInt(x & y);
  if (op == "|") return GVal::ofInt(x | y);
  if (op == "^") return GVal::ofInt(x ^ y);
  if (op == "<<" || op == ">>") {
    if (y < 0 || y > 63) {
      why = "shifts by a count outside 0-63";
      return std::nullopt;
    }
    if (op == ">>")
      return GVal::ofInt(x >> y);
    if (y == 63) { // x * 2^63 fits only for 0 and -1
      if (x != 0 && x != -1) {
        why = "overflows int64";
        return std::nullopt;
      }
      return GVal::ofInt(x == 0 ? 0 : INT64_MIN);
    }
    return checked(__builtin_mul_overflow(x, int64_t(1) << y, &v));
  }
  if (op == "**") {
    if (y < 0) {
      why = "has a negative exponent";
      return std::nullopt;
    }
    if (x == 0 || x == 1)
      return GVal::ofInt(y == 0 ? 1 : x);
    if (x == -1)
      return GVal::ofInt(y % 2 ? -1 : 1);
    int64_t p = 1; // |x| >= 2 leaves int64 within 63 factors
    for (int64_t i = 0; i < y; ++i)
      if (__builtin_mul_overflow(p, x, &p)) {
        why = "overflows int64";
        return std::nullopt;
      }
    return GVal::ofInt(p);
  }
  why = "is not supported";
  return std::nullopt;
}

std::optional<GVal> Gen::binary(StringRef op, Location loc, GVal lg, GVal rg) {
  if ((op == "and" || op == "or") &&
      (lg.ck == GVal::Const::Float || rg.ck == GVal::Const::Float)) {
    emitError(loc) << "'" << op << "' of a float constant; compare it first";
    failed = true;
    return std::nullopt;
  }
  if (lg.isConst() && rg.isConst()) {
    std::string why;
    if (auto f = foldConst(op, lg, rg, why))
      return f;
    emitError(loc) << "'" << op << "' on these constants " << why;
    failed = true;
    return std::nullopt;
  }
  if ((op == "//" || op == "%") && rg.isConst() && rg.ck == GVal::Const::Int && rg.i == 0) {
    emitError(loc) << "'" << op << "' by the constant 0";
    failed = true;
    return std::nullopt;
  }
  Value l = materialize(lg, loc, rg.isConst() ? Type() : rg.v.getType());
  Value r = materialize(rg, loc, l.getType());
  if (lg.isConst() && !isa<bic::PtrType>(elemType(r.getType())))
    l = materialize(lg, loc, r.getType());
  Type le = elemType(l.getType()), re = elemType(r.getType());

  // Pointer arithmetic.
  if (isa<bic::PtrType>(le) || isa<bic::PtrType>(re)) {
    if (op == "+" || op == "-") {
      if (isa<bic::PtrType>(re)) {
        if (op == "-") {
          emitError(loc) << "cannot subtract a pointer";
          failed = true;
          return std::nullopt;
        }
        std::swap(l, r);
      }
      if (!isIntTy(elemType(r.getType())) || elemType(r.getType()).isInteger(1)) {
        emitError(loc) << "pointer offsets must be i32 or i64, got "
                       << typeName(r.getType());
        failed = true;
        return std::nullopt;
      }
      if (rg.isConst() && !lg.isConst()) // literal offset: i32
        r = materialize(rg, loc, withShape(b.getI32Type(), shapeOf(r.getType())));
      if (!unify(l, r, loc, /*sameElem=*/false))
        return std::nullopt;
      if (op == "-")
        r = b.create<arith::SubIOp>(
            loc, materialize(GVal::ofInt(0), loc, r.getType()), r);
      return GVal::of(b.create<bic::AddPtrOp>(loc, l.getType(), l, r));
    }
    emitError(loc) << "operator '" << op << "' is not defined on pointers";
    failed = true;
    return std::nullopt;
  }
  if (!unify(l, r, loc))
    return std::nullopt;
  Type e = elemType(l.getType());
  bool f = isFloatTy(e);
  auto fail = [&](StringRef why) -> std::optional<GVal> {
    emitError(loc) << "operator '" << op << "' " << why << " (operands "
                   << typeName(l.getType()) << ")";
    failed = true;
    return std::nullopt;
  };
  Value res;
  if (op == "+")
    res = f ? Value(b.create<arith::AddFOp>(loc, l, r)) : b.create<arith::AddIOp>(loc, l, r);
  else if (op == "-")
    res = f ? Value(b.create<arith::SubFOp>(loc, l, r)) : b.create<arith::SubIOp>(loc, l, r);
  else if (op == "*")
    res = f ? Value(b.create<arith::MulFOp>(loc, l, r)) : b.create<arith::MulIOp>(loc, l, r);
  else if (op == "/") {
    if (!f)
      return fail("on integers is ambiguous: use '//' for integer division or "
                  "cast with .to(f32)");
    res = b.create<arith::DivFOp>(loc, l, r);
  } else if (op == "//" || op == "%") {
    if (f)
      return fail("needs integer operands");
    res = op == "//" ? Value(b.create<arith::DivSIOp>(loc, l, r))
                     : b.create<arith::RemSIOp>(loc, l, r);
  } else if (op == "&" || op == "|" || op == "^" || op == "and" || op == "or") {
    if (f)
      return fail("needs integer or boolean operands");
    if ((op == "and" || op == "or") && !e.isInteger(1))
      return fail("needs i1 operands");
    if (op == "&" || op == "and")
      res = b.create<arith::AndIOp>(loc, l, r);
    else if (op == "|" || op == "or")
      res = b.create<arith::OrIOp>(loc, l, r);
    else
      res = b.create<arith::XOrIOp>(loc, l, r);
  } else if (op == "<<" || op == ">>") {
    if (f)
      return fail("needs integer operands");
    // A count known here must be below the width: LLVM makes any other
    // shift poison, and the store of its result vanished without a word.
    Value count = r;
    if (auto sp = count.getDefiningOp<bic::SplatOp>())
      count = sp->getOperand(0);
    APInt c;
    unsigned width = e.getIntOrFloatBitWidth();
    if (matchPattern(count, m_ConstantInt(&c)) &&
        (c.isNegative() || c.getSExtValue() >= int64_t(width)))
      return fail(("shifts by " + std::to_string(c.getSExtValue()) + ", outside 0-" +
                   std::to_string(width - 1) + " for " + std::to_string(width) +
                   "-bit integers")
                      .c_str());
    res = op == "<<" ? Value(b.create<arith::ShLIOp>(loc, l, r))
                     : b.create<arith::ShRSIOp>(loc, l, r);
  } else {
    static const std::pair<const char *, std::pair<arith::CmpFPredicate,
                                                   arith::CmpIPredicate>>
        kCmp[] = {{"<", {arith::CmpFPredicate::OLT, arith::CmpIPredicate::slt}},
                  {"<=", {arith::CmpFPredicate::OLE, arith::CmpIPredicate::sle}},
                  {">", {arith::CmpFPredicate::OGT, arith::CmpIPredicate::sgt}},
                  {">=", {arith::CmpFPredicate::OGE, arith::CmpIPredicate::sge}},
                  {"==", {arith::CmpFPredicate::OEQ, arith::CmpIPredicate::eq}},
                  {"!=", {arith::CmpFPredicate::UNE, arith::CmpIPredicate::ne}}};
    for (auto &[name, preds] : kCmp)
      if (op == name)
        res = f ? Value(b.create<arith::CmpFOp>(loc, preds.first, l, r))
                : b.create<arith::CmpIOp>(loc, preds.second, l, r);
    if (!res)
      return fail("is not supported");
  }
  return GVal::of(res);
}

std::optional<GVal> Gen::unary(StringRef op, Location loc, GVal x) {
  if (x.isConst()) {
    if (op == "-" && x.ck == GVal::Const::Int && x.i == INT64_MIN) {
      emitError(loc) << "'-' on this constant overflows int64";
      failed = true;
      return std::nullopt;
    }
    if (op == "-")
      return x.ck == GVal::Const::Float ? GVal::ofFloat(-x.f) : GVal::ofInt(-x.i);
    if (op == "not")
      return GVal::ofBool(x.ck == GVal::Const::Float ? x.f == 0 : x.i == 0);
    if (op == "~" && x.ck == GVal::Const::Int)
      return GVal::ofInt(~x.i);
  } else {
    Value v = x.v;
    Type e = elemType(v.getType());
    if (op == "-" && isFloatTy(e))
      return GVal::of(b.create<arith::NegFOp>(loc, v));
    if (op == "-" && isIntTy(e) && !e.isInteger(1))
      return binary("-", loc, GVal::ofInt(0), x);
    if ((op == "not" && e.isInteger(1)) || (op == "~" && isIntTy(e)))
      return GVal::of(b.create<arith::XOrIOp>(
          loc, v, materialize(GVal::ofInt(-1), loc, v.getType())));
  }
  emitError(loc) << "operator '" << op << "' does not apply to this operand";
  failed = true;
  return std::nullopt;
}

std::optional<Type> Gen::dtype(const Expr &e) {
  if (e.kind == Expr::Kind::Name)
    if (Type t = parseType(e.name))
      return t;
  error(e.loc) << "expected a dtype (f32, f16, bf16, i1, i32 or i64)";
  return std::nullopt;
}

std::optional<int64_t> Gen::constInt(const Expr &e, StringRef what) {
  auto v = expr(e);
  if (!v)
    return std::nullopt;
  if (v->ck != GVal::Const::Int) {
    error(e.loc) << what << " must be a compile-time integer (a literal or a "
                            "constexpr parameter)";
    return std::nullopt;
  }
  return v->i;
}

std::optional<GVal> Gen::expr(const Expr &e) {
  // store(), atomic_add() and .store_tile() return nothing: they are
  // statements, never a value inside another expression.
  bool statement = std::exchange(atStatement, false);
  if (!statement &&
      ((e.kind == Expr::Kind::Call && (e.name == "store" || e.name == "atomic_add")) ||
       (e.kind == Expr::Kind::Method && e.name == "store_tile"))) {
    error(e.loc) << (e.kind == Expr::Kind::Method ? "." : "") << e.name
                 << "() returns nothing; call it as a statement";
    return std::nullopt;
  }
  switch (e.kind) {
  case Expr::Kind::Int:
    return GVal::ofInt(e.ival);
  case Expr::Kind::Float:
    return GVal::ofFloat(e.fval);
  case Expr::Kind::Bool:
    return GVal::ofBool(e.ival);
  case Expr::Kind::Name: {
    auto it = scope.find(e.name);
    if (it != scope.end()) {
      if (it->second.isDesc() && !descAllowed) {
        error(e.loc) << "tensor descriptor '" << e.name
                     << "' can only be used as `" << e.name
                     << ".load_tile(...)` or `" << e.name << ".store_tile(...)`";
        return std::nullopt;
      }
      return it->second;
    }
    if (parseType(e.name))
      error(e.loc) << "dtype '" << e.name << "' used as a value";
    else
      error(e.loc) << "undefined name '" << e.name << "'";
    return std::nullopt;
  }
  case Expr::Kind::Unary: {
    auto x = expr(*e.args[0]);
    if (!x)
      return std::nullopt;
    return unary(e.name, loc(e.loc), *x);
  }
  case Expr::Kind::Binary: {
    auto l = expr(*e.args[0]);
    if (!l)
      return std::nullopt;
    auto r = expr(*e.args[1]);
    if (!r)
      return std::nullopt;
    return binary(e.name, loc(e.loc), *l, *r);
  }
  case Expr::Kind::Call:
    return call(e);
  case Expr::Kind::Method:
    return method(e);
  case Expr::Kind::Subscript:
    return subscript(e);
  case Expr::Kind::None:
    error(e.loc) << "'None' is only valid inside a subscript such as x[:, None]";
    return std::nullopt;
  case Expr::Kind::Colon:
  case Expr::Kind::Tuple:
    error(e.loc) << "a tuple is only valid as a shape argument";
    return std::nullopt;
  }
  return std::nullopt;
}

std::optional<GVal> Gen::method(const Expr &e) {
  if (e.name == "load_tile" || e.name == "store_tile")
    return tileMethod(e);
  if (e.name != "to") {
    error(e.loc) << "unknown method '." << e.name
                 << "' (methods: .to(dtype), .load_tile, .store_tile)";
    return std::nullopt;
  }
  if (e.args.size() != 2 || !e.kwargs.empty()) {
    error(e.loc) << ".to takes exactly one dtype";
    return std::nullopt;
  }
  auto x = expr(*e.args[0]);
  if (!x)
    return std::nullopt;
  auto t = dtype(*e.args[1]);
  if (!t)
    return std::nullopt;
  Location l = loc(e.loc);
  Value v = x->isConst() ? materialize(*x, l) : x->v;
  if (isa<bic::PtrType>(elemType(v.getType()))) {
    error(e.loc) << "pointers cannot be cast";
    return std::nullopt;
  }
  return GVal::of(cast(v, *t, l));
}

std::optional<GVal> Gen::subscript(const Expr &e) {
  auto x = expr(*e.args[0]);
  if (!x)
    return std::nullopt;
  Location l = loc(e.loc);
  if (x->isConst() || !isa<RankedTensorType>(x->v.getType())) {
    error(e.loc) << "only tiles can be subscripted";
    return std::nullopt;
  }
  Value v = x->v;
  unsigned colons = 0, dim = 0;
  for (size_t i = 1; i < e.args.size(); ++i) {
    auto k = e.args[i]->kind;
    if (k == Expr::Kind::Colon)
      ++colons;
    else if (k != Expr::Kind::None) {
      error(e.args[i]->loc) << "tiles are indexed only with ':' and 'None' "
                               "(use load() with pointers to gather)";
      return std::nullopt;
    }
  }
  if (colons != rankOf(v.getType())) {
    error(e.loc) << "subscript has " << colons << " ':' for a tile of rank "
                 << rankOf(v.getType());
    return std::nullopt;
  }
  for (size_t i = 1; i < e.args.size(); ++i) {
    if (e.args[i]->kind == Expr::Kind::Colon) {
      ++dim;
      continue;
    }
    SmallVector<int64_t> s(shapeOf(v.getType()));
    s.insert(s.begin() + dim, 1);
    v = b.create<bic::ExpandDimsOp>(
        l, RankedTensorType::get(s, elemType(v.getType())), v,
        b.getI32IntegerAttr(dim));
    ++dim;
  }
  if (rankOf(v.getType()) > 2) {
    error(e.loc) << "tiles of rank above 2 are not supported yet";
    return std::nullopt;
  }
  return GVal::of(v);
}
