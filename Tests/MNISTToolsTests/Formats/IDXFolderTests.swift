import Foundation
import Pickle
import Testing
@testable import MNISTTools

/// IDX folders: LeCun's file names, plain or gzipped, dash or dot spelling; Debian's
/// Fashion-MNIST when installed.
@Suite struct IDXFolderTests {
    static let fashionFolder = "/usr/share/datasets/fashion-mnist"

    /// Whether Debian's `fashion-mnist` package is installed; prints a note when it is not.
    static let fashionInstalled: Bool = {
        let installed = IDXFolder.isIDXFolder(fashionFolder)
        if !installed { print("note: \(fashionFolder) is absent (Debian package fashion-mnist); skipping its test") }
        return installed
    }()

    /// Writes a small IDX split with Python: `count` images of 3×2 and labels `index % 10`.
    private static func writeSplit(folder: String, images: String, labels: String, count: Int) throws {
        try FormatFixtures.python("""
            folder, images, labels, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
            def save(name, data):
                (gzip.open if name.endswith('.gz') else open)(folder + '/' + name, 'wb').write(data)
            pixels = (np.arange(n * 6) * 7 % 256).astype('u1')
            save(images, struct.pack('>BBBBIII', 0, 0, 8, 3, n, 3, 2) + pixels.tobytes())
            save(labels, struct.pack('>BBBBI', 0, 0, 8, 1, n) + (np.arange(n) % 10).astype('u1').tobytes())
            """, [folder, images, labels, String(count)])
    }

    @Test(.enabled(if: numpyAvailable, "needs python3 with NumPy"))
    func readsMixedSpellingsAndCompression() throws {
        let folder = try FormatFixtures.makeFolder()
        defer { FormatFixtures.removeFolder(folder) }
        #expect(!IDXFolder.isIDXFolder(folder))
        try Self.writeSplit(folder: folder, images: "train-images.idx3-ubyte.gz", labels: "train-labels-idx1-ubyte", count: 12)
        try Self.writeSplit(folder: folder, images: "t10k-images-idx3-ubyte", labels: "t10k-labels.idx1-ubyte.gz", count: 5)
        #expect(IDXFolder.isIDXFolder(folder))
        #expect(!IDXFolder.isIDXFolder(folder + "/t10k-images-idx3-ubyte"))
        let dataset = try IDXFolder.read(folder: folder)
        #expect(dataset.splits.map(\.name) == ["train", "test"])
        let train = try #require(dataset.split(named: "train"))
        #expect(train.count == 12)
        #expect((train.images.rows, train.images.columns) == (3, 2))
        guard case let .bytes(pixels, divisor) = train.images.pixels else {
            Issue.record("expected byte pixels")
            return
        }
        #expect(divisor == 255)
        #expect(pixels.array == (0..<72).map { UInt8($0 * 7 % 256) })
        #expect(train.labels.values == (0..<12).map { $0 % 10 })
        let test = try #require(dataset.split(named: "test"))
        #expect(test.count == 5)
        // The plain test images are a view of the mapped file.
        guard case let .bytes(testPixels, _) = test.images.pixels else { return }
        #expect(testPixels.offset == 16)
        #expect(testPixels.storage.count == 16 + 5 * 6)
    }

    @Test(.enabled(if: numpyAvailable, "needs python3 with NumPy"))
    func missingLabelsAreNamed() throws {
        let folder = try FormatFixtures.makeFolder()
        defer { FormatFixtures.removeFolder(folder) }
        try Self.writeSplit(folder: folder, images: "train-images-idx3-ubyte", labels: "unrelated", count: 2)
        FormatFixtures.expectError(mentioning: [folder, "split 'train'", "train-images-idx3-ubyte",
                                                "train-labels-idx1-ubyte.gz", "train-labels.idx1-ubyte"]) {
            _ = try IDXFolder.read(folder: folder)
        }
    }

    @Test(.enabled(if: numpyAvailable, "needs python3 with NumPy"))
    func countMismatchBetweenImagesAndLabels() throws {
        let folder = try FormatFixtures.makeFolder()
        defer { FormatFixtures.removeFolder(folder) }
        try Self.writeSplit(folder: folder, images: "t10k-images-idx3-ubyte", labels: "x", count: 4)
        try Self.writeSplit(folder: folder, images: "y", labels: "t10k-labels-idx1-ubyte", count: 3)
        FormatFixtures.expectError(mentioning: [folder, "split 'test'", "4 images but 3 labels"]) {
            _ = try IDXFolder.read(folder: folder)
        }
    }

    @Test func emptyFolderListsEveryNameLookedFor() throws {
        let folder = try FormatFixtures.makeFolder()
        defer { FormatFixtures.removeFolder(folder) }
        let message = FormatFixtures.expectError(mentioning: [folder, "no MNIST IDX files found"]) {
            _ = try IDXFolder.read(folder: folder)
        }
        for prefix in ["train", "t10k"] {
            for name in IDXFolder.candidateNames(prefix: prefix, kind: "images", rank: 3)
                + IDXFolder.candidateNames(prefix: prefix, kind: "labels", rank: 1) {
                #expect(message.contains(name))
            }
        }
        #expect(!IDXFolder.isIDXFolder(folder + "/missing"))
    }

    @Test func damagedFileInAFolderIsNamed() throws {
        let folder = try FormatFixtures.makeFolder()
        defer { FormatFixtures.removeFolder(folder) }
        try FormatFixtures.write([0, 0, 8, 3, 0, 0, 0, 1], to: folder, name: "train-images-idx3-ubyte")
        try FormatFixtures.write([0, 0, 8, 1, 0, 0, 0, 1, 4], to: folder, name: "train-labels-idx1-ubyte")
        FormatFixtures.expectError(mentioning: [folder + "/train-images-idx3-ubyte", "16-byte header"]) {
            _ = try IDXFolder.read(folder: folder)
        }
    }

    @Test(.enabled(if: fashionInstalled, "Debian's fashion-mnist package is not installed"))
    func readsDebianFashionMNIST() throws {
        let dataset = try IDXFolder.read(folder: Self.fashionFolder)
        #expect(dataset.splits.map(\.name) == ["train", "test"])
        #expect(dataset.split(named: "train")?.count == 60_000)
        #expect(dataset.split(named: "test")?.count == 10_000)
        for split in dataset.splits {
            #expect((split.images.rows, split.images.columns) == (28, 28))
            #expect(split.labels.classCounts.count == 10)
        }
        #expect(dataset.classCount == 10)
        // Fashion-MNIST is balanced: 6000 and 1000 of each class.
        #expect(dataset.split(named: "train")?.labels.classCounts == [Int](repeating: 6000, count: 10))
        #expect(dataset.split(named: "test")?.labels.classCounts == [Int](repeating: 1000, count: 10))
    }
}
