//===- MLIRGenBuiltins.cpp - builtin functions of the tile language -------===//
//
// program_id, num_programs, arange, zeros, full, load, store, where, the
// element-wise math functions and the sum/max/min reductions. Every
// reduction is emitted with a declared order (`tree`), which
// bic-assign-layouts later fixes to concrete parameters.
//
//===----------------------------------------------------------------------===//
#include "MLIRGenImpl.h"

using namespace mlir;
using namespace bic;
using namespace bic::detail;
using ast::Expr;

namespace {
/// Binds positional and keyword arguments to a builtin's parameter names.
struct Args {
  std::map<std::string, const Expr *> named;
  bool bind(Gen &g, const Expr &call, ArrayRef<const char *> params,
            size_t required) {
    if (call.args.size() > params.size()) {
      g.error(call.loc) << call.name << "() takes at most " << params.size()
                        << " arguments, got " << call.args.size();
      return false;
    }
    for (size_t i = 0; i < call.args.size(); ++i)
      named[params[i]] = call.args[i].get();
    for (auto &[k, v] : call.kwargs) {
      if (!llvm::is_contained(params, StringRef(k))) {
        g.error(v->loc) << call.name << "() has no argument '" << k << "'";
        return false;
      }
      if (named.count(k)) {
        g.error(v->loc) << call.name << "() got '" << k << "' twice";
        return false;
      }
      named[k] = v.get();
    }
    for (size_t i = 0; i < required; ++i)
      if (!named.count(params[i])) {
        g.error(call.loc) << call.name << "() is missing argument '"
                          << params[i] << "'";
        return false;
      }
    return true;
  }
  const Expr *get(StringRef k) const {
    auto it = named.find(k.str());
    return it == named.end() ? nullptr : it->second;
  }
};
} // namespace

static bool isPow2(int64_t v) { return v > 0 && !(v & (v - 1)); }

/// Whether a value of shape `from` broadcasts to `to` (numpy's rule, `to`
/// unchanged).
static bool broadcastsTo(ArrayRef<int64_t> from, ArrayRef<int64_t> to) {
  if (from.size() > to.size())
    return false;
  for (size_t i = 0; i < from.size(); ++i) {
    int64_t f = from[from.size() - 1 - i], t = to[to.size() - 1 - i];
    if (f != t && f != 1)
      return false;
  }
  return true;
}

std::optional<GVal> Gen::call(const Expr &e) {
  Location l = loc(e.loc);
  StringRef fn = e.name;
  auto value = [&](const Expr *x) -> std::optional<Value> {
    auto g = expr(*x);
    if (!g)
      return std::nullopt;
    return materialize(*g, l);
  };
  // The `pointer` argument of load/store/atomic_add and its pointer type.
  auto pointerArg = [&](const Expr *x) -> std::optional<std::pair<Value, bic::PtrType>> {
    auto p = value(x);
    if (!p)
      return std::nullopt;
    auto pty = dyn_cast<bic::PtrType>(elemType(p->getType()));
    if (!pty) {
      error(x->loc) << fn << "() needs a pointer, got " << typeName(p->getType());
      return std::nullopt;
    }
    return std::make_pair(*p, pty);
  };
  // An optional i1 `mask`, broadcast to the pointers' shape (null if absent).
  auto maskArg = [&](const Expr *m, Value ptr) -> std::optional<Value> {
    if (!m)
      return Value();
    auto mv = value(m);
    if (!mv)
      return std::nullopt;
    if (!elemType(mv->getType()).isInteger(1)) {
      error(m->loc) << "mask must be i1, got " << typeName(mv->getType());
      return std::nullopt;
    }
    if (!broadcastsTo(shapeOf(mv->getType()), shapeOf(ptr.getType()))) {
      error(m->loc) << "a mask of " << typeName(mv->getType())
                    << " does not broadcast to the pointers' " << typeName(ptr.getType());
      return std::nullopt;
    }
    Value r = broadcastTo(*mv, shapeOf(ptr.getType()), l);
    return failed ? std::nullopt : std::optional<Value>(r);
  };

  if (fn == "program_id" || fn == "num_programs") {
    Args a;
    if (!a.bind(*this, e, {"axis"}, 1))
      return std::nullopt;
    auto axis = constInt(*a.get("axis"), "the axis");
    if (!axis)
      return std::nullopt;
    if (*axis < 0 || *axis > 2) {
      error(a.get("axis")->loc) << "grid axis must be 0, 1 or 2";
      return std::nullopt;
    }
    if (fn == "program_id")
      return GVal::of(b.create<bic::ProgramIdOp>(l, b.getI32Type(), *axis));
    return GVal::of(b.create<bic::NumProgramsOp>(l, b.getI32Type(), *axis));
  }

  if (fn == "arange") {
    Args a;
    if (!a.bind(*this, e, {"start", "end"}, 2))
      return std::nullopt;
    auto s = constInt(*a.get("start"), "arange start");
    auto t = s ? constInt(*a.get("end"), "arange end") : std::nullopt;
    if (!t)
      return std::nullopt;
    if (!isPow2(*t - *s)) {
      error(e.loc) << "arange(" << *s << ", " << *t << ") has " << (*t - *s)
                   << " elements; tile sizes must be powers of two";
      return std::nullopt;
    }
    auto ty = RankedTensorType::get({*t - *s}, b.getI32Type());
    return GVal::of(b.create<bic::ArangeOp>(l, ty, *s, *t));
  }

  if (fn == "zeros" || fn == "full") {
    Args a;
    bool full = fn == "full";
    if (!a.bind(*this, e,
                full ? ArrayRef<const char *>{"shape", "value", "dtype"}
                     : ArrayRef<const char *>{"shape", "dtype"},
                full ? 3 : 2))
      return std::nullopt;
    const Expr *shapeE = a.get("shape");
    SmallVector<int64_t> shape;
    if (shapeE->kind == Expr::Kind::Tuple) {
      for (const auto &d : shapeE->args) {
        auto v = constInt(*d, "a tile dimension");
        if (!v)
          return std::nullopt;
        shape.push_back(*v);
      }
    } else {
      auto v = constInt(*shapeE, "a tile dimension");
      if (!v)
        return std::nullopt;
      shape.push_back(*v);
    }
    if (shape.empty() || shape.size() > 2) {
      error(shapeE->loc) << "tiles have one or two dimensions, got " << shape.size();
      return std::nullopt;
    }
    for (int64_t d : shape)
      if (!isPow2(d)) {
        error(shapeE->loc) << "tile dimension " << d << " is not a power of two";
        return std::nullopt;
      }
    auto t = dtype(*a.get("dtype"));
    if (!t)
      return std::nullopt;
    GVal fill = GVal::ofInt(0);
    if (full) {
      auto f = expr(*a.get("value"));
      if (!f)
        return std::nullopt;
      fill = *f;
      if (fill.ck == GVal::Const::Float && !isa<FloatType>(*t)) {
        error(a.get("value")->loc) << "full() of " << typeName(*t) << " needs "
                                   << (t->isInteger(1) ? "a boolean" : "an integer")
                                   << " value, got a float";
        return std::nullopt;
      }
    }
    Value s = fill.isConst() ? materialize(fill, l, *t) : cast(fill.v, *t, l);
    if (isa<RankedTensorType>(s.getType())) {
      error(a.get("value")->loc) << "full() needs a scalar value";
      return std::nullopt;
    }
    return GVal::of(b.create<bic::SplatOp>(l, RankedTensorType::get(shape, *t), s));
  }

  if (fn == "load") {
    Args a;
    if (!a.bind(*this, e, {"pointer", "mask", "other"}, 1))
      return std::nullopt;
    auto pp = pointerArg(a.get("pointer"));
    if (!pp)
      return std::nullopt;
    auto [p, pty] = *pp;
    Type resTy = withShape(pty.getPointeeType(), shapeOf(p.getType()));
    auto mask = maskArg(a.get("mask"), p);
    if (!mask)
      return std::nullopt;
    Value other;
    if (const Expr *o = a.get("other")) {
      if (!*mask) {
        error(o->loc) << "'other' needs a mask";
        return std::nullopt;
      }
      auto og = expr(*o);
      if (!og)
        return std::nullopt;
      if (og->ck == GVal::Const::Float && !isa<FloatType>(pty.getPointeeType())) {
        error(o->loc) << "'other' is a float, but the loaded values are "
                      << typeName(pty.getPointeeType()) << "; give an integer";
        return std::nullopt;
      }
      Value ov = og->isConst() ? materialize(*og, l, resTy)
                               : cast(og->v, pty.getPointeeType(), l);
      if (!broadcastsTo(shapeOf(ov.getType()), shapeOf(resTy))) {
        error(o->loc) << "'other' of " << typeName(ov.getType())
                      << " does not broadcast to the loaded " << typeName(resTy);
        return std::nullopt;
      }
      other = broadcastTo(ov, shapeOf(resTy), l);
    }
    return GVal::of(b.create<bic::LoadOp>(l, resTy, p, *mask, other, IntegerAttr()));
  }

  if (fn == "store") {
    Args a;
    if (!a.bind(*this, e, {"pointer", "value", "mask"}, 2))
      return std::nullopt;
    auto pp = pointerArg(a.get("pointer"));
    if (!pp)
      return std::nullopt;
    auto [p, pty] = *pp;
    auto vg = expr(*a.get("value"));
    if (!vg)
      return std::nullopt;
    Value v = vg->isConst() ? materialize(*vg, l, pty.getPointeeType()) : vg->v;
    if (isa<bic::PtrType>(elemType(v.getType()))) {
      error(a.get("value")->loc) << "store() stores values, got a pointer ("
                                 << typeName(v.getType()) << "); load() through it first";
      return std::nullopt;
    }
    if (elemType(v.getType()) != pty.getPointeeType()) {
      error(a.get("value")->loc)
          << "storing " << typeName(elemType(v.getType())) << " through a "
          << typeName(pty) << "; convert with .to("
          << typeName(pty.getPointeeType()) << ")";
      return std::nullopt;
    }
    if (!broadcastsTo(shapeOf(v.getType()), shapeOf(p.getType()))) {
      error(a.get("value")->loc) << "a value of " << typeName(v.getType())
                                 << " does not broadcast to the pointers' " << typeName(p.getType());
      return std::nullopt;
    }
    v = broadcastTo(v, shapeOf(p.getType()), l);
    auto mask = maskArg(a.get("mask"), p);
    if (!mask)
      return std::nullopt;
    b.create<bic::StoreOp>(l, p, v, *mask, IntegerAttr());
    return GVal::ofInt(0);
  }

  if (fn == "atomic_add") {
    Args a;
    if (!a.bind(*this, e, {"pointer", "value", "mask"}, 2))
      return std::nullopt;
    auto pp = pointerArg(a.get("pointer"));
    auto v = pp ? value(a.get("value")) : std::nullopt;
    if (!v)
      return std::nullopt;
    auto [p, pty] = *pp;
    if (!broadcastsTo(shapeOf(v->getType()), shapeOf(p.getType()))) {
      error(a.get("value")->loc) << "a value of " << typeName(v->getType())
                                 << " does not broadcast to the pointers' " << typeName(p.getType());
      return std::nullopt;
    }
    auto mask = maskArg(a.get("mask"), p);
    if (!mask)
      return std::nullopt;
    Value val = broadcastTo(cast(*v, pty.getPointeeType(), l), shapeOf(p.getType()), l);
    b.create<bic::AtomicAddOp>(l, p, val, *mask);
    return GVal::ofInt(0);
  }

  if (fn == "dot") {
    Args a;
    if (!a.bind(*this, e, {"a", "b", "acc", "trans_b", "input_precision"}, 2))
      return std::nullopt;
    // input_precision=ieee|tf32|tf32_rz names a mode, not a value.
    std::string precision = "ieee";
    if (const Expr *p = a.get("input_precision")) {
      if (p->kind != Expr::Kind::Name ||
          (p->name != "ieee" && p->name != "tf32" && p->name != "tf32_rz")) {
        error(p->loc) << "input_precision must be ieee, tf32 (rounded to nearest) or tf32_rz "
                         "(truncated)";
        return std::nullopt;
      }
      precision = p->name;
    }
    auto av = value(a.get("a"));
    auto bv = av ? value(a.get("b")) : std::nullopt;
    if (!bv)
      return std::nullopt;
    bool transB = false;
    if (const Expr *t = a.get("trans_b")) {
      auto tv = expr(*t);
      if (!tv || tv->ck != GVal::Const::Bool) {
        error(t->loc) << "trans_b must be True or False";
        return std::nullopt;
      }
      transB = tv->i;
    }
    auto at = dyn_cast<RankedTensorType>(av->getType());
    auto bt = dyn_cast<RankedTensorType>(bv->getType());
    if (!at || !bt || at.getRank() != 2 || bt.getRank() != 2) {
      error(e.loc) << "dot() multiplies 2-D tiles";
      return std::nullopt;
    }
    Type et = at.getElementType();
    if (et != bt.getElementType() || !(et.isBF16() || et.isF16() || et.isF32())) {
      error(e.loc) << "dot() needs bf16, f16 or f32 operands of one type (got "
                   << typeName(at) << " and " << typeName(bt) << ")";
      return std::nullopt;
    }
    if (!et.isF32() && a.get("input_precision")) {
      error(a.get("input_precision")->loc)
          << "input_precision applies to f32 operands only";
      return std::nullopt;
    }
    int64_t m = at.getShape()[0], k = at.getShape()[1];
    int64_t kb = transB ? bt.getShape()[1] : bt.getShape()[0];
    int64_t n = transB ? bt.getShape()[0] : bt.getShape()[1];
    if (k != kb) {
      error(e.loc) << "dot(): a is " << m << "x" << k << " but b has K = " << kb
                   << (transB ? " (trans_b: b is N x K)" : "");
      return std::nullopt;
    }
    // The k-step: tensor-core instruction's k (bf16/f16 16, tf32 8), or 1
    // for IEEE f32 (one FMA per k).
    const bool tf32 = et.isF32() && (precision == "tf32" || precision == "tf32_rz");
    const int64_t kStep = !et.isF32() ? 16 : tf32 ? 8 : 1;
    if (k % kStep || m % 16 || n % 8) {
      error(e.loc) << "dot() tiles must be multiples of 16 (M), 8 (N) and " << kStep
                   << " (K" << (tf32 ? ", tf32" : "") << "), got " << m << "x" << n << "x"
                   << k;
      return std::nullopt;
    }
    auto ct = RankedTensorType::get({m, n}, b.getF32Type());
    Value acc;
    if (const Expr *c = a.get("acc")) {
      auto cv = value(c);
      if (!cv)
        return std::nullopt;
      if (cv->getType() != ct) {
        error(c->loc) << "dot() accumulator must be " << typeName(ct) << ", got "
                      << typeName(cv->getType());
        return std::nullopt;
      }
      acc = *cv;
    } else {
      acc = materialize(GVal::ofFloat(0), l, ct);
    }
    auto order = bic::DotOrderAttr::get(&ctx, kStep, /*truncate=*/precision == "tf32_rz");
    auto op = b.create<bic::DotOp>(l, ct, *av, *bv, acc,
                                   transB ? b.getUnitAttr() : UnitAttr(), order);
    return GVal::of(op.getResult());
  }

  if (fn == "where") {
    Args a;
    if (!a.bind(*this, e, {"condition", "x", "y"}, 3))
      return std::nullopt;
    auto c = value(a.get("condition"));
    auto xg = c ? expr(*a.get("x")) : std::nullopt;
    auto yg = xg ? expr(*a.get("y")) : std::nullopt;
    if (!yg)
      return std::nullopt;
    if (!elemType(c->getType()).isInteger(1)) {
      error(a.get("condition")->loc) << "where() needs an i1 condition";
      return std::nullopt;
    }
    Value x = materialize(*xg, l, yg->isConst() ? Type() : yg->v.getType());
    Value y = materialize(*yg, l, x.getType());
    if (xg->isConst())
      x = materialize(*xg, l, y.getType());
    if (!unify(x, y, l))
      return std::nullopt;
    Value cv = *c;
    if (!unify(cv, x, l, /*sameElem=*/false) || !unify(cv, y, l, false))
      return std::nullopt;
    return GVal::of(b.create<arith::SelectOp>(l, cv, x, y));
  }

  // Element-wise math.
  static const char *const kUnaryMath[] = {"exp", "exp2", "log", "log2",
                                           "sqrt", "rsqrt", "abs"};
  if (llvm::is_contained(kUnaryMath, fn)) {
    if (e.args.size() != 1 || !e.kwargs.empty()) {
      error(e.loc) << fn << "() takes one argument";
      return std::nullopt;
    }
    auto g = expr(*e.args[0]);
    if (!g)
      return std::nullopt;
    Value x = materialize(*g, l);
    Type et = elemType(x.getType());
    if (fn == "abs" && et.isSignlessInteger() && !et.isInteger(1))
      return GVal::of(b.create<math::AbsIOp>(l, x));
    if (!isa<FloatType>(et)) {
      error(e.args[0]->loc) << fn << "() needs a float operand, got "
                            << typeName(x.getType());
      return std::nullopt;
    }
    Value r;
    if (fn == "exp") r = b.create<math::ExpOp>(l, x);
    else if (fn == "exp2") r = b.create<math::Exp2Op>(l, x);
    else if (fn == "log") r = b.create<math::LogOp>(l, x);
    else if (fn == "log2") r = b.create<math::Log2Op>(l, x);
    else if (fn == "sqrt") r = b.create<math::SqrtOp>(l, x);
    else if (fn == "rsqrt") r = b.create<math::RsqrtOp>(l, x);
    else r = b.create<math::AbsFOp>(l, x);
    return GVal::of(r);
  }

  bool isReduceName = fn == "sum" || fn == "max" || fn == "min";
  bool elementwiseMinMax = fn == "maximum" || fn == "minimum" ||
                           ((fn == "max" || fn == "min") && e.args.size() == 2 &&
                            e.kwargs.empty());
  if (elementwiseMinMax) {
    if (e.args.size() != 2 || !e.kwargs.empty()) {
      error(e.loc) << fn << "() takes two operands";
      return std::nullopt;
    }
    auto xg = expr(*e.args[0]);
    auto yg = xg ? expr(*e.args[1]) : std::nullopt;
    if (!yg)
      return std::nullopt;
    bool isMax = fn == "max" || fn == "maximum";
    if (xg->isConst() && yg->isConst()) {
      auto lt = binary("<", l, *xg, *yg);
      return (lt->i != 0) == isMax ? *yg : *xg;
    }
    Value x = materialize(*xg, l, yg->isConst() ? Type() : yg->v.getType());
    Value y = materialize(*yg, l, x.getType());
    if (xg->isConst())
      x = materialize(*xg, l, y.getType());
    if (!unify(x, y, l))
      return std::nullopt;
    if (isa<bic::PtrType>(elemType(x.getType()))) {
      error(e.loc) << fn << "() of pointers; load() through them first";
      return std::nullopt;
    }
    if (isa<FloatType>(elemType(x.getType())))
      return GVal::of(isMax ? Value(b.create<arith::MaximumFOp>(l, x, y))
                            : b.create<arith::MinimumFOp>(l, x, y));
    return GVal::of(isMax ? Value(b.create<arith::MaxSIOp>(l, x, y))
                          : b.create<arith::MinSIOp>(l, x, y));
  }

  if (isReduceName) {
    Args a;
    if (!a.bind(*this, e, {"input", "axis"}, 1))
      return std::nullopt;
    auto x = value(a.get("input"));
    if (!x)
      return std::nullopt;
    auto tt = dyn_cast<RankedTensorType>(x->getType());
    if (!tt || isa<bic::PtrType>(tt.getElementType())) {
      error(a.get("input")->loc) << fn << "() reduces a tile of values, got "
                                 << typeName(x->getType());
      return std::nullopt;
    }
    int64_t axis = 0;
    if (const Expr *ax = a.get("axis")) {
      auto v = constInt(*ax, "the reduction axis");
      if (!v)
        return std::nullopt;
      axis = *v < 0 ? *v + tt.getRank() : *v;
      if (axis < 0 || axis >= tt.getRank()) {
        error(ax->loc) << "axis " << *v << " is out of range for a tile of rank "
                       << tt.getRank();
        return std::nullopt;
      }
    } else if (tt.getRank() != 1) {
      error(e.loc) << fn << "() over a tile of rank " << tt.getRank()
                   << " needs axis=";
      return std::nullopt;
    }
    if (fn == "sum" && tt.getElementType().isInteger(1)) {
      error(e.loc) << "sum() of i1; convert with .to(i32) first";
      return std::nullopt;
    }
    SmallVector<int64_t> rs;
    for (int64_t i = 0; i < tt.getRank(); ++i)
      if (i != axis)
        rs.push_back(tt.getShape()[i]);
    Type rt = withShape(tt.getElementType(), rs);
    auto order = bic::ReduceOrderAttr::get(&ctx, "tree", 0, {}, 0, 0);
    return GVal::of(b.create<bic::ReduceOp>(l, rt, *x, b.getStringAttr(fn),
                                            b.getI32IntegerAttr(axis), order));
  }

  if (fn == "cdiv") {
    if (e.args.size() != 2) {
      error(e.loc) << "cdiv() takes two operands";
      return std::nullopt;
    }
    auto x = expr(*e.args[0]);
    auto y = x ? expr(*e.args[1]) : std::nullopt;
    if (!y)
      return std::nullopt;
    auto s = binary("+", l, *x, *y);
    auto s1 = s ? binary("-", l, *s, GVal::ofInt(1)) : std::nullopt;
    return s1 ? binary("//", l, *s1, *y) : std::nullopt;
  }
  if (fn == "tensor")
    return makeDescriptor(e);
  if (fn == "range") {
    error(e.loc) << "range() is only valid in a for loop";
    return std::nullopt;
  }
  error(e.loc) << "unknown function '" << fn << "'";
  return std::nullopt;
}
