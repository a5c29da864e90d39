//===- MLIRGen.cpp - kernels and statements to the bic dialect ------------===//
//
// Kernels become func.func ops marked `bic.kernel`; `for` becomes scf.for and
// `if` scf.if, with Python's rebinding of names turned into loop-carried
// values and if results. `if c: return` early in a kernel puts the rest of
// the kernel in the else branch.
//
//===----------------------------------------------------------------------===//
#include "MLIRGenImpl.h"

#include "llvm/ADT/STLExtras.h"
#include <set>

using namespace mlir;
using namespace bic;
using namespace bic::detail;

std::string bic::detail::typeName(Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  t.print(os);
  return s;
}

Location Gen::loc(llvm::SMLoc l) {
  if (!l.isValid())
    return UnknownLoc::get(&ctx);
  unsigned id = sm.FindBufferContainingLoc(l);
  if (!id)
    return UnknownLoc::get(&ctx);
  auto lc = sm.getLineAndColumn(l, id);
  return FileLineColLoc::get(
      &ctx, sm.getMemoryBuffer(id)->getBufferIdentifier(), lc.first, lc.second);
}

Type Gen::parseType(StringRef n) {
  if (auto it = typeParams.find(n.str()); it != typeParams.end())
    return it->second;
  return llvm::StringSwitch<Type>(n)
      .Case("f32", b.getF32Type())
      .Case("f16", b.getF16Type())
      .Case("bf16", b.getBF16Type())
      .Case("i1", b.getI1Type())
      .Case("i32", b.getI32Type())
      .Case("i64", b.getI64Type())
      .Default(Type());
}

OwningOpRef<ModuleOp> Gen::genModule(const ast::Module &m) {
  auto module = ModuleOp::create(UnknownLoc::get(&ctx));
  std::set<std::string> known{"num_warps", "num_stages", "warp_specialize",
                              "overlap", "cluster"},
      knownTypes;
  for (const auto &k : m.kernels)
    for (const auto &p : k.params) {
      if (p.kind == ast::Param::Kind::Constexpr)
        known.insert(p.name);
      if (p.kind == ast::Param::Kind::Dtype)
        knownTypes.insert(p.name);
    }
  for (const auto &d : typeDefines)
    if (!knownTypes.count(d.first)) {
      emitError(UnknownLoc::get(&ctx))
          << "-D " << d.first << "=" << d.second
          << " names no dtype parameter of any kernel"
          << (known.count(d.first) ? " (it is a constexpr: give an integer)" : "");
      return nullptr;
    }
  for (const auto &d : defines)
    if (!known.count(d.first)) {
      emitError(UnknownLoc::get(&ctx))
          << "-D " << d.first << " names no constexpr parameter of any kernel"
          << (knownTypes.count(d.first) ? " (it is a dtype parameter: give f32, f16 or bf16)"
                                        : "");
      return nullptr;
    }
  if (m.kernels.empty()) {
    emitError(loc(llvm::SMLoc::getFromPointer(
        sm.getMemoryBuffer(sm.getMainFileID())->getBufferStart())))
        << "the source defines no @kernel";
    return nullptr;
  }

  for (const auto &k : m.kernels) {
    scope.clear();
    typeParams.clear();
    NamedAttrList dtypes;
    // dtype parameters first: later parameter types may name them.
    for (const auto &p : k.params) {
      if (p.kind != ast::Param::Kind::Dtype)
        continue;
      auto it = typeDefines.find(p.name);
      std::string name = it != typeDefines.end() ? it->second : p.defaultType;
      if (name.empty()) {
        error(p.loc) << "dtype '" << p.name << "' has no value; pass -D " << p.name
                     << "=<f32|f16|bf16|i32|i64|i1>";
        return nullptr;
      }
      Type t = parseType(name);
      if (!t) {
        error(p.loc) << "dtype '" << p.name << "' = '" << name
                     << "' is not a type (expected f32, f16, bf16, i1, i32 or i64)";
        return nullptr;
      }
      typeParams[p.name] = t;
      dtypes.append(p.name, b.getStringAttr(name));
    }
    SmallVector<Type> argTypes;
    SmallVector<const ast::Param *> runtimeParams;
    NamedAttrList constexprs;
    std::set<std::string> seen;
    for (const auto &p : k.params) {
      if (!seen.insert(p.name).second) {
        error(p.loc) << "duplicate parameter '" << p.name << "'";
        return nullptr;
      }
      if (p.weight && p.kind != ast::Param::Kind::Pointer) {
        error(p.loc) << "@weight marks a pointer to data no kernel writes; '" << p.name
                     << "' is not a pointer";
        return nullptr;
      }
      if (p.kind == ast::Param::Kind::Dtype)
        continue;
      if (p.kind == ast::Param::Kind::Constexpr) {
        auto it = defines.find(p.name);
        std::optional<int64_t> v = p.defaultValue;
        if (it != defines.end())
          v = it->second;
        if (!v) {
          error(p.loc) << "constexpr '" << p.name
                       << "' has no value; pass -D " << p.name << "=<int>";
          return nullptr;
        }
        if (p.batch) {
          error(p.loc) << "a constexpr cannot be @batch: a batch size known at "
                          "compile time would specialise the kernel per batch";
          return nullptr;
        }
        scope[p.name] = GVal::ofInt(*v);
        constexprs.append(p.name, b.getI64IntegerAttr(*v));
        continue;
      }
      Type t = parseType(p.dtype);
      if (!t) {
        error(p.loc) << "unknown type '" << p.dtype
                     << "' (expected f32, f16, bf16, i1, i32 or i64)";
        return nullptr;
      }
      if (p.multipleOf != 1 &&
          (p.kind == ast::Param::Kind::Pointer || (!t.isInteger(32) && !t.isInteger(64)))) {
        error(p.loc) << "@multiple_of applies to integer parameters only";
        return nullptr;
      }
      if (p.kind == ast::Param::Kind::Pointer)
        t = bic::PtrType::get(&ctx, t);
      if (p.batch && !(t.isInteger(32) || t.isInteger(64))) {
        error(p.loc) << "@batch marks an integer count, not " << typeName(t);
        return nullptr;
      }
      argTypes.push_back(t);
      runtimeParams.push_back(&p);
    }
    int64_t numWarps = 4, numStages = 0, warpSpecialize = 0, overlap = 0, cluster = 1;
    SmallVector<int32_t> batchAxes;
    for (auto &[key, val] : k.decoratorArgs) {
      if (key == "num_warps") {
        numWarps = val;
      } else if (key == "num_stages") {
        numStages = val;
      } else if (key == "warp_specialize") {
        warpSpecialize = val;
      } else if (key == "overlap") {
        overlap = val;
      } else if (key == "cluster") {
        cluster = val;
      } else if (key == "batch_axis") {
        if (val < 0 || val > 2) {
          error(k.loc) << "batch_axis must be 0, 1 or 2";
          return nullptr;
        }
        batchAxes.push_back(val);
      } else {
        error(k.loc) << "unknown @kernel argument '" << key
                     << "' (expected num_warps, num_stages, warp_specialize, overlap, "
                        "cluster or batch_axis)";
        return nullptr;
      }
    }
    if (auto it = defines.find("num_warps"); it != defines.end())
      numWarps = it->second;
    if (auto it = defines.find("num_stages"); it != defines.end())
      numStages = it->second;
    if (auto it = defines.find("warp_specialize"); it != defines.end())
      warpSpecialize = it->second;
    if (auto it = defines.find("overlap"); it != defines.end())
      overlap = it->second;
    if (auto it = defines.find("cluster"); it != defines.end())
      cluster = it->second;
    if (cluster != 1 && cluster != 2) {
      error(k.loc) << "cluster must be 1 or 2 (CTAs per program), got " << cluster;
      return nullptr;
    }
    if (overlap != 0 && overlap != 1) {
      error(k.loc) << "overlap must be 0 or 1, got " << overlap;
      return nullptr;
    }
    if (warpSpecialize != 0 && warpSpecialize != 1) {
      error(k.loc) << "warp_specialize must be 0 or 1, got " << warpSpecialize;
      return nullptr;
    }
    if (warpSpecialize && numWarps > 16) {
      error(k.loc) << "warp_specialize needs num_warps <= 16 (one more warp produces), got "
                   << numWarps;
      return nullptr;
    }
    if (numStages && (numStages < 2 || numStages > 24)) {
      error(k.loc) << "num_stages must be 0 (no pipeline) or in [2, 24] (the cp.async "
                      "pipeline uses at most 4), got " << numStages;
      return nullptr;
    }
    if (numWarps < 1 || numWarps > 32 || (numWarps & (numWarps - 1))) {
      error(k.loc) << "num_warps must be a power of two in [1, 32], got "
                   << numWarps;
      return nullptr;
    }

    b.setInsertionPointToEnd(module.getBody());
    auto fn = b.create<func::FuncOp>(loc(k.loc), k.name,
                                     b.getFunctionType(argTypes, {}));
    fn->setAttr(bic::kKernelAttr, b.getUnitAttr());
    fn->setAttr(bic::kNumWarpsAttr, b.getI32IntegerAttr(numWarps));
    if (numStages)
      fn->setAttr(bic::kNumStagesAttr, b.getI32IntegerAttr(numStages));
    if (warpSpecialize)
      fn->setAttr(bic::kWarpSpecializeAttr, b.getUnitAttr());
    if (overlap)
      fn->setAttr(bic::kOverlapAttr, b.getUnitAttr());
    if (cluster > 1)
      fn->setAttr(bic::kClusterAttr, b.getI32IntegerAttr(cluster));
    fn->setAttr(bic::kConstexprsAttr, constexprs.getDictionary(&ctx));
    if (!dtypes.empty())
      fn->setAttr(bic::kDtypesAttr, dtypes.getDictionary(&ctx));
    if (!batchAxes.empty())
      fn->setAttr(bic::kBatchAxesAttr, b.getDenseI32ArrayAttr(batchAxes));
    Block *entry = fn.addEntryBlock();
    for (auto [i, p] : llvm::enumerate(runtimeParams)) {
      fn.setArgAttr(i, bic::kArgNameAttr, b.getStringAttr(p->name));
      if (p->batch)
        fn.setArgAttr(i, bic::kBatchArgAttr, b.getUnitAttr());
      if (p->weight)
        fn.setArgAttr(i, bic::kWeightArgAttr, b.getUnitAttr());
      if (p->multipleOf != 1)
        fn.setArgAttr(i, bic::kMultipleOfArgAttr,
                      b.getI64IntegerAttr(p->multipleOf));
      entry->getArgument(i).setLoc(loc(p->loc));
      scope[p->name] = GVal::of(entry->getArgument(i));
    }
    b.setInsertionPointToStart(entry);
    if (!genBlock(k.body) || failed)
      return nullptr;
    b.setInsertionPointToEnd(entry);
    b.create<func::ReturnOp>(loc(k.loc));
  }
  return module;
}

static bool endsWithReturn(const ast::Block &blk) {
  return !blk.empty() && blk.back()->kind == ast::Stmt::Kind::Return;
}

bool Gen::genBlock(const ast::Block &stmts, size_t from) {
  for (size_t i = from; i < stmts.size(); ++i) {
    const ast::Stmt &s = *stmts[i];
    if (s.kind == ast::Stmt::Kind::Return) {
      if (loopDepth > 0) {
        error(s.loc) << "'return' inside a loop is not supported";
        return false;
      }
      if (i + 1 != stmts.size()) {
        error(stmts[i + 1]->loc) << "unreachable code after 'return'";
        return false;
      }
      return true;
    }
    if (s.kind == ast::Stmt::Kind::If && endsWithReturn(s.body) &&
        s.orelse.empty())
      return genEarlyReturn(stmts, i);
    if (!genStmt(s))
      return false;
  }
  return !failed;
}

// `if c: ...; return` followed by more statements: the rest of the block
// becomes the else branch. Nothing flows out, since kernels return nothing.
bool Gen::genEarlyReturn(const ast::Block &stmts, size_t idx) {
  const ast::Stmt &s = *stmts[idx];
  if (loopDepth > 0) {
    error(s.loc) << "'return' inside a loop is not supported";
    return false;
  }
  auto c = expr(*s.value);
  if (!c)
    return false;
  Location l = loc(s.loc);
  if (c->isConst()) {
    bool taken = c->ck == GVal::Const::Float ? c->f != 0 : c->i != 0;
    return taken ? genBlock(s.body) : genBlock(stmts, idx + 1);
  }
  Value cond = c->v;
  if (!cond.getType().isInteger(1)) {
    error(s.value->loc) << "'if' needs a scalar i1 condition, got "
                        << typeName(cond.getType());
    return false;
  }
  auto saved = scope;
  auto ifOp = b.create<scf::IfOp>(l, TypeRange{}, cond, /*withElse=*/true);
  b.setInsertionPointToStart(&ifOp.getThenRegion().front());
  if (!genBlock(s.body))
    return false;
  scope = saved;
  b.setInsertionPointToStart(&ifOp.getElseRegion().front());
  if (!genBlock(stmts, idx + 1))
    return false;
  b.setInsertionPointAfter(ifOp);
  return true;
}

bool Gen::genStmt(const ast::Stmt &s) {
  switch (s.kind) {
  case ast::Stmt::Kind::Pass:
    return true;
  case ast::Stmt::Kind::Return:
    return true; // handled by genBlock
  case ast::Stmt::Kind::Expr: {
    if (s.value->kind != ast::Expr::Kind::Call &&
        !(s.value->kind == ast::Expr::Kind::Method && s.value->name == "store_tile")) {
      error(s.loc) << "expression statement has no effect";
      return false;
    }
    atStatement = true;
    return expr(*s.value).has_value();
  }
  case ast::Stmt::Kind::Assign: {
    descAllowed = s.value->kind == ast::Expr::Kind::Name;
    auto v = expr(*s.value);
    descAllowed = false;
    if (!v)
      return false;
    if (parseType(s.target) || s.target == "range" || s.target == "static_range") {
      error(s.targetLoc) << "cannot assign to the reserved name '" << s.target
                         << "'";
      return false;
    }
    scope[s.target] = *v;
    return true;
  }
  case ast::Stmt::Kind::AugAssign: {
    auto it = scope.find(s.target);
    if (it == scope.end()) {
      error(s.targetLoc) << "'" << s.target << "' is used before assignment";
      return false;
    }
    auto r = expr(*s.value);
    if (!r)
      return false;
    auto v = binary(s.op, loc(s.loc), it->second, *r);
    if (!v)
      return false;
    scope[s.target] = *v;
    return true;
  }
  case ast::Stmt::Kind::For:
    return genFor(s);
  case ast::Stmt::Kind::If:
    return genIf(s);
  }
  return false;
}

// Names a block (re)binds, in first-assignment order.
static void collectAssigned(const ast::Block &blk,
                            std::vector<std::string> &out) {
  for (const auto &s : blk) {
    if ((s->kind == ast::Stmt::Kind::Assign ||
         s->kind == ast::Stmt::Kind::AugAssign) &&
        !llvm::is_contained(out, s->target))
      out.push_back(s->target);
    collectAssigned(s->body, out);
    collectAssigned(s->orelse, out);
  }
}

/// `for i in static_range(...)`: bounds known at compile time; the body is
/// emitted once per value of i, in ascending order (nothing is carried,
/// names assigned in the body simply hold their last value).
bool Gen::genStaticFor(const ast::Stmt &s) {
  const ast::Expr &it = *s.value;
  SmallVector<int64_t, 3> bounds;
  for (const auto &a : it.args) {
    auto v = expr(*a);
    if (!v)
      return false;
    if (!v->isConst() || v->ck != GVal::Const::Int) {
      error(a->loc) << "static_range bounds must be integer constants (constexpr "
                       "parameters or literals)";
      return false;
    }
    bounds.push_back(v->i);
  }
  if (bounds.size() == 1)
    bounds.insert(bounds.begin(), 0);
  if (bounds.size() == 2)
    bounds.push_back(1);
  if (bounds[2] <= 0) {
    error(it.args.back()->loc) << "static_range step must be positive";
    return false;
  }
  // The count in 128 bits: bounds near the ends of int64 must not wrap.
  __int128 span = (__int128)bounds[1] - bounds[0];
  int64_t count = span <= 0 ? 0 : int64_t(std::min<__int128>((span + bounds[2] - 1) / bounds[2], 65));
  if (count > 64) {
    error(it.loc) << "static_range unrolls at most 64 iterations";
    return false;
  }
  if (parseType(s.target) || s.target == "range" || s.target == "static_range") {
    error(s.loc) << "cannot use the reserved name '" << s.target
                 << "' as a loop variable";
    return false;
  }
  // The loop variable is the loop's own, as with range(): any binding of
  // its name outside comes back after the loop.
  auto outer = scope.find(s.target);
  std::optional<GVal> saved;
  if (outer != scope.end())
    saved = outer->second;
  ++loopDepth; // 'return' in the body is refused, as in any loop
  for (int64_t n = 0; n < count; ++n) {
    scope[s.target] = GVal::ofInt(int64_t((__int128)bounds[0] + (__int128)n * bounds[2]));
    if (!genBlock(s.body)) {
      --loopDepth;
      return false;
    }
  }
  --loopDepth;
  if (saved)
    scope[s.target] = *saved;
  else
    scope.erase(s.target);
  return true;
}

bool Gen::genFor(const ast::Stmt &s) {
  const ast::Expr &it = *s.value;
  if (it.kind == ast::Expr::Kind::Call && it.name == "static_range" &&
      it.kwargs.empty() && !it.args.empty() && it.args.size() <= 3)
    return genStaticFor(s);
  if (it.kind != ast::Expr::Kind::Call || it.name != "range" ||
      !it.kwargs.empty() || it.args.empty() || it.args.size() > 3) {
    error(it.loc) << "a for loop iterates over range(start, end[, step]) or "
                     "static_range(start, end[, step])";
    return false;
  }
  Location l = loc(s.loc);
  SmallVector<GVal> bounds;
  for (const auto &a : it.args) {
    auto v = expr(*a);
    if (!v)
      return false;
    if (v->isConst() && v->ck != GVal::Const::Int) {
      error(a->loc) << "range bounds must be integers";
      return false;
    }
    if (!v->isConst() && !(v->v.getType().isInteger(32) ||
                           v->v.getType().isInteger(64))) {
      error(a->loc) << "range bounds must be i32 or i64 scalars, got "
                    << typeName(v->v.getType());
      return false;
    }
    bounds.push_back(*v);
  }
  if (bounds.size() == 1)
    bounds.insert(bounds.begin(), GVal::ofInt(0));
  if (bounds.size() == 2)
    bounds.push_back(GVal::ofInt(1));
  if (bounds[2].isConst() && bounds[2].i <= 0) {
    error(it.args.back()->loc) << "range step must be positive";
    return false;
  }
  Type ivType = b.getI32Type();
  for (auto &g : bounds)
    if (!g.isConst() && g.v.getType().isInteger(64))
      ivType = b.getI64Type();
  SmallVector<Value> bv;
  for (auto &g : bounds)
    bv.push_back(g.isConst() ? materialize(g, l, ivType) : cast(g.v, ivType, l));

  std::vector<std::string> assigned;
  collectAssigned(s.body, assigned);
  SmallVector<std::string> carried;
  SmallVector<Value> inits;
  for (const auto &n : assigned) {
    auto f = scope.find(n);
    if (f == scope.end() || n == s.target)
      continue;
    if (f->second.isDesc()) {
      error(s.loc) << "tensor descriptor '" << n
                   << "' is reassigned in the loop body; create descriptors "
                      "once, before the loop";
      return false;
    }
    Value v = f->second.isConst() ? materialize(f->second, l) : f->second.v;
    f->second = GVal::of(v);
    carried.push_back(n);
    inits.push_back(v);
  }
  auto forOp = b.create<scf::ForOp>(l, bv[0], bv[1], bv[2], inits);
  auto saved = scope;
  Block *body = forOp.getBody();
  b.setInsertionPointToStart(body);
  scope[s.target] = GVal::of(forOp.getInductionVar());
  for (auto [i, n] : llvm::enumerate(carried))
    scope[n] = GVal::of(forOp.getRegionIterArg(i));
  ++loopDepth;
  bool ok = genBlock(s.body);
  --loopDepth;
  if (!ok)
    return false;
  SmallVector<Value> yields;
  for (auto [i, n] : llvm::enumerate(carried)) {
    GVal g = scope[n];
    Value v = g.isConst() ? materialize(g, l, inits[i].getType()) : g.v;
    if (v.getType() != inits[i].getType()) {
      error(s.loc) << "loop-carried '" << n << "' changes type from "
                   << typeName(inits[i].getType()) << " to "
                   << typeName(v.getType()) << " in the loop body";
      return false;
    }
    yields.push_back(v);
  }
  if (body->mightHaveTerminator())
    body->getTerminator()->erase();
  b.setInsertionPointToEnd(body);
  b.create<scf::YieldOp>(l, yields);
  b.setInsertionPointAfter(forOp);
  scope = saved;
  for (auto [i, n] : llvm::enumerate(carried))
    scope[n] = GVal::of(forOp.getResult(i));
  return true;
}

bool Gen::genIf(const ast::Stmt &s) {
  auto c = expr(*s.value);
  if (!c)
    return false;
  Location l = loc(s.loc);
  if (endsWithReturn(s.body) || endsWithReturn(s.orelse)) {
    error(s.loc) << "'return' inside an if with an else branch is not "
                    "supported; write 'if cond: return' before the rest";
    return false;
  }
  if (c->isConst()) // decided at compile time, e.g. on a constexpr
    return (c->ck == GVal::Const::Float ? c->f != 0 : c->i != 0)
               ? genBlock(s.body)
               : genBlock(s.orelse);
  Value cond = c->v;
  if (!cond.getType().isInteger(1)) {
    error(s.value->loc) << "'if' needs a scalar i1 condition, got "
                        << typeName(cond.getType())
                        << (isa<RankedTensorType>(cond.getType())
                                ? " (use where() for element-wise choice)"
                                : "");
    return false;
  }
  // Results: names rebound in a branch that exist before the if, and names
  // first bound in both branches (as Python would have them after the if).
  std::vector<std::string> inThen, inElse;
  collectAssigned(s.body, inThen);
  collectAssigned(s.orelse, inElse);
  SmallVector<std::string> results;
  for (const auto &n : inThen)
    if (scope.count(n) || llvm::is_contained(inElse, n))
      results.push_back(n);
  for (const auto &n : inElse)
    if (scope.count(n) && !llvm::is_contained(results, n))
      results.push_back(n);

  auto saved = scope;
  auto genBranch = [&](const ast::Block &blk,
                       SmallVector<GVal> &out) -> bool {
    scope = saved;
    if (!genBlock(blk))
      return false;
    for (const auto &n : results) {
      if (scope[n].isDesc()) {
        error(s.loc) << "tensor descriptor '" << n
                     << "' is assigned under a run-time condition; create "
                        "descriptors unconditionally (or under a constexpr if)";
        return false;
      }
      out.push_back(scope[n]);
    }
    return true;
  };
  // Generate both branches into a temporary if, then fix the result types.
  auto tmp = b.create<scf::IfOp>(l, TypeRange{}, cond, /*withElse=*/true);
  SmallVector<GVal> thenVals, elseVals;
  b.setInsertionPointToStart(&tmp.getThenRegion().front());
  if (!genBranch(s.body, thenVals))
    return false;
  b.setInsertionPointToStart(&tmp.getElseRegion().front());
  if (!genBranch(s.orelse, elseVals))
    return false;
  SmallVector<Type> types;
  SmallVector<Value> tv, ev;
  for (size_t i = 0; i < results.size(); ++i) {
    GVal &t = thenVals[i], &e = elseVals[i];
    Type ty = !t.isConst() ? t.v.getType()
              : !e.isConst() ? e.v.getType()
                             : Type();
    b.setInsertionPoint(tmp.getThenRegion().front().getTerminator());
    Value a = t.isConst() ? materialize(t, l, ty) : t.v;
    b.setInsertionPoint(tmp.getElseRegion().front().getTerminator());
    Value c2 = e.isConst() ? materialize(e, l, a.getType()) : e.v;
    if (a.getType() != c2.getType()) {
      error(s.loc) << "'" << results[i] << "' has type " << typeName(a.getType())
                   << " after the then-branch but " << typeName(c2.getType())
                   << " after the else-branch";
      return false;
    }
    types.push_back(a.getType());
    tv.push_back(a);
    ev.push_back(c2);
  }
  b.setInsertionPoint(tmp);
  auto ifOp = b.create<scf::IfOp>(l, types, cond, /*withElse=*/true);
  ifOp.getThenRegion().takeBody(tmp.getThenRegion());
  ifOp.getElseRegion().takeBody(tmp.getElseRegion());
  tmp.erase();
  for (Region *r : {&ifOp.getThenRegion(), &ifOp.getElseRegion()}) {
    Block &blk = r->front();
    blk.getTerminator()->erase();
    b.setInsertionPointToEnd(&blk);
    b.create<scf::YieldOp>(l, r == &ifOp.getThenRegion() ? tv : ev);
  }
  b.setInsertionPointAfter(ifOp);
  scope = saved;
  for (auto [i, n] : llvm::enumerate(results))
    scope[n] = GVal::of(ifOp.getResult(i));
  return true;
}

OwningOpRef<ModuleOp> bic::mlirGen(MLIRContext &ctx, const llvm::SourceMgr &sm,
                                   const ast::Module &module,
                                   const Defines &defines,
                                   const TypeDefines &typeDefines) {
  ctx.loadDialect<bic::BicDialect, arith::ArithDialect, math::MathDialect,
                  scf::SCFDialect, func::FuncDialect>();
  Gen g(ctx, sm, defines, typeDefines);
  auto m = g.genModule(module);
  if (g.failed || !m)
    return nullptr;
  // Every tile is unrolled into per-thread code: one of millions of
  // elements would take minutes and gigabytes to lower. Refuse it where it
  // is made.
  constexpr int64_t kMaxTileElements = int64_t(1) << 17;
  bool big = false;
  m->walk([&](Operation *op) {
    for (Type t : op->getResultTypes()) {
      auto rt = dyn_cast<RankedTensorType>(t);
      if (!rt || big)
        continue;
      // (the product checked step by step: shapes of 2^32 x 2^32 wrap int64)
      int64_t n = 1;
      bool over = false;
      for (int64_t d : rt.getShape())
        over |= d < 0 || __builtin_mul_overflow(n, d, &n) || n > kMaxTileElements;
      if (over) {
        emitError(op->getLoc()) << "a tile of shape " << typeName(t)
                                << " has more than the " << kMaxTileElements
                                << " elements a tile may hold";
        big = true;
      }
    }
  });
  if (big)
    return nullptr;
  return m;
}
