//===- Parser.cpp - recursive-descent parser for .bic sources -------------===//
//
// Grammar (Python subset):
//   module  := (decorator* 'def' NAME '(' params ')' ':' suite)*
//   param   := NAME ':' type ('@' 'batch' | '@' 'multiple_of' '(' INT ')' | '@' 'weight')*
//              ('=' INT)?
//   type    := 'ptr' '[' NAME ']' | 'constexpr' | 'dtype' | NAME
//   stmt    := 'for' NAME 'in' expr ':' suite
//            | 'if' expr ':' suite ('elif' ... | 'else' ':' suite)?
//            | 'pass' | 'return' | NAME ('=' | '+=' | ...) expr | expr
//   expr    := Python precedence from `or` down to calls, methods and
//              subscripts (`x[:, None]`).
//
//===----------------------------------------------------------------------===//
#include "bic/Frontend/Parser.h"

#include "llvm/ADT/StringExtras.h"

#include <cmath>
#include <set>
#include "llvm/ADT/StringSwitch.h"

using namespace bic;
using namespace bic::ast;
using llvm::SMLoc;
using llvm::StringRef;
using llvm::Twine;

namespace {
class Parser {
public:
  Parser(std::vector<Token> toks, const DiagFn &diag)
      : toks(std::move(toks)), diag(diag) {}

  std::optional<Module> parseModule() {
    Module m;
    while (!cur().is(Tok::Eof)) {
      if (cur().is(Tok::Newline)) {
        ++pos;
        continue;
      }
      Kernel k;
      if (!parseKernel(k))
        return std::nullopt;
      m.kernels.push_back(std::move(k));
    }
    return m;
  }

private:
  std::vector<Token> toks;
  const DiagFn &diag;
  size_t pos = 0;
  bool failed = false;

  const Token &cur() const { return toks[pos]; }
  const Token &peek(size_t n = 1) const {
    return toks[std::min(pos + n, toks.size() - 1)];
  }
  bool error(SMLoc loc, const Twine &msg) {
    if (!failed)
      diag(loc, msg);
    failed = true;
    return false;
  }
  static std::string describe(const Token &t) {
    switch (t.kind) {
    case Tok::Eof: return "end of file";
    case Tok::Newline: return "end of line";
    case Tok::Indent: return "indentation";
    case Tok::Dedent: return "end of block";
    default: return ("'" + t.text + "'").str();
    }
  }
  bool expectPunct(StringRef p, StringRef what = "") {
    if (cur().isPunct(p)) {
      ++pos;
      return true;
    }
    return error(cur().loc, Twine("expected '") + p + "'" +
                                (what.empty() ? "" : Twine(" ") + what) +
                                ", found " + describe(cur()));
  }
  bool expect(Tok k, StringRef what) {
    if (cur().is(k)) {
      ++pos;
      return true;
    }
    return error(cur().loc,
                 Twine("expected ") + what + ", found " + describe(cur()));
  }
  bool parseIntLit(int64_t &v) {
    bool neg = false;
    if (cur().isPunct("-")) {
      neg = true;
      ++pos;
    }
    if (!cur().is(Tok::Int))
      return error(cur().loc, "expected an integer, found " + describe(cur()));
    std::string digits = cur().text.str();
    digits.erase(std::remove(digits.begin(), digits.end(), '_'), digits.end());
    if (StringRef(digits).getAsInteger(0, v))
      return error(cur().loc, "integer literal out of range");
    if (neg)
      v = -v;
    ++pos;
    return true;
  }

  bool parseKernel(Kernel &k) {
    bool sawKernel = false;
    while (cur().isPunct("@")) {
      ++pos;
      if (!cur().is(Tok::Name))
        return error(cur().loc, "expected a decorator name");
      if (cur().text != "kernel")
        return error(cur().loc, "unknown decorator '@" + cur().text +
                                    "' (only @kernel is supported)");
      if (sawKernel)
        return error(cur().loc, "@kernel given twice");
      sawKernel = true;
      ++pos;
      if (cur().isPunct("(")) {
        ++pos;
        while (!cur().isPunct(")")) {
          if (!cur().is(Tok::Name))
            return error(cur().loc, "expected a keyword argument of @kernel");
          std::string key = cur().text.str();
          if (llvm::any_of(k.decoratorArgs, [&](const auto &kv) { return kv.first == key; }))
            return error(cur().loc, "@kernel(" + key + "=...) given twice");
          ++pos;
          int64_t v;
          if (!expectPunct("=") || !parseIntLit(v))
            return false;
          k.decoratorArgs.push_back({key, v});
          if (!cur().isPunct(","))
            break;
          ++pos;
        }
        if (!expectPunct(")"))
          return false;
      }
      if (!expect(Tok::Newline, "end of line after decorator"))
        return false;
    }
    if (!cur().isName("def"))
      return error(cur().loc, "expected a kernel definition ('@kernel' then "
                              "'def'), found " + describe(cur()));
    if (!sawKernel)
      return error(cur().loc, "a kernel definition needs the @kernel decorator");
    ++pos;
    if (!cur().is(Tok::Name))
      return error(cur().loc, "expected the kernel name");
    k.name = cur().text.str();
    k.loc = cur().loc;
    ++pos;
    if (!expectPunct("("))
      return false;
    while (!cur().isPunct(")")) {
      Param p;
      if (!parseParam(p))
        return false;
      k.params.push_back(std::move(p));
      if (!cur().isPunct(","))
        break;
      ++pos;
    }
    if (!expectPunct(")", "to close the parameter list"))
      return false;
    if (cur().isPunct("->")) {
      ++pos;
      if (!cur().isName("None"))
        return error(cur().loc, "kernels return nothing ('-> None')");
      ++pos;
    }
    if (!expectPunct(":"))
      return false;
    return parseSuite(k.body);
  }

  bool parseParam(Param &p) {
    if (!cur().is(Tok::Name))
      return error(cur().loc, "expected a parameter name, found " + describe(cur()));
    p.name = cur().text.str();
    p.loc = cur().loc;
    ++pos;
    if (!expectPunct(":", "and a type after the parameter name"))
      return false;
    if (!cur().is(Tok::Name))
      return error(cur().loc, "expected a parameter type");
    StringRef ty = cur().text;
    SMLoc tyLoc = cur().loc;
    ++pos;
    if (ty == "ptr") {
      p.kind = Param::Kind::Pointer;
      if (!expectPunct("[", "after 'ptr'"))
        return false;
      if (!cur().is(Tok::Name))
        return error(cur().loc, "expected the pointee type");
      p.dtype = cur().text.str();
      ++pos;
      if (!expectPunct("]"))
        return false;
    } else if (ty == "constexpr") {
      p.kind = Param::Kind::Constexpr;
    } else if (ty == "dtype") {
      p.kind = Param::Kind::Dtype;
    } else {
      p.kind = Param::Kind::Scalar;
      p.dtype = ty.str();
    }
    (void)tyLoc;
    std::set<std::string> annotations;
    while (cur().isPunct("@")) {
      ++pos;
      if (cur().is(Tok::Name) && !annotations.insert(cur().text.str()).second)
        return error(cur().loc, "@" + cur().text + " given twice");
      if (cur().isName("batch")) {
        p.batch = true;
        ++pos;
      } else if (cur().isName("weight")) {
        p.weight = true;
        ++pos;
      } else if (cur().isName("multiple_of")) {
        ++pos;
        if (!expectPunct("(") || !parseIntLit(p.multipleOf) || !expectPunct(")"))
          return false;
        if (p.multipleOf <= 0)
          return error(cur().loc, "multiple_of needs a positive value");
      } else {
        return error(cur().loc, "unknown parameter annotation " + describe(cur()) +
                                    " (expected @batch, @multiple_of(n) or @weight)");
      }
    }
    if (cur().isPunct("=")) {
      ++pos;
      if (p.kind == Param::Kind::Dtype) {
        if (!cur().is(Tok::Name))
          return error(cur().loc, "expected a dtype name as the default");
        p.defaultType = cur().text.str();
        ++pos;
        return true;
      }
      if (p.kind != Param::Kind::Constexpr)
        return error(cur().loc, "only constexpr and dtype parameters take defaults");
      int64_t v;
      if (!parseIntLit(v))
        return false;
      p.defaultValue = v;
    }
    return true;
  }

  bool parseSuite(Block &body) {
    if (!cur().is(Tok::Newline)) {
      StmtPtr s = parseSimple();
      if (!s)
        return false;
      body.push_back(std::move(s));
      return expect(Tok::Newline, "end of line");
    }
    ++pos;
    if (!expect(Tok::Indent, "an indented block"))
      return false;
    bool ok = enter();
    while (ok && !cur().is(Tok::Dedent) && !cur().is(Tok::Eof)) {
      StmtPtr s = parseStmt();
      if (!s)
        ok = false;
      else
        body.push_back(std::move(s));
    }
    --nesting;
    return ok && expect(Tok::Dedent, "end of block");
  }

  StmtPtr parseStmt() {
    SMLoc loc = cur().loc;
    if (cur().isName("for")) {
      ++pos;
      auto s = std::make_unique<Stmt>(Stmt::Kind::For, loc);
      if (!cur().is(Tok::Name)) {
        error(cur().loc, "expected a loop variable");
        return nullptr;
      }
      s->target = cur().text.str();
      s->targetLoc = cur().loc;
      ++pos;
      if (!cur().isName("in")) {
        error(cur().loc, "expected 'in'");
        return nullptr;
      }
      ++pos;
      s->value = parseExpr();
      if (!s->value || !expectPunct(":") || !parseSuite(s->body))
        return nullptr;
      return s;
    }
    if (cur().isName("if") || cur().isName("elif")) {
      ++pos;
      auto s = std::make_unique<Stmt>(Stmt::Kind::If, loc);
      s->value = parseExpr();
      if (!s->value || !expectPunct(":") || !parseSuite(s->body))
        return nullptr;
      if (cur().isName("elif")) {
        StmtPtr e = enter() ? parseStmt() : nullptr;
        --nesting;
        if (!e)
          return nullptr;
        s->orelse.push_back(std::move(e));
      } else if (cur().isName("else")) {
        ++pos;
        if (!expectPunct(":") || !parseSuite(s->orelse))
          return nullptr;
      }
      return s;
    }
    if (cur().isName("else") || cur().isName("elif")) {
      error(loc, "'" + cur().text + "' without a matching 'if'");
      return nullptr;
    }
    StmtPtr s = parseSimple();
    if (!s || !expect(Tok::Newline, "end of line"))
      return nullptr;
    return s;
  }

  StmtPtr parseSimple() {
    SMLoc loc = cur().loc;
    if (cur().isName("pass")) {
      ++pos;
      return std::make_unique<Stmt>(Stmt::Kind::Pass, loc);
    }
    if (cur().isName("return")) {
      ++pos;
      if (!cur().is(Tok::Newline)) {
        error(cur().loc, "kernels cannot return a value");
        return nullptr;
      }
      return std::make_unique<Stmt>(Stmt::Kind::Return, loc);
    }
    static const char *const kAug[] = {"+=", "-=", "*=", "/="};
    if (cur().is(Tok::Name)) {
      const Token &n = peek();
      if (n.isPunct("=")) {
        auto s = std::make_unique<Stmt>(Stmt::Kind::Assign, loc);
        s->target = cur().text.str();
        s->targetLoc = loc;
        pos += 2;
        s->value = parseExpr();
        return s->value ? std::move(s) : nullptr;
      }
      for (const char *a : kAug)
        if (n.isPunct(a)) {
          auto s = std::make_unique<Stmt>(Stmt::Kind::AugAssign, n.loc);
          s->target = cur().text.str();
          s->targetLoc = loc;
          s->op = StringRef(a).drop_back().str();
          pos += 2;
          s->value = parseExpr();
          return s->value ? std::move(s) : nullptr;
        }
    }
    auto s = std::make_unique<Stmt>(Stmt::Kind::Expr, loc);
    s->value = parseExpr();
    if (!s->value)
      return nullptr;
    if (cur().isPunct("=")) {
      error(cur().loc, "can only assign to a plain name");
      return nullptr;
    }
    return s;
  }

  // --- expressions, lowest precedence first --------------------------------
  ExprPtr binary(std::string op, SMLoc loc, ExprPtr l, ExprPtr r) {
    auto e = std::make_unique<Expr>(Expr::Kind::Binary, loc);
    e->name = std::move(op);
    e->args.push_back(std::move(l));
    e->args.push_back(std::move(r));
    return deepen(*e) ? std::move(e) : nullptr;
  }

  // Deeply nested input would overflow the stack of the recursive parser,
  // code generator and destructors: nesting (parentheses, calls,
  // subscripts, unary operators, '**', elif chains, blocks) and the depth of
  // an expression's tree, checked as each node is made, are bounded.
  static constexpr unsigned kMaxNesting = 200, kMaxDepth = 1000;
  unsigned nesting = 0;
  bool enter() {
    if (++nesting <= kMaxNesting)
      return true;
    error(cur().loc, "input nested more than " + Twine(kMaxNesting) + " levels deep");
    return false;
  }
  /// Sets e's depth from its children's; false (an error) past kMaxDepth.
  bool deepen(Expr &e) {
    unsigned d = 0;
    for (const ExprPtr &a : e.args)
      d = std::max(d, a ? a->depth : 0u);
    for (const auto &kw : e.kwargs)
      d = std::max(d, kw.second ? kw.second->depth : 0u);
    e.depth = d + 1;
    if (e.depth <= kMaxDepth)
      return true;
    return error(e.loc, "expression has more than " + Twine(kMaxDepth) +
                            " levels of operations; split it with assignments");
  }
  ExprPtr parseExpr() {
    ExprPtr e = enter() ? parseOr() : nullptr;
    --nesting;
    return e;
  }

  ExprPtr parseOr() {
    ExprPtr l = parseAnd();
    while (l && cur().isName("or")) {
      SMLoc loc = cur().loc;
      ++pos;
      ExprPtr r = parseAnd();
      if (!r)
        return nullptr;
      l = binary("or", loc, std::move(l), std::move(r));
    }
    return l;
  }
  ExprPtr parseAnd() {
    ExprPtr l = parseNot();
    while (l && cur().isName("and")) {
      SMLoc loc = cur().loc;
      ++pos;
      ExprPtr r = parseNot();
      if (!r)
        return nullptr;
      l = binary("and", loc, std::move(l), std::move(r));
    }
    return l;
  }
  ExprPtr parseNot() {
    if (cur().isName("not")) {
      auto e = std::make_unique<Expr>(Expr::Kind::Unary, cur().loc);
      e->name = "not";
      ++pos;
      bool ok = enter();
      ExprPtr x = ok ? parseNot() : nullptr;
      --nesting;
      if (!x)
        return nullptr;
      e->args.push_back(std::move(x));
      return deepen(*e) ? std::move(e) : nullptr;
    }
    return parseCompare();
  }
  ExprPtr parseCompare() {
    ExprPtr l = parseLevel(0);
    static const char *const kCmp[] = {"<", "<=", ">", ">=", "==", "!="};
    for (const char *c : kCmp)
      if (l && cur().isPunct(c)) {
        SMLoc loc = cur().loc;
        ++pos;
        ExprPtr r = parseLevel(0);
        if (!r)
          return nullptr;
        for (const char *c2 : kCmp)
          if (cur().isPunct(c2)) {
            error(cur().loc, "chained comparisons are not supported");
            return nullptr;
          }
        return binary(c, loc, std::move(l), std::move(r));
      }
    return l;
  }
  // Binary levels from `|` to `*`.
  ExprPtr parseLevel(int level) {
    static const std::vector<std::vector<const char *>> kLevels = {
        {"|"}, {"^"}, {"&"}, {"<<", ">>"}, {"+", "-"}, {"*", "/", "//", "%"}};
    if (level == int(kLevels.size()))
      return parseUnary();
    ExprPtr l = parseLevel(level + 1);
    while (l) {
      const char *found = nullptr;
      for (const char *op : kLevels[level])
        if (cur().isPunct(op))
          found = op;
      if (!found)
        break;
      SMLoc loc = cur().loc;
      ++pos;
      ExprPtr r = parseLevel(level + 1);
      if (!r)
        return nullptr;
      l = binary(found, loc, std::move(l), std::move(r));
    }
    return l;
  }
  ExprPtr parseUnary() {
    if (cur().isPunct("-") || cur().isPunct("+") || cur().isPunct("~")) {
      auto e = std::make_unique<Expr>(Expr::Kind::Unary, cur().loc);
      e->name = cur().text.str();
      ++pos;
      bool ok = enter();
      ExprPtr x = ok ? parseUnary() : nullptr;
      --nesting;
      if (!x)
        return nullptr;
      if (e->name == "+")
        return x;
      e->args.push_back(std::move(x));
      return deepen(*e) ? std::move(e) : nullptr;
    }
    return parsePower();
  }
  ExprPtr parsePower() {
    ExprPtr l = parsePostfix();
    if (l && cur().isPunct("**")) {
      SMLoc loc = cur().loc;
      ++pos;
      ExprPtr r = enter() ? parseUnary() : nullptr;
      --nesting;
      if (!r)
        return nullptr;
      return binary("**", loc, std::move(l), std::move(r));
    }
    return l;
  }

  bool parseArgs(Expr &call) {
    // after '('
    while (!cur().isPunct(")")) {
      if (cur().is(Tok::Name) && peek().isPunct("=")) {
        std::string key = cur().text.str();
        SMLoc keyLoc = cur().loc;
        pos += 2;
        ExprPtr v = parseExpr();
        if (!v)
          return false;
        for (auto &kv : call.kwargs)
          if (kv.first == key)
            return error(keyLoc, "keyword argument '" + key + "' repeated");
        call.kwargs.push_back({key, std::move(v)});
      } else {
        if (!call.kwargs.empty())
          return error(cur().loc, "positional argument after keyword argument");
        ExprPtr v = parseExpr();
        if (!v)
          return false;
        call.args.push_back(std::move(v));
      }
      if (!cur().isPunct(","))
        break;
      ++pos;
    }
    return expectPunct(")", "to close the argument list");
  }

  ExprPtr parsePostfix() {
    ExprPtr e = parseAtom();
    while (e) {
      if (cur().isPunct("(")) {
        if (e->kind != Expr::Kind::Name) {
          error(cur().loc, "only named functions can be called");
          return nullptr;
        }
        e->kind = Expr::Kind::Call;
        ++pos;
        if (!parseArgs(*e) || !deepen(*e))
          return nullptr;
      } else if (cur().isPunct(".")) {
        ++pos;
        if (!cur().is(Tok::Name)) {
          error(cur().loc, "expected a method name after '.'");
          return nullptr;
        }
        auto m = std::make_unique<Expr>(Expr::Kind::Method, cur().loc);
        m->name = cur().text.str();
        ++pos;
        m->args.push_back(std::move(e));
        if (!expectPunct("(", "to call the method") || !parseArgs(*m) || !deepen(*m))
          return nullptr;
        e = std::move(m);
      } else if (cur().isPunct("[")) {
        auto s = std::make_unique<Expr>(Expr::Kind::Subscript, cur().loc);
        ++pos;
        s->args.push_back(std::move(e));
        while (!cur().isPunct("]")) {
          if (cur().isPunct(":")) {
            s->args.push_back(std::make_unique<Expr>(Expr::Kind::Colon, cur().loc));
            ++pos;
          } else {
            ExprPtr idx = parseExpr();
            if (!idx)
              return nullptr;
            s->args.push_back(std::move(idx));
          }
          if (!cur().isPunct(","))
            break;
          ++pos;
        }
        if (!expectPunct("]") || !deepen(*s))
          return nullptr;
        e = std::move(s);
      } else {
        break;
      }
    }
    return e;
  }

  ExprPtr parseAtom() {
    const Token &t = cur();
    if (t.is(Tok::Int)) {
      auto e = std::make_unique<Expr>(Expr::Kind::Int, t.loc);
      std::string digits = t.text.str();
      digits.erase(std::remove(digits.begin(), digits.end(), '_'), digits.end());
      if (StringRef(digits).getAsInteger(0, e->ival)) {
        error(t.loc, "integer literal out of range");
        return nullptr;
      }
      ++pos;
      return e;
    }
    if (t.is(Tok::Float)) {
      auto e = std::make_unique<Expr>(Expr::Kind::Float, t.loc);
      if (t.text.getAsDouble(e->fval)) {
        error(t.loc, "malformed float literal");
        return nullptr;
      }
      if (!std::isfinite(e->fval)) {
        error(t.loc, "float literal out of range");
        return nullptr;
      }
      ++pos;
      return e;
    }
    if (t.is(Tok::Name)) {
      static const char *const kReserved[] = {"def", "for", "in", "if", "elif",
                                              "else", "return", "pass", "and",
                                              "or", "not", "while"};
      for (const char *r : kReserved)
        if (t.text == r) {
          error(t.loc, "unexpected keyword '" + t.text + "'");
          return nullptr;
        }
      if (t.text == "True" || t.text == "False") {
        auto e = std::make_unique<Expr>(Expr::Kind::Bool, t.loc);
        e->ival = t.text == "True";
        ++pos;
        return e;
      }
      if (t.text == "None") {
        ++pos;
        return std::make_unique<Expr>(Expr::Kind::None, t.loc);
      }
      auto e = std::make_unique<Expr>(Expr::Kind::Name, t.loc);
      e->name = t.text.str();
      ++pos;
      return e;
    }
    if (t.isPunct("(") || t.isPunct("[")) {
      bool square = t.isPunct("[");
      SMLoc loc = t.loc;
      ++pos;
      std::vector<ExprPtr> items;
      bool sawComma = false;
      while (!cur().isPunct(square ? "]" : ")")) {
        ExprPtr x = parseExpr();
        if (!x)
          return nullptr;
        items.push_back(std::move(x));
        if (!cur().isPunct(","))
          break;
        sawComma = true;
        ++pos;
      }
      if (!expectPunct(square ? "]" : ")"))
        return nullptr;
      if (!square && items.size() == 1 && !sawComma)
        return std::move(items[0]);
      auto e = std::make_unique<Expr>(Expr::Kind::Tuple, loc);
      e->args = std::move(items);
      return deepen(*e) ? std::move(e) : nullptr;
    }
    error(t.loc, "expected an expression, found " + describe(t));
    return nullptr;
  }
};
} // namespace

std::optional<Module> bic::parseModule(StringRef buffer, const DiagFn &diag) {
  std::vector<Token> toks;
  if (!lex(buffer, toks, diag))
    return std::nullopt;
  Parser p(std::move(toks), diag);
  return p.parseModule();
}
