//===- ParserTest.cpp - the recursive-descent parser ----------------------===//
#include "bic/Frontend/Parser.h"

#include <gtest/gtest.h>

using namespace bic;
using namespace bic::ast;

namespace {
std::optional<Module> parseOk(llvm::StringRef src) {
  auto m = parseModule(src, [](llvm::SMLoc, const llvm::Twine &msg) {
    ADD_FAILURE() << msg.str();
  });
  EXPECT_TRUE(m.has_value());
  return m;
}
std::string parseErr(llvm::StringRef src) {
  std::string err;
  auto m = parseModule(src, [&](llvm::SMLoc, const llvm::Twine &msg) {
    if (err.empty())
      err = msg.str();
  });
  EXPECT_FALSE(m.has_value());
  return err;
}
} // namespace

TEST(Parser, KernelSignature) {
  auto m = parseOk("@kernel(num_warps=8)\n"
                   "def k(x: ptr[bf16], n: i32 @batch, s: i64 @multiple_of(8),\n"
                   "      B: constexpr = 128):\n"
                   "    pass\n");
  ASSERT_EQ(m->kernels.size(), 1u);
  const Kernel &k = m->kernels[0];
  EXPECT_EQ(k.name, "k");
  ASSERT_EQ(k.params.size(), 4u);
  EXPECT_EQ(k.params[0].kind, Param::Kind::Pointer);
  EXPECT_EQ(k.params[0].dtype, "bf16");
  EXPECT_TRUE(k.params[1].batch);
  EXPECT_EQ(k.params[2].multipleOf, 8);
  EXPECT_EQ(k.params[3].kind, Param::Kind::Constexpr);
  EXPECT_EQ(*k.params[3].defaultValue, 128);
  EXPECT_EQ(k.decoratorArgs[0].second, 8);
}

TEST(Parser, PrecedenceAndPostfix) {
  auto m = parseOk("@kernel\ndef k():\n    y = a + b * c[:, None].to(f32) < d and not e\n");
  const Expr &e = *m->kernels[0].body[0]->value;
  ASSERT_EQ(e.kind, Expr::Kind::Binary);
  EXPECT_EQ(e.name, "and");
  const Expr &cmp = *e.args[0];
  EXPECT_EQ(cmp.name, "<");
  const Expr &add = *cmp.args[0];
  EXPECT_EQ(add.name, "+");
  const Expr &mul = *add.args[1];
  EXPECT_EQ(mul.name, "*");
  EXPECT_EQ(mul.args[1]->kind, Expr::Kind::Method);
  EXPECT_EQ(mul.args[1]->args[0]->kind, Expr::Kind::Subscript);
}

TEST(Parser, ControlFlow) {
  auto m = parseOk("@kernel\ndef k(n: i32):\n"
                   "    for i in range(0, n, 2):\n        x = i\n"
                   "    if n > 1:\n        pass\n    elif n > 0:\n        return\n"
                   "    else:\n        pass\n");
  const Block &b = m->kernels[0].body;
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0]->kind, Stmt::Kind::For);
  EXPECT_EQ(b[1]->kind, Stmt::Kind::If);
  ASSERT_EQ(b[1]->orelse.size(), 1u);
  EXPECT_EQ(b[1]->orelse[0]->kind, Stmt::Kind::If);
}

TEST(Parser, Errors) {
  EXPECT_NE(parseErr("def k():\n    pass\n").find("@kernel"), std::string::npos);
  EXPECT_NE(parseErr("@kernel\ndef k(x):\n    pass\n").find("expected ':'"),
            std::string::npos);
  EXPECT_NE(parseErr("@kernel\ndef k():\n    x = (1 +\n").find("end of file"),
            std::string::npos);
  EXPECT_NE(parseErr("@kernel\ndef k(x: i32 @foo):\n    pass\n").find("@batch"),
            std::string::npos);
  EXPECT_NE(parseErr("@kernel\ndef k():\n    a < b < c\n").find("chained"),
            std::string::npos);
  EXPECT_NE(parseErr("@kernel\ndef k():\n    return 1\n").find("cannot return"),
            std::string::npos);
  EXPECT_NE(parseErr("@kernel\ndef k():\n    f(a=1, 2)\n").find("positional"),
            std::string::npos);
}
