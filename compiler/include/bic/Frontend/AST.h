//===- AST.h - syntax tree of the bic tile language -------------*- C++ -*-===//
#ifndef BIC_FRONTEND_AST_H
#define BIC_FRONTEND_AST_H

#include "llvm/Support/SMLoc.h"
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace bic::ast {

struct Expr;
struct Stmt;
using ExprPtr = std::unique_ptr<Expr>;
using StmtPtr = std::unique_ptr<Stmt>;
using Block = std::vector<StmtPtr>;

struct Expr {
  enum class Kind {
    Name,      // name
    Int,       // ival
    Float,     // fval
    Bool,      // ival (0/1)
    None,      // `None`
    Colon,     // `:` inside a subscript
    Unary,     // name = op ("-", "not", "~"), args[0]
    Binary,    // name = op, args[0] op args[1]
    Call,      // name = callee, args, kwargs
    Method,    // args[0].name(args[1:], kwargs)
    Subscript, // args[0][args[1:]]
    Tuple,     // (args...) or [args...]
  };
  Kind kind;
  llvm::SMLoc loc;
  std::string name;
  int64_t ival = 0;
  double fval = 0;
  std::vector<ExprPtr> args;
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
  /// Levels of the tree under this node (1 for a leaf), kept bounded by the
  /// parser so that no recursive walk over an expression overflows the stack.
  unsigned depth = 1;
  Expr(Kind k, llvm::SMLoc l) : kind(k), loc(l) {}
};

struct Stmt {
  enum class Kind { Assign, AugAssign, Expr, For, If, Return, Pass };
  Kind kind;
  llvm::SMLoc loc;
  std::string target;       // Assign/AugAssign: name; For: loop variable
  llvm::SMLoc targetLoc;
  std::string op;           // AugAssign: "+", "-", ...
  ExprPtr value;            // Assign/AugAssign/Expr: value; For: range call; If: cond
  Block body, orelse;
  Stmt(Kind k, llvm::SMLoc l) : kind(k), loc(l) {}
};

struct Param {
  enum class Kind { Pointer, Scalar, Constexpr, Dtype };
  std::string name;
  llvm::SMLoc loc;
  Kind kind = Kind::Scalar;
  std::string dtype;            // element type for Pointer, type for Scalar
  bool batch = false;           // `@batch`
  int64_t multipleOf = 1;       // `@multiple_of(n)`
  bool weight = false;          // `@weight` (pointers)
  std::optional<int64_t> defaultValue; // constexpr default
  std::string defaultType;             // dtype default ("" if none)
};

struct Kernel {
  std::string name;
  llvm::SMLoc loc;
  std::vector<Param> params;
  std::vector<std::pair<std::string, int64_t>> decoratorArgs; // @kernel(num_warps=8)
  Block body;
};

struct Module {
  std::vector<Kernel> kernels;
};

} // namespace bic::ast

#endif // BIC_FRONTEND_AST_H
