# lit configuration for bic: FileCheck tests of every pass, the dialect and
# the frontend. Run through `ctest` or `lit build/tests/lit`.
import os
import lit.formats
from lit.llvm import llvm_config

config.name = "bic"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".bic"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.bic_obj_root, "tests", "lit")
config.excludes = ["lit.cfg.py", "lit.site.cfg.py", "Inputs"]

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.bic_tools_dir, append_path=True)
config.substitutions.append(("%kernels", config.bic_kernels_dir))
if os.path.exists("/usr/local/cuda/bin/ptxas"):
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", "/usr/local/cuda/bin/ptxas"))
