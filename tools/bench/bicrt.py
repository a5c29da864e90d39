"""ctypes binding of bic's C API (runtime/include/bic/bic.h) for benchmarks."""
import ctypes
import os
import struct


class BicArg(ctypes.Structure):
    _fields_ = [("kind", ctypes.c_int32), ("reserved", ctypes.c_int32),
                ("bits", ctypes.c_uint64)]


PTR, I32, I64, F32 = 0, 1, 2, 3


def ptr(v):
    return (PTR, int(v))


def i32(v):
    return (I32, int(v) & 0xFFFFFFFF)


def i64(v):
    return (I64, int(v) & 0xFFFFFFFFFFFFFFFF)


def f32(v):
    return (F32, struct.unpack("<I", struct.pack("<f", float(v)))[0])


class Runtime:
    def __init__(self, libpath, device=0):
        lib = ctypes.CDLL(libpath)
        lib.bic_last_error.restype = ctypes.c_char_p
        lib.bic_kernel_order_hash.restype = ctypes.c_char_p
        lib.bic_launch.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_uint,
                                   ctypes.c_uint, ctypes.c_void_p,
                                   ctypes.POINTER(BicArg), ctypes.c_int]
        lib.bic_launch_ex.argtypes = lib.bic_launch.argtypes + [ctypes.c_uint]
        self.lib = lib
        self.ctx = ctypes.c_void_p()
        self._check(lib.bic_context_create(device, ctypes.byref(self.ctx)))
        self.modules = []

    def _check(self, rc):
        if rc != 0:
            raise RuntimeError("bic: " + self.lib.bic_last_error().decode())

    def kernel(self, ptx_path, name):
        mod = ctypes.c_void_p()
        self._check(self.lib.bic_module_load_file(self.ctx, ptx_path.encode(),
                                                  ctypes.byref(mod)))
        self.modules.append(mod)
        k = ctypes.c_void_p()
        self._check(self.lib.bic_kernel_get(mod, name.encode(), ctypes.byref(k)))
        return Kernel(self, k)


class Kernel:
    def __init__(self, rt, handle):
        self.rt, self.handle = rt, handle

    @property
    def order_hash(self):
        return self.rt.lib.bic_kernel_order_hash(self.handle).decode()

    def resident_programs(self):
        """Programs that run at once (the grid of a persistent kernel)."""
        n = ctypes.c_uint(0)
        self.rt._check(self.rt.lib.bic_kernel_resident_programs(self.handle, ctypes.byref(n)))
        return n.value

    def prepare(self, args):
        arr = (BicArg * len(args))()
        for i, (kind, bits) in enumerate(args):
            arr[i].kind, arr[i].bits = kind, bits
        return arr

    @property
    def waits_prior_grids(self):
        """Whether it may be launched with overlap=True (built with overlap=1)."""
        return bool(self.rt.lib.bic_kernel_waits_prior_grids(self.handle))

    def launch(self, grid, arr, stream, overlap=False):
        """overlap: programmatic dependent launch (starts while the previous
        kernel on the stream finishes; waits for it before touching memory
        other than @weight arguments)."""
        self.rt._check(self.rt.lib.bic_launch_ex(self.handle, grid, 1, 1,
                                                 ctypes.c_void_p(stream), arr,
                                                 len(arr), 1 if overlap else 0))


def bench_setup(argv):
    """What every benchmark script starts with: BUNDLE_DIR and OUT_DIR from
    argv (OUT_DIR created), the runtime on the bundle's libbic.so, device
    0's properties and its kernels' arch (sm_90a or sm_80)."""
    import torch
    bundle, out = argv[1], argv[2]
    os.makedirs(out, exist_ok=True)
    rt = Runtime(os.path.join(bundle, "libbic.so"))
    dev = torch.cuda.get_device_properties(0)
    return bundle, out, rt, dev, "sm_90a" if dev.major >= 9 else "sm_80"
