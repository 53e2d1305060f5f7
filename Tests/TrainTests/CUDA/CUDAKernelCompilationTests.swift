import Testing
import Train

// Every embedded kernel compiles with NVRTC, which needs no GPU: the test command installs
// PyPI's nvidia-cuda-nvrtc-cu12 (scripts/install-deps.sh), and these tests load it through
// mnist-tools' own search, so a missing NVRTC fails here rather than passing unnoticed.

@Suite("CUDA kernels compile with NVRTC")
struct CUDAKernelCompilationTests {
    let nvrtc: NVRTC

    init() throws {
        do {
            nvrtc = try NVRTC.load(.processDefault())
        } catch {
            Issue.record("NVRTC was not found (scripts/install-deps.sh installs nvidia-cuda-nvrtc-cu12): \(error)")
            throw error
        }
    }

    @Test("every kernel compiles to PTX, and the PTX has each entry point")
    func ptx() throws {
        print("NVRTC \(nvrtc.version) from \(nvrtc.path), architectures \(try nvrtc.supportedArchitectures())")
        let architecture = try #require(try nvrtc.supportedArchitectures().min())
        let ptx = String(decoding: try nvrtc.compile(CUDAKernels.source, name: "kernels.cu", architecture: architecture, output: .ptx)
            .prefix { $0 != 0 }, as: UTF8.self)
        for kernel in CUDAKernel.allCases {
            #expect(ptx.contains(".visible .entry \(kernel.rawValue)("), "\(kernel.rawValue)")
        }
    }

    @Test("the kernels compile to machine code for an H100 (sm_90), as the device path asks")
    func cubin() throws {
        let target = try nvrtc.target(forDevice: 90)
        #expect(target.architecture == 90 && target.output == .cubin)
        let cubin = try nvrtc.compile(CUDAKernels.source, name: "kernels.cu", architecture: 90, output: .cubin)
        #expect(cubin.starts(with: [0x7F, 0x45, 0x4C, 0x46]))  // an ELF file
        for kernel in CUDAKernel.allCases {
            #expect(cubin.firstRange(of: Array(kernel.rawValue.utf8)) != nil, "\(kernel.rawValue)")
        }
    }

    @Test("a device newer than NVRTC knows gets PTX for the newest architecture below it")
    func newerDevice() throws {
        let newest = try #require(try nvrtc.supportedArchitectures().max())
        let target = try nvrtc.target(forDevice: newest + 1)
        #expect(target.architecture == newest && target.output == .ptx)
        #expect(throws: CUDAError.self) { try nvrtc.target(forDevice: 10) }
    }

    @Test("a compilation error is reported with NVRTC's log")
    func compilationError() throws {
        let error = #expect(throws: CUDAError.self) {
            try nvrtc.compile("extern \"C\" __global__ void broken(float* x) { x[0] = undefined_name; }",
                              name: "broken.cu", architecture: 80, output: .ptx)
        }
        guard case let .compilationFailed(options, _, log)? = error else {
            Issue.record("expected a compilation failure, got \(String(describing: error))")
            return
        }
        #expect(options == ["--gpu-architecture=compute_80"])
        #expect(log.contains("undefined_name"))
    }
}
