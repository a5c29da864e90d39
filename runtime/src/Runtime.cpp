//===- Runtime.cpp - contexts, buffers, modules and checked launches ------===//
#include "bic/runtime/Runtime.h"
#include "Tma.h"

#include <cstring>
#include <fstream>
#include <sstream>

using namespace bic;

static const Driver &drv() { return Driver::get(); }

Context::Context(int device) {
  const Driver &d = drv();
  int n = 0;
  check(d.cuDeviceGetCount(&n), "cuDeviceGetCount");
  if (device < 0 || device >= n)
    throw Error("no CUDA device " + std::to_string(device) + " (found " +
                std::to_string(n) + ")");
  check(d.cuDeviceGet(&dev_, device), "cuDeviceGet");
  check(d.cuDevicePrimaryCtxRetain(&ctx_, dev_), "cuDevicePrimaryCtxRetain");
  makeCurrent();
}

Context::Context(Context &&o) noexcept : dev_(o.dev_), ctx_(o.ctx_) {
  o.ctx_ = nullptr;
}

Context::~Context() {
  if (ctx_)
    drv().cuDevicePrimaryCtxRelease(dev_);
}

void Context::makeCurrent() const { check(drv().cuCtxSetCurrent(ctx_), "cuCtxSetCurrent"); }
void Context::synchronize() const { check(drv().cuCtxSynchronize(), "cuCtxSynchronize"); }

std::string Context::deviceName() const {
  char buf[256] = {0};
  check(drv().cuDeviceGetName(buf, sizeof buf, dev_), "cuDeviceGetName");
  return buf;
}

int Context::driverVersion() const {
  int v = 0;
  check(drv().cuDriverGetVersion(&v), "cuDriverGetVersion");
  return v;
}

int Context::attribute(int attr) const {
  int v = 0;
  check(drv().cuDeviceGetAttribute(&v, attr, dev_), "cuDeviceGetAttribute");
  return v;
}

DeviceBuffer::DeviceBuffer(size_t bytes) : size_(bytes) {
  CUresult r = drv().cuMemAlloc(&ptr_, bytes ? bytes : 1);
  if (r == 201) // CUDA_ERROR_INVALID_CONTEXT
    throw Error("cuMemAlloc(" + std::to_string(bytes) +
                    " bytes): no current CUDA context on this thread (create a "
                    "bic::Context, or call makeCurrent() on it, first)",
                r);
  check(r, "cuMemAlloc(" + std::to_string(bytes) + " bytes)");
}
DeviceBuffer::~DeviceBuffer() {
  if (ptr_)
    drv().cuMemFree(ptr_);
}
DeviceBuffer::DeviceBuffer(DeviceBuffer &&o) noexcept : ptr_(o.ptr_), size_(o.size_) {
  o.ptr_ = 0;
  o.size_ = 0;
}
DeviceBuffer &DeviceBuffer::operator=(DeviceBuffer &&o) noexcept {
  if (this != &o) {
    if (ptr_)
      drv().cuMemFree(ptr_);
    ptr_ = o.ptr_;
    size_ = o.size_;
    o.ptr_ = 0;
    o.size_ = 0;
  }
  return *this;
}
void DeviceBuffer::upload(const void *src, size_t bytes, size_t offset) {
  if (offset + bytes > size_)
    throw Error("DeviceBuffer::upload past the end of the buffer");
  check(drv().cuMemcpyHtoD(ptr_ + offset, src, bytes), "cuMemcpyHtoD");
}
void DeviceBuffer::download(void *dst, size_t bytes, size_t offset) const {
  if (offset + bytes > size_)
    throw Error("DeviceBuffer::download past the end of the buffer");
  check(drv().cuMemcpyDtoH(dst, ptr_ + offset, bytes), "cuMemcpyDtoH");
}
void DeviceBuffer::fill(unsigned char byte) {
  check(drv().cuMemsetD8(ptr_, byte, size_), "cuMemsetD8");
}

void DeviceBuffer::fillAsync(unsigned char byte, CUstream stream) {
  check(drv().cuMemsetD8Async(ptr_, byte, size_, stream), "cuMemsetD8Async");
}

Stream::Stream() { check(drv().cuStreamCreate(&s_, 0), "cuStreamCreate"); }
Stream::~Stream() {
  if (s_)
    drv().cuStreamDestroy(s_);
}
void Stream::synchronize() const { check(drv().cuStreamSynchronize(s_), "cuStreamSynchronize"); }

Event::Event() { check(drv().cuEventCreate(&e_, 0), "cuEventCreate"); }
Event::~Event() {
  if (e_)
    drv().cuEventDestroy(e_);
}
void Event::record(CUstream s) const { check(drv().cuEventRecord(e_, s), "cuEventRecord"); }
void Event::synchronize() const { check(drv().cuEventSynchronize(e_), "cuEventSynchronize"); }
float Event::elapsedSince(const Event &start) const {
  float ms = 0;
  check(drv().cuEventElapsedTime(&ms, start.e_, e_), "cuEventElapsedTime");
  return ms;
}

std::string Arg::describe() const {
  switch (kind_) {
  case Kind::Ptr: return "a device pointer";
  case Kind::I32: return "i32 " + std::to_string(v_.i32);
  case Kind::I64: return "i64 " + std::to_string(v_.i64);
  case Kind::F32: return "f32 " + std::to_string(v_.f32);
  }
  return "?";
}

void Kernel::checkArgs(const std::vector<Arg> &args) const {
  const KernelMeta &m = *meta_;
  if (args.size() != m.params.size())
    throw Error("kernel '" + m.name + "' takes " + std::to_string(m.params.size()) +
                " arguments, got " + std::to_string(args.size()));
  for (size_t i = 0; i < args.size(); ++i) {
    const ParamMeta &p = m.params[i];
    const Arg &a = args[i];
    std::string where = "kernel '" + m.name + "' argument " + std::to_string(i) +
                        " '" + p.name + "'";
    Arg::Kind want = p.isPointer()   ? Arg::Kind::Ptr
                     : p.type == "i32" ? Arg::Kind::I32
                     : p.type == "i64" ? Arg::Kind::I64
                                       : Arg::Kind::F32;
    if (a.kind() != want)
      throw Error(where + ": expected " + p.type + ", got " + a.describe());
    if (want == Arg::Kind::Ptr) {
      if (a.asPtr() == 0)
        throw Error(where + ": null device pointer");
      if (a.asPtr() % 16 != 0)
        throw Error(where + ": pointer is not 16-byte aligned (bic kernels "
                            "assume 16-byte aligned pointers)");
    }
    if ((want == Arg::Kind::I32 || want == Arg::Kind::I64) && p.multipleOf > 1 &&
        a.asInt() % p.multipleOf != 0)
      throw Error(where + ": " + std::to_string(a.asInt()) +
                  " is not a multiple of " + std::to_string(p.multipleOf) +
                  " as the kernel declares (@multiple_of)");
  }
}

void Kernel::launch(Grid grid, const std::vector<Arg> &args, CUstream stream,
                    LaunchOptions opts) const {
  checkArgs(args); // (also: as many arguments as parameters)
  if (opts.overlapPrevious && !meta_->waitsPriorGrids)
    throw Error("kernel '" + meta_->name + "' does not wait for the previous kernel on "
                "the stream (kernels built with overlap=1 for sm_90/sm_90a do): it cannot "
                "be launched to overlap that kernel");
  // An overlapped launch reads @weight arguments before the previous kernel
  // ends: one that is also passed as another (writable) pointer breaks the
  // promise that no kernel writes it.
  const auto &ps = meta_->params;
  if (opts.overlapPrevious)
    for (size_t i = 0; i < ps.size(); ++i)
      for (size_t j = 0; j < ps.size() && ps[i].weight; ++j)
        if (ps[j].isPointer() && !ps[j].weight && args[j].asPtr() == args[i].asPtr())
          throw Error("kernel '" + meta_->name + "': @weight argument '" + ps[i].name +
                      "' is the same pointer as '" + ps[j].name +
                      "', which the kernel may write; an overlapped launch reads "
                      "@weight arguments before the previous kernel ends");
  if (grid.x == 0 || grid.y == 0 || grid.z == 0)
    throw Error("kernel '" + meta_->name + "': empty grid");
  // A clustered kernel's program is a cluster of CTAs along x.
  const unsigned cluster = meta_->cluster;
  if (cluster > 1) {
    if (grid.x > 0x7fffffffu / cluster)
      throw Error("kernel '" + meta_->name + "': grid.x = " + std::to_string(grid.x) +
                  " programs of " + std::to_string(cluster) + " CTAs each is too many");
    grid.x *= cluster;
  }
  void *params[40];
  TmaDescriptor hidden[8]; // copied into the launch's parameters by the driver
  if (args.size() > 32 || meta_->tma.size() > 8)
    throw Error("kernel '" + meta_->name + "': too many arguments");
  size_t n = 0;
  for (size_t i = 0; i < args.size(); ++i)
    params[n++] = const_cast<void *>(args[i].data());
  for (size_t i = 0; i < meta_->tma.size(); ++i) {
    hidden[i] = encodeTma(*meta_, meta_->tma[i], args);
    params[n++] = &hidden[i];
  }
  if (!opts.overlapPrevious) {
    check(drv().cuLaunchKernel(fn_, grid.x, grid.y, grid.z, meta_->threads, 1, 1,
                               meta_->dynamicSmem, stream, params, nullptr),
          "cuLaunchKernel(" + meta_->name + ")");
    return;
  }
  if (!drv().cuLaunchKernelEx)
    throw Error("kernel '" + meta_->name + "': the CUDA driver has no cuLaunchKernelEx "
                "(a launch that overlaps the previous kernel needs a CUDA 12 driver)");
  LaunchAttribute attr{};
  attr.id = kLaunchAttrProgrammaticSerialization;
  attr.value = 1;
  LaunchConfig cfg{grid.x, grid.y, grid.z, meta_->threads, 1, 1, meta_->dynamicSmem,
                   stream, &attr, 1};
  check(drv().cuLaunchKernelEx(&cfg, fn_, params, nullptr),
        "cuLaunchKernelEx(" + meta_->name + ", overlapping the previous kernel)");
}

unsigned Kernel::residentPrograms() const {
  if (meta_->cluster > 1) {
    // Clusters are placed within one GPC: ask the driver how many fit.
    if (!drv().cuOccupancyMaxActiveClusters)
      throw Error("kernel '" + meta_->name + "' runs in clusters of " +
                  std::to_string(meta_->cluster) +
                  " CTAs: the CUDA driver has no cuOccupancyMaxActiveClusters (CUDA 12+)");
    // The answer is capped by the configuration's grid: give it one that
    // could fill every multiprocessor several times over.
    CUdevice dev = 0;
    check(drv().cuCtxGetDevice(&dev), "cuCtxGetDevice");
    int sms = 0;
    check(drv().cuDeviceGetAttribute(&sms, /*MULTIPROCESSOR_COUNT=*/16, dev),
          "cuDeviceGetAttribute(multiprocessor count)");
    LaunchConfig cfg{unsigned(sms) * 32 * meta_->cluster, 1, 1, meta_->threads, 1, 1,
                     meta_->dynamicSmem, nullptr, nullptr, 0};
    int clusters = 0;
    check(drv().cuOccupancyMaxActiveClusters(&clusters, fn_, &cfg),
          "cuOccupancyMaxActiveClusters(" + meta_->name + ")");
    if (clusters < 1)
      throw Error("kernel '" + meta_->name + "' (clusters of " +
                  std::to_string(meta_->cluster) + " CTAs of " +
                  std::to_string(meta_->threads) + " threads, " +
                  std::to_string(meta_->dynamicSmem) +
                  " bytes of shared memory) cannot run on this device");
    return unsigned(clusters);
  }
  CUdevice dev = 0;
  check(drv().cuCtxGetDevice(&dev), "cuCtxGetDevice");
  int sms = 0, per = 0;
  check(drv().cuDeviceGetAttribute(&sms, /*MULTIPROCESSOR_COUNT=*/16, dev),
        "cuDeviceGetAttribute(multiprocessor count)");
  check(drv().cuOccupancyMaxActiveBlocksPerMultiprocessor(&per, fn_, int(meta_->threads),
                                                          meta_->dynamicSmem),
        "cuOccupancyMaxActiveBlocksPerMultiprocessor(" + meta_->name + ")");
  if (per < 1)
    throw Error("kernel '" + meta_->name + "' (" + std::to_string(meta_->threads) +
                " threads, " + std::to_string(meta_->dynamicSmem) +
                " bytes of shared memory) cannot run on this device");
  return unsigned(sms) * unsigned(per);
}

void Kernel::requireOrder(const std::string &expected) const {
  if (meta_->orderHash != expected)
    throw Error("kernel '" + meta_->name + "' has reduction order " +
                meta_->orderHash + ", expected " + expected +
                "; refusing to launch a kernel whose bits may differ.\n"
                "its order signature:\n" + meta_->orderSignature);
}

Module Module::fromPTX(const Context &ctx, const std::string &ptx) {
  Module m;
  m.meta_ = std::make_unique<ModuleMeta>(parseMetadata(ptx));
  ctx.makeCurrent();
  char log[8192] = {0};
  int opts[] = {/*CU_JIT_ERROR_LOG_BUFFER=*/5,
                /*CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES=*/6};
  void *vals[] = {log, reinterpret_cast<void *>(sizeof log)};
  CUresult r = drv().cuModuleLoadDataEx(&m.mod_, ptx.c_str(), 2, opts, vals);
  if (r != 0) {
    try {
      check(r, "cuModuleLoadDataEx");
    } catch (const Error &e) {
      throw Error(std::string(e.what()) + (log[0] ? std::string("\n") + log : ""),
                  r);
    }
  }
  return m;
}

Module Module::fromFile(const Context &ctx, const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error("cannot read kernel file '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return fromPTX(ctx, ss.str());
  } catch (const Error &e) {
    throw Error(path + ": " + e.what(), e.code());
  }
}

Module::~Module() {
  if (mod_)
    drv().cuModuleUnload(mod_);
}

Module::Module() = default;

Module::Module(Module &&o) noexcept : mod_(o.mod_), meta_(std::move(o.meta_)) {
  o.mod_ = nullptr;
}

Kernel Module::kernel(const std::string &name) const {
  for (const KernelMeta &k : meta_->kernels)
    if (k.name == name) {
      CUfunction f = nullptr;
      check(drv().cuModuleGetFunction(&f, mod_, name.c_str()),
            "cuModuleGetFunction(" + name + ")");
      if (k.dynamicSmem > 48 * 1024) // CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES
        check(drv().cuFuncSetAttribute(f, 8, int(k.dynamicSmem)),
              "cuFuncSetAttribute(" + name + ", " + std::to_string(k.dynamicSmem) +
                  " bytes of shared memory)");
      return Kernel(f, &k);
    }
  std::string known;
  for (const KernelMeta &k : meta_->kernels)
    known += (known.empty() ? "" : ", ") + k.name;
  throw Error("no kernel '" + name + "' in module (it has: " + known + ")");
}

Kernel Module::kernel(const std::string &name, const std::string &expected) const {
  Kernel k = kernel(name);
  k.requireOrder(expected);
  return k;
}
