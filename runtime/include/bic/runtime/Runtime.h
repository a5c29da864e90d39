//===- Runtime.h - load and launch bic kernels ------------------*- C++ -*-===//
//
//   bic::Context ctx(0);                          // device 0, primary context
//   bic::Module mod = bic::Module::fromPTX(ctx, ptxText);
//   bic::Kernel k = mod.kernel("rmsnorm");
//   k.launch({n_rows}, {x.ptr(), w.ptr(), y.ptr(), n_rows, n_cols,
//                       int64_t(stride), 1e-6f}, stream);
//
// Every launch checks the arguments against the kernel's signature (count,
// types, pointer alignment, `@multiple_of` promises) before the driver is
// called. All objects are RAII values; errors are bic::Error.
//
//===----------------------------------------------------------------------===//
#ifndef BIC_RUNTIME_RUNTIME_H
#define BIC_RUNTIME_RUNTIME_H

#include "bic/runtime/Driver.h"
#include "bic/runtime/Metadata.h"

#include <initializer_list>
#include <memory>
#include <vector>

namespace bic {

class Context {
public:
  /// Retains the primary context of `device` (the one PyTorch uses too) and
  /// makes it current on the calling thread.
  explicit Context(int device = 0);
  ~Context();
  Context(const Context &) = delete;
  Context &operator=(const Context &) = delete;
  Context(Context &&o) noexcept;
  Context &operator=(Context &&) = delete;

  void makeCurrent() const;
  void synchronize() const;
  std::string deviceName() const;
  int driverVersion() const;
  int attribute(int attr) const;
  CUcontext handle() const { return ctx_; }

private:
  CUdevice dev_ = 0;
  CUcontext ctx_ = nullptr;
};

class DeviceBuffer {
public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t bytes);
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer &&o) noexcept;
  DeviceBuffer &operator=(DeviceBuffer &&o) noexcept;
  DeviceBuffer(const DeviceBuffer &) = delete;
  DeviceBuffer &operator=(const DeviceBuffer &) = delete;

  CUdeviceptr ptr() const { return ptr_; }
  size_t size() const { return size_; }
  void upload(const void *src, size_t bytes, size_t offset = 0);
  void download(void *dst, size_t bytes, size_t offset = 0) const;
  void fill(unsigned char byte);
  /// Sets every byte to `byte`, in order on `stream` (returns at once).
  void fillAsync(unsigned char byte, CUstream stream);

private:
  CUdeviceptr ptr_ = 0;
  size_t size_ = 0;
};

class Stream {
public:
  Stream();
  ~Stream();
  Stream(Stream &&o) noexcept : s_(o.s_) { o.s_ = nullptr; }
  Stream(const Stream &) = delete;
  Stream &operator=(const Stream &) = delete;
  void synchronize() const;
  CUstream handle() const { return s_; }

private:
  CUstream s_ = nullptr;
};

class Event {
public:
  Event();
  ~Event();
  Event(const Event &) = delete;
  Event &operator=(const Event &) = delete;
  void record(CUstream s) const;
  void synchronize() const;
  /// Milliseconds from `start` to this event.
  float elapsedSince(const Event &start) const;

private:
  CUevent e_ = nullptr;
};

/// A device pointer argument.
struct DevicePtr {
  CUdeviceptr value;
};

/// One kernel argument: a device pointer or a scalar.
class Arg {
public:
  enum class Kind { Ptr, I32, I64, F32 };
  Arg(DevicePtr p) : kind_(Kind::Ptr) { v_.p = p.value; }
  Arg(int32_t v) : kind_(Kind::I32) { v_.i32 = v; }
  Arg(int64_t v) : kind_(Kind::I64) { v_.i64 = v; }
  Arg(float v) : kind_(Kind::F32) { v_.f32 = v; }
  Kind kind() const { return kind_; }
  std::string describe() const;
  const void *data() const { return &v_; }
  int64_t asInt() const { return kind_ == Kind::I32 ? v_.i32 : v_.i64; }
  CUdeviceptr asPtr() const { return v_.p; }

private:
  Kind kind_;
  union {
    CUdeviceptr p;
    int32_t i32;
    int64_t i64;
    float f32;
  } v_;
};

struct Grid {
  unsigned x = 1, y = 1, z = 1;
  Grid(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};

/// How a kernel is launched, beyond its grid and arguments.
struct LaunchOptions {
  /// Programmatic dependent launch (sm_90): the kernel may start while the
  /// previous kernel on the stream finishes (its programs set up, and copy
  /// `@weight` blocks, meanwhile) and waits for it before touching any
  /// other memory. Only for kernels compiled with that wait
  /// (Kernel::waitsPriorGrids(): built with `overlap=1` for sm_90/sm_90a);
  /// the previous kernel's results are visible to it as without overlap.
  bool overlapPrevious = false;
};

class Module;

class Kernel {
public:
  const KernelMeta &meta() const { return *meta_; }
  /// Checks `args` against the signature; throws bic::Error naming the
  /// argument, what was expected and what was given.
  void checkArgs(const std::vector<Arg> &args) const;
  /// Checks then launches on `stream` (the null stream when 0). Hidden TMA
  /// descriptor parameters are encoded from the arguments and passed by
  /// value (nothing is copied to the device; launches are graph-capturable).
  /// With `opts.overlapPrevious`, throws if the kernel has no grid
  /// dependency wait (not built with overlap=1) or the driver cannot overlap.
  /// `grid` counts programs: a clustered kernel (built with `cluster` = n,
  /// meta().cluster) runs n CTAs per program, n grid.x along x.
  void launch(Grid grid, const std::vector<Arg> &args, CUstream stream = nullptr,
              LaunchOptions opts = {}) const;
  /// Whether the kernel waits for the previous kernel on the stream before
  /// it touches memory, so that it may be launched with overlapPrevious.
  bool waitsPriorGrids() const { return meta_->waitsPriorGrids; }
  /// Throws unless the kernel's order signature hash equals `expected`
  /// (the runtime contract of batch invariance).
  void requireOrder(const std::string &expectedHash) const;
  /// How many programs of this kernel run at once on the current device
  /// (multiprocessors x programs resident on one): the grid of a persistent
  /// kernel such as matmul.bic, which walks its tiles with num_programs(0).
  /// For a clustered kernel, the clusters that fit at once
  /// (cuOccupancyMaxActiveClusters).
  unsigned residentPrograms() const;
  /// The driver's function. A caller launching it directly must do what
  /// launch() does: encode the TMA parameters and, for a clustered kernel
  /// (meta().cluster = n), launch n CTAs per program along x.
  CUfunction handle() const { return fn_; }

private:
  friend class Module;
  Kernel(CUfunction fn, const KernelMeta *m) : fn_(fn), meta_(m) {}
  CUfunction fn_;
  const KernelMeta *meta_;
};

class Module {
public:
  /// Loads PTX produced by `bic compile` (with its `// bic-` header).
  static Module fromPTX(const Context &ctx, const std::string &ptx);
  static Module fromFile(const Context &ctx, const std::string &path);
  ~Module();
  Module(Module &&o) noexcept;
  Module(const Module &) = delete;
  Module &operator=(const Module &) = delete;

  Kernel kernel(const std::string &name) const;
  /// As kernel(), refusing a kernel whose order signature differs.
  Kernel kernel(const std::string &name, const std::string &expectedOrderHash) const;
  const ModuleMeta &meta() const { return *meta_; }

private:
  Module();
  CUmodule mod_ = nullptr;
  std::unique_ptr<ModuleMeta> meta_;
};

} // namespace bic

#endif // BIC_RUNTIME_RUNTIME_H
