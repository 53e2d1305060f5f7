import CUDAEmulationSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `train --device`: the messages without a GPU, the CPU fallback of `auto`, and whole runs
/// on the emulated GPU (Tests/CUDAEmulation), whose error rates must equal the CPU run's
/// within 0.1 percentage point after the same epochs.
@Suite struct TrainDeviceCommandTests {
    static let sample = TrainCommandTests.sample

    /// Whether this machine has a CUDA driver of its own: the failure messages are only
    /// checked where it has none (every CI machine).
    static let machineHasCUDADriver: Bool = {
        guard let handle = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL) else { return false }
        dlclose(handle)
        return true
    }()

    /// The error percentages of the validation and test lines, in order.
    static func errorRates(_ output: String) -> [Double] {
        output.split(separator: "\n").filter { $0.drop(while: { $0 == " " }).hasPrefix("epoch ") }.compactMap {
            $0.split(separator: " ").dropLast().last.flatMap { Double($0) }
        }
    }

    @Test(.enabled(if: !machineHasCUDADriver))
    func gpuWithoutCUDASaysWhereItLooked() throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = try CommandRunner.run(["train", Self.sample, "--model", "logreg", "--device", "gpu", "--cuda-lib-dir", folder.path])
        #expect(output.status == 1)
        #expect(output.standardOutput.isEmpty)
        #expect(output.standardError.hasPrefix("mnist-tools: error: no usable GPU: could not load the CUDA driver (libcuda.so.1)"))
        #expect(output.standardError.contains("\n    \(folder.path) (--cuda-lib-dir): no libcuda.so* in it\n"))
        #expect(output.standardError.contains("libcuda.so.1 (the system's library search): "))
        #expect(output.standardError.contains("/usr/local/cuda/lib64 (CUDA's usual folders)"))
    }

    @Test(.enabled(if: !machineHasCUDADriver))
    func autoFallsBackToTheCPUAndSaysSo() throws {
        let auto = try CommandRunner.run(["train", Self.sample, "--model", "logreg", "--epochs", "2", "--device", "auto"])
        let cpu = try CommandRunner.run(["train", Self.sample, "--model", "logreg", "--epochs", "2"])
        #expect(auto.status == 0, "\(auto.standardError)")
        let lines = auto.standardOutput.split(separator: "\n")
        #expect(lines.first?.hasPrefix("device: CPU (no usable GPU: could not load the CUDA driver (libcuda.so.1)") == true)
        #expect(lines.first?.hasSuffix("; --device gpu says where it looked)") == true)
        #expect(Self.errorRates(auto.standardOutput) == Self.errorRates(cpu.standardOutput))
        #expect(!cpu.standardOutput.contains("device:"))
    }

    @Test func cudaLibDirNeedsAGPUDevice() throws {
        let output = try CommandRunner.run(["train", Self.sample, "--model", "logreg", "--cuda-lib-dir", "/tmp"])
        #expect(output.status == 2)  // a usage error
        #expect(output.standardError.contains("--cuda-lib-dir is for --device gpu or --device auto."))
    }

    @Test(arguments: [(["--model", "logreg"], 3), (["--model", "mlp"], 1), (["--model", "mlp", "--activation", "relu", "--l1", "0.0001"], 1)])
    func theEmulatedGPUTrainsAsTheCPUDoes(flags: [String], epochs: Int) throws {
        let emulation = try CUDAEmulator.libraryFolder.get()
        let arguments = ["train", Self.sample] + flags + ["--epochs", String(epochs)]
        let gpu = try CommandRunner.run(arguments + ["--device", "gpu", "--cuda-lib-dir", emulation])
        let cpu = try CommandRunner.run(arguments)
        #expect(gpu.status == 0, "\(gpu.standardError)")
        #expect(gpu.standardOutput.hasPrefix("device: GPU CPU emulation of a CUDA device (compute capability 9.0), CUDA driver 12.4, NVRTC "))
        let (gpuRates, cpuRates) = (Self.errorRates(gpu.standardOutput), Self.errorRates(cpu.standardOutput))
        print("\(flags): GPU \(gpuRates), CPU \(cpuRates)")
        #expect(gpuRates.count == cpuRates.count && gpuRates.count >= epochs)
        #expect(zip(gpuRates, cpuRates).allSatisfy { abs($0 - $1) <= 0.1 })
    }

    @Test func aResumedGPURunEqualsAnUnbrokenOne() throws {
        let emulation = try CUDAEmulator.libraryFolder.get()
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let checkpoint = folder.appendingPathComponent("run.npz").path
        let gpu = ["--device", "gpu", "--cuda-lib-dir", emulation]
        let flags = ["--model", "mlp", "--hidden", "20", "--patience", "200"]  // validation every 100 of 150 minibatches
        let whole = try CommandRunner.run(["train", Self.sample] + flags + ["--epochs", "2"] + gpu)
        let start = try CommandRunner.run(["train", Self.sample] + flags + ["--epochs", "1", "--checkpoint", checkpoint] + gpu)
        let rest = try CommandRunner.run(["train", Self.sample, "--resume", checkpoint, "--epochs", "2"] + gpu)
        #expect(whole.status == 0 && start.status == 0 && rest.status == 0, "\(whole.standardError)\(start.standardError)\(rest.standardError)")
        #expect(Self.errorRates(start.standardOutput) + Self.errorRates(rest.standardOutput) == Self.errorRates(whole.standardOutput))
    }
}
