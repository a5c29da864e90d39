//===- MLIRGenImpl.h - state shared by the MLIRGen files --------*- C++ -*-===//
//
// The generator walks the AST once, evaluating Python-level constants
// (literals, constexpr parameters) at compile time and emitting bic/arith/
// math/scf ops for everything else.
//
//===----------------------------------------------------------------------===//
#ifndef BIC_FRONTEND_MLIRGENIMPL_H
#define BIC_FRONTEND_MLIRGENIMPL_H

#include "bic/Dialect/Bic.h"
#include "bic/Frontend/MLIRGen.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "llvm/Support/SourceMgr.h"

#include <optional>

namespace bic::detail {

/// A value during generation: either a compile-time constant (Python int,
/// float or bool, not yet given a machine type) or an SSA value.
struct GVal {
  mlir::Value v;
  /// A tensor descriptor (`tensor(ptr, shape)`): `v` is its base pointer and
  /// these are its extents (i32, outermost first). Empty for other values.
  llvm::SmallVector<mlir::Value, 2> descShape;
  bool isDesc() const { return !descShape.empty(); }
  enum class Const { None, Int, Float, Bool } ck = Const::None;
  int64_t i = 0;
  double f = 0;
  bool isConst() const { return ck != Const::None; }
  static GVal ofInt(int64_t x) { GVal g; g.ck = Const::Int; g.i = x; return g; }
  static GVal ofFloat(double x) { GVal g; g.ck = Const::Float; g.f = x; return g; }
  static GVal ofBool(bool x) { GVal g; g.ck = Const::Bool; g.i = x; return g; }
  static GVal of(mlir::Value x) { GVal g; g.v = x; return g; }
};

class Gen {
public:
  Gen(mlir::MLIRContext &ctx, const llvm::SourceMgr &sm, const Defines &defs,
      const TypeDefines &typeDefs)
      : ctx(ctx), b(&ctx), sm(sm), defines(defs), typeDefines(typeDefs) {}

  mlir::OwningOpRef<mlir::ModuleOp> genModule(const ast::Module &m);

  // --- MLIRGenExpr.cpp ------------------------------------------------------
  std::optional<GVal> expr(const ast::Expr &e);
  std::optional<GVal> call(const ast::Expr &e);
  std::optional<GVal> method(const ast::Expr &e);
  /// `desc.load_tile(coords, shape)` and `desc.store_tile(coords, value)`.
  std::optional<GVal> tileMethod(const ast::Expr &e);
  /// `tensor(ptr, shape)`.
  std::optional<GVal> makeDescriptor(const ast::Expr &e);
  std::optional<GVal> subscript(const ast::Expr &e);
  std::optional<GVal> binary(llvm::StringRef op, mlir::Location loc, GVal l,
                             GVal r);
  std::optional<GVal> unary(llvm::StringRef op, mlir::Location loc, GVal x);
  /// Gives a constant a machine type: `like` decides it when present.
  mlir::Value materialize(const GVal &g, mlir::Location loc,
                          mlir::Type like = {});
  mlir::Value cast(mlir::Value v, mlir::Type elem, mlir::Location loc);
  mlir::Value broadcastTo(mlir::Value v, llvm::ArrayRef<int64_t> shape,
                          mlir::Location loc);
  /// Brings two operands to one element type and one shape.
  bool unify(mlir::Value &l, mlir::Value &r, mlir::Location loc,
             bool sameElem = true);
  std::optional<mlir::Type> dtype(const ast::Expr &e);
  std::optional<int64_t> constInt(const ast::Expr &e, llvm::StringRef what);

  // --- MLIRGen.cpp ----------------------------------------------------------
  mlir::Location loc(llvm::SMLoc l);
  mlir::InFlightDiagnostic error(llvm::SMLoc l) {
    failed = true;
    return mlir::emitError(loc(l));
  }
  mlir::Type parseType(llvm::StringRef name);
  bool genBlock(const ast::Block &stmts, size_t from = 0);
  bool genStmt(const ast::Stmt &s);
  bool genFor(const ast::Stmt &s);
  bool genStaticFor(const ast::Stmt &s);
  bool genIf(const ast::Stmt &s);
  bool genEarlyReturn(const ast::Block &stmts, size_t ifIndex);

  mlir::MLIRContext &ctx;
  mlir::OpBuilder b;
  const llvm::SourceMgr &sm;
  const Defines &defines;
  const TypeDefines &typeDefines;
  /// `dtype` parameters of the kernel being generated.
  std::map<std::string, mlir::Type> typeParams;
  std::map<std::string, GVal> scope;
  bool failed = false;
  /// Set while evaluating an expression statement's own expression (the
  /// only place store(), atomic_add() and .store_tile() may appear).
  bool atStatement = false;
  /// Set while evaluating the right-hand side of a plain assignment, the
  /// only place besides a method call where a descriptor may be named.
  bool descAllowed = false;
  int loopDepth = 0;
};

inline mlir::Type elemType(mlir::Type t) {
  if (auto rt = llvm::dyn_cast<mlir::RankedTensorType>(t))
    return rt.getElementType();
  return t;
}
inline llvm::ArrayRef<int64_t> shapeOf(mlir::Type t) {
  if (auto rt = llvm::dyn_cast<mlir::RankedTensorType>(t))
    return rt.getShape();
  return {};
}
std::string typeName(mlir::Type t);
inline mlir::Type withShape(mlir::Type elem, llvm::ArrayRef<int64_t> shape) {
  if (shape.empty())
    return elem;
  return mlir::RankedTensorType::get(shape, elem);
}

} // namespace bic::detail

#endif // BIC_FRONTEND_MLIRGENIMPL_H
